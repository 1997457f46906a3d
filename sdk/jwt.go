package sdk

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unsafe"
)

func looksLikeJWT(s string) bool { return strings.Count(s, ".") == 2 && strings.HasPrefix(s, "eyJ") }

func invalidToken(desc string) error {
	return &Error{Status: http.StatusUnauthorized, Code: "invalid_token", Description: desc}
}

// verifyJWT checks a JWT access token: offline, a signature by a key of
// the JWKS, typ at+jwt, issuer, audience, times and tenant; then, unless
// Config.OfflineJWT, that the server still accepts it; last, that the
// scope holds the permission.
//
// A token that passed the offline checks is cached by its SHA-256 until
// its exp (see jwtCache), so presenting it again costs a hash and a map
// lookup instead of a signature verification; the server's answer about
// it is kept in the same entry for CacheTTL.
func (v *Verifier) verifyJWT(ctx context.Context, raw, permission, project string) (*Identity, error) {
	if len(raw) > maxJWTLen {
		return nil, invalidToken("malformed access token")
	}
	now := v.cfg.Now()
	var e *jwtEntry
	var key jwtKey
	if v.jwts != nil {
		key = sha256.Sum256(stringBytes(raw))
		var err error
		if e, err = v.cachedJWT(ctx, &key, now); err != nil {
			return nil, err
		}
	}
	if e == nil {
		var err error
		if e, err = v.checkJWT(ctx, raw, now); err != nil {
			return nil, err
		}
		if v.jwts != nil {
			e.key = key
			v.jwts.put(e, now.UnixNano())
		}
	}
	id := &e.offline
	if !v.cfg.OfflineJWT {
		a := v.serverAnswer(ctx, e, raw, now)
		if a.err != nil {
			var se *Error
			if errors.As(a.err, &se) && se.Code == "insufficient_scope" {
				// The owner no longer holds anything of the scope.
				return nil, &Error{Status: se.Status, Code: se.Code, Description: se.Description, Scope: permission}
			}
			return nil, a.err
		}
		id = a.id
	}
	if permission != "" && !slices.Contains(id.Permissions, permission) {
		return nil, &Error{Status: http.StatusForbidden, Code: "insufficient_scope", Description: "the token's scope lacks " + permission, Scope: permission}
	}
	if project != "" && id.Project != "" && project != id.Project {
		return nil, &Error{Status: http.StatusForbidden, Code: "insufficient_scope", Description: "the token is limited to another project"}
	}
	return id, nil
}

// stringBytes is s as a []byte without a copy, for hashing on the cached
// path, which must not allocate: []byte(s) copies the token to the heap
// because sha256.Sum256 passes its input to an interface method. The
// bytes are only read (SHA-256 neither writes nor keeps its input), which
// is what makes sharing a string's memory safe.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// cachedJWT returns the cached entry of a token that still passes the
// offline checks at now, or nil when the token must be checked afresh. An
// entry past exp, signed by a key the JWKS no longer publishes, or (after a
// clock step back) not yet valid, is dropped, and the full check that
// follows gives the refusal. While the JWKS is older than JWKSMaxAge a hit
// asks for its key the way a new token does, which refetches the JWKS:
// cached tokens cannot keep a withdrawn key alive by never missing.
func (v *Verifier) cachedJWT(ctx context.Context, key *jwtKey, now time.Time) (*jwtEntry, error) {
	e := v.jwts.get(key)
	if e == nil {
		return nil, nil
	}
	if !e.live(now.UnixNano()) {
		v.jwts.remove(e)
		return nil, nil
	}
	if !v.jwks.isFresh(now) {
		k, err := v.jwks.key(ctx, e.signer.kid)
		if err != nil {
			return nil, err
		}
		if k != e.signer {
			v.jwts.remove(e)
			return nil, nil
		}
	}
	return e, nil
}

