package http_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is a webhook endpoint that checks every signature and fails the
// first failFirst deliveries.
type receiver struct {
	t         *testing.T
	secret    string
	failFirst int
	now       func() time.Time

	mu     sync.Mutex
	calls  int
	bodies []map[string]any
	bad    []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.calls++
	if err := checkSignature(rc.secret, r.Header.Get("X-Tokenmint-Signature"), body, rc.now()); err != "" {
		rc.bad = append(rc.bad, err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rc.calls <= rc.failFirst {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		rc.bad = append(rc.bad, "body is not JSON")
	}
	if r.Header.Get("X-Tokenmint-Event") != m["type"] {
		rc.bad = append(rc.bad, "X-Tokenmint-Event does not match the body")
	}
	rc.bodies = append(rc.bodies, m)
	w.WriteHeader(http.StatusNoContent)
}

// checkSignature verifies "t=<unix>,v1=<hex>" as a receiver would: HMAC-SHA256
// over "<t>.<body>", and a timestamp within 5 minutes of now.
func checkSignature(secret, header string, body []byte, now time.Time) string {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return "malformed signature header " + header
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return "stale timestamp"
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return "bad signature"
	}
	return ""
}

// A signed delivery that fails three times arrives on the fourth attempt,
// after the backoff, with a graceful restart in between.
func TestWebhookRetriedWithBackoffAcrossRestart(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	rc := &receiver{t: t, failFirst: 3, now: e.clock.Now}
	hook := httptest.NewServer(rc)
	defer hook.Close()

	r := e.admin.do("POST", "/api/v1/webhooks", map[string]any{"url": hook.URL + "/hook", "events": []string{"token.created", "token.revoked"}})
	expect(t, r, http.StatusCreated, "create webhook")
	created := r.json(t)
	whID := created["id"].(string)
	rc.secret, _ = created["secret"].(string)
	if !strings.HasPrefix(rc.secret, "whsec_") {
		t.Fatalf("create answer has no generated secret: %s", r.body)
	}
	for _, path := range []string{"/api/v1/webhooks/" + whID, "/api/v1/webhooks"} {
		if r := e.admin.do("GET", path, nil); strings.Contains(string(r.body), rc.secret) || strings.Contains(string(r.body), `"secret"`) {
			t.Fatalf("GET %s shows the secret: %s", path, r.body)
		}
	}

	_, _, tokID := e.admin.createToken(map[string]any{"type": "CIToken", "name": "hooked"})
	deliveries := func() []map[string]any {
		r := e.admin.do("GET", "/api/v1/webhooks/"+whID+"/deliveries", nil)
		expect(t, r, http.StatusOK, "list deliveries")
		var out []map[string]any
		for _, it := range r.json(t)["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	attempt := func(wantCalls int, wantStatus string) {
		t.Helper()
		e.deliver()
		rc.mu.Lock()
		calls := rc.calls
		rc.mu.Unlock()
		if calls != wantCalls {
			t.Fatalf("receiver called %d times, want %d", calls, wantCalls)
		}
		ds := deliveries()
		if len(ds) != 1 || ds[0]["status"] != wantStatus || int(ds[0]["attempts"].(float64)) != wantCalls {
			t.Fatalf("deliveries = %v, want one %s after %d attempts", ds, wantStatus, wantCalls)
		}
	}
	attempt(1, "pending") // fails: 500
	if ds := deliveries(); ds[0]["last_status_code"] != float64(500) || ds[0]["event"] != "token.created" {
		t.Errorf("delivery after a 500: %v", ds[0])
	}
	e.clock.Advance(9 * time.Second)
	attempt(1, "pending") // not due yet: the first retry waits 10 s
	e.clock.Advance(time.Second)
	attempt(2, "pending")

	e.restart() // the outbox is in the database: nothing is lost

	e.clock.Advance(20 * time.Second)
	attempt(3, "pending")
	e.clock.Advance(39 * time.Second)
	attempt(3, "pending") // the third retry waits 40 s
	e.clock.Advance(time.Second)
	attempt(4, "delivered")

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		t.Fatalf("receiver rejected deliveries: %v", rc.bad)
	}
	if len(rc.bodies) != 1 {
		t.Fatalf("receiver accepted %d deliveries, want 1", len(rc.bodies))
	}
	b := rc.bodies[0]
	tok, _ := b["data"].(map[string]any)["token"].(map[string]any)
	if b["type"] != "token.created" || tok["id"] != tokID || tok["status"] != "active" {
		t.Errorf("delivered body = %v", b)
	}
}

// Webhook input is validated and bad input changes nothing.
func TestWebhookValidation(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	for _, body := range []any{
		map[string]any{"url": "ftp://example.com/x", "events": []string{"token.created"}},
		map[string]any{"url": "https://user:pw@example.com/x", "events": []string{"token.created"}},
		map[string]any{"url": "https://example.com/x", "events": []string{"token.exploded"}},
		map[string]any{"url": "https://example.com/x", "events": []string{}},
		map[string]any{"url": "https://example.com/x", "events": []string{"token.created"}, "secret": "short"},
		map[string]any{"url": "https://example.com/x", "events": []string{"token.created"}, "colour": "red"},
	} {
		r := e.admin.do("POST", "/api/v1/webhooks", body)
		if r.status != http.StatusBadRequest || r.errorCode(t) != "invalid" {
			t.Errorf("POST %v: %d %s, want 400", body, r.status, r.body)
		}
	}
	if r := e.admin.do("GET", "/api/v1/webhooks", nil); !strings.Contains(string(r.body), `"items":[]`) {
		t.Errorf("refused webhooks were stored: %s", r.body)
	}
	member, _ := e.userWithEmail("mia")
	if r := member.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/x", "events": []string{"token.created"}}); r.status != http.StatusForbidden {
		t.Errorf("member creates webhook: %d", r.status)
	}
	if items := auditItems(t, e.admin, "action=webhook.create&outcome=denied"); len(items) != 1 {
		t.Errorf("the refused webhook creation is audited as %v, want one denied entry", items)
	}

	r := e.admin.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/x", "events": []string{"token.created"}, "secret": "my-own-secret-0123456789"})
	expect(t, r, http.StatusCreated, "create with own secret")
	id := r.json(t)["id"].(string)
	r = e.admin.do("PATCH", "/api/v1/webhooks/"+id, map[string]any{"enabled": false, "events": []string{"token.leaked"}})
	expect(t, r, http.StatusOK, "patch")
	if m := r.json(t); m["enabled"] != false || m["secret"] != nil {
		t.Errorf("patched webhook = %v", m)
	}
	expect(t, e.admin.do("DELETE", "/api/v1/webhooks/"+id, nil), http.StatusNoContent, "delete")
	expect(t, e.admin.do("GET", "/api/v1/webhooks/"+id, nil), http.StatusNotFound, "get deleted")
}

