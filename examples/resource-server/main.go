// Command resource-server is a small API protected by tokenmint through
// package sdk: opaque tokens are verified by the tokenmint server, JWT
// access tokens against its JWKS and then, unless --offline-jwt, asked
// about revocation; the server's answers are cached for a few seconds.
//
//	go run ./examples/resource-server --tokenmint http://127.0.0.1:8080 --listen 127.0.0.1:9090 --tenant default
//	curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:9090/reports
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"time"

	"tokenmint/sdk"
)

func main() {
	server := flag.String("tokenmint", "http://127.0.0.1:8080", "tokenmint server URL")
	listen := flag.String("listen", "127.0.0.1:9090", "listen address")
	ttl := flag.Duration("cache-ttl", sdk.DefaultCacheTTL, "how long the server's answers about a token are cached")
	tenant := flag.String("tenant", "", "accept only tokens of this tenant (empty: every tenant)")
	offline := flag.Bool("offline-jwt", false, "verify JWTs from the JWKS only: no call to the server, but a revoked JWT is accepted until it expires")
	flag.Parse()

	v := sdk.New(sdk.Config{ServerURL: *server, CacheTTL: *ttl, Tenant: *tenant, OfflineJWT: *offline})
	srv := &http.Server{Addr: *listen, Handler: newHandler(v), ReadHeaderTimeout: 10 * time.Second}
	log.Printf("resource server on http://%s, verifying tokens with %s", *listen, *server)
	log.Fatal(srv.ListenAndServe())
}

// newHandler is the example API: /reports needs reports:read, /results
// (POST) needs results:upload, /whoami any valid token.
func newHandler(v *sdk.Verifier) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /reports", v.Require("reports:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := sdk.IdentityFromContext(r.Context())
		writeJSON(w, map[string]any{"reports": []string{"weekly", "monthly"}, "for": id.Subject, "tenant": id.Tenant})
	})))
	mux.Handle("POST /results", v.Require("results:upload")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"accepted": true})
	})))
	mux.Handle("GET /whoami", v.Require("")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, sdk.IdentityFromContext(r.Context()))
	})))
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
