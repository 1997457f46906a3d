package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The fixture of the authorization matrix: one server, the principals of
// the matrix and the objects they act on. Objects live in the default
// tenant, except the "other tenant" ones, which live in globex, the tenant
// of otherAdmin.

// caller is how a principal presents itself.
type caller struct {
	session *client // cookie jar and CSRF token; nil without a session
	bearer  string  // token sent as Authorization: Bearer
	// clientID and clientSecret are an application's OAuth client credential.
	clientID, clientSecret string
	tokenID                string // an application token's ID
}

// matrix is the running server with its principals and shared objects.
type matrix struct {
	t      *testing.T
	e      *env
	ips    int                // the last client IP handed out (X-Forwarded-For)
	seq    int                // the last unique name handed out
	sess   map[string]*client // sessions by username: the owners of objects
	shared [numWho]*caller

	appOf          map[who]string // application ID of each application principal
	p1, p2, p3     string         // projects of the default tenant (proj is a member of p1)
	bProject       string         // a project of globex
	ownToken       map[string]string
	bobToken       string // another user's token (bob is a member)
	bToken         string // a token of globex
	bobPlain       string // the secret of another token of bob's
	bPlain         string // the secret of another token of globex
	bobID, bUserID string
	app, bApp      string // applications (default tenant, globex)
	hook, bHook    string // webhooks
	credApp        string // application holding the credentials revoked per cell
	bCred          string // a credential of bApp
	appName        map[string]string
	policyForm     url.Values        // the tenant's policy as the UI's form sends it
	requests       map[string]string // shared token requests by requester (authz_matrix_tokenrequests_test.go)
}

var matrixPasswords = map[string]string{
	"viewer": "viewer-password", "member": "member-password", "proj": "proj-password",
	"bob": "bob-password", "admin": adminPassword, "gadmin": "globex-admin-pw",
}

// newMatrix starts the server and creates every principal and object.
func newMatrix(t *testing.T) *matrix {
	e := startEnv(t, io.Discard, true, withApprovalTypes(t))
	x := &matrix{t: t, e: e, sess: map[string]*client{"admin": e.admin}, ownToken: map[string]string{}, appName: map[string]string{}, appOf: map[who]string{}}
	x.p1 = x.mustID(e.admin, "POST", "/api/v1/projects", map[string]any{"name": "p1"}, 201)
	x.p2 = x.mustID(e.admin, "POST", "/api/v1/projects", map[string]any{"name": "p2"}, 201)
	x.p3 = x.mustID(e.admin, "POST", "/api/v1/projects", map[string]any{"name": "p3"}, 201)
	for name, roles := range map[string][]string{"viewer": {"viewer"}, "member": {"member"}, "bob": {"member"}, "proj": {}} {
		id := x.mustID(e.admin, "POST", "/api/v1/users", map[string]any{"username": name, "password": matrixPasswords[name], "roles": roles}, 201)
		if name == "bob" {
			x.bobID = id
		}
	}
	x.must(e.admin, "PUT", "/api/v1/projects/"+x.p1+"/members/proj", map[string]any{"role": "member"}, 200)
	for _, name := range []string{"viewer", "member", "bob", "proj"} {
		x.sess[name] = e.login(name, matrixPasswords[name])
	}
	if _, _, err := e.svc.CreateTenant(t.Context(), "globex", "gadmin", matrixPasswords["gadmin"]); err != nil {
		t.Fatal(err)
	}
	g := e.loginTenant("globex", "gadmin", matrixPasswords["gadmin"])
	x.sess["gadmin"] = g
	x.bProject = x.mustID(g, "POST", "/api/v1/projects", map[string]any{"name": "gp"}, 201)
	x.bUserID = x.mustID(g, "POST", "/api/v1/users", map[string]any{"username": "gbob", "password": "gbob-password", "roles": []string{"member"}}, 201)
	for _, owner := range []string{"viewer", "member", "proj", "admin", "gadmin"} {
		x.ownToken[owner] = x.freshOwnToken(owner)
	}
	x.bobToken = x.freshOwnToken("bob")
	x.bToken = x.freshOwnToken("gadmin")
	x.bobPlain = x.mintPlain("bob", map[string]any{"type": "CIToken"})
	x.bPlain = x.mintPlain("gadmin", map[string]any{"type": "CIToken"})
	x.app = x.freshApp(e.admin)
	x.bApp = x.freshApp(g)
	x.credApp = x.freshApp(e.admin)
	x.bCred = x.mustID(g, "POST", "/api/v1/applications/"+x.bApp+"/credentials", nil, 201)
	x.policyForm = url.Values{}
	for k, v := range x.must(e.admin, "GET", "/api/v1/policies", nil, 200) {
		if n, ok := v.(float64); ok {
			x.policyForm.Set(k, fmt.Sprint(int(n)))
		}
	}
	x.hook = x.freshHook(e.admin)
	x.bHook = x.freshHook(g)

	x.shared[anon] = &caller{}
	for w, name := range map[who]string{viewer: "viewer", member: "member", projMember: "proj", admin: "admin", otherAdmin: "gadmin"} {
		x.shared[w] = &caller{session: x.sess[name]}
	}
	for w, types := range map[who][]string{appRO: {"read-only"}, appRW: {"read-write"}, appScan: {"scan"}, appIntrospect: {"introspect"}, appAdmin: {"admin"}} {
		x.appOf[w] = x.mustID(e.admin, "POST", "/api/v1/applications", map[string]any{"name": "matrix-" + types[0], "access_types": types}, 201)
		cred := x.must(e.admin, "POST", "/api/v1/applications/"+x.appOf[w]+"/credentials", nil, 201)
		x.shared[w] = &caller{clientID: cred["client_id"].(string), clientSecret: cred["client_secret"].(string)}
	}
	for w := userTok; w < numWho; w++ {
		x.shared[w] = x.freshCaller(w)
	}
	return x
}

