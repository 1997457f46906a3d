package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Token creation stops at the policy's max_tokens_per_owner live tokens
// per owner (user or application) with a 409 naming the limit; revoked
// tokens make room; 0 lifts the limit.
func TestTokenQuotaPerOwner(t *testing.T) {
	e := newEnv(t)
	if pol := e.admin.do("GET", "/api/v1/policies", nil).json(t); pol["max_tokens_per_owner"] != float64(500) {
		t.Errorf("default max_tokens_per_owner = %v, want 500", pol["max_tokens_per_owner"])
	}
	for _, bad := range []int{-1, 1000001} {
		if r := e.admin.do("PUT", "/api/v1/policies", map[string]any{"max_tokens_per_owner": bad}); r.status != http.StatusBadRequest || !strings.Contains(r.message(t), "max_tokens_per_owner") {
			t.Errorf("max_tokens_per_owner %d: %d %s, want 400", bad, r.status, r.body)
		}
	}
	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"max_tokens_per_owner": 2}), http.StatusOK, "set quota")

	_, _, first := e.admin.createToken(map[string]any{"type": "CIToken", "name": "one"})
	e.admin.createToken(map[string]any{"type": "CIToken", "name": "two"})
	r := e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "three"})
	if r.status != http.StatusConflict || !strings.Contains(r.message(t), "max_tokens_per_owner") || !strings.Contains(r.message(t), "2 live tokens") {
		t.Fatalf("third token with a quota of 2: %d %s, want 409 naming the limit", r.status, r.body)
	}
	// Another owner has their own count.
	other, _ := e.createUser("olga")
	other.createToken(map[string]any{"type": "CIToken", "name": "olga's"})
	// A revoked token no longer counts.
	expect(t, e.admin.do("DELETE", "/api/v1/tokens/"+first, nil), http.StatusNoContent, "revoke")
	e.admin.createToken(map[string]any{"type": "CIToken", "name": "three"})

	// Applications' tokens count per application.
	app := e.admin.do("POST", "/api/v1/applications", map[string]any{"name": "ci", "access_types": []string{"read-only"}}).json(t)["id"].(string)
	for i, want := range []int{http.StatusCreated, http.StatusCreated, http.StatusConflict} {
		if r := e.admin.do("POST", "/api/v1/applications/"+app+"/tokens", map[string]any{"name": fmt.Sprintf("app-%d", i)}); r.status != want {
			t.Errorf("application token %d: %d %s, want %d", i+1, r.status, r.body, want)
		}
	}
	// 0: no limit.
	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"max_tokens_per_owner": 0}), http.StatusOK, "lift quota")
	e.admin.createToken(map[string]any{"type": "CIToken", "name": "four"})
}

// Concurrent creations by one owner never overshoot the quota: with a
// quota of 5, exactly 5 of 30 simultaneous requests are created and the
// rest are 409.
func TestTokenQuotaHoldsUnderConcurrentCreations(t *testing.T) {
	e := newEnv(t)
	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"max_tokens_per_owner": 5}), http.StatusOK, "set quota")
	const tries = 30
	statuses := make([]int, tries)
	messages := make([]string, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": fmt.Sprintf("burst-%d", i)})
			statuses[i], messages[i] = r.status, string(r.body)
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for i, s := range statuses {
		count[s]++
		if s == http.StatusConflict && !strings.Contains(messages[i], "max_tokens_per_owner") {
			t.Errorf("creation %d: 409 %s, want the quota's", i, messages[i])
		}
	}
	if count[http.StatusCreated] != 5 || count[http.StatusConflict] != tries-5 {
		t.Errorf("statuses of %d concurrent creations with a quota of 5: %v, want 5 created and the rest 409", tries, count)
	}
	list := e.admin.do("GET", "/api/v1/tokens?limit=500", nil).json(t)["items"].([]any)
	if len(list) != 5 {
		t.Errorf("%d tokens stored, want 5", len(list))
	}
}

// The policy page shows the quota and saves it.
func TestUIPolicySetsTokenQuota(t *testing.T) {
	e := newEnv(t)
	if r := e.admin.do("GET", "/ui/admin/policy", nil); r.status != http.StatusOK || !strings.Contains(string(r.body), `name="max_tokens_per_owner"`) {
		t.Fatalf("policy page: %d, want the max_tokens_per_owner field", r.status)
	}
}
