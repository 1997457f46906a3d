package oauth

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// signEdDSA builds the compact JWS of an Ed25519 key directly: the header
// is fixed per key and the claims are one encoding/json call. go-jose's
// signer (kept for ES256) marshals both through its own reflection-based
// JSON and was a sixth of the client_credentials grant's CPU. Verify, and
// every client, still parse these tokens with a JOSE library (the tests
// check them with go-jose and golang-jwt), and the output is the same JWS:
// {"alg":"EdDSA","kid":…,"typ":"at+jwt"}, the claims, the signature.
func signEdDSA(priv ed25519.PrivateKey, kid string, claims *jwtClaims) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	header := `{"alg":"EdDSA","kid":` + quoteJSON(kid) + `,"typ":"` + AccessTokenType + `"}`
	enc := base64.RawURLEncoding
	var b strings.Builder
	b.Grow(enc.EncodedLen(len(header)) + enc.EncodedLen(len(payload)) + enc.EncodedLen(ed25519.SignatureSize) + 2)
	b.WriteString(enc.EncodeToString([]byte(header)))
	b.WriteByte('.')
	b.WriteString(enc.EncodeToString(payload))
	sig := ed25519.Sign(priv, []byte(b.String()))
	b.WriteByte('.')
	b.WriteString(enc.EncodeToString(sig))
	return b.String(), nil
}

func quoteJSON(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}
