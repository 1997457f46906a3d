package http_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// FuzzVerifyAuthorization sends arbitrary Authorization headers (and
// permission queries) to /api/v1/auth/verify through the real handler.
// The target creates one valid token; in the header, {plain} and
// {encoded} stand for it, so the fuzzer mutates around a real token. The
// answer is never a 5xx nor anything but JSON, and never 200 unless the
// header carries the valid token itself, its encoded form, or base64 of
// either (Basic); a 200 always names the valid token's ID.
func FuzzVerifyAuthorization(f *testing.F) {
	e := newFuzzEnv(f)
	created := e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/tokens", `{"name":"fuzz","type":"UserToken"}`)
	plain, encoded, id := created["token"].(string), created["encoded"].(string), created["id"].(string)
	// Another token, revoked: presenting it must never be accepted.
	revoked := e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/tokens", `{"name":"fuzz-revoked","type":"UserToken"}`)
	if r := e.admin(f, "DELETE", "/api/v1/tokens/"+revoked["id"].(string), ""); r.status >= 300 {
		f.Fatalf("revoke: %d %s", r.status, r.body)
	}
	expand := strings.NewReplacer("{plain}", plain, "{encoded}", encoded, "{revoked}", revoked["token"].(string))
	b64 := base64.StdEncoding.EncodeToString

	for _, s := range []string{
		"Bearer {plain}", "Bearer {encoded}", "bearer {plain}", "BEARER   {encoded}  ", "FortifyToken {encoded}",
		"fortifytoken {plain}", "Basic " + b64([]byte("{plain}:")), "basic " + b64([]byte("{plain}:x")),
		"Bearer {revoked}", "Bearer {plain}x", "Bearer x{plain}", "Bearer {plain} {plain}", "Bearer", "Bearer ",
		"Basic !!!", "Basic " + b64([]byte(":{plain}")), "Token {plain}", "{plain}", "Bearer\t{plain}",
		"Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1MSJ9.", "Bearer tmu_000000000000000000000000000000000000",
		"Bearer dG11X2FiYw==", "Digest username=\"a\"", strings.Repeat("Bearer ", 200),
	} {
		f.Add(uint8(0), s, "")
	}
	f.Add(uint8(1), "Bearer {plain}", "permission=api:read")
	f.Add(uint8(2), "Bearer {plain}", "permission=tokens:write,api:read&project=p")
	f.Add(uint8(3), "Bearer {encoded}", "tenant=default&tenant=other")
	f.Add(uint8(4), "Bearer {plain}", "permission=%ZZ")

	methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"}
	f.Fuzz(func(t *testing.T, method uint8, header, query string) {
		header = expand.Replace(header)
		req, err := http.NewRequest(methods[int(method)%len(methods)], e.srv.URL+"/api/v1/auth/verify?"+escapeQuery(query), nil)
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Authorization", header)
		r, err := tryRoundTrip(e.hcNoSession, req)
		if err != nil {
			checkNotTimeout(t, err)
			return // the client refuses to send such a header
		}
		if r.status >= 500 || (req.Method != "HEAD" && !json.Valid(r.body)) {
			t.Fatalf("Authorization %q: %d %q", header, r.status, r.body)
		}
		if r.status != http.StatusOK {
			return
		}
		if !carriesToken(header, plain, encoded) {
			t.Fatalf("Authorization %q accepted (%s) but it carries no valid token", header, r.body)
		}
		if req.Method == "HEAD" {
			return
		}
		var got struct {
			TokenID string `json:"token_id"`
		}
		if err := json.Unmarshal(r.body, &got); err != nil || got.TokenID != id {
			t.Fatalf("Authorization %q accepted as token %q, want %s: %s", header, got.TokenID, id, r.body)
		}
	})
}

// carriesToken reports whether an Authorization header holds the plain
// token or its encoded form, as is or base64-encoded in one of its words.
func carriesToken(header, plain, encoded string) bool {
	if strings.Contains(header, plain) || strings.Contains(header, encoded) {
		return true
	}
	for _, w := range strings.Fields(header) {
		if dec, err := base64.StdEncoding.DecodeString(w); err == nil &&
			(strings.Contains(string(dec), plain) || strings.Contains(string(dec), encoded)) {
			return true
		}
	}
	return false
}

// checkNotTimeout fails when a request got no answer in time: a hang is a
// finding, while a request the client refuses to send is not.
func checkNotTimeout(t *testing.T, err error) {
	t.Helper()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("no answer: %v", err)
	}
}

// escapeQuery percent-encodes the bytes that may not appear in a request
// line (a space would end it, and the server's own parser, not tokenmint,
// would answer), and leaves everything else, malformed escapes included,
// for the handler to judge.
func escapeQuery(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if c := q[i]; c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// tryRoundTrip is roundTrip for fuzz inputs: a request the client refuses
// to send is an error to skip, not a failure.
func tryRoundTrip(hc *http.Client, req *http.Request) (response, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}
