package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"
)

// accessClaims are the claims of a tokenmint access token (RFC 9068 and
// tokenmint's own) that the SDK reads.
type accessClaims struct {
	Issuer    string       `json:"iss"`
	Subject   string       `json:"sub"`
	Audience  audience     `json:"aud"`
	Expiry    *numericDate `json:"exp"`
	NotBefore *numericDate `json:"nbf"`
	IssuedAt  *numericDate `json:"iat"`
	ID        string       `json:"jti"`
	ClientID  string       `json:"client_id"`
	Scope     string       `json:"scope"`
	Tenant    string       `json:"tenant"`
	OwnerKind string       `json:"owner_kind"`
	Project   string       `json:"project"`
}

// audience is "aud": one string or an array of them (RFC 7519 §4.1.3).
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(b, []byte(`"`)) {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = audience{s}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	*a = l
	return nil
}

func (a audience) contains(s string) bool {
	for _, x := range a {
		if x == s {
			return true
		}
	}
	return false
}

// numericDate is an RFC 7519 NumericDate: seconds since the epoch, which
// may have a fraction.
type numericDate struct{ t time.Time }

// maxNumericDate is the end of year 9999: a later date is refused rather
// than overflowing time arithmetic.
const maxNumericDate = 253402300799

var errBadDate = errors.New("sdk: NumericDate out of range")

// UnmarshalJSON reads a JSON number. The decoder has already checked that
// b is one JSON value, and a JSON value that starts with a digit or a
// minus is a number, whose syntax strconv.ParseFloat accepts.
func (d *numericDate) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || (b[0] != '-' && (b[0] < '0' || b[0] > '9')) {
		return errBadDate
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return errBadDate
	}
	sec, frac := math.Modf(f)
	d.t = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return nil
}

// decodeClaims decodes the payload of a JWT whose signature holds.
func decodeClaims(payload []byte) (*accessClaims, bool) {
	var c accessClaims
	if json.Unmarshal(payload, &c) != nil {
		return nil, false
	}
	return &c, true
}

// window is when the claims are valid by a clock that may lag the token
// server's by up to leeway: from the later of nbf and iat minus leeway
// (zero time when neither is set) until exp, exclusive. exp gets no
// leeway, so it never outlives what the server granted (RFC 7519 §4.1.4
// wants now before exp).
func (c *accessClaims) window(leeway time.Duration) (from, until time.Time) {
	for _, d := range []*numericDate{c.NotBefore, c.IssuedAt} {
		if d != nil && d.t.After(from) {
			from = d.t
		}
	}
	if !from.IsZero() {
		from = from.Add(-leeway)
	}
	if c.Expiry != nil {
		until = c.Expiry.t
	}
	return from, until
}
