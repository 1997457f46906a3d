package http_test

import (
	"net/http"
	"net/url"
	"strings"
)

// matrixTable is the authorization matrix: every route the server
// registers, with the objects it is asked about and the policy that gives
// each principal's status. Read a row as "route, objects, who may".
func matrixTable() []endpoint {
	const (
		ok, created, noContent, accepted = http.StatusOK, http.StatusCreated, http.StatusNoContent, http.StatusAccepted
		seeOther, notFound, forbidden    = http.StatusSeeOther, http.StatusNotFound, http.StatusForbidden
	)
	tok := func(path string, fresh bool, body bodyFn) callFn { return at(path, tokenID(fresh), body) }
	table := []endpoint{
		// Public: health, metrics, documents, keys. Nothing to decide.
		{method: "GET", route: "/healthz", want: public(ok)},
		{method: "GET", route: "/readyz", want: public(ok)},
		{method: "GET", route: "/metrics", want: public(ok)},
		{method: "GET", route: "/api/v1/openapi.json", want: public(ok)},
		{method: "GET", route: "/.well-known/jwks.json", want: public(ok)},
		{method: "GET", route: "/.well-known/oauth-authorization-server", want: public(ok)},
		// The API's catch-all: an unknown endpoint is 404 to everyone.
		{method: "GET", route: "/api/", call: at("/api/v1/no-such-endpoint", nil, nil), want: public(notFound)},

		// Sessions.
		{method: "POST", route: "/api/v1/auth/login", objects: []string{"member's password", "wrong password"}, call: loginCall,
			want: func(_ who, obj string) int {
				if obj == "wrong password" {
					return http.StatusUnauthorized
				}
				return ok
			}},
		// Logout with a session cookie needs the CSRF header like every
		// cookie write; without a session there is nothing to end.
		{method: "POST", route: "/api/v1/auth/logout", objects: []string{"with CSRF header", "without CSRF header"}, freshCaller: true,
			call: func(_ *matrix, _ who, obj string) request {
				return request{path: "/api/v1/auth/logout", noCSRF: obj == "without CSRF header"}
			},
			want: func(w who, obj string) int {
				if w.session() && obj == "without CSRF header" {
					return forbidden
				}
				return noContent
			}},
		{method: "GET", route: "/api/v1/auth/me", want: mePolicy},
		{method: "GET", route: "/api/v1/roles", want: signedIn},

		// Single sign-on settings: the tenant's administrators. Signing
		// in through the identity provider needs no credential: an unknown
		// tenant has no provider, an unknown state no sign-in.
		{method: "GET", route: "/api/v1/sso", call: withSSO(at("/api/v1/sso", nil, nil)), want: adminOnly(ok)},
		{method: "PUT", route: "/api/v1/sso", call: at("/api/v1/sso", nil, fixed(matrixSSO)), want: adminOnly(ok)},
		{method: "DELETE", route: "/api/v1/sso", call: withSSO(at("/api/v1/sso", nil, nil)), want: adminOnly(noContent)},
		{method: "GET", route: "/ui/sso/start", kind: ui, call: at("/ui/sso/start?tenant=no-such-tenant", nil, nil), want: public(notFound)},
		{method: "GET", route: "/ui/sso/callback", kind: ui, call: at("/ui/sso/callback?state=unknown-state&code=x", nil, nil), want: public(http.StatusUnauthorized)},

		// Own tokens: sessions manage their own; tokens need tokens:read or
		// tokens:write; tokens:manage governs other users' tokens.
		{method: "GET", route: "/api/v1/token-types", objects: []string{none, "GlobalAnalysisToken", "PurgeProjectVersionToken"},
			want: func(w who, _ string) int { return ownTokens(false, ok, ok)(w, none) },
			// Only types the caller can create: no global type for a user
			// who holds nothing tenant-wide, no purge type for non-admins.
			absent: func(_ *matrix, w who, obj string) string {
				switch {
				case obj == "GlobalAnalysisToken" && w == projMember:
					return `"name":"GlobalAnalysisToken"`
				case obj == "PurgeProjectVersionToken" && w != admin && w != adminTok && w != otherAdmin:
					return `"name":"PurgeProjectVersionToken"`
				}
				return ""
			}},
		{method: "POST", route: "/api/v1/tokens", objects: []string{createNarrow, createBroad, createNoExpiry, createProject, createGlobalOn1},
			call: at("/api/v1/tokens", nil, createTokenBody), want: createTokenPolicy},
		// all=true&expires_on=: the list a dashboard expiry cliff links to.
		{method: "GET", route: "/api/v1/tokens", objects: []string{own, "all=true", "owner=bob", "owner=gbob", "all=true&expires_on=2027-01-01"},
			call: func(_ *matrix, _ who, obj string) request {
				if obj == own {
					return request{path: "/api/v1/tokens"}
				}
				return request{path: "/api/v1/tokens?" + obj}
			},
			want: func(w who, obj string) int {
				status := ownTokens(false, ok, ok)(w, none)
				if _, _, manage := tokenRights(w); obj != own && status == ok && !manage {
					return forbidden // all=true, owner=: tokens:manage
				}
				// A user of another tenant is no owner here: gbob is globex's,
				// bob the default tenant's.
				if status == ok && strings.HasPrefix(obj, "owner=") && (obj == "owner=gbob") != (w == otherAdmin) {
					return notFound
				}
				return status
			},
			// One's own list never shows another user's token; no list
			// shows another tenant's.
			absent: func(x *matrix, w who, obj string) string {
				if obj == own || w == otherAdmin {
					return x.bobToken
				}
				return x.bToken
			}},
		{method: "GET", route: "/api/v1/tokens/self", want: selfRead},
		{method: "POST", route: "/api/v1/tokens/self/rotate", freshCaller: true, call: at("/api/v1/tokens/self/rotate", nil, fixed(map[string]any{"grace_seconds": 0})), want: selfRotate},
		{method: "GET", route: "/api/v1/tokens/{id}", objects: tokenObjects, call: tok("/api/v1/tokens/{}", false, nil), want: ownTokens(false, ok, ok)},
		{method: "PATCH", route: "/api/v1/tokens/{id}", objects: tokenObjects, call: tok("/api/v1/tokens/{}", false, fixed(map[string]any{"active": true})), want: ownTokens(true, ok, ok)},
		{method: "DELETE", route: "/api/v1/tokens/{id}", objects: tokenObjects, call: tok("/api/v1/tokens/{}", true, nil), want: ownTokens(true, noContent, noContent)},
		// Only the owner rotates (the new secret is shown to the caller);
		// a token or JWT may rotate only a token within its own bounds.
		{method: "POST", route: "/api/v1/tokens/{id}/rotate", objects: tokenObjects, call: tok("/api/v1/tokens/{}/rotate", true, fixed(map[string]any{"grace_seconds": 0})),
			want: ownTokens(true, ok, forbidden).butOn(jwtTok, own, forbidden)},
		// "Create a token like this": see recreatePolicy.
		{method: "POST", route: "/api/v1/tokens/{id}/recreate", objects: tokenObjects, call: tok("/api/v1/tokens/{}/recreate", false, nil), want: recreatePolicy},
		// Usage is private to the owner (Fortify's rule), blocks are not.
		{method: "GET", route: "/api/v1/tokens/{id}/usage", objects: tokenObjects, call: tok("/api/v1/tokens/{}/usage", false, nil), want: ownTokens(false, ok, forbidden)},
		{method: "GET", route: "/api/v1/tokens/{id}/usage/daily", objects: tokenObjects, call: tok("/api/v1/tokens/{}/usage/daily", false, nil), want: ownTokens(false, ok, forbidden)},
		{method: "GET", route: "/api/v1/tokens/{id}/blocked-ips", objects: tokenObjects, call: tok("/api/v1/tokens/{}/blocked-ips", false, nil), want: ownTokens(false, ok, ok)},
		{method: "PUT", route: "/api/v1/tokens/{id}/blocked-ips/{ip...}", objects: tokenObjects, call: tok("/api/v1/tokens/{}/blocked-ips/203.0.113.0/24", false, nil), want: ownTokens(true, ok, ok)},
		{method: "DELETE", route: "/api/v1/tokens/{id}/blocked-ips/{ip...}", objects: tokenObjects, call: at("/api/v1/tokens/{}/blocked-ips/203.0.113.0/24", func(x *matrix, w who, obj string) string { return x.blockedToken(w, obj) }, nil), want: ownTokens(true, noContent, noContent)},
		// Whoever finds a leaked token may kill it.
		{method: "POST", route: "/api/v1/tokens/revoke-leaked", call: at("/api/v1/tokens/revoke-leaked", nil, fixed(map[string]any{"token": "tmu_not-a-real-token"})), want: public(accepted)},

		// Administration: users:manage in the tenant.
		{method: "GET", route: "/api/v1/users", want: adminOnly(ok)},
		{method: "POST", route: "/api/v1/users", call: at("/api/v1/users", nil, func(x *matrix, _ who, _ string) any {
			return map[string]any{"username": x.name("user"), "password": "new-user-password", "roles": []string{"viewer"}}
		}), want: adminOnly(created)},
		{method: "GET", route: "/api/v1/users/{id}", objects: adminObjects, call: at("/api/v1/users/{}", userID, nil), want: adminOnly(ok)},
		{method: "PATCH", route: "/api/v1/users/{id}", objects: adminObjects, call: at("/api/v1/users/{}", userID, fixed(map[string]any{"email": "bob@example.com"})), want: adminOnly(ok)},

		{method: "GET", route: "/api/v1/projects", objects: []string{none, otherProject, otherTenant}, want: projectList,
			// A project-only member sees only their projects; no one sees
			// another tenant's.
			absent: func(x *matrix, w who, obj string) string {
				switch {
				case obj == otherProject && w == projMember:
					return x.p2
				case obj == otherTenant:
					return x.bProject
				case obj == otherProject && w == otherAdmin:
					return x.p2
				}
				return ""
			}},
		{method: "GET", route: "/api/v1/projects/{id}", objects: projectObjects, call: at("/api/v1/projects/{}", projectID, nil), want: projectRead},
		{method: "POST", route: "/api/v1/projects", call: at("/api/v1/projects", nil, uniqueName(nil)), want: adminOnly(created)},
		{method: "PATCH", route: "/api/v1/projects/{id}", objects: adminObjects, call: at("/api/v1/projects/{}", adminProjectID(false), fixed(map[string]any{"description": "edited"})), want: adminOnly(ok)},
		{method: "DELETE", route: "/api/v1/projects/{id}", objects: adminObjects, call: at("/api/v1/projects/{}", adminProjectID(true), nil), want: adminOnly(noContent)},
		{method: "GET", route: "/api/v1/projects/{id}/members", objects: adminObjects, call: at("/api/v1/projects/{}/members", adminProjectID(false), nil), want: adminOnly(ok)},
		{method: "PUT", route: "/api/v1/projects/{id}/members/{user}", objects: adminObjects,
			call: func(x *matrix, w who, obj string) request {
				return request{path: "/api/v1/projects/" + adminProjectID(false)(x, w, obj) + "/members/" + tenantObject(obj, "bob", "gbob"), body: map[string]any{"role": "viewer"}}
			}, want: adminOnly(ok)},
		{method: "DELETE", route: "/api/v1/projects/{id}/members/{user}", objects: adminObjects, call: at("/api/v1/projects/{}", memberToRemove, nil), want: adminOnly(noContent)},

		{method: "GET", route: "/api/v1/applications", want: adminOnly(ok)},
		{method: "POST", route: "/api/v1/applications", call: at("/api/v1/applications", nil, uniqueName(map[string]any{"access_types": []string{"read-only"}})), want: adminOnly(created)},
		{method: "GET", route: "/api/v1/applications/{id}", objects: adminObjects, call: at("/api/v1/applications/{}", appID(false), nil), want: adminOnly(ok)},
		{method: "PATCH", route: "/api/v1/applications/{id}", objects: adminObjects, call: at("/api/v1/applications/{}", appID(false), fixed(map[string]any{"description": "edited"})), want: adminOnly(ok)},
		{method: "DELETE", route: "/api/v1/applications/{id}", objects: adminObjects, call: at("/api/v1/applications/{}", appID(true), nil), want: adminOnly(noContent)},
		{method: "GET", route: "/api/v1/applications/{id}/credentials", objects: adminObjects, call: at("/api/v1/applications/{}/credentials", appID(false), nil), want: adminOnly(ok)},
		{method: "POST", route: "/api/v1/applications/{id}/credentials", objects: adminObjects, call: at("/api/v1/applications/{}/credentials", appID(false), nil), want: adminOnly(created)},
		{method: "DELETE", route: "/api/v1/applications/{id}/credentials/{credential_id}", objects: adminObjects, call: at("/api/v1/applications/{}", credentialToRevoke, nil), want: adminOnly(noContent)},
		{method: "GET", route: "/api/v1/applications/{id}/tokens", objects: adminObjects, call: at("/api/v1/applications/{}/tokens", appID(false), nil), want: adminOnly(ok)},
		{method: "POST", route: "/api/v1/applications/{id}/tokens", objects: adminObjects, call: at("/api/v1/applications/{}/tokens", appID(false), uniqueName(map[string]any{"type": "ApplicationToken", "days_to_live": 30})), want: adminOnly(created)},

		{method: "GET", route: "/api/v1/policies", want: adminOnly(ok)},
		// expiry_notice_days as a list, with the weekly digest (one number,
		// as older clients send, is read as a list of one).
		{method: "PUT", route: "/api/v1/policies", call: at("/api/v1/policies", nil, fixed(map[string]any{"expiry_notice_days": []int{30, 7, 1}, "expiry_digest": true})), want: adminOnly(ok)},
		{method: "GET", route: "/api/v1/webhooks", want: adminOnly(ok)},
		{method: "POST", route: "/api/v1/webhooks", call: at("/api/v1/webhooks", nil, func(x *matrix, _ who, _ string) any {
			return map[string]any{"url": "https://example.com/" + x.name("hook"), "events": []string{"token.created"}}
		}), want: adminOnly(created)},
		{method: "GET", route: "/api/v1/webhooks/{id}", objects: adminObjects, call: at("/api/v1/webhooks/{}", hookID(false), nil), want: adminOnly(ok)},
		{method: "PATCH", route: "/api/v1/webhooks/{id}", objects: adminObjects, call: at("/api/v1/webhooks/{}", hookID(false), fixed(map[string]any{"enabled": true})), want: adminOnly(ok)},
		{method: "DELETE", route: "/api/v1/webhooks/{id}", objects: adminObjects, call: at("/api/v1/webhooks/{}", hookID(true), nil), want: adminOnly(noContent)},
		{method: "GET", route: "/api/v1/webhooks/{id}/deliveries", objects: adminObjects, call: at("/api/v1/webhooks/{}/deliveries", hookID(false), nil), want: adminOnly(ok)},
		{method: "GET", route: "/api/v1/deliveries", want: adminOnly(ok)},
		{method: "GET", route: "/api/v1/audit", want: adminOnly(ok)},
		{method: "GET", route: "/api/v1/dashboard", want: adminOnly(ok)},

		// OAuth: each principal presents its own credential.
		{method: "POST", route: "/oauth/token", kind: oauthForm, call: withPath("/oauth/token", tokenGrant), want: tokenGrantPolicy},
		{method: "POST", route: "/identity/connect/token", kind: oauthForm, call: withPath("/identity/connect/token", tokenGrant), want: tokenGrantPolicy},
		{method: "POST", route: "/api/v1/auth/credentials/token/{$}", kind: oauthForm, call: withPath("/api/v1/auth/credentials/token/", tokenGrant), want: tokenGrantPolicy},
		{method: "POST", route: "/api/v1/auth/credentials/token", kind: oauthForm, call: withPath("/api/v1/auth/credentials/token", tokenGrant), want: tokenGrantPolicy},
		// The token endpoints answer other methods with a JSON 405.
		{method: "GET", route: "/oauth/token", want: public(http.StatusMethodNotAllowed)},
		{method: "GET", route: "/identity/connect/token", want: public(http.StatusMethodNotAllowed)},
		{method: "GET", route: "/api/v1/auth/credentials/token/{$}", call: at("/api/v1/auth/credentials/token/", nil, nil), want: public(http.StatusMethodNotAllowed)},
		{method: "GET", route: "/api/v1/auth/credentials/token", want: public(http.StatusMethodNotAllowed)},
		{method: "GET", route: "/api/v1/auth/token/refresh", want: public(http.StatusMethodNotAllowed)},
		{method: "GET", route: "/oauth/introspect", want: public(http.StatusMethodNotAllowed)},
		{method: "GET", route: "/oauth/revoke", want: public(http.StatusMethodNotAllowed)},
		// FortiCWP's refresh path: an application refreshes what its
		// credential obtained; anyone else presents no refresh token.
		{method: "POST", route: "/api/v1/auth/token/refresh", kind: oauthForm, call: fortiRefresh, want: fortiRefreshPolicy},
		{method: "POST", route: "/oauth/introspect", kind: oauthForm, objects: []string{other, otherTenant}, call: withPath("/oauth/introspect", introspectCall), want: introspectPolicy,
			absent: func(_ *matrix, _ who, obj string) string {
				if obj == otherTenant {
					return `"active":true`
				}
				return ""
			}},
		{method: "POST", route: "/oauth/revoke", kind: oauthForm, call: withPath("/oauth/revoke", oauthRevokeCall), want: public(ok)},

		// The UI: pages need a session (a Bearer token is ignored: the
		// login page); /ui/admin/ needs an administrator.
		{method: "GET", route: "/{$}", kind: ui, call: at("/", nil, nil), want: public(seeOther)},
		{method: "GET", route: "/ui/{$}", kind: ui, call: at("/ui/", nil, nil), want: public(seeOther)},
		{method: "GET", route: "/ui/static/", kind: ui, call: at("/ui/static/style.css", nil, nil), want: public(ok)},
		{method: "GET", route: "/ui/", kind: ui, call: at("/ui/no-such-page", nil, nil), want: uiPage(notFound)},
		{method: "GET", route: "/ui/login", kind: ui, want: func(w who, _ string) int {
			if w.session() {
				return seeOther // signed in already: on to the page asked for
			}
			return ok
		}},
		{method: "POST", route: "/ui/login", kind: ui, objects: []string{"with the login CSRF value", "without the login CSRF value"}, call: uiLoginCall,
			want: func(_ who, obj string) int {
				if obj == "without the login CSRF value" {
					return forbidden
				}
				return seeOther
			}},
		{method: "POST", route: "/ui/logout", kind: ui, freshCaller: true, call: at("/ui/logout", nil, uiForm()), want: public(seeLogin)},
		{method: "GET", route: "/ui/tokens", kind: ui, want: uiPage(ok)},
		// The command-line code is a short session of the signed-in user:
		// only a browser session gets one.
		{method: "GET", route: "/ui/cli-code", kind: ui, want: uiPage(ok)},
		{method: "POST", route: "/ui/cli-code", kind: ui, call: at("/ui/cli-code", nil, uiForm()), want: uiPage(ok)},
		{method: "GET", route: "/ui/tokens/new", kind: ui, want: uiPage(ok)},
		{method: "POST", route: "/ui/tokens/new", kind: ui, call: at("/ui/tokens/new", nil, uiNewToken), want: uiPage(created)},
		{method: "GET", route: "/ui/tokens/{id}", kind: ui, objects: tokenObjects, call: tok("/ui/tokens/{}", false, nil), want: uiOwnTokens(ok, ok)},
		{method: "POST", route: "/ui/tokens/{id}/extend", kind: ui, objects: tokenObjects, call: tok("/ui/tokens/{}/extend", false, uiExtend), want: uiOwnTokens(seeOther, seeOther)},
		{method: "POST", route: "/ui/tokens/{id}/active", kind: ui, objects: tokenObjects, call: tok("/ui/tokens/{}/active", false, uiForm("active", "true")), want: uiOwnTokens(seeOther, seeOther)},
		// Bound networks: who may change a token (owner, administrator).
		{method: "POST", route: "/ui/tokens/{id}/networks", kind: ui, objects: tokenObjects, call: tok("/ui/tokens/{}/networks", false, uiForm("allowed_cidrs", "")), want: uiOwnTokens(seeOther, seeOther)},
		{method: "POST", route: "/ui/tokens/{id}/rotate", kind: ui, objects: tokenObjects, call: tok("/ui/tokens/{}/rotate", true, uiForm("grace_seconds", "0")), want: uiOwnTokens(ok, forbidden)},
		{method: "GET", route: "/ui/tokens/{id}/revoke", kind: ui, objects: tokenObjects, call: tok("/ui/tokens/{}/revoke", false, nil), want: uiOwnTokens(ok, ok)},
		{method: "POST", route: "/ui/tokens/{id}/revoke", kind: ui, objects: tokenObjects, call: tok("/ui/tokens/{}/revoke", true, uiForm()), want: uiOwnTokens(seeOther, seeOther)},
		{method: "POST", route: "/ui/tokens/{id}/block", kind: ui, objects: tokenObjects, call: tok("/ui/tokens/{}/block", false, uiForm("ip", "203.0.113.0/24")), want: uiOwnTokens(seeOther, seeOther)},
		{method: "POST", route: "/ui/tokens/{id}/unblock", kind: ui, objects: tokenObjects, call: at("/ui/tokens/{}/unblock", func(x *matrix, w who, obj string) string { return x.blockedToken(w, obj) }, uiForm("ip", "203.0.113.0/24")), want: uiOwnTokens(seeOther, seeOther)},

		{method: "GET", route: "/ui/admin/{$}", kind: ui, call: at("/ui/admin/", nil, nil), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/dashboard", kind: ui, want: uiAdmin(ok)},
		{method: "GET", route: "/ui/admin/tokens", kind: ui, want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/tokens/{id}/active", kind: ui, objects: []string{other, otherTenant}, call: tok("/ui/admin/tokens/{}/active", false, uiForm("active", "true")), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/sso", kind: ui, want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/sso", kind: ui, call: at("/ui/admin/sso", nil, uiForm("issuer_url", "https://idp.example.com", "client_id", "tokenmint", "mappings", "staff=viewer", "local_passwords", "enabled")), want: uiAdmin(seeOther)},
		{method: "POST", route: "/ui/admin/sso/delete", kind: ui, call: withSSO(at("/ui/admin/sso/delete", nil, uiForm())), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/users", kind: ui, want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/users", kind: ui, call: at("/ui/admin/users", nil, func(x *matrix, _ who, _ string) any {
			return url.Values{"username": {x.name("uiuser")}, "password": {"new-user-password"}, "roles": {"viewer"}}
		}), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/users/{id}", kind: ui, objects: adminObjects, call: at("/ui/admin/users/{}", userID, nil), want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/users/{id}", kind: ui, objects: adminObjects, call: at("/ui/admin/users/{}", userID, uiForm("email", "bob@example.com", "roles", "member", "enabled", "on")), want: uiAdmin(seeOther)},
		{method: "POST", route: "/ui/admin/users/{id}/enabled", kind: ui, objects: adminObjects, call: at("/ui/admin/users/{}/enabled", userID, uiForm("enabled", "true")), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/projects", kind: ui, want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/projects", kind: ui, call: at("/ui/admin/projects", nil, func(x *matrix, _ who, _ string) any {
			return url.Values{"name": {x.name("uip")}}
		}), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/projects/{id}", kind: ui, objects: adminObjects, call: at("/ui/admin/projects/{}", adminProjectID(false), nil), want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/projects/{id}/edit", kind: ui, objects: adminObjects, call: at("/ui/admin/projects/{}/edit", adminProjectID(false), uiEditProject), want: uiAdmin(seeOther)},
		{method: "POST", route: "/ui/admin/projects/{id}/members", kind: ui, objects: adminObjects,
			call: func(x *matrix, w who, obj string) request {
				return request{path: "/ui/admin/projects/" + adminProjectID(false)(x, w, obj) + "/members", body: url.Values{"user": {tenantObject(obj, "bob", "gbob")}, "role": {"viewer"}}}
			}, want: uiAdmin(seeOther)},
		{method: "POST", route: "/ui/admin/projects/{id}/members/{user}/remove", kind: ui, objects: adminObjects, call: at("/ui/admin/projects/{}/remove", memberToRemove, uiForm()), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/projects/{id}/delete", kind: ui, objects: adminObjects, call: at("/ui/admin/projects/{}/delete", adminProjectID(false), nil), want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/projects/{id}/delete", kind: ui, objects: adminObjects, call: at("/ui/admin/projects/{}/delete", adminProjectID(true), uiForm()), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/applications", kind: ui, want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/applications", kind: ui, call: at("/ui/admin/applications", nil, func(x *matrix, _ who, _ string) any {
			return url.Values{"name": {x.name("uiapp")}, "access_types": {"read-only"}}
		}), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/applications/{id}", kind: ui, objects: adminObjects, call: at("/ui/admin/applications/{}", appID(false), nil), want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/applications/{id}", kind: ui, objects: adminObjects, call: at("/ui/admin/applications/{}", appID(false), uiEditApp), want: uiAdmin(seeOther)},
		{method: "POST", route: "/ui/admin/applications/{id}/credentials", kind: ui, objects: adminObjects, call: at("/ui/admin/applications/{}/credentials", appID(false), uiForm()), want: uiAdmin(created)},
		{method: "POST", route: "/ui/admin/applications/{id}/tokens", kind: ui, objects: adminObjects, call: at("/ui/admin/applications/{}/tokens", appID(false), func(x *matrix, _ who, _ string) any {
			return url.Values{"token_name": {x.name("uitok")}}
		}), want: uiAdmin(created)},
		{method: "GET", route: "/ui/admin/applications/{id}/credentials/{cred}/revoke", kind: ui, objects: adminObjects, call: at("/ui/admin/applications/{}/revoke", credentialToRevoke, nil), want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/applications/{id}/credentials/{cred}/revoke", kind: ui, objects: adminObjects, call: at("/ui/admin/applications/{}/revoke", credentialToRevoke, uiForm()), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/applications/{id}/delete", kind: ui, objects: adminObjects, call: at("/ui/admin/applications/{}/delete", appID(false), nil), want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/applications/{id}/delete", kind: ui, objects: adminObjects, call: at("/ui/admin/applications/{}/delete", appID(true), uiForm()), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/policy", kind: ui, want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/policy", kind: ui, call: at("/ui/admin/policy", nil, func(x *matrix, _ who, _ string) any { return x.policyForm }), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/webhooks", kind: ui, want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/webhooks", kind: ui, call: at("/ui/admin/webhooks", nil, func(x *matrix, _ who, _ string) any {
			return url.Values{"url": {"https://example.com/" + x.name("uihook")}, "events": {"token.created"}}
		}), want: uiAdmin(created)},
		{method: "GET", route: "/ui/admin/webhooks/{id}", kind: ui, objects: adminObjects, call: at("/ui/admin/webhooks/{}", hookID(false), nil), want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/webhooks/{id}/enabled", kind: ui, objects: adminObjects, call: at("/ui/admin/webhooks/{}/enabled", hookID(false), uiForm("enabled", "true")), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/webhooks/{id}/delete", kind: ui, objects: adminObjects, call: at("/ui/admin/webhooks/{}/delete", hookID(false), nil), want: uiAdmin(ok)},
		{method: "POST", route: "/ui/admin/webhooks/{id}/delete", kind: ui, objects: adminObjects, call: at("/ui/admin/webhooks/{}/delete", hookID(true), uiForm()), want: uiAdmin(seeOther)},
		{method: "GET", route: "/ui/admin/deliveries", kind: ui, want: uiAdmin(ok)},
		{method: "GET", route: "/ui/admin/audit", kind: ui, want: uiAdmin(ok)},
	}
	table = append(table, tokenRequestRows()...)
	// Forward auth answers every method alike (Envoy and Traefik pass the
	// original one); every permission and project asked must hold.
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		table = append(table, endpoint{method: m, route: "/api/v1/auth/verify",
			objects: []string{none, verifyDownload, verifyTwoPerms, verifyOtherProject, verifyTwoProjects},
			call:    func(_ *matrix, _ who, q string) request { return request{path: "/api/v1/auth/verify" + q} },
			want:    verifyPolicy, orBadRequest: []string{verifyTwoPerms, verifyTwoProjects}})
	}
	table = append(table, rateLimitRows()...)
	return table
}

// withPath sends call's request to path.
func withPath(path string, call callFn) callFn {
	return func(x *matrix, w who, obj string) request {
		rq := call(x, w, obj)
		rq.path = path
		return rq
	}
}

// matrixSSO is a valid single sign-on setting; setting it reaches no
// identity provider.
var matrixSSO = map[string]any{
	"issuer_url": "https://idp.example.com/realms/acme", "client_id": "tokenmint", "client_secret": "matrix-client-secret",
	"mappings": []map[string]string{{"group": "staff", "role": "viewer"}},
}

// withSSO makes sure both tenants have a provider before call's request,
// so reading or removing it answers the same whatever ran before.
func withSSO(call callFn) callFn {
	return func(x *matrix, w who, obj string) request {
		for _, admin := range []string{"admin", "gadmin"} {
			x.must(x.sess[admin], "PUT", "/api/v1/sso", matrixSSO, http.StatusOK)
		}
		return call(x, w, obj)
	}
}
