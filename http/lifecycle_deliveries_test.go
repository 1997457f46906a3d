package http_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"tokenmint"
)

// expiryNoticeWithFailingWebhook starts a server where one token enters
// its notice window at once: its owner nora gets one e-mail, and a webhook
// whose receiver answers status gets one failed post.
func expiryNoticeWithFailingWebhook(t *testing.T, status int) (*lcEnv, *client) {
	t.Helper()
	e := newLCEnv(t, lcOptions{mail: true})
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down for maintenance", status)
	}))
	t.Cleanup(failing.Close)
	expect(t, e.admin.do("POST", "/api/v1/webhooks", map[string]any{"url": failing.URL, "events": []string{"token.expiring"}}), http.StatusCreated, "webhook")
	nora, _ := e.userWithEmail("nora")
	nora.createToken(map[string]any{"type": "CIToken", "name": "soon-gone", "days_to_live": 7})
	e.runJobs()
	return e, nora
}

// GET /api/v1/deliveries shows how every e-mail notice and webhook post of
// the tenant fared, filtered by channel and status and paginated; only
// administrators see it, and a bad filter is a 400.
func TestDeliveryStatusAPI(t *testing.T) {
	e, nora := expiryNoticeWithFailingWebhook(t, http.StatusServiceUnavailable)

	list := func(query string) []map[string]any {
		t.Helper()
		r := e.admin.do("GET", "/api/v1/deliveries"+query, nil)
		expect(t, r, http.StatusOK, "deliveries"+query)
		var out []map[string]any
		for _, it := range r.json(t)["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	mails := list("?channel=email")
	if len(mails) != 1 || mails[0]["status"] != "delivered" || mails[0]["recipient"] != "nora@example.com" ||
		mails[0]["event"] != tokenmint.EventTokenExpiring || mails[0]["attempts"] != float64(1) || mails[0]["delivered_at"] == nil {
		t.Fatalf("e-mail deliveries = %v, want the delivered expiry notice to nora", mails)
	}
	if len(e.smtp.Messages()) != 1 {
		t.Errorf("the SMTP server got %d messages, want 1", len(e.smtp.Messages()))
	}
	hooks := list("?channel=webhook&status=pending")
	if len(hooks) != 1 || hooks[0]["last_status_code"] != float64(http.StatusServiceUnavailable) || hooks[0]["last_error"] == "" {
		t.Fatalf("pending webhook deliveries = %v, want the one the receiver refused", hooks)
	}
	if got := list("?status=failed"); len(got) != 0 {
		t.Errorf("failed deliveries = %v, want none", got)
	}

	// Paging: newest first, one at a time.
	r := e.admin.do("GET", "/api/v1/deliveries?limit=1", nil)
	expect(t, r, http.StatusOK, "first page")
	page := r.json(t)
	cursor, _ := page["next_cursor"].(string)
	if len(page["items"].([]any)) != 1 || cursor == "" {
		t.Fatalf("first page = %v, want one item and a cursor", page)
	}
	r = e.admin.do("GET", "/api/v1/deliveries?limit=1&cursor="+cursor, nil)
	expect(t, r, http.StatusOK, "second page")
	page2 := r.json(t)
	if len(page2["items"].([]any)) != 1 || page2["next_cursor"] != nil {
		t.Errorf("second page = %v, want the last item", page2)
	}
	first := page["items"].([]any)[0].(map[string]any)["id"].(float64)
	second := page2["items"].([]any)[0].(map[string]any)["id"].(float64)
	if second >= first {
		t.Errorf("pages not newest first: %v then %v", first, second)
	}

	for _, q := range []string{"?channel=fax", "?status=lost", "?limit=0", "?limit=501", "?cursor=abc"} {
		if r := e.admin.do("GET", "/api/v1/deliveries"+q, nil); r.status != http.StatusBadRequest || r.errorCode(t) != "invalid" {
			t.Errorf("GET deliveries%s: %d %s, want 400", q, r.status, r.body)
		}
	}
	if r := nora.do("GET", "/api/v1/deliveries", nil); r.status != http.StatusForbidden {
		t.Errorf("a member lists deliveries: %d, want 403", r.status)
	}
}

// The Notifications page shows each e-mail notice and webhook post with
// its recipient or webhook, status and last error, filtered by channel
// and status; a bad filter is shown next to the field, not as a raw error.
func TestUINotificationsPage(t *testing.T) {
	e, _ := expiryNoticeWithFailingWebhook(t, http.StatusBadGateway)

	page := uiDo(t, e.admin, "GET", "/ui/admin/deliveries", nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, "nora@example.com") || !strings.Contains(page.body, "(HTTP 502)") ||
		!strings.Contains(page.body, `data-channel="email" data-status="delivered"`) || !strings.Contains(page.body, `data-channel="webhook" data-status="pending"`) {
		t.Fatalf("notifications page: %d %.3000s", page.status, page.body)
	}
	mail := uiDo(t, e.admin, "GET", "/ui/admin/deliveries?channel=email", nil)
	if !strings.Contains(mail.body, "nora@example.com") || strings.Contains(mail.body, `data-channel="webhook"`) {
		t.Errorf("channel=email shows: %.3000s", mail.body)
	}
	bad := uiDo(t, e.admin, "GET", "/ui/admin/deliveries?status=lost", nil)
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "Status must be pending, delivered or failed") || strings.Contains(bad.body, `{"error"`) {
		t.Errorf("bad filter: %d %.3000s", bad.status, bad.body)
	}
}

// /metrics counts finished delivery attempts by channel and outcome, and
// shows the usage buffer.
func TestDeliveryMetrics(t *testing.T) {
	e, nora := expiryNoticeWithFailingWebhook(t, http.StatusServiceUnavailable)
	plain, _, _ := nora.createToken(map[string]any{"type": "CIToken", "name": "used"})
	expect(t, e.verifyFrom(plain, "198.51.100.9"), http.StatusOK, "a use to buffer")
	r := e.withToken("").do("GET", "/metrics", nil)
	expect(t, r, http.StatusOK, "metrics")
	body := string(r.body)
	for _, want := range []string{
		`tokenmint_delivery_attempts_total{channel="email",outcome="delivered"} 1`,
		`tokenmint_delivery_attempts_total{channel="webhook",outcome="retry"} 1`,
		`tokenmint_delivery_attempts_total{channel="webhook",outcome="delivered"} 0`,
		`tokenmint_usage_buffer_pairs 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
