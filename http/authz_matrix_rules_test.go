package http_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"time"
)

// The rules and requests of the matrix's routes that have their own: who
// may see themselves, verify, create tokens, use the OAuth endpoints and
// log in, and the forms the UI rows send.

// The intended statuses of the routes whose rule is their own.
var (
	// me: any user-backed principal; an application's valid token is
	// refused (403), not told its credential is bad.
	mePolicy = policy(func(w who, _ string) int {
		switch {
		case w == anon:
			return http.StatusUnauthorized
		case w == retiredTok, w.app():
			return http.StatusForbidden
		}
		return http.StatusOK
	})
	// signedIn: any principal; a retired secret only verifies.
	signedIn = policy(func(w who, _ string) int {
		switch w {
		case anon:
			return http.StatusUnauthorized
		case retiredTok:
			return http.StatusForbidden
		}
		return http.StatusOK
	})
	// selfRead: the token presented reads itself; a session has no token
	// to name (401), a JWT is no stored token (404).
	selfRead = policy(func(w who, _ string) int {
		switch {
		case !w.token():
			return http.StatusUnauthorized
		case w == retiredTok:
			return http.StatusForbidden
		case w == jwtTok:
			return http.StatusNotFound
		}
		return http.StatusOK
	})
	// selfRotate needs tokens:write, or tokens:rotate (the renewal
	// permission of CIToken and the analysis types), in the token presented.
	selfRotate = policy(func(w who, _ string) int {
		switch w {
		case userTok, adminTok, projTok, appRW, appAdmin:
			return http.StatusOK
		case jwtTok: // a JWT is no stored token and has no secret to replace
			return http.StatusNotFound
		}
		if !w.token() {
			return http.StatusUnauthorized
		}
		return http.StatusForbidden
	})
)

// verifyQueries are the objects of verify: the query of the request.
const (
	verifyDownload     = "?permission=files:download"
	verifyTwoPerms     = "?permission=files:download&permission=projects:purge"
	verifyOtherProject = "?project=p2"
	verifyTwoProjects  = "?project=p1&project=p2"
)

// verifyPolicy: only tokens verify; every permission and project asked
// must hold.
func verifyPolicy(w who, q string) int {
	if !w.token() {
		return http.StatusUnauthorized
	}
	switch q {
	case verifyDownload:
		switch w {
		case userTok, adminTok, narrowTok, retiredTok, jwtTok, appRO, appRW, appAdmin:
			return http.StatusOK
		}
		return http.StatusForbidden
	case verifyTwoPerms:
		if w == adminTok || w == appAdmin {
			return http.StatusOK
		}
		return http.StatusForbidden
	case verifyOtherProject, verifyTwoProjects:
		if w == projTok {
			return http.StatusForbidden
		}
	}
	return http.StatusOK
}

// Bodies of POST /api/v1/tokens, the objects of that route.
const (
	createNarrow    = "DownloadFileTransferToken for 30 minutes"
	createBroad     = "UserToken for 30 days"
	createNoExpiry  = "UserToken without expiry"
	createProject   = "ProjectAnalysisToken on p1"
	createGlobalOn1 = "GlobalAnalysisToken on p1"
)

func createTokenBody(x *matrix, _ who, obj string) any {
	b := map[string]any{"name": x.name("created")}
	switch obj {
	case createNarrow:
		b["type"], b["expires_at"] = "DownloadFileTransferToken", x.now().Add(30*time.Minute).Format(time.RFC3339)
	case createBroad:
		b["type"], b["days_to_live"] = "UserToken", 30
	case createNoExpiry:
		b["type"], b["no_expiry"] = "UserToken", true
	case createProject:
		b["type"], b["project"], b["days_to_live"] = "ProjectAnalysisToken", x.p1, 30
	case createGlobalOn1:
		b["type"], b["project"], b["days_to_live"] = "GlobalAnalysisToken", x.p1, 30
	}
	return b
}

// createTokenPolicy: the owner must be able to create the type (where it
// is scoped); a token or JWT presenting the request must hold
// tokens:write, and may create only a subset of its own permissions, on
// its own project, expiring no later than itself.
func createTokenPolicy(w who, obj string) int {
	const created, refused = http.StatusCreated, http.StatusForbidden
	switch w {
	case anon:
		return http.StatusUnauthorized
	case member, admin:
		return created
	case otherAdmin: // p1 is not a project of globex
		if obj == createProject || obj == createGlobalOn1 {
			return http.StatusBadRequest
		}
		return created
	case viewer: // reads only: a files:download type is not for a viewer
		if obj == createNarrow {
			return refused
		}
		return created
	case projMember: // p1 only: nothing tenant-wide, not even "global on p1"
		if obj == createProject {
			return created
		}
		return refused
	case userTok, adminTok: // they expire: no token that outlives them
		if obj == createNoExpiry {
			return refused
		}
		return created
	case jwtTok: // holds files:download for an hour
		if obj == createNarrow {
			return created
		}
		return refused
	}
	return refused
}

