package envoy_test

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc/codes"

	"tokenmint"
	"tokenmint/envoy"
	"tokenmint/secret"
	"tokenmint/service"
)

// wantDenied checks a refusal: the check's gRPC code, the HTTP status and
// error code Envoy sends the client, and WWW-Authenticate where the HTTP
// endpoint sends it.
func wantDenied(t *testing.T, res *authv3.CheckResponse, code codes.Code, httpStatus int, errCode string) {
	t.Helper()
	if got := codes.Code(res.GetStatus().GetCode()); got != code {
		t.Fatalf("check status %v (%s), want %v", got, res.GetStatus().GetMessage(), code)
	}
	d := res.GetDeniedResponse()
	if d == nil {
		t.Fatalf("no denied response in %v", res)
	}
	if got := int(d.GetStatus().GetCode()); got != httpStatus {
		t.Errorf("denied with HTTP %d, want %d", got, httpStatus)
	}
	h := headers(t, d.GetHeaders())
	if h["Content-Type"] != "application/json" || !strings.Contains(d.GetBody(), `"code":"`+errCode+`"`) {
		t.Errorf("denied body %q (Content-Type %q), want the JSON error %s", d.GetBody(), h["Content-Type"], errCode)
	}
	want := map[int]string{401: `error="invalid_token"`, 403: `error="insufficient_scope"`}[httpStatus]
	if got := h["WWW-Authenticate"]; (want == "") != (got == "") || !strings.Contains(got, want) {
		t.Errorf("WWW-Authenticate %q, want one with %q", got, want)
	}
}

func wantAllowed(t *testing.T, res *authv3.CheckResponse) *authv3.OkHttpResponse {
	t.Helper()
	if got := codes.Code(res.GetStatus().GetCode()); got != codes.OK || res.GetOkResponse() == nil {
		t.Fatalf("check status %v (%s), denied %v, want OK", got, res.GetStatus().GetMessage(), res.GetDeniedResponse())
	}
	return res.GetOkResponse()
}

