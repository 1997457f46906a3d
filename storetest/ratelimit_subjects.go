package storetest

import (
	"testing"
	"time"

	"tokenmint"
)

// testRateLimitSubjects covers the rate limits of tokens and owners (not
// the login attempts of ratelimit.go): put, replace, read, the one-read
// lookup of a token with its owner, tenant isolation, and deletion with
// the subject.
func testRateLimitSubjects(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	ctx := t.Context()
	mustTenants(t, s)
	mustUser(t, s, tenantA, "user-1", "alice")
	tok := mustToken(t, s, newToken(tenantA, "tok-0001"))
	other := mustToken(t, s, newToken(tenantA, "tok-0002"))
	app := newApplication(tenantA, "app-1", "ci")
	if err := s.CreateApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	subj := func(kind, id string) tokenmint.RateLimitSubject {
		return tokenmint.RateLimitSubject{TenantID: tenantA, Kind: kind, ID: id}
	}
	put := func(sub tokenmint.RateLimitSubject, req, per int, d time.Duration) error {
		return s.PutRateLimit(ctx, &tokenmint.StoredRateLimit{RateLimitSubject: sub, Limit: tokenmint.RateLimit{Requests: req, PerSeconds: per}, UpdatedAt: at(d)})
	}

	_, err := s.RateLimitOf(ctx, subj(tokenmint.RateSubjectToken, tok.ID))
	assertCode(t, err, tokenmint.ENOTFOUND)
	if err := put(subj(tokenmint.RateSubjectToken, tok.ID), 10, 60, 0); err != nil {
		t.Fatalf("PutRateLimit(token): %v", err)
	}
	if err := put(subj(tokenmint.RateSubjectToken, tok.ID), 20, 30, time.Minute); err != nil {
		t.Fatalf("PutRateLimit(token) again: %v", err)
	}
	got, err := s.RateLimitOf(ctx, subj(tokenmint.RateSubjectToken, tok.ID))
	if err != nil {
		t.Fatal(err)
	}
	if got.Limit != (tokenmint.RateLimit{Requests: 20, PerSeconds: 30}) || got.Kind != tokenmint.RateSubjectToken || got.ID != tok.ID {
		t.Fatalf("RateLimitOf = %+v, want the replaced 20/30", got)
	}
	assertTime(t, "UpdatedAt", got.UpdatedAt, at(time.Minute))

	if err := put(subj(tokenmint.RateSubjectUser, "user-1"), 100, 60, 0); err != nil {
		t.Fatalf("PutRateLimit(user): %v", err)
	}
	if err := put(subj(tokenmint.RateSubjectApplication, app.ID), 5, 1, 0); err != nil {
		t.Fatalf("PutRateLimit(application): %v", err)
	}
	tl, ol, err := s.RateLimitsOf(ctx, tenantA, tok.ID, tokenmint.OwnerUser, "user-1")
	if err != nil {
		t.Fatal(err)
	}
	if tl != (tokenmint.RateLimit{Requests: 20, PerSeconds: 30}) || ol != (tokenmint.RateLimit{Requests: 100, PerSeconds: 60}) {
		t.Fatalf("RateLimitsOf = %v, %v; want 20/30 and 100/60", tl, ol)
	}
	// A token without a limit of its own, owned by the application.
	tl, ol, err = s.RateLimitsOf(ctx, tenantA, other.ID, tokenmint.OwnerApplication, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !tl.IsZero() || ol != (tokenmint.RateLimit{Requests: 5, PerSeconds: 1}) {
		t.Fatalf("RateLimitsOf(other) = %v, %v; want none and 5/1", tl, ol)
	}
	// The same IDs seen from another tenant have no limits.
	tl, ol, err = s.RateLimitsOf(ctx, tenantB, tok.ID, tokenmint.OwnerUser, "user-1")
	if err != nil || !tl.IsZero() || !ol.IsZero() {
		t.Fatalf("RateLimitsOf in tenant B = %v, %v, %v; want none", tl, ol, err)
	}

	// Subjects unknown in the tenant, or of an unknown kind, are refused.
	assertCode(t, put(subj(tokenmint.RateSubjectToken, "tok-9999"), 1, 1, 0), tokenmint.ENOTFOUND)
	assertCode(t, put(tokenmint.RateLimitSubject{TenantID: tenantB, Kind: tokenmint.RateSubjectToken, ID: tok.ID}, 1, 1, 0), tokenmint.ENOTFOUND)
	assertCode(t, put(subj(tokenmint.RateSubjectUser, "user-404"), 1, 1, 0), tokenmint.ENOTFOUND)
	assertCode(t, put(subj("project", "p"), 1, 1, 0), tokenmint.EINVALID)

	// Delete; deleting again is no error.
	if err := s.DeleteRateLimit(ctx, subj(tokenmint.RateSubjectUser, "user-1")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRateLimit(ctx, subj(tokenmint.RateSubjectUser, "user-1")); err != nil {
		t.Fatalf("DeleteRateLimit of none: %v", err)
	}
	_, err = s.RateLimitOf(ctx, subj(tokenmint.RateSubjectUser, "user-1"))
	assertCode(t, err, tokenmint.ENOTFOUND)

	// Deleting the token or the application deletes its limit: a new
	// subject reusing the ID starts without one.
	if err := s.DeleteToken(ctx, tenantA, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.RateLimitOf(ctx, subj(tokenmint.RateSubjectToken, tok.ID))
	assertCode(t, err, tokenmint.ENOTFOUND)
	if err := s.DeleteApplication(ctx, tenantA, app.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.RateLimitOf(ctx, subj(tokenmint.RateSubjectApplication, app.ID))
	assertCode(t, err, tokenmint.ENOTFOUND)
}
