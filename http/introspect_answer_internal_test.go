package http

import (
	"bytes"
	"encoding/json"
	"testing"

	"tokenmint/service"
)

// FuzzAppendIntrospectionMatchesJSON holds the hand-written introspection
// answer to encoding/json's bytes (without HTML escaping) for any values,
// empty ones (omitted) included.
func FuzzAppendIntrospectionMatchesJSON(f *testing.F) {
	f.Add(true, "api:read api:write", "cid", "Bearer", int64(1767225600), int64(1767222000), "user-1", "aud1", "aud2", "https://iss", "jti-1", "default", "user", "p1")
	f.Add(false, "", "", "", int64(0), int64(0), "", "", "", "", "", "", "", "")
	f.Add(true, "\"<&>\u2028\xff", "\n\t\\", "", int64(-5), int64(1), "", "", "only-second", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, active bool, scope, clientID, tokenType string, exp, iat int64, sub, aud1, aud2, iss, jti, tenant, ownerKind, project string) {
		v := &service.Introspection{Active: active, Scope: scope, ClientID: clientID, TokenType: tokenType, Exp: exp, Iat: iat,
			Sub: sub, Iss: iss, JTI: jti, Tenant: tenant, OwnerKind: ownerKind, Project: project}
		for _, a := range []string{aud1, aud2} {
			if a != "" {
				v.Aud = append(v.Aud, a)
			}
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if got := appendIntrospection(nil, v); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("hand-written %s\nencoding/json %s", got, want.Bytes())
		}
	})
}
