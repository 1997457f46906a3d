package service_test

import (
	"context"
	"testing"

	"tokenmint"
	"tokenmint/service"
	"tokenmint/sqlite"
)

// interposingStore runs a function just before the next UpdateToken, to
// land a concurrent change between a service call's read and its write.
type interposingStore struct {
	tokenmint.Store
	before func()
}

func (s *interposingStore) UpdateToken(ctx context.Context, t *tokenmint.Token) error {
	if f := s.before; f != nil {
		s.before = nil
		f()
	}
	return s.Store.UpdateToken(ctx, t)
}

// A revocation landing between a PATCH's read and its write is not undone:
// the PATCH reads the token again, finds it revoked and fails as a PATCH
// of a revoked token does, and the token no longer verifies.
func TestPatchDoesNotUndoConcurrentRevocation(t *testing.T) {
	for _, c := range []struct {
		name string
		in   service.UpdateTokenInput
	}{
		{"description", service.UpdateTokenInput{Description: ptrString("edited")}},
		{"reactivate", service.UpdateTokenInput{Active: ptrBool(true)}},
		{"extend", service.UpdateTokenInput{Expiry: &tokenmint.ExpiryRequest{DaysToLive: ptrInt(10)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc, ctx, st, _ := newInterposedService(t)
			issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "racy"})
			if err != nil {
				t.Fatal(err)
			}
			id := issued.Token.ID
			st.before = func() {
				if err := svc.RevokeToken(ctx, id); err != nil {
					t.Errorf("RevokeToken: %v", err)
				}
			}
			_, err = svc.UpdateToken(ctx, id, c.in)
			if st.before != nil {
				t.Fatal("the revocation did not run between the read and the write")
			}
			if tokenmint.ErrorCode(err) != tokenmint.ECONFLICT || tokenmint.ErrorMessage(err) != "token is revoked and can no longer be changed" {
				t.Errorf("PATCH racing a revocation = %v; want the error of a PATCH of a revoked token", err)
			}
			if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain}); tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
				t.Errorf("Verify after the race = %v; want the revoked token refused", err)
			}
			if tok, err := st.Store.TokenByID(ctx, issued.Token.TenantID, id); err != nil || tok.StoredStatus != tokenmint.StatusRevoked {
				t.Errorf("stored token = %+v, %v; want revoked", tok, err)
			}
		})
	}
}

// The inactivity job deactivating a token between a PATCH's read and write
// is not undone by a PATCH that does not ask to activate it.
func TestPatchDoesNotUndoConcurrentDeactivation(t *testing.T) {
	svc, ctx, st, clock := newInterposedService(t)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "idle", Expiry: tokenmint.ExpiryRequest{DaysToLive: ptrInt(200)}})
	if err != nil {
		t.Fatal(err)
	}
	tok := issued.Token
	clock.Advance(40 * tokenmint.Day)
	st.before = func() {
		ok, err := st.Store.DeactivateIdleToken(ctx, tok.TenantID, tok.ID, clock.Now().Add(-30*tokenmint.Day), clock.Now(), nil)
		if err != nil || !ok {
			t.Errorf("DeactivateIdleToken = %v, %v", ok, err)
		}
	}
	got, err := svc.UpdateToken(ctx, tok.ID, service.UpdateTokenInput{Description: ptrString("edited")})
	if err != nil {
		t.Fatalf("PATCH of the description: %v", err)
	}
	if got.Description != "edited" || got.Status(clock.Now()) != tokenmint.StatusInactive {
		t.Errorf("PATCH answered %q, %s; want the description saved on the inactive token", got.Description, got.Status(clock.Now()))
	}
	stored, err := st.Store.TokenByID(ctx, tok.TenantID, tok.ID)
	if err != nil || stored.StoredStatus != tokenmint.StatusInactive || stored.Description != "edited" {
		t.Errorf("stored token = %+v, %v; want inactive with the new description", stored, err)
	}
}

// A revocation that loses the race to a PATCH reads the token again and
// still revokes it, keeping what the PATCH saved.
func TestRevocationRetriesAfterConcurrentPatch(t *testing.T) {
	svc, ctx, st, _ := newInterposedService(t)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "racy"})
	if err != nil {
		t.Fatal(err)
	}
	tok := issued.Token
	st.before = func() {
		if _, err := svc.UpdateToken(ctx, tok.ID, service.UpdateTokenInput{Description: ptrString("edited")}); err != nil {
			t.Errorf("UpdateToken: %v", err)
		}
	}
	if err := svc.RevokeLeaked(ctx, issued.Plain); err != nil {
		t.Fatalf("RevokeLeaked: %v", err)
	}
	stored, err := st.Store.TokenByID(ctx, tok.TenantID, tok.ID)
	if err != nil || stored.StoredStatus != tokenmint.StatusRevoked || stored.Description != "edited" {
		t.Errorf("stored token = %+v, %v; want revoked with the PATCH's description", stored, err)
	}
	if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain}); tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
		t.Errorf("Verify after the revocation = %v; want refused", err)
	}
}

func ptrString(s string) *string { return &s }
func ptrBool(b bool) *bool       { return &b }

// newInterposedService is newService over an interposingStore.
func newInterposedService(t *testing.T) (*service.Service, context.Context, *interposingStore, *tokenmint.FakeClock) {
	t.Helper()
	var st *interposingStore
	svc, ctx, _, clock := newServiceWith(t, func(db *sqlite.DB) tokenmint.Store {
		st = &interposingStore{Store: db}
		return st
	}, nil)
	return svc, ctx, st, clock
}
