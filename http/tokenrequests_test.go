package http_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The REST API of token requests end to end, with a real SMTP server and
// a webhook receiver: bad input is refused with 400 and stores nothing;
// the request is announced to the administrators (mail) and to webhooks
// (token.requested); an administrator approves; only the requester
// collects the token, once; others' requests are not found.
func TestTokenRequestsAPI(t *testing.T) {
	e := newLCEnv(t, lcOptions{mail: true, configure: withApprovalTypes(t)})
	rc := &receiver{t: t, now: e.clock.Now}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	wh := e.admin.do("POST", "/api/v1/webhooks", map[string]any{"url": hook.URL, "events": []string{"token.requested", "token.request.approved", "token.request.denied"}})
	expect(t, wh, http.StatusCreated, "webhook")
	rc.secret = wh.json(t)["secret"].(string)
	ada, adaID := e.userWithEmail("ada")
	expect(t, e.admin.do("PATCH", "/api/v1/users/"+adaID, map[string]any{"roles": []string{"admin"}}), http.StatusOK, "make ada an admin")
	var r response
	mia, _ := e.userWithEmail("mia")
	otto, _ := e.userWithEmail("otto")

	// The types list says which types need approval.
	types := string(mia.do("GET", "/api/v1/token-types", nil).body)
	if !strings.Contains(types, `"name":"ProductionDeployToken"`) || !strings.Contains(types, `"approval_required":true`) || !strings.Contains(types, `"approval_required":false`) {
		t.Fatalf("token types do not show approval_required: %s", types)
	}
	// Such a type is never created directly.
	r = mia.do("POST", "/api/v1/tokens", map[string]any{"type": "ProductionDeployToken", "name": "direct"})
	expect(t, r, http.StatusForbidden, "direct creation")
	if !strings.Contains(string(r.body), "/api/v1/token-requests") {
		t.Errorf("refusal does not point to token requests: %s", r.body)
	}

	for _, bad := range []any{
		map[string]any{"type": "ProductionDeployToken", "name": "deploy"},
		map[string]any{"type": "ProductionDeployToken", "name": "deploy", "justification": " \n "},
		map[string]any{"type": "ProductionDeployToken", "name": "deploy", "justification": strings.Repeat("é", 2001)},
		map[string]any{"type": "ProductionDeployToken", "name": "", "justification": "why"},
		map[string]any{"type": "ProductionDeployToken", "name": "deploy", "justification": "why", "days_to_live": 91},
		map[string]any{"type": "CIToken", "name": "deploy", "justification": "why"},
		`{"type":"ProductionDeployToken","name":"deploy","justification":"why","approver":"me"}`,
		`{"type":"ProductionDeployToken",`,
	} {
		if r := mia.do("POST", "/api/v1/token-requests", bad); r.status != http.StatusBadRequest {
			t.Errorf("request %v: %d, want 400: %s", bad, r.status, r.body)
		}
	}
	if items := e.admin.do("GET", "/api/v1/token-requests?all=true", nil).json(t)["items"].([]any); len(items) != 0 {
		t.Fatalf("after bad requests %d requests are stored, want none", len(items))
	}

	r = mia.do("POST", "/api/v1/token-requests", map[string]any{"type": "ProductionDeployToken", "name": "deploy", "days_to_live": 10, "justification": "release 4.2 goes out on Friday"})
	expect(t, r, http.StatusCreated, "request")
	req := r.json(t)
	id := req["id"].(string)
	if req["status"] != "pending" || r.header.Get("Location") != "/api/v1/token-requests/"+id {
		t.Fatalf("request = %s (Location %q)", r.body, r.header.Get("Location"))
	}
	e.deliver()
	mails := e.smtp.Messages()
	if len(mails) != 1 || mails[0].To[0] != "ada@example.com" || !strings.Contains(string(mails[0].Data), "release 4.2 goes out on Friday") {
		t.Fatalf("mails after the request = %+v, want one to ada with the justification", mails)
	}

	// Others see nothing of it, and cannot decide or collect it.
	for _, path := range []string{"", "/issue", "/cancel"} {
		method := "POST"
		if path == "" {
			method = "GET"
		}
		if r := otto.do(method, "/api/v1/token-requests/"+id+path, nil); r.status != http.StatusNotFound {
			t.Errorf("otto %s %s: %d, want 404", method, path, r.status)
		}
	}
	expect(t, otto.do("POST", "/api/v1/token-requests/"+id+"/approve", nil), http.StatusForbidden, "otto's approval")
	expect(t, mia.do("POST", "/api/v1/token-requests/"+id+"/issue", nil), http.StatusConflict, "collection before approval")

	r = e.admin.do("POST", "/api/v1/token-requests/"+id+"/approve", nil)
	expect(t, r, http.StatusOK, "approval")
	if got := r.json(t); got["status"] != "approved" || got["decided_by"] == "" {
		t.Fatalf("approved = %s", r.body)
	}
	expect(t, e.admin.do("POST", "/api/v1/token-requests/"+id+"/issue", nil), http.StatusForbidden, "the approver's collection")
	r = mia.do("POST", "/api/v1/token-requests/"+id+"/issue", nil)
	expect(t, r, http.StatusCreated, "collection")
	issued := r.json(t)
	plain := issued["token"].(string)
	if issued["encoded"] == "" || issued["type"] != "ProductionDeployToken" || r.header.Get("Location") != "/api/v1/tokens/"+issued["id"].(string) {
		t.Fatalf("issued = %s", r.body)
	}
	if exp, _ := time.Parse(time.RFC3339, issued["expires_at"].(string)); !exp.Equal(e.clock.Now().Add(10 * 24 * time.Hour).Truncate(time.Second)) {
		t.Errorf("token expires %v, want 10 days from the collection", issued["expires_at"])
	}
	if v := e.verifyFrom(plain, "198.51.100.7"); v.status != http.StatusOK {
		t.Fatalf("the collected token does not verify: %d", v.status)
	}
	r = mia.do("POST", "/api/v1/token-requests/"+id+"/issue", nil)
	expect(t, r, http.StatusConflict, "second collection")
	if strings.Contains(string(r.body), plain) {
		t.Fatal("second collection shows the secret")
	}
	if got := mia.do("GET", "/api/v1/token-requests/"+id, nil).json(t); got["status"] != "issued" || got["token_id"] != issued["id"] {
		t.Errorf("request after collection = %v", got)
	}

	// A denial keeps its reason, for the requester and in the audit.
	r = mia.do("POST", "/api/v1/token-requests", map[string]any{"type": "ProductionDeployToken", "name": "deploy-2", "justification": "hotfix"})
	expect(t, r, http.StatusCreated, "second request")
	id2 := r.json(t)["id"].(string)
	expect(t, ada.do("POST", "/api/v1/token-requests/"+id2+"/deny", map[string]any{}), http.StatusBadRequest, "denial without reason")
	expect(t, ada.do("POST", "/api/v1/token-requests/"+id2+"/deny", map[string]any{"reason": "use the hotfix pipeline's token"}), http.StatusOK, "denial")
	if got := mia.do("GET", "/api/v1/token-requests?status=denied", nil).json(t)["items"].([]any); len(got) != 1 || got[0].(map[string]any)["reason"] != "use the hotfix pipeline's token" {
		t.Errorf("mia's denied requests = %v", got)
	}
	audit := string(e.admin.do("GET", "/api/v1/audit?action=token_request.deny", nil).body)
	if !strings.Contains(audit, "use the hotfix pipeline") {
		t.Errorf("audit of the denial lacks the reason: %s", audit)
	}
	e.deliver()
	var toMia []string
	for _, m := range e.smtp.Messages() {
		if m.To[0] == "mia@example.com" {
			toMia = append(toMia, m.Subject)
		}
		if strings.Contains(string(m.Data), plain) {
			t.Fatal("a mail holds the secret")
		}
	}
	if len(toMia) != 2 || !strings.Contains(toMia[0], "approved") || !strings.Contains(toMia[1], "denied") {
		t.Errorf("mails to mia = %q, want the approval and the denial", toMia)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var events []string
	for _, b := range rc.bodies {
		events = append(events, b["type"].(string))
		if raw, _ := json.Marshal(b); strings.Contains(string(raw), plain) {
			t.Fatal("a webhook holds the secret")
		}
	}
	if strings.Join(events, ",") != "token.requested,token.request.approved,token.requested,token.request.denied" || len(rc.bad) != 0 {
		t.Errorf("webhook events = %v (bad %v)", events, rc.bad)
	}
	if d := rc.bodies[0]["data"].(map[string]any)["request"].(map[string]any); d["justification"] != "release 4.2 goes out on Friday" {
		t.Errorf("token.requested data = %v", d)
	}
}
