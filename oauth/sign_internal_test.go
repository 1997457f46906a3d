package oauth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// The hand-built EdDSA JWS has exactly the header and claims go-jose's
// signer produces for the same key and claims, and go-jose verifies it.
func TestSignEdDSAMatchesGoJOSE(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	jc := jwtClaims{
		Claims: jwt.Claims{Issuer: "https://tm.example", Subject: "sub\"1", Audience: jwt.Audience{"https://tm.example"},
			Expiry: jwt.NewNumericDate(now.Add(time.Hour)), IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ID: "jti-1"},
		ClientID: "tmc_client", Scope: "api:read results:upload", Tenant: "default", TenantID: "t1",
		OwnerKind: "application", Project: "p<1>", SourceToken: "src",
	}
	mine, err := signEdDSA(priv, "kid123", &jc)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: priv, KeyID: "kid123"}},
		(&jose.SignerOptions{}).WithType(AccessTokenType))
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := jwt.Signed(signer).Claims(jc).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	// The header is byte for byte go-jose's; the claims are the same JSON
	// object (go-jose writes the members sorted, encoding/json in field
	// order).
	m, th := strings.Split(mine, "."), strings.Split(theirs, ".")
	for i, part := range []string{"header", "claims"} {
		a, _ := base64.RawURLEncoding.DecodeString(m[i])
		b, _ := base64.RawURLEncoding.DecodeString(th[i])
		var am, bm map[string]any
		if err := json.Unmarshal(a, &am); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &bm); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(am, bm) || (part == "header" && string(a) != string(b)) {
			t.Errorf("%s differs:\n mine   %s\n go-jose %s", part, a, b)
		}
	}
	parsed, err := jwt.ParseSigned(mine, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	var got jwtClaims
	if err := parsed.Claims(pub, &got); err != nil {
		t.Fatalf("go-jose does not verify it: %v", err)
	}
	if got.Subject != jc.Subject || got.Project != jc.Project || got.Scope != jc.Scope {
		t.Errorf("claims read back = %+v", got)
	}
}
