package http_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// rewindBody is a request body a benchmark rewinds before each request
// without allocating.
type rewindBody struct{ strings.Reader }

func (*rewindBody) Close() error { return nil }

// benchFormHandler posts form to h b.N times (ServeHTTP wraps each
// request's body, so each iteration puts the rewound body back), failing on
// any answer but want.
func benchFormHandler(b *testing.B, h http.Handler, req *http.Request, form string, want int) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		r := req.Clone(req.Context())
		body := &rewindBody{}
		for pb.Next() {
			w.reset()
			body.Reset(form)
			r.Body = body
			h.ServeHTTP(w, r)
			if w.status != want {
				b.Errorf("status %d, want %d", w.status, want)
				return
			}
		}
	})
}

// introspectRequest is POST /oauth/introspect by an application client
// with the introspect access type, authenticated by HTTP Basic.
func introspectRequest(e *env, token string) (*http.Request, string) {
	_, clientID, secret, _ := e.appClient("bench-introspector", "read-write", "introspect")
	form := url.Values{"token": {token}}.Encode()
	req, _ := http.NewRequest("POST", "/oauth/introspect", nil)
	req.RemoteAddr = "192.0.2.10:40000"
	req.Header.Set("Authorization", basicAuth(clientID, secret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.ContentLength = int64(len(form))
	return req, form
}

// BenchmarkIntrospectHandler is POST /oauth/introspect of an opaque token
// through the whole HTTP handler, caches warm.
func BenchmarkIntrospectHandler(b *testing.B) {
	e := startEnv(b, io.Discard, true)
	plain, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "bench"})
	req, form := introspectRequest(e, plain)
	benchFormHandler(b, e.srv.Config.Handler, req, form, http.StatusOK)
}

// BenchmarkIntrospectHandlerJWT is the same for a client_credentials JWT.
func BenchmarkIntrospectHandlerJWT(b *testing.B) {
	e := startEnv(b, io.Discard, true)
	_, clientID, secret, _ := e.appClient("bench-app", "read-write")
	req, form := introspectRequest(e, e.clientToken(clientID, secret, ""))
	benchFormHandler(b, e.srv.Config.Handler, req, form, http.StatusOK)
}