// checkJWT checks what can be checked without asking the server, and
// returns the entry to cache (its key unset).
func (v *Verifier) checkJWT(ctx context.Context, raw string, now time.Time) (*jwtEntry, error) {
	t, ok := parseJWS(raw)
	if !ok {
		return nil, invalidToken("malformed access token")
	}
	if typ := t.header.Typ; !strings.EqualFold(typ, "at+jwt") && !strings.EqualFold(typ, "application/at+jwt") {
		return nil, invalidToken("not an access token (typ)")
	}
	key, err := v.jwks.key(ctx, t.header.Kid)
	if err != nil {
		return nil, err
	}
	if key == nil || key.alg != t.header.Alg {
		return nil, invalidToken("unknown signing key")
	}
	if !t.verifySignature(key) {
		return nil, invalidToken("bad signature")
	}
	c, ok := decodeClaims(t.payload)
	if !ok {
		return nil, invalidToken("malformed access token claims")
	}
	iss, err := v.expectedIssuer(ctx)
	if err != nil {
		return nil, err
	}
	if c.Issuer != iss {
		return nil, invalidToken("not issued by this token server")
	}
	if v.cfg.Audience != "" && !c.hasAudience(v.cfg.Audience) {
		return nil, invalidToken("the token is not for this audience")
	}
	from, until := c.window(v.cfg.Leeway)
	if now.Before(from) {
		return nil, invalidToken("not yet valid")
	}
	if c.Expiry.IsZero() || !now.Before(until) {
		return nil, invalidToken("expired")
	}
	if err := v.checkTenant(c.Tenant); err != nil {
		return nil, err
	}
	e := &jwtEntry{
		from: from.UnixNano(), until: until.UnixNano(), signer: key, exp: until.UTC(),
		offline: Identity{
			Subject: c.Subject, Tenant: c.Tenant, OwnerKind: c.OwnerKind, TokenID: c.ID, Type: "JWTAccessToken",
			ClientID: c.ClientID, Project: c.Project, Permissions: strings.Fields(c.Scope), JWT: true,
		},
	}
	e.offline.ExpiresAt = &e.exp
	if from.IsZero() {
		e.from = minUnixNano
	}
	return e, nil
}

// minUnixNano is before every clock reading: no nbf or iat.
const minUnixNano = -1 << 63

// serverAnswer asks the server whether a JWT that passed the offline
// checks is still good (not revoked, its owner still enabled), and for the
// permissions of its scope its owner holds now: the entry's answer while
// it is fresh, else through verifyRemote. The question carries no
// permission or project, so its answer is cached once per token for
// CacheTTL whatever the requests ask; the scope check is ours.
//
// An unreachable server is a 503, not an acceptance: the default promises
// that a revoked JWT is refused within CacheTTL, and accepting whenever
// the server fails would let an outage (or anyone able to cause one)
// stretch that to the token's expiry. Config.OfflineJWT is the explicit
// choice of availability over revocation. A 503 is not kept.
func (v *Verifier) serverAnswer(ctx context.Context, e *jwtEntry, raw string, now time.Time) *serverAnswer {
	if a := e.answer.Load(); a != nil && now.UnixNano() < a.until {
		return a
	}
	id, until, err := v.verifyRemoteUntil(ctx, raw, "", "")
	a := &serverAnswer{err: err, until: until.UnixNano()}
	if err == nil {
		checked := e.offline
		checked.Permissions = id.Permissions
		a.id = &checked
	}
	if !until.IsZero() {
		// The answer is reused only as long as verifyRemote's cache would
		// have reused it: until is when that cache's entry ends.
		e.answer.Store(a)
	}
	return a
}

// expectedIssuer is Config.Issuer or the issuer the server publishes.
func (v *Verifier) expectedIssuer(ctx context.Context) (string, error) {
	v.issMu.Lock()
	defer v.issMu.Unlock()
	if v.issuer != "" {
		return v.issuer, nil
	}
	var md struct {
		Issuer string `json:"issuer"`
	}
	if err := v.getJSON(ctx, "/.well-known/oauth-authorization-server", &md); err != nil || md.Issuer == "" {
		return "", &Error{Status: http.StatusServiceUnavailable, Description: "cannot read the token server's metadata"}
	}
	v.issuer = md.Issuer
	return v.issuer, nil
}

func (v *Verifier) getJSON(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(v.cfg.ServerURL, "/")+path, nil)
	if err != nil {
		return err
	}
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out)
}