// An allowed check adds the identity to the upstream request, replacing
// whatever the client sent under those names, removes the identity
// headers it does not set, and tells the client the token's expiry. The
// encoded form in Basic (token as user name) is accepted as over HTTP,
// and the use is recorded for the downstream client's address.
func TestCheckAllowsWithIdentityHeaders(t *testing.T) {
	e := newEnv(t, envOptions{})
	plain, encoded, id := e.createToken("CIToken", "")
	tok, err := e.svc.GetToken(e.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	for name, auth := range map[string]string{
		"bearer":         "Bearer " + plain,
		"basic encoded":  "Basic " + base64.StdEncoding.EncodeToString([]byte(encoded+":")),
		"bearer encoded": "Bearer " + encoded,
	} {
		ok := wantAllowed(t, e.check(check{
			headers:    map[string]string{"authorization": auth, "x-auth-subject": "someone-else"},
			extensions: map[string]string{"tokenmint.permission": "api:read,results:upload"},
		}))
		h := headers(t, ok.GetHeaders())
		want := map[string]string{
			"X-Auth-Subject": tok.OwnerID, "X-Auth-Tenant": "default", "X-Auth-Owner-Kind": "user",
			"X-Auth-Token-Id": id, "X-Auth-Token-Type": "CIToken",
			"X-Token-Expiration": tok.ExpiresAt.UTC().Format(time.RFC3339),
		}
		for k, v := range want {
			if h[k] != v {
				t.Errorf("%s: upstream header %s = %q, want %q", name, k, h[k], v)
			}
		}
		if !slices.Contains(ok.GetHeadersToRemove(), "X-Auth-Project") {
			t.Errorf("%s: X-Auth-Project is not removed from a request checked without a project: %v", name, ok.GetHeadersToRemove())
		}
		if toClient := headers(t, ok.GetResponseHeadersToAdd()); toClient["X-Token-Expiration"] != want["X-Token-Expiration"] {
			t.Errorf("%s: the client is told X-Token-Expiration %q, want %q", name, toClient["X-Token-Expiration"], want["X-Token-Expiration"])
		}
	}
	if err := e.svc.Usage().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	usage, _, err := e.svc.TokenUsage(e.admin, id, service.PageInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(usage) != 1 || usage[0].IP != "198.51.100.20" || usage[0].Count != 3 {
		t.Errorf("usage %+v, want 3 uses from 198.51.100.20", usage)
	}
	if got := e.checksCounted("ok"); got != 3 {
		t.Errorf("ok checks counted %v, want 3", got)
	}
}

// No token, an unusable Authorization header and an unknown token are
// 401 UNAUTHENTICATED, as at GET /api/v1/auth/verify.
func TestCheckWithoutAValidTokenIsUnauthenticated(t *testing.T) {
	e := newEnv(t, envOptions{})
	for name, h := range map[string]map[string]string{
		"no header":      nil,
		"unknown scheme": {"authorization": "Digest abc"},
		"bad basic":      {"authorization": "Basic %%%"},
		"unknown token":  bearer("tmu_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA000000"),
	} {
		t.Run(name, func(t *testing.T) {
			wantDenied(t, e.check(check{headers: h}), codes.Unauthenticated, 401, tokenmint.EUNAUTHORIZED)
		})
	}
	if got := e.checksCounted("unauthorized"); got != 4 {
		t.Errorf("unauthorized checks counted %v, want 4", got)
	}
}

// A valid token lacking the route's permission is 403 PERMISSION_DENIED;
// a permission that is not resource:verb is the route's mistake, 400.
func TestCheckWrongPermissionIsForbidden(t *testing.T) {
	e := newEnv(t, envOptions{})
	plain, _, _ := e.createToken("CIToken", "")
	res := e.check(check{headers: bearer(plain), extensions: map[string]string{"tokenmint.permission": "api:read,users:manage"}})
	wantDenied(t, res, codes.PermissionDenied, 403, tokenmint.EFORBIDDEN)
	if !strings.Contains(res.GetStatus().GetMessage(), "users:manage") {
		t.Errorf("message %q does not name the missing permission", res.GetStatus().GetMessage())
	}
	wantDenied(t, e.check(check{headers: bearer(plain), extensions: map[string]string{"tokenmint.permission": "nope"}}),
		codes.InvalidArgument, 400, tokenmint.EINVALID)
	if got := e.checksCounted("forbidden"); got != 1 {
		t.Errorf("forbidden checks counted %v, want 1", got)
	}
}

// A token revoked between two checks is refused by the next one, cached
// or not.
func TestCheckRefusesARevokedTokenAtOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	plain, _, id := e.createToken("CIToken", "")
	c := check{headers: bearer(plain), extensions: map[string]string{"tokenmint.permission": "api:read"}}
	wantAllowed(t, e.check(c))
	if err := e.svc.RevokeToken(e.admin, id); err != nil {
		t.Fatal(err)
	}
	res := e.check(c)
	wantDenied(t, res, codes.Unauthenticated, 401, tokenmint.EUNAUTHORIZED)
	if !strings.Contains(res.GetStatus().GetMessage(), "revoked") {
		t.Errorf("message %q, want it to say revoked", res.GetStatus().GetMessage())
	}
}

// The project comes from the route's context extension: a token scoped to
// one project passes for it (by name) and names its ID upstream, and is
// refused for another.
func TestCheckProjectFromContextExtensions(t *testing.T) {
	e := newEnv(t, envOptions{})
	web, err := e.svc.CreateProject(e.admin, "web", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateProject(e.admin, "billing", ""); err != nil {
		t.Fatal(err)
	}
	plain, _, _ := e.createToken("ProjectAnalysisToken", "web")
	ok := wantAllowed(t, e.check(check{headers: bearer(plain),
		extensions: map[string]string{"tokenmint.permission": "results:upload", "tokenmint.project": "web"}}))
	if got := headers(t, ok.GetHeaders())["X-Auth-Project"]; got != web.ID {
		t.Errorf("X-Auth-Project %q, want %q", got, web.ID)
	}
	wantDenied(t, e.check(check{headers: bearer(plain),
		extensions: map[string]string{"tokenmint.permission": "results:upload", "tokenmint.project": "billing"}}),
		codes.PermissionDenied, 403, tokenmint.EFORBIDDEN)
	wantDenied(t, e.check(check{headers: bearer(plain),
		extensions: map[string]string{"tokenmint.tenant": "elsewhere"}}),
		codes.Unauthenticated, 401, tokenmint.EUNAUTHORIZED)
}

// A header names the permission only when configured, and the route's
// context extension wins over it: a client cannot lower the bar by
// sending the header itself.
func TestCheckContextExtensionWinsOverHeader(t *testing.T) {
	withHeader := newEnv(t, envOptions{attrs: envoy.Attributes{PermissionHeader: "X-Tokenmint-Permission"}})
	plain, _, _ := withHeader.createToken("CIToken", "")
	hdr := func(perm string) map[string]string {
		return map[string]string{"authorization": "Bearer " + plain, "x-tokenmint-permission": perm}
	}
	wantAllowed(t, withHeader.check(check{headers: hdr("api:read")}))
	wantDenied(t, withHeader.check(check{headers: hdr("users:manage")}), codes.PermissionDenied, 403, tokenmint.EFORBIDDEN)
	wantDenied(t, withHeader.check(check{headers: hdr("api:read"), extensions: map[string]string{"tokenmint.permission": "users:manage"}}),
		codes.PermissionDenied, 403, tokenmint.EFORBIDDEN)
	wantAllowed(t, withHeader.check(check{headers: hdr("users:manage"), extensions: map[string]string{"tokenmint.permission": "api:read"}}))

	// Without the setting the header means nothing: the check asks no
	// permission, so the token passes whatever the header says.
	without := newEnv(t, envOptions{})
	tok, _, _ := without.createToken("CIToken", "")
	wantAllowed(t, without.check(check{headers: map[string]string{"authorization": "Bearer " + tok, "x-tokenmint-permission": "users:manage"}}))
}

// Unknown tokens from one client address are limited as at the HTTP
// endpoint: past the limit the check is 429 RESOURCE_EXHAUSTED with
// Retry-After, for that address only.
func TestCheckUnknownTokensAreRateLimited(t *testing.T) {
	e := newEnv(t, envOptions{})
	var res *authv3.CheckResponse
	for i := 0; i < 100; i++ {
		res = e.check(check{headers: bearer(secret.NewToken(tokenmint.KindUser)), source: "203.0.113.66"})
		if codes.Code(res.GetStatus().GetCode()) != codes.Unauthenticated {
			break
		}
	}
	wantDenied(t, res, codes.ResourceExhausted, 429, tokenmint.ETOOMANY)
	if h := headers(t, res.GetDeniedResponse().GetHeaders()); h["Retry-After"] == "" {
		t.Error("429 without Retry-After")
	}
	if got := e.checksCounted("rate_limited"); got != 1 {
		t.Errorf("rate_limited checks counted %v, want 1", got)
	}
	plain, _, _ := e.createToken("CIToken", "")
	wantAllowed(t, e.check(check{headers: bearer(plain), source: "203.0.113.67"}))
}
