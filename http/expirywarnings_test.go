package http_test

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tokenmint"
	"tokenmint/smtp/smtptest"
)

// mailText decodes the plain-text body of a captured message.
func mailText(t *testing.T, m smtptest.Message) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noticeDays reads a policy's expiry_notice_days.
func noticeDays(t *testing.T, m map[string]any) []int {
	t.Helper()
	list, ok := m["expiry_notice_days"].([]any)
	if !ok {
		t.Fatalf("expiry_notice_days = %v, want a list", m["expiry_notice_days"])
	}
	out := []int{}
	for _, v := range list {
		out = append(out, int(v.(float64)))
	}
	return out
}

// The policy answers expiry_notice_days as a list (default [30, 7, 1]),
// accepts a list in any order (stored farthest first) or the plain number
// older clients send, and refuses duplicates, 0, 366 and 11 entries with
// 400, changing nothing.
func TestPolicyExpiryNoticeDays(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	p := e.admin.do("GET", "/api/v1/policies", nil).json(t)
	if got := noticeDays(t, p); !slices.Equal(got, []int{30, 7, 1}) {
		t.Errorf("default expiry_notice_days = %v, want [30 7 1]", got)
	}
	if p["expiry_digest"] != false || p["expiry_digest_weekday"] != "monday" {
		t.Errorf("default digest = %v on %v, want off, monday", p["expiry_digest"], p["expiry_digest_weekday"])
	}
	for _, c := range []struct {
		body any
		want []int
	}{
		{14, []int{14}},
		{[]int{1, 60, 7}, []int{60, 7, 1}},
		{0, []int{}},
		{[]int{}, []int{}},
		{[]int{365, 1}, []int{365, 1}},
	} {
		r := e.admin.do("PUT", "/api/v1/policies", map[string]any{"expiry_notice_days": c.body})
		expect(t, r, http.StatusOK, "put expiry_notice_days")
		if got := noticeDays(t, r.json(t)); !slices.Equal(got, c.want) {
			t.Errorf("PUT %v answered %v, want %v", c.body, got, c.want)
		}
		if got := noticeDays(t, e.admin.do("GET", "/api/v1/policies", nil).json(t)); !slices.Equal(got, c.want) {
			t.Errorf("after PUT %v: GET answers %v, want %v", c.body, got, c.want)
		}
	}
	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"expiry_notice_days": []int{30, 7, 1}}), http.StatusOK, "back to the default")
	eleven := []int{}
	for i := 1; i <= 11; i++ {
		eleven = append(eleven, i)
	}
	for _, bad := range []any{[]int{7, 7}, []int{30, 0}, []int{366}, eleven, -1, 366, "7", []any{1.5}, []any{"7"}} {
		r := e.admin.do("PUT", "/api/v1/policies", map[string]any{"expiry_notice_days": bad, "max_lifetime_days": 90})
		if r.status != http.StatusBadRequest || !strings.Contains(r.message(t), "expiry_notice_days") {
			t.Errorf("PUT expiry_notice_days %v: %d %s, want 400 naming the field", bad, r.status, r.body)
		}
	}
	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"expiry_digest_weekday": "someday"}), http.StatusBadRequest, "unknown weekday")
	p = e.admin.do("GET", "/api/v1/policies", nil).json(t)
	if got := noticeDays(t, p); !slices.Equal(got, []int{30, 7, 1}) || p["max_lifetime_days"] != float64(0) || p["expiry_digest_weekday"] != "monday" {
		t.Errorf("refused changes were applied: %v", p)
	}
	// A day name in any case is read and kept in lower case.
	r := e.admin.do("PUT", "/api/v1/policies", map[string]any{"expiry_digest_weekday": " Friday"})
	expect(t, r, http.StatusOK, "capitalised weekday")
	p = r.json(t)
	if p["expiry_digest_weekday"] != "friday" {
		t.Errorf("weekday \" Friday\" kept as %v, want friday", p["expiry_digest_weekday"])
	}
}

