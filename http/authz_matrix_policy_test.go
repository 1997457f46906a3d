package http_test

import (
	"net/http"
	"strconv"
)

// The columns of the authorization matrix (principals and objects) and
// the rules that fill a route's column of statuses. Each rule states the
// intended policy once; the table in authz_matrix_test.go applies them to
// routes and writes any exception beside its route.

// who is a principal of the matrix.
type who int

const (
	anon       who = iota
	viewer         // session, tenant role viewer
	member         // session, tenant role member
	projMember     // session, no tenant role, member of project p1 only
	admin          // session, tenant admin
	otherAdmin     // session, admin of globex (another tenant)
	userTok        // member's UserToken (every permission of its owner)
	viewerTok      // viewer's UserToken: reads only
	adminTok       // admin's UserToken
	narrowTok      // member's DownloadFileTransferToken: files:download only
	projTok        // proj's ProjectAnalysisToken on p1
	retiredTok     // the old secret of member's UserToken, rotated with a grace period
	jwtTok         // member's password-grant JWT, scope tokens:read tokens:write files:download
	appRO          // application tokens (and client credentials) per access type
	appRW
	appScan
	appIntrospect
	appAdmin
	numWho
)

var whoNames = [numWho]string{
	"anonymous", "viewer", "member", "project-only member", "admin", "admin of another tenant",
	"user token", "viewer's token", "admin's token", "files:download token", "project token",
	"retired secret", "password-grant JWT", "app read-only", "app read-write", "app scan",
	"app introspect", "app admin",
}

func (w who) String() string { return whoNames[w] }

func (w who) session() bool { return w >= viewer && w <= otherAdmin }
func (w who) app() bool     { return w >= appRO && w < numWho }
func (w who) token() bool   { return w >= userTok && w < numWho }

// Objects a route with an {id} acts on. Routes without one have the
// object "" (none); some routes name variants of their request instead
// (a body, a query), listed beside the route.
const (
	none         = ""
	own          = "own"           // the caller's own (a token of its owner; project p1 for project routes)
	other        = "other"         // another user's (bob's token), or the default tenant's object for admin routes
	otherProject = "other project" // project p2, which the project-only member does not belong to
	otherTenant  = "other tenant"  // globex's; not asked of otherAdmin, whose tenant it is
)

// kind is how a route is called.
type kind int

const (
	api       kind = iota // JSON; session cookie plus X-CSRF-Token, or a Bearer token
	ui                    // forms with the csrf_token field; Bearer tokens are sent and must be ignored
	oauthForm             // forms; the row builds the client authentication itself
)

// seeLogin stands for "303 See Other to the login page".
const seeLogin = -303

func statusText(s int) string {
	if s == seeLogin {
		return "303 to /ui/login"
	}
	return strconv.Itoa(s)
}

// policy gives the intended status of a cell.
type policy func(w who, obj string) int

// butOn overrides one principal's status for one object.
func (p policy) butOn(w who, obj string, status int) policy {
	return func(v who, o string) int {
		if v == w && o == obj {
			return status
		}
		return p(v, o)
	}
}

// public: no credential needed; everyone gets status.
func public(status int) policy { return func(who, string) int { return status } }

// adminOnly: administration needs users:manage in the tenant: admins,
// their tokens and admin applications get ok; another tenant's object is
// 404 to them; everyone else valid is 403.
func adminOnly(ok int) policy {
	return func(w who, obj string) int {
		switch w {
		case anon:
			return http.StatusUnauthorized
		case admin, adminTok, appAdmin:
			if obj == otherTenant {
				return http.StatusNotFound
			}
			return ok
		case otherAdmin: // every object asked of otherAdmin is the default tenant's
			if obj != none {
				return http.StatusNotFound
			}
			return ok
		}
		return http.StatusForbidden
	}
}

// tokenRights says whether principal w may read and write its own tokens
// and govern other users' (tokens:read, tokens:write, tokens:manage).
// Sessions always manage their own; applications manage no user tokens; a
// retired secret may do nothing but verify.
func tokenRights(w who) (read, write, manage bool) {
	switch w {
	case viewer, member, projMember:
		return true, true, false
	case admin, otherAdmin, adminTok:
		return true, true, true
	case userTok, jwtTok:
		return true, true, false
	case viewerTok:
		return true, false, false
	}
	return false, false, false
}

// ownTokens: a user's own tokens. Reads need tokens:read, writes
// tokens:write; another user's token is 404 unless the caller holds
// tokens:manage (then onOther); another tenant's is 404.
func ownTokens(write bool, ok, onOther int) policy {
	return func(w who, obj string) int {
		if w == anon {
			return http.StatusUnauthorized
		}
		read, wr, manage := tokenRights(w)
		if (write && !wr) || (!write && !read) {
			return http.StatusForbidden
		}
		switch {
		case obj == own || obj == none:
			return ok
		case obj == other && manage && w != otherAdmin:
			return onOther
		}
		return http.StatusNotFound
	}
}

// holdsProjectsRead: who holds projects:read tenant-wide.
func holdsProjectsRead(w who) bool {
	switch w {
	case viewer, member, admin, otherAdmin, userTok, viewerTok, adminTok, appRO, appRW, appAdmin:
		return true
	}
	return false
}

// projectRead: GET of a project needs projects:read; a project-only member
// sees the projects they belong to and no other (404).
func projectRead(w who, obj string) int {
	switch {
	case w == anon:
		return http.StatusUnauthorized
	case w == projMember:
		if obj == own {
			return http.StatusOK
		}
		return http.StatusNotFound
	case !holdsProjectsRead(w):
		return http.StatusForbidden
	case obj == otherTenant || w == otherAdmin:
		return http.StatusNotFound
	}
	return http.StatusOK
}

// projectList: the list needs projects:read, or a project membership (the
// list then shows only those projects).
func projectList(w who, _ string) int {
	switch {
	case w == anon:
		return http.StatusUnauthorized
	case w == projMember || holdsProjectsRead(w):
		return http.StatusOK
	}
	return http.StatusForbidden
}

// uiPage: any signed-in user; no session (a Bearer token is no session)
// is sent to the login page.
func uiPage(ok int) policy {
	return func(w who, obj string) int {
		if !w.session() {
			return seeLogin
		}
		return ok
	}
}

// uiAdmin: administration pages; other signed-in users get 403.
func uiAdmin(ok int) policy {
	return func(w who, obj string) int {
		if !w.session() {
			return seeLogin
		}
		return adminOnly(ok)(w, obj)
	}
}

// uiOwnTokens: the UI's token pages, as ownTokens for sessions.
func uiOwnTokens(ok, onOther int) policy {
	return func(w who, obj string) int {
		if !w.session() {
			return seeLogin
		}
		return ownTokens(true, ok, onOther)(w, obj)
	}
}
