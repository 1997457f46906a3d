package http

import (
	"net/http"
	"strconv"

	"tokenmint/service"
)

// writeIntrospection writes an introspection answer with status 200. Like
// the verify answer it is written by hand (encoding/json's reflection was
// a tenth of the endpoint's CPU); appendIntrospection gives exactly what
// encoding/json gives for service.Introspection, a test holds it to that.
func writeIntrospection(w http.ResponseWriter, v *service.Introspection) {
	writeAppended(w, v, appendIntrospection)
}

func appendIntrospection(b []byte, v *service.Introspection) []byte {
	b = append(b, `{"active":`...)
	b = strconv.AppendBool(b, v.Active)
	b = appendOptionalField(b, "scope", v.Scope)
	b = appendOptionalField(b, "client_id", v.ClientID)
	b = appendOptionalField(b, "token_type", v.TokenType)
	b = appendOptionalInt(b, "exp", v.Exp)
	b = appendOptionalInt(b, "iat", v.Iat)
	b = appendOptionalField(b, "sub", v.Sub)
	if len(v.Aud) > 0 {
		b = append(b, `,"aud":[`...)
		for i, a := range v.Aud {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, a)
		}
		b = append(b, ']')
	}
	b = appendOptionalField(b, "iss", v.Iss)
	b = appendOptionalField(b, "jti", v.JTI)
	b = appendOptionalField(b, "tenant", v.Tenant)
	b = appendOptionalField(b, "owner_kind", v.OwnerKind)
	b = appendOptionalField(b, "project", v.Project)
	return append(b, "}\n"...)
}

// appendOptionalField is appendField for an omitempty string.
func appendOptionalField(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	return appendField(b, name, value)
}

// appendOptionalInt appends an omitempty number.
func appendOptionalInt(b []byte, name string, n int64) []byte {
	if n == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, n, 10)
}
