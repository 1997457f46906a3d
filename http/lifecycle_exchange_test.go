package http_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A JWT from token exchange is a use of the token it came from: its uses
// show in that token's usage per client IP, and an IP blocked for that
// token is refused the JWT too, while other IPs keep working.
func TestExchangedJWTCountsAndObeysTheSourceTokensIPs(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	owner, _ := e.userWithEmail("ola")
	plain, _, id := owner.createToken(map[string]any{"type": "CIToken", "name": "exchanged"})
	r := e.form("/oauth/token", "", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token": {plain}, "subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}})
	expect(t, r, http.StatusOK, "exchange")
	jwt := r.json(t)["access_token"].(string)

	for range 3 {
		expect(t, e.verifyFrom(jwt, "198.51.100.20"), http.StatusOK, "JWT from .20")
	}
	expect(t, e.verifyFrom(jwt, "198.51.100.21"), http.StatusOK, "JWT from .21")
	e.flushUsage()
	usage := string(owner.do("GET", "/api/v1/tokens/"+id+"/usage", nil).body)
	if !strings.Contains(usage, `"ip":"198.51.100.20","first_used"`) || !strings.Contains(usage, `"count":3`) || !strings.Contains(usage, `"ip":"198.51.100.21"`) {
		t.Errorf("usage of the source token = %s, want 3 uses from .20 and 1 from .21", usage)
	}

	expect(t, owner.do("PUT", "/api/v1/tokens/"+id+"/blocked-ips/198.51.100.21", nil), http.StatusOK, "block .21")
	if r := e.verifyFrom(jwt, "198.51.100.21"); r.status != http.StatusForbidden {
		t.Errorf("JWT from the blocked IP: %d %s, want 403", r.status, r.body)
	}
	expect(t, e.verifyFrom(jwt, "198.51.100.20"), http.StatusOK, "JWT from another IP")
	if items := auditItems(t, e.admin, "action=token.verify&outcome=denied&object="+id); len(items) != 1 {
		t.Errorf("refusals from the blocked IP audited %d times, want once", len(items))
	}
}
