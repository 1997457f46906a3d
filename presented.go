package tokenmint

import (
	"encoding/base64"
	"strings"
)

// TokenFromAuthorization extracts the token an Authorization header value
// presents: "Bearer <token>", "Bearer <encoded>", "FortifyToken <encoded>"
// or "Basic base64(<token>:)" (the token as user name, any password). ok
// is false when the value is empty; a present but unusable value is an
// EUNAUTHORIZED error. The token itself is returned as given, plain or
// encoded: the service accepts both. Every entry point that takes a token
// from a request (the HTTP API, forward auth, Envoy's ext_authz) reads it
// here, so they accept exactly the same forms.
func TokenFromAuthorization(h string) (token string, ok bool, err error) {
	if h == "" {
		return "", false, nil
	}
	scheme, rest, _ := strings.Cut(h, " ")
	rest = strings.TrimSpace(rest)
	switch {
	case strings.EqualFold(scheme, "Bearer") && rest != "":
		return rest, true, nil
	case strings.EqualFold(scheme, "FortifyToken") && rest != "":
		// Fortify SSC's clients send "FortifyToken <encoded token>": the
		// same value a Bearer carries, under Fortify's own scheme name.
		return rest, true, nil
	case strings.EqualFold(scheme, "Basic") && rest != "":
		dec, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return "", true, Errorf(EUNAUTHORIZED, "malformed Basic credentials")
		}
		user, _, _ := strings.Cut(string(dec), ":")
		return user, true, nil
	}
	return "", true, Errorf(EUNAUTHORIZED, "unsupported Authorization scheme; use Bearer, Basic or FortifyToken")
}

// EachPermission calls fn with each permission a forward-auth value
// names: one permission or a comma-separated list; blanks are skipped (an
// empty value asks for no particular permission) and anything without
// the resource:verb shape is an EINVALID error. It allocates nothing, for
// the verify endpoint's hot path.
func EachPermission(value string, fn func(Permission)) error {
	for one := range strings.SplitSeq(value, ",") {
		perm := Permission(strings.TrimSpace(one))
		if perm == "" {
			continue
		}
		if !perm.Valid() {
			return Errorf(EINVALID, "permission %q must have the form resource:verb", perm)
		}
		fn(perm)
	}
	return nil
}

// ParsePermissionList is EachPermission over several values, collected.
func ParsePermissionList(values ...string) ([]Permission, error) {
	var out []Permission
	for _, v := range values {
		if err := EachPermission(v, func(p Permission) { out = append(out, p) }); err != nil {
			return nil, err
		}
	}
	return out, nil
}
