package http_test

import (
	"net/http"
	"testing"

	"tokenmint"
	"tokenmint/service"
	"tokenmint/typesfile"
)

// The authorization matrix of token requests (docs/approvals.md): asking
// needs what creating the token would need; the requester sees and
// collects their own; administrators (tokens:manage) see and decide the
// tenant's, never their own.

// withApprovalTypes adds the types of testdata/approval_types.yaml, which
// need approval, to the built-in ones.
func withApprovalTypes(t testing.TB) func(*service.Config) {
	t.Helper()
	extra, err := typesfile.Load("../testdata/approval_types.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var all []tokenmint.TokenType
	for _, ty := range append(typesfile.Defaults().All(), extra.All()...) {
		all = append(all, *ty)
	}
	reg, err := tokenmint.NewTypeRegistry(all)
	if err != nil {
		t.Fatal(err)
	}
	return func(c *service.Config) { c.Types = reg }
}

// approvalType is the type of testdata/approval_types.yaml the tests ask
// for: api:read and api:write, 30 days by default.
const approvalType = "ProductionDeployToken"

func requestBody(x *matrix, _ who, _ string) any {
	return map[string]any{"type": approvalType, "name": x.name("asked"), "justification": "the matrix asks"}
}

// requester is the user whose request is w's "own": its owner, or bob's
// for principals whose owner can ask for nothing of the type (the
// project-only member, applications), which then stands for another's.
func requester(w who, obj string) string {
	switch {
	case obj == other:
		return "bob"
	case obj == otherTenant:
		return "gadmin"
	}
	switch o := ownerOf(w); o {
	case "viewer", "member", "admin", "gadmin":
		return o
	}
	return "bob"
}

// asOwn is obj as the requester function resolves it for w: "own" of a
// principal that has no requests of its own is another's.
func asOwn(w who, obj string) string {
	if obj == own && requester(w, obj) == "bob" {
		return other
	}
	return obj
}

// approverOf is an administrator of the requester's tenant other than the
// requester.
func (x *matrix) approverOf(requester string) string {
	x.t.Helper()
	name := "admin"
	switch requester {
	case "admin":
		name = "admin2"
	case "gadmin":
		name = "gadmin2"
	}
	if _, ok := x.sess[name]; !ok {
		creator, tenant := "admin", ""
		if name == "gadmin2" {
			creator, tenant = "gadmin", "globex"
		}
		x.must(x.sess[creator], "POST", "/api/v1/users", map[string]any{"username": name, "password": name + "-password", "roles": []string{"admin"}}, http.StatusCreated)
		x.sess[name] = x.e.loginTenant(tenant, name, name+"-password")
	}
	return name
}

// requestObject returns the ID of a request of requester(w, obj): shared
// and pending unless fresh, which makes a new one, approved when approved.
func requestObject(fresh, approved bool) idFn {
	return func(x *matrix, w who, obj string) string {
		asker := requester(w, obj)
		if x.requests == nil {
			x.requests = map[string]string{}
		}
		if id, ok := x.requests[asker]; ok && !fresh {
			return id
		}
		id := x.mustID(x.sess[asker], "POST", "/api/v1/token-requests", requestBody(x, w, obj), http.StatusCreated)
		if approved {
			x.must(x.sess[x.approverOf(asker)], "POST", "/api/v1/token-requests/"+id+"/approve", nil, http.StatusOK)
		}
		if !fresh {
			x.requests[asker] = id
		}
		return id
	}
}

// decidePolicy: administrators (tokens:manage) of the request's tenant
// decide it, never their own; the check of the permission comes first.
func decidePolicy(w who, obj string) int {
	switch w {
	case anon:
		return http.StatusUnauthorized
	case admin, adminTok:
		switch asOwn(w, obj) {
		case own:
			return http.StatusForbidden // one's own request
		case otherTenant:
			return http.StatusNotFound
		}
		return http.StatusOK
	case otherAdmin:
		if obj == own {
			return http.StatusForbidden
		}
		return http.StatusNotFound // bob's is of the default tenant
	}
	return http.StatusForbidden
}

// ownRequests is ownTokens on requests, "own" resolved by asOwn.
func ownRequests(write bool, ok, onOther int) policy {
	return func(w who, obj string) int { return ownTokens(write, ok, onOther)(w, asOwn(w, obj)) }
}

func tokenRequestRows() []endpoint {
	objects := []string{own, other, otherTenant}
	return []endpoint{
		{method: "POST", route: "/api/v1/token-requests", call: at("/api/v1/token-requests", nil, requestBody),
			// As a creation of the type: a viewer may (narrowed to reads),
			// the project-only member holds nothing tenant-wide, the JWT
			// holds neither api permission.
			want: func(w who, obj string) int {
				switch w {
				case anon:
					return http.StatusUnauthorized
				case viewer, member, admin, otherAdmin, userTok, adminTok:
					return http.StatusCreated
				}
				return http.StatusForbidden
			}},
		{method: "GET", route: "/api/v1/token-requests", objects: []string{own, "all=true"},
			call: func(_ *matrix, _ who, obj string) request {
				if obj == own {
					return request{path: "/api/v1/token-requests"}
				}
				return request{path: "/api/v1/token-requests?" + obj}
			},
			want: func(w who, obj string) int {
				status := ownTokens(false, http.StatusOK, http.StatusOK)(w, none)
				if _, _, manage := tokenRights(w); obj != own && status == http.StatusOK && !manage {
					return http.StatusForbidden
				}
				return status
			},
			// One's own list never shows bob's request; no list shows
			// another tenant's.
			absent: func(x *matrix, w who, obj string) string {
				if obj == own || w == otherAdmin {
					return requestObject(false, false)(x, w, other)
				}
				return requestObject(false, false)(x, w, otherTenant)
			}},
		{method: "GET", route: "/api/v1/token-requests/{id}", objects: objects, call: at("/api/v1/token-requests/{}", requestObject(false, false), nil), want: ownRequests(false, http.StatusOK, http.StatusOK)},
		{method: "POST", route: "/api/v1/token-requests/{id}/approve", objects: objects, call: at("/api/v1/token-requests/{}/approve", requestObject(true, false), nil), want: decidePolicy},
		{method: "POST", route: "/api/v1/token-requests/{id}/deny", objects: objects, call: at("/api/v1/token-requests/{}/deny", requestObject(true, false), fixed(map[string]any{"reason": "not now"})), want: decidePolicy},
		// Only the requester cancels or collects; an administrator sees
		// another's request (403), others find nothing (404).
		{method: "POST", route: "/api/v1/token-requests/{id}/cancel", objects: objects, call: at("/api/v1/token-requests/{}/cancel", requestObject(true, false), nil), want: ownRequests(true, http.StatusOK, http.StatusForbidden)},
		{method: "POST", route: "/api/v1/token-requests/{id}/issue", objects: objects, call: at("/api/v1/token-requests/{}/issue", requestObject(true, true), nil),
			// The JWT may create nothing beyond its own scope.
			want: ownRequests(true, http.StatusCreated, http.StatusForbidden).butOn(jwtTok, own, http.StatusForbidden)},

		// The UI: "My requests" for every signed-in user, the decisions
		// under Administration.
		{method: "GET", route: "/ui/token-requests", kind: ui, want: uiPage(http.StatusOK)},
		{method: "POST", route: "/ui/token-requests/{id}/collect", kind: ui, objects: objects, call: at("/ui/token-requests/{}/collect", requestObject(true, true), uiForm()), want: uiOwnRequests(http.StatusCreated, http.StatusForbidden)},
		{method: "POST", route: "/ui/token-requests/{id}/cancel", kind: ui, objects: objects, call: at("/ui/token-requests/{}/cancel", requestObject(true, false), uiForm()), want: uiOwnRequests(http.StatusSeeOther, http.StatusForbidden)},
		{method: "GET", route: "/ui/admin/token-requests", kind: ui, want: uiAdmin(http.StatusOK)},
		{method: "POST", route: "/ui/admin/token-requests/{id}/approve", kind: ui, objects: objects, call: at("/ui/admin/token-requests/{}/approve", requestObject(true, false), uiForm()), want: uiDecide},
		{method: "POST", route: "/ui/admin/token-requests/{id}/deny", kind: ui, objects: objects, call: at("/ui/admin/token-requests/{}/deny", requestObject(true, false), uiForm("reason", "not now")), want: uiDecide},
	}
}

// uiOwnRequests: the requester's pages, as ownRequests for sessions.
func uiOwnRequests(ok, onOther int) policy {
	return func(w who, obj string) int {
		if !w.session() {
			return seeLogin
		}
		return ownRequests(true, ok, onOther)(w, obj)
	}
}

// uiDecide: decidePolicy for sessions, a redirect where it allows.
func uiDecide(w who, obj string) int {
	if !w.session() {
		return seeLogin
	}
	if st := decidePolicy(w, obj); st != http.StatusOK {
		return st
	}
	return http.StatusSeeOther
}
