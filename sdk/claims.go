package sdk

import (
	"math"
	"strconv"
	"time"
)

// accessClaims are the claims of a tokenmint access token (RFC 9068 and
// tokenmint's own) that the SDK reads.
type accessClaims struct {
	Issuer   string
	Subject  string
	Audience []string // "aud": one string or an array of them
	// exp, nbf and iat; the zero time when absent.
	Expiry    time.Time
	NotBefore time.Time
	IssuedAt  time.Time
	ID        string
	ClientID  string
	Scope     string
	Tenant    string
	OwnerKind string
	Project   string
}

// decodeClaims decodes the payload of a JWT whose signature holds. Other
// claims are read for validity and ignored.
func decodeClaims(payload []byte) (accessClaims, bool) {
	var c accessClaims
	r := &jsonReader{b: payload}
	ok := r.object(func(key []byte) bool {
		switch string(key) {
		case "iss":
			return r.strInto(&c.Issuer)
		case "sub":
			return r.strInto(&c.Subject)
		case "aud":
			return r.audience(&c.Audience)
		case "exp":
			return r.numericDate(&c.Expiry)
		case "nbf":
			return r.numericDate(&c.NotBefore)
		case "iat":
			return r.numericDate(&c.IssuedAt)
		case "jti":
			return r.strInto(&c.ID)
		case "client_id":
			return r.strInto(&c.ClientID)
		case "scope":
			return r.strInto(&c.Scope)
		case "tenant":
			return r.strInto(&c.Tenant)
		case "owner_kind":
			return r.strInto(&c.OwnerKind)
		case "project":
			return r.strInto(&c.Project)
		}
		return r.skip()
	})
	if !ok || !r.end() {
		return accessClaims{}, false
	}
	return c, true
}

// audience reads "aud": a string or an array of strings (RFC 7519
// §4.1.3).
func (r *jsonReader) audience(dst *[]string) bool {
	if r.peek() != '[' {
		s, ok := r.str()
		*dst = []string{s}
		return ok
	}
	*dst = []string{}
	return r.array(func() bool {
		s, ok := r.str()
		*dst = append(*dst, s)
		return ok
	})
}

// maxNumericDate is the end of year 9999: a later date is refused rather
// than overflowing time arithmetic.
const maxNumericDate = 253402300799

// numericDate reads an RFC 7519 NumericDate (seconds since the epoch; a
// fraction is dropped, as go-jose did) or null, which leaves dst zero: a
// missing date. A negative or absurdly distant one is refused.
func (r *jsonReader) numericDate(dst *time.Time) bool {
	if r.peek() == 'n' {
		return r.literal("null")
	}
	num, ok := r.number()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return false
	}
	*dst = time.Unix(int64(f), 0).UTC()
	return true
}

func (c *accessClaims) hasAudience(s string) bool {
	for _, a := range c.Audience {
		if a == s {
			return true
		}
	}
	return false
}

// window is when the claims are valid by a clock that may lag the token
// server's by up to leeway: from the later of nbf and iat minus leeway
// (zero time when neither is set) until exp, exclusive. exp gets no
// leeway, so it never outlives what the server granted (RFC 7519 §4.1.4
// wants now before exp).
func (c *accessClaims) window(leeway time.Duration) (from, until time.Time) {
	from = c.NotBefore
	if c.IssuedAt.After(from) {
		from = c.IssuedAt
	}
	if !from.IsZero() {
		from = from.Add(-leeway)
	}
	return from, c.Expiry
}