// tokenGrant presents each principal's own credential to the token
// endpoint: a user's password, an application's client credential, a
// token for exchange; anonymous presents nothing.
func tokenGrant(x *matrix, w who, _ string) request {
	f := url.Values{}
	rq := request{body: f}
	switch {
	case w.session():
		name := ownerOf(w)
		f.Set("grant_type", "password")
		f.Set("username", name)
		f.Set("password", matrixPasswords[name])
		if w == otherAdmin {
			f.Set("acr_values", "Tenant:globex")
		}
	case w.app():
		f.Set("grant_type", "client_credentials")
		rq.auth = basicAuth(x.shared[w].clientID, x.shared[w].clientSecret)
	case w.token():
		f.Set("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange")
		f.Set("subject_token", x.shared[w].bearer)
		f.Set("subject_token_type", "urn:ietf:params:oauth:token-type:access_token")
	default:
		f.Set("grant_type", "client_credentials")
	}
	return rq
}

// tokenGrantPolicy: every principal's own credential gets a token (a
// project-only member gets their project grants), except a retired secret
// and a JWT, which cannot be exchanged.
func tokenGrantPolicy(w who, _ string) int {
	switch w {
	case anon:
		return http.StatusUnauthorized
	case retiredTok, jwtTok:
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// introspectCall asks about bob's token (other) or globex's, as an
// application with its client credential or with the caller's Bearer.
func introspectCall(x *matrix, w who, obj string) request {
	rq := request{body: url.Values{"token": {tenantObject(obj, x.bobPlain, x.bPlain)}}}
	if w.app() {
		rq.auth = basicAuth(x.shared[w].clientID, x.shared[w].clientSecret)
	}
	return rq
}

// introspectPolicy: admins' tokens and applications with the introspect
// access type (or admin) may introspect; members may not.
func introspectPolicy(w who, _ string) int {
	switch {
	case w == adminTok, w == appIntrospect, w == appAdmin:
		return http.StatusOK
	case w.token():
		return http.StatusForbidden
	}
	return http.StatusUnauthorized
}

// oauthRevokeCall revokes a new token of bob's: possession is the right
// to revoke (RFC 7009), with or without client authentication.
func oauthRevokeCall(x *matrix, w who, _ string) request {
	rq := request{body: url.Values{"token": {x.mintPlain("bob", map[string]any{"type": "CIToken"})}}}
	if w.app() {
		rq.auth = basicAuth(x.shared[w].clientID, x.shared[w].clientSecret)
	}
	return rq
}

// loginCall posts valid credentials (or wrong ones) to the JSON login,
// keeping the new session's cookie out of the caller's jar.
func loginCall(x *matrix, _ who, obj string) request {
	jar, _ := cookiejar.New(nil)
	if obj == "wrong password" {
		return request{path: "/api/v1/auth/login", jar: jar, body: map[string]any{"username": x.name("nobody"), "password": "wrong-password"}}
	}
	return request{path: "/api/v1/auth/login", jar: jar, body: map[string]any{"username": "member", "password": matrixPasswords["member"]}}
}

// uiLoginCall posts the login form with its own browser (the login page's
// CSRF cookie), with or without the form's CSRF value.
func uiLoginCall(x *matrix, _ who, obj string) request {
	jar, csrf := x.loginFormJar()
	f := url.Values{"username": {"member"}, "password": {matrixPasswords["member"]}}
	if obj != "without the login CSRF value" {
		f.Set("csrf_token", csrf)
	}
	return request{path: "/ui/login", body: f, jar: jar}
}

// uiNewToken is a create form each user may send: a CIToken, or for the
// project-only member a ProjectAnalysisToken of p1.
func uiNewToken(x *matrix, w who, _ string) any {
	if w == projMember {
		return url.Values{"type": {"ProjectAnalysisToken"}, "project": {x.p1}, "name": {x.name("ui")}}
	}
	return url.Values{"type": {"CIToken"}, "name": {x.name("ui")}}
}

func uiExtend(x *matrix, _ who, _ string) any {
	return url.Values{"expires_on": {x.now().AddDate(0, 0, 10).Format("2006-01-02")}}
}

func uiEditProject(x *matrix, _ who, obj string) any {
	return url.Values{"name": {tenantObject(obj, "p3", "gp")}, "description": {"edited"}}
}

func uiEditApp(x *matrix, _ who, obj string) any {
	id := tenantObject(obj, x.app, x.bApp)
	return url.Values{"name": {x.appName[id]}, "description": {"edited"}, "access_types": {"read-only"}, "enabled": {"on"}}
}

// fortiRefresh refreshes, on FortiCWP's path, what an application's
// credential obtained on FortiCWP's token path; other principals have no
// refresh token of that path to present.
func fortiRefresh(x *matrix, w who, _ string) request {
	f := url.Values{"grant_type": {"refresh_token"}}
	if w.app() {
		r := x.e.form("/api/v1/auth/credentials/token", basicAuth(x.shared[w].clientID, x.shared[w].clientSecret), url.Values{"grant_type": {"client_credentials"}})
		// Without a refresh token in that answer the cell fails (400).
		rt, _ := r.json(x.t)["refresh_token"].(string)
		f.Set("refresh_token", rt)
	}
	return request{path: "/api/v1/auth/token/refresh", body: f}
}

func fortiRefreshPolicy(w who, _ string) int {
	if w.app() {
		return http.StatusOK
	}
	return http.StatusBadRequest
}
