package http_test

import (
	"fmt"
	"net/http"
	"testing"
)

// A token request keeps the networks and the rate limit of its body
// through approval and collection: the administrator deciding sees them,
// and the collected token is bound and limited as asked. Before requests
// kept them, both were dropped and the token was broader than asked for.
func TestTokenRequestKeepsNetworksAndRateLimitAPI(t *testing.T) {
	e := newLCEnv(t, lcOptions{configure: withApprovalTypes(t)})
	mia, _ := e.userWithEmail("mia")

	for _, bad := range []map[string]any{
		{"allowed_cidrs": []string{"10.0.0.0/33"}},
		{"allowed_cidrs": []string{""}},
		{"rate_limit": map[string]any{"requests": 0, "per_seconds": 60}},
	} {
		body := map[string]any{"type": "ProductionDeployToken", "name": "deploy", "justification": "release 4.2"}
		for k, v := range bad {
			body[k] = v
		}
		if r := mia.do("POST", "/api/v1/token-requests", body); r.status != http.StatusBadRequest {
			t.Errorf("request with %v: %d, want 400: %s", bad, r.status, r.body)
		}
	}
	if items := e.admin.do("GET", "/api/v1/token-requests?all=true", nil).json(t)["items"].([]any); len(items) != 0 {
		t.Fatalf("after bad requests %d requests are stored, want none", len(items))
	}

	r := mia.do("POST", "/api/v1/token-requests", map[string]any{
		"type": "ProductionDeployToken", "name": "deploy", "justification": "release 4.2 goes out on Friday",
		"allowed_cidrs": []string{"192.0.2.7", "10.0.0.0/8"},
		"rate_limit":    map[string]any{"requests": 2, "per_seconds": 60},
	})
	expect(t, r, http.StatusCreated, "request with networks and a rate limit")
	const nets = "[10.0.0.0/8 192.0.2.7/32]"
	const limit = "map[per_seconds:60 requests:2]"
	settings := func(m map[string]any) (string, string) {
		return fmt.Sprint(m["allowed_cidrs"]), fmt.Sprint(m["rate_limit"])
	}
	id := r.json(t)["id"].(string)
	if n, l := settings(r.json(t)); n != nets || l != limit {
		t.Fatalf("request answer shows networks %s, rate limit %s: %s", n, l, r.body)
	}
	// The deciding administrator sees them, in the list and the request.
	items := e.admin.do("GET", "/api/v1/token-requests?all=true", nil).json(t)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("%d requests listed, want 1", len(items))
	}
	if n, l := settings(items[0].(map[string]any)); n != nets || l != limit {
		t.Fatalf("administrator's list shows networks %s, rate limit %s", n, l)
	}
	if n, l := settings(e.admin.do("GET", "/api/v1/token-requests/"+id, nil).json(t)); n != nets || l != limit {
		t.Fatalf("administrator's view shows networks %s, rate limit %s", n, l)
	}

	expect(t, e.admin.do("POST", "/api/v1/token-requests/"+id+"/approve", nil), http.StatusOK, "approval")
	r = mia.do("POST", "/api/v1/token-requests/"+id+"/issue", nil)
	expect(t, r, http.StatusCreated, "collection")
	issued := r.json(t)
	plain := issued["token"].(string)
	tok := mia.do("GET", "/api/v1/tokens/"+issued["id"].(string), nil)
	expect(t, tok, http.StatusOK, "the collected token")
	if n, l := settings(tok.json(t)); n != nets || l != limit {
		t.Fatalf("collected token has networks %s, rate limit %s: %s", n, l, tok.body)
	}
	// The binding and the limit hold when the token is used.
	if v := e.verifyFrom(plain, "203.0.113.9"); v.status != http.StatusForbidden {
		t.Fatalf("collected token used from outside its networks: %d, want 403", v.status)
	}
	for i := 0; i < 2; i++ {
		if v := e.verifyFrom(plain, "10.1.2.3"); v.status != http.StatusOK {
			t.Fatalf("use %d from inside its networks: %d, want 200", i+1, v.status)
		}
	}
	if v := e.verifyFrom(plain, "10.1.2.3"); v.status != http.StatusTooManyRequests {
		t.Fatalf("third use within a minute under 2/60: %d, want 429", v.status)
	}
}