// A redirect is a failed attempt: the event is not posted to wherever the
// receiver points.
func TestWebhookRedirectIsNotFollowed(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	var mu sync.Mutex
	elsewhere := 0
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		elsewhere++
		mu.Unlock()
	}))
	defer other.Close()
	redirector := httptest.NewServer(http.RedirectHandler(other.URL, http.StatusTemporaryRedirect))
	defer redirector.Close()
	r := e.admin.do("POST", "/api/v1/webhooks", map[string]any{"url": redirector.URL, "events": []string{"token.created"}})
	expect(t, r, http.StatusCreated, "webhook")
	whID := r.json(t)["id"].(string)
	e.admin.createToken(map[string]any{"type": "CIToken", "name": "redirected"})
	e.deliver()
	ds := e.admin.do("GET", "/api/v1/webhooks/"+whID+"/deliveries", nil).json(t)["items"].([]any)
	d := ds[0].(map[string]any)
	if d["status"] != "pending" || d["last_status_code"] != float64(http.StatusTemporaryRedirect) {
		t.Errorf("delivery after a redirect = %v, want pending with 307", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if elsewhere != 0 {
		t.Errorf("the redirect target got %d requests", elsewhere)
	}
}

// A webhook may not point at an internal address unless the operator
// allows its network: creating or moving one there is refused with a
// message naming the setting, and nothing changes.
func TestWebhookToInternalAddressIsRefused(t *testing.T) {
	e := newLCEnv(t, lcOptions{webhookNetworks: []netip.Prefix{}})
	for _, u := range []string{"http://127.0.0.1:9000/hook", "http://[::1]/hook", "http://localhost:8080/", "http://169.254.169.254/latest/meta-data", "https://10.0.0.8/x"} {
		r := e.admin.do("POST", "/api/v1/webhooks", map[string]any{"url": u, "events": []string{"token.created"}})
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "--webhook-allowed-networks") {
			t.Errorf("POST webhook to %s: %d %s, want 400 naming --webhook-allowed-networks", u, r.status, r.body)
		}
	}
	if r := e.admin.do("GET", "/api/v1/webhooks", nil); !strings.Contains(string(r.body), `"items":[]`) {
		t.Errorf("refused webhooks were stored: %s", r.body)
	}
	r := e.admin.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://hooks.example.com/x", "events": []string{"token.created"}})
	expect(t, r, http.StatusCreated, "webhook to a public name")
	id := r.json(t)["id"].(string)
	expect(t, e.admin.do("PATCH", "/api/v1/webhooks/"+id, map[string]any{"url": "http://192.168.1.1/"}), http.StatusBadRequest, "move to a private address")
	if got := e.admin.do("GET", "/api/v1/webhooks/"+id, nil).json(t)["url"]; got != "https://hooks.example.com/x" {
		t.Errorf("url after the refused move = %v", got)
	}
}