// freshCaller makes a new credential of principal w, for calls that spend
// or end the one presented (logout, self-rotation).
func (x *matrix) freshCaller(w who) *caller {
	switch w {
	case anon:
		return &caller{}
	case viewer, member, projMember, admin:
		name := ownerOf(w)
		return &caller{session: x.e.login(name, matrixPasswords[name])}
	case otherAdmin:
		return &caller{session: x.e.loginTenant("globex", "gadmin", matrixPasswords["gadmin"])}
	case userTok:
		return &caller{bearer: x.mintPlain("member", map[string]any{"type": "UserToken", "days_to_live": 365})}
	case viewerTok:
		return &caller{bearer: x.mintPlain("viewer", map[string]any{"type": "UserToken", "days_to_live": 365})}
	case adminTok:
		return &caller{bearer: x.mintPlain("admin", map[string]any{"type": "UserToken", "days_to_live": 365})}
	case narrowTok:
		return &caller{bearer: x.mintPlain("member", map[string]any{"type": "DownloadFileTransferToken", "days_to_live": 7})}
	case projTok:
		return &caller{bearer: x.mintPlain("proj", map[string]any{"type": "ProjectAnalysisToken", "project": x.p1, "days_to_live": 365})}
	case retiredTok:
		// The old secret of a token rotated with a day's grace period.
		m := x.must(x.sess["member"], "POST", "/api/v1/tokens", map[string]any{"type": "UserToken", "name": x.name("retired"), "days_to_live": 365}, 201)
		x.must(x.sess["member"], "POST", "/api/v1/tokens/"+m["id"].(string)+"/rotate", map[string]any{"grace_seconds": 86400}, 200)
		return &caller{bearer: m["token"].(string)}
	case jwtTok:
		// A password-grant JWT (one hour) holding only what it asked for.
		r := x.e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"member"},
			"password": {matrixPasswords["member"]}, "scope": {"tokens:read tokens:write files:download"}})
		if r.status != http.StatusOK {
			x.t.Fatalf("password grant for the JWT principal: %d %s", r.status, r.body)
		}
		return &caller{bearer: r.json(x.t)["access_token"].(string)}
	}
	// An application's token, beside its client credential.
	c := *x.shared[w]
	m := x.must(x.e.admin, "POST", "/api/v1/applications/"+x.appOf[w]+"/tokens",
		map[string]any{"type": "ApplicationToken", "name": x.name("app"), "days_to_live": 365}, 201)
	c.bearer, c.tokenID = m["token"].(string), m["id"].(string)
	return &c
}

// ownerOf names the user whose objects are w's own ("bob" for anonymous,
// "" for applications).
func ownerOf(w who) string {
	switch w {
	case viewer, viewerTok:
		return "viewer"
	case member, userTok, narrowTok, retiredTok, jwtTok:
		return "member"
	case projMember, projTok:
		return "proj"
	case admin, adminTok:
		return "admin"
	case otherAdmin:
		return "gadmin"
	case anon:
		return "bob"
	}
	return ""
}

// tokenObject returns the ID of a token: own (the caller's own), other
// (bob's) or otherTenant (globex's). fresh makes a new one, for calls that
// change it for good.
func (x *matrix) tokenObject(w who, obj string, fresh bool) string {
	owner := ""
	switch obj {
	case own:
		owner = ownerOf(w)
	case other:
		owner = "bob"
	case otherTenant:
		owner = "gadmin"
	default:
		x.t.Fatalf("no token object %q", obj)
	}
	if owner == "" { // an application's own token
		if !fresh {
			return x.shared[w].tokenID
		}
		return x.mustID(x.e.admin, "POST", "/api/v1/applications/"+x.appOf[w]+"/tokens", map[string]any{"type": "ApplicationToken", "name": x.name("own")}, 201)
	}
	if fresh {
		return x.freshOwnToken(owner)
	}
	switch {
	case obj == other, owner == "bob":
		return x.bobToken
	case obj == otherTenant:
		return x.bToken
	}
	return x.ownToken[owner]
}

