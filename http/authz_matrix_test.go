package http_test

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestAuthorizationMatrix decides, in one table, who may call every route
// of the server: the REST API, the OAuth endpoints and the UI. Each row of
// the table is a route with the objects it is asked about and a policy
// giving the intended status for every principal (authz_matrix_policy_test.go);
// the test calls each route as each principal on each object and compares.
// A route registered in the sources without a row fails the test, so a new
// endpoint cannot ship without its authorization decided.
func TestAuthorizationMatrix(t *testing.T) {
	table := matrixTable()
	checkRoutesCovered(t, table)
	x := newMatrix(t)
	cells, failed := 0, 0
	for _, ep := range table {
		objects := ep.objects
		if objects == nil {
			objects = []string{none}
		}
		call := ep.call
		if call == nil {
			call = at(ep.route, nil, nil)
		}
		for w := anon; w < numWho; w++ {
			for _, obj := range objects {
				if w == otherAdmin && obj == otherTenant {
					continue // globex is otherAdmin's own tenant
				}
				cells++
				c := x.shared[w]
				if ep.freshCaller {
					c = x.freshCaller(w)
				}
				rq := call(x, w, obj)
				got := x.send(ep.kind, ep.method, c, rq)
				want := ep.want(w, obj)
				what := ""
				switch {
				case got.status != want && !(got.status == http.StatusBadRequest && slices.Contains(ep.orBadRequest, obj)):
					what = "got " + statusText(got.status) + ", want " + statusText(want)
				case ep.absent != nil && got.status < 300:
					if mark := ep.absent(x, w, obj); mark != "" && bytes.Contains(got.body, []byte(mark)) {
						what = "got " + statusText(got.status) + " showing " + mark + ", which it must hide"
					}
				}
				if what != "" {
					failed++
					t.Errorf("%s %s | %s | object %q (%s %s): %s\n\t%.400s",
						ep.method, ep.route, w, obj, ep.method, rq.path, what, got.body)
				}
			}
		}
	}
	t.Logf("%d cells, %d failed", cells, failed)
}

// endpoint is a row of the matrix: a route, the objects it is asked about
// and who may do what.
type endpoint struct {
	method string // the request's method
	route  string // the path pattern as registered
	kind   kind
	// objects the route is called on; nil means none.
	objects []string
	// call builds the request; nil calls the route's path without a body.
	call callFn
	want policy
	// freshCaller: the call ends or replaces the credential presented, so
	// each cell presents a new one.
	freshCaller bool
	// absent names what a successful answer must not show (a listing that
	// must hide an object), "" for nothing.
	absent func(x *matrix, w who, obj string) string
	// orBadRequest lists objects for which 400 is as good as the policy's
	// status: verify may refuse a repeated parameter outright.
	orBadRequest []string
}

type (
	callFn func(x *matrix, w who, obj string) request
	idFn   func(x *matrix, w who, obj string) string
	bodyFn func(x *matrix, w who, obj string) any
)

// at calls path, with "{}" replaced by the object's ID (or path of IDs)
// and an optional body.
func at(path string, id idFn, body bodyFn) callFn {
	return func(x *matrix, w who, obj string) request {
		rq := request{path: path}
		if id != nil {
			rq.path = strings.Replace(path, "{}", id(x, w, obj), 1)
		}
		if body != nil {
			rq.body = body(x, w, obj)
		}
		return rq
	}
}

func fixed(v any) bodyFn { return func(*matrix, who, string) any { return v } }

// Objects of the routes.
var (
	tokenObjects   = []string{own, other, otherTenant}
	adminObjects   = []string{other, otherTenant}
	projectObjects = []string{own, otherProject, otherTenant}
)

func tokenID(fresh bool) idFn {
	return func(x *matrix, w who, obj string) string { return x.tokenObject(w, obj, fresh) }
}

func userID(x *matrix, _ who, obj string) string { return tenantObject(obj, x.bobID, x.bUserID) }

func appID(fresh bool) idFn {
	return func(x *matrix, _ who, obj string) string {
		if fresh {
			return x.freshApp(x.sess[tenantObject(obj, "admin", "gadmin")])
		}
		return tenantObject(obj, x.app, x.bApp)
	}
}

func hookID(fresh bool) idFn {
	return func(x *matrix, _ who, obj string) string {
		if fresh {
			return x.freshHook(x.sess[tenantObject(obj, "admin", "gadmin")])
		}
		return tenantObject(obj, x.hook, x.bHook)
	}
}

// projectID: p1 (own), p2 (another project) or globex's.
func projectID(x *matrix, _ who, obj string) string {
	switch obj {
	case own:
		return x.p1
	case otherProject:
		return x.p2
	}
	return x.bProject
}

// adminProjectID: the project administration routes change, p3, or a new
// one for routes that delete.
func adminProjectID(fresh bool) idFn {
	return func(x *matrix, _ who, obj string) string {
		if fresh {
			return x.mustID(x.sess[tenantObject(obj, "admin", "gadmin")], "POST", "/api/v1/projects", map[string]any{"name": x.name("p")}, 201)
		}
		return tenantObject(obj, x.p3, x.bProject)
	}
}

// memberToRemove is a new project with bob (or globex's gbob) on it.
func memberToRemove(x *matrix, w who, obj string) string {
	pid := adminProjectID(true)(x, w, obj)
	user := tenantObject(obj, "bob", "gbob")
	x.must(x.sess[tenantObject(obj, "admin", "gadmin")], "PUT", "/api/v1/projects/"+pid+"/members/"+user, map[string]any{"role": "viewer"}, 200)
	return pid + "/members/" + user
}

// credentialToRevoke is a new client credential, as "appID/credentials/credID".
func credentialToRevoke(x *matrix, _ who, obj string) string {
	admin := x.sess[tenantObject(obj, "admin", "gadmin")]
	app := tenantObject(obj, x.credApp, x.bApp)
	return app + "/credentials/" + x.mustID(admin, "POST", "/api/v1/applications/"+app+"/credentials", nil, 201)
}

// uniqueName gives create routes a body with a name no object has.
func uniqueName(extra map[string]any) bodyFn {
	return func(x *matrix, _ who, _ string) any {
		b := map[string]any{"name": x.name("new")}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
}

func uiForm(kv ...string) bodyFn {
	return func(*matrix, who, string) any {
		f := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Add(kv[i], kv[i+1])
		}
		return f
	}
}