// Under the default [30, 7, 1] the owner gets one e-mail and the webhook
// one token.expiring per window, each saying the days left and the
// window.
func TestExpiryNoticePerWindowByMailAndWebhook(t *testing.T) {
	e := newLCEnv(t, lcOptions{mail: true})
	rc := &receiver{t: t, now: e.clock.Now}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	r := e.admin.do("POST", "/api/v1/webhooks", map[string]any{"url": hook.URL, "events": []string{"token.expiring"}})
	expect(t, r, http.StatusCreated, "webhook")
	rc.secret, _ = r.json(t)["secret"].(string)
	nora, _ := e.userWithEmail("nora")
	nora.createToken(map[string]any{"type": "CIToken", "name": "nightly", "days_to_live": 35})
	for day := 0; day <= 35; day++ {
		e.runJobs()
		e.clock.Advance(tokenmint.Day)
	}
	var subjects, texts []string
	for _, m := range e.smtp.Messages() {
		if strings.Contains(m.Subject, "expires on") {
			subjects = append(subjects, m.Subject)
			texts = append(texts, mailText(t, m))
		}
	}
	wantDays := []int{30, 7, 1}
	if len(subjects) != 3 {
		t.Fatalf("expiry warnings = %q, want 3", subjects)
	}
	for i, d := range wantDays {
		left := "in " + strconv.Itoa(d) + " day"
		if !strings.Contains(subjects[i], left) || !strings.Contains(texts[i], "told "+strconv.Itoa(d)+" day") {
			t.Errorf("warning %d: %q / %q, want %q and the window", i, subjects[i], texts[i], left)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		t.Fatalf("webhook: %v", rc.bad)
	}
	var got [][2]float64
	for _, b := range rc.bodies {
		data := b["data"].(map[string]any)
		w, _ := data["window_days"].(float64)
		left, _ := data["days_left"].(float64)
		got = append(got, [2]float64{w, left})
	}
	if want := [][2]float64{{30, 30}, {7, 7}, {1, 1}}; !slices.Equal(got, want) {
		t.Errorf("webhook (window_days, days_left) = %v, want %v", got, want)
	}
}

// The weekly digest: on the policy's weekday each user with tokens
// expiring in the next 30 days gets one e-mail listing them (not the
// later ones), once that week whatever reruns, restarts or a change of
// weekday; a user with nothing expiring gets none.
func TestWeeklyExpiryDigest(t *testing.T) {
	e := newLCEnv(t, lcOptions{mail: true}) // the clock starts on Monday 2026-01-05
	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"expiry_notice_days": []int{}, "expiry_digest": true, "expiry_digest_weekday": "monday"}), http.StatusOK, "digest on")
	nora, _ := e.userWithEmail("nora")
	omar, _ := e.userWithEmail("omar")
	_, _, soon := nora.createToken(map[string]any{"type": "CIToken", "name": "soon-token", "days_to_live": 10})
	_, _, later := nora.createToken(map[string]any{"type": "CIToken", "name": "later-token", "days_to_live": 20})
	nora.createToken(map[string]any{"type": "CIToken", "name": "far-token", "days_to_live": 60})
	omar.createToken(map[string]any{"type": "CIToken", "name": "omar-token", "days_to_live": 90})
	digests := func() []smtptest.Message {
		var out []smtptest.Message
		for _, m := range e.smtp.Messages() {
			if strings.Contains(m.Subject, "expire in the next 30 days") {
				out = append(out, m)
			}
		}
		return out
	}
	e.runJobs()
	e.runJobs()
	e.restart()
	e.runJobs()
	got := digests()
	if len(got) != 1 {
		t.Fatalf("digests on Monday = %d, want 1", len(got))
	}
	m := got[0]
	text := mailText(t, m)
	if !slices.Equal(m.To, []string{"nora@example.com"}) || !strings.Contains(m.Subject, "2 of your tokens") {
		t.Errorf("digest to %v: %q", m.To, m.Subject)
	}
	for _, want := range []string{"soon-token", "later-token", "/ui/tokens/" + soon, "/ui/tokens/" + later, "CIToken", "2026-01-15"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "far-token") || strings.Contains(text, "omar") {
		t.Errorf("digest lists a token outside the window or of another owner:\n%s", text)
	}
	if strings.Index(text, "soon-token") > strings.Index(text, "later-token") {
		t.Errorf("digest is not soonest first:\n%s", text)
	}
	e.clock.Advance(tokenmint.Day) // Tuesday
	e.runJobs()
	if n := len(digests()); n != 1 {
		t.Fatalf("digests by Tuesday = %d, want still 1", n)
	}
	// Moving the digest to Tuesday in a week that had it sends none twice.
	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"expiry_digest_weekday": "tuesday"}), http.StatusOK, "digest on tuesdays")
	e.runJobs()
	if n := len(digests()); n != 1 {
		t.Fatalf("digests after moving the day within the week = %d, want still 1", n)
	}
	e.clock.Advance(7 * tokenmint.Day) // next Tuesday
	e.runJobs()
	if n := len(digests()); n != 2 {
		t.Fatalf("digests a week later = %d, want 2", n)
	}
	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"expiry_digest": false}), http.StatusOK, "digest off")
	e.clock.Advance(7 * tokenmint.Day)
	e.runJobs()
	if n := len(digests()); n != 2 {
		t.Fatalf("digests with the digest off = %d, want still 2", n)
	}
}

// The dashboard API names the day on which many tokens expire at once,
// and the token list's expires_on filter lists exactly those tokens.
func TestDashboardExpiryCliffAPI(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	// A normal spread: one token every 20 days.
	for i := 1; i <= 15; i++ {
		e.admin.createToken(map[string]any{"type": "CIToken", "name": "spread-" + strconv.Itoa(i), "days_to_live": i * 20})
	}
	cliffs := func() []any {
		r := e.admin.do("GET", "/api/v1/dashboard", nil)
		expect(t, r, http.StatusOK, "dashboard")
		return r.json(t)["expiry_cliffs"].([]any)
	}
	if got := cliffs(); len(got) != 0 {
		t.Fatalf("cliffs of a normal spread = %v, want none", got)
	}
	// Seven tokens made under an old policy all expire on one day.
	for i := 1; i <= 7; i++ {
		e.admin.createToken(map[string]any{"type": "CIToken", "name": "old-policy-" + strconv.Itoa(i), "days_to_live": 45})
	}
	got := cliffs()
	day := e.clock.Now().Add(45 * tokenmint.Day).Format("2006-01-02")
	if len(got) != 1 || got[0].(map[string]any)["date"] != day || got[0].(map[string]any)["count"] != float64(7) {
		t.Fatalf("cliffs = %v, want 7 on %s", got, day)
	}
	r := e.admin.do("GET", "/api/v1/tokens?all=true&status=active&expires_on="+day, nil)
	expect(t, r, http.StatusOK, "list by expires_on")
	items := r.json(t)["items"].([]any)
	if len(items) != 7 {
		t.Fatalf("tokens expiring on %s = %d, want 7", day, len(items))
	}
	for _, it := range items {
		if name := it.(map[string]any)["name"].(string); !strings.HasPrefix(name, "old-policy-") {
			t.Errorf("listed %s", name)
		}
	}
	for _, bad := range []string{"2026-13-01", "tomorrow", "2026-01-05T00:00:00Z"} {
		expect(t, e.admin.do("GET", "/api/v1/tokens?expires_on="+bad, nil), http.StatusBadRequest, "bad expires_on "+bad)
	}
}