// blockedToken is a new token (as tokenObject) with 203.0.113.0/24
// blocked by its owner or administrator.
func (x *matrix) blockedToken(w who, obj string) string {
	id := x.tokenObject(w, obj, true)
	owner := map[string]string{own: ownerOf(w), other: "bob", otherTenant: "gadmin"}[obj]
	if owner == "" {
		owner = "admin" // an application's token
	}
	x.must(x.sess[owner], "PUT", "/api/v1/tokens/"+id+"/blocked-ips/203.0.113.0/24", nil, 200)
	return id
}

// freshOwnToken creates a token its owner may create: a CIToken, or for
// the project-only member a ProjectAnalysisToken of p1.
func (x *matrix) freshOwnToken(owner string) string {
	body := map[string]any{"type": "CIToken", "name": x.name(owner)}
	if owner == "proj" {
		body = map[string]any{"type": "ProjectAnalysisToken", "project": x.p1, "name": x.name(owner)}
	}
	return x.mustID(x.sess[owner], "POST", "/api/v1/tokens", body, 201)
}

func (x *matrix) mintPlain(owner string, body map[string]any) string {
	body["name"] = x.name(owner)
	return x.must(x.sess[owner], "POST", "/api/v1/tokens", body, 201)["token"].(string)
}

func (x *matrix) freshApp(admin *client) string {
	name := x.name("app")
	id := x.mustID(admin, "POST", "/api/v1/applications", map[string]any{"name": name, "access_types": []string{"read-only"}}, 201)
	x.appName[id] = name
	return id
}

func (x *matrix) freshHook(admin *client) string {
	return x.mustID(admin, "POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/" + x.name("hook"), "events": []string{"token.created"}}, 201)
}

// tenantObject picks the default tenant's object or globex's.
func tenantObject(obj, here, there string) string {
	if obj == otherTenant {
		return there
	}
	return here
}

// name returns a name no other object has.
func (x *matrix) name(prefix string) string {
	x.seq++
	return fmt.Sprintf("%s-%d", prefix, x.seq)
}

// must sends a setup request and fails the test unless it gets want.
func (x *matrix) must(c *client, method, path string, body any, want int) map[string]any {
	x.t.Helper()
	r := c.do(method, path, body)
	if r.status != want {
		x.t.Fatalf("setup %s %s: %d %s", method, path, r.status, r.body)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.json(x.t)
}

func (x *matrix) mustID(c *client, method, path string, body any, want int) string {
	x.t.Helper()
	return x.must(c, method, path, body, want)["id"].(string)
}

// request is one call of a cell.
type request struct {
	path string
	body any // JSON for the API; url.Values for the UI and OAuth
	// auth replaces the caller's Authorization header (OAuth client
	// authentication); noCSRF leaves out the session's CSRF token.
	auth   string
	noCSRF bool
	// jar replaces the caller's cookies.
	jar http.CookieJar
}

// answer is what the server said.
type answer struct {
	status int // seeLogin for a redirect to the login page
	body   []byte
}

// send makes the call of a cell from a client IP of its own, so rate
// limits keyed by IP never decide a cell, without following redirects.
func (x *matrix) send(k kind, method string, c *caller, rq request) answer {
	x.t.Helper()
	var body io.Reader
	contentType := ""
	switch b := rq.body.(type) {
	case nil:
	case url.Values:
		f := url.Values{}
		for k, v := range b {
			f[k] = v
		}
		if k == ui && c.session != nil && !rq.noCSRF && rq.jar == nil {
			f.Set("csrf_token", c.session.csrf)
		}
		body, contentType = strings.NewReader(f.Encode()), "application/x-www-form-urlencoded"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			x.t.Fatal(err)
		}
		body, contentType = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, x.e.srv.URL+rq.path, body)
	if err != nil {
		x.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	x.ips++
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", x.ips>>16&255, x.ips>>8&255, x.ips&255))
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	switch {
	case rq.auth != "":
		req.Header.Set("Authorization", rq.auth)
	case c.bearer != "":
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.session != nil {
		hc.Jar = c.session.http.Jar
		if k == api && !rq.noCSRF {
			req.Header.Set("X-CSRF-Token", c.session.csrf)
		}
	}
	if rq.jar != nil {
		hc.Jar = rq.jar
	}
	r := roundTrip(x.t, hc, req)
	if r.status == http.StatusSeeOther && strings.HasPrefix(r.header.Get("Location"), "/ui/login") {
		return answer{status: seeLogin, body: r.body}
	}
	return answer{status: r.status, body: r.body}
}

// loginFormJar returns a cookie jar holding the login page's CSRF cookie,
// and the value the form must carry.
func (x *matrix) loginFormJar() (http.CookieJar, string) {
	jar, _ := cookiejar.New(nil)
	c := &client{e: x.e, http: &http.Client{Jar: jar}}
	uiDo(x.t, c, "GET", "/ui/login", nil)
	for _, ck := range jar.Cookies(mustURL(x.t, x.e.srv.URL+"/ui/login")) {
		if ck.Name == "tm_login_csrf" {
			return jar, ck.Value
		}
	}
	x.t.Fatal("the login page set no CSRF cookie")
	return nil, ""
}

// now is the server's fake time.
func (x *matrix) now() time.Time { return x.e.clock.Now() }
