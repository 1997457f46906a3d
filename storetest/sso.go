package storetest

import (
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
)

func newSSOProvider(tenantID string) *tokenmint.SSOProvider {
	return &tokenmint.SSOProvider{
		TenantID: tenantID, Name: "Acme IdP", IssuerURL: "https://idp.example.com/realms/" + tenantID,
		ClientID: "tokenmint", SealedClientSecret: []byte{1, 2, 3, 0, 255},
		Scopes: []string{"openid", "email", "groups"}, GroupsClaim: "groups",
		Mappings: []tokenmint.SSOMapping{
			{Group: "tm-admins", Role: tokenmint.RoleAdmin},
			{Group: "app1-dev", Project: "app1", Role: tokenmint.RoleMember},
		},
		LocalPasswordsDisabled: true, BreakGlassUser: "root",
		CreatedAt: t0, UpdatedAt: t0,
	}
}

func testSSO(t *testing.T, newStore storeFunc) {
	t.Run("ProviderPutReplaceDelete", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		assertCode(t, func() error { _, err := s.SSOProviderByTenant(t.Context(), tenantA); return err }(), tokenmint.ENOTFOUND)
		want := newSSOProvider(tenantA)
		if err := s.PutSSOProvider(t.Context(), want); err != nil {
			t.Fatalf("PutSSOProvider: %v", err)
		}
		got, err := s.SSOProviderByTenant(t.Context(), tenantA)
		if err != nil {
			t.Fatalf("SSOProviderByTenant: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("SSOProviderByTenant = %+v\nwant %+v", got, want)
		}
		// Tenants are isolated.
		assertCode(t, func() error { _, err := s.SSOProviderByTenant(t.Context(), tenantB); return err }(), tokenmint.ENOTFOUND)

		// Replacing keeps the creation time, changes the rest.
		repl := newSSOProvider(tenantA)
		repl.Name, repl.ClientID, repl.SealedClientSecret = "Other", "other-client", []byte{}
		repl.Mappings = []tokenmint.SSOMapping{{Group: "staff", Role: tokenmint.RoleViewer}}
		repl.LocalPasswordsDisabled, repl.BreakGlassUser = false, ""
		repl.CreatedAt, repl.UpdatedAt = at(time.Hour), at(time.Hour)
		if err := s.PutSSOProvider(t.Context(), repl); err != nil {
			t.Fatalf("PutSSOProvider (replace): %v", err)
		}
		got, err = s.SSOProviderByTenant(t.Context(), tenantA)
		if err != nil {
			t.Fatal(err)
		}
		wantRepl := *repl
		wantRepl.CreatedAt = t0
		wantRepl.SealedClientSecret = nil // no secret reads as nil
		if !reflect.DeepEqual(got, &wantRepl) {
			t.Fatalf("after replace = %+v\nwant %+v", got, &wantRepl)
		}

		if err := s.DeleteSSOProvider(t.Context(), tenantA); err != nil {
			t.Fatalf("DeleteSSOProvider: %v", err)
		}
		assertCode(t, s.DeleteSSOProvider(t.Context(), tenantA), tokenmint.ENOTFOUND)
		assertCode(t, func() error { _, err := s.SSOProviderByTenant(t.Context(), tenantA); return err }(), tokenmint.ENOTFOUND)
		// A provider of an unknown tenant is refused.
		assertCode(t, s.PutSSOProvider(t.Context(), newSSOProvider("no-such-tenant")), tokenmint.ENOTFOUND)
	})

	t.Run("LoginTakenOnce", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		l := &tokenmint.SSOLogin{
			StateHash: hashOf("state-1"), TenantID: tenantA, Nonce: "nonce-1", Verifier: "verifier-1",
			RedirectURI: "https://tm.example.com/ui/sso/callback", Next: "/ui/tokens",
			CreatedAt: t0, ExpiresAt: at(10 * time.Minute),
		}
		if err := s.CreateSSOLogin(t.Context(), l); err != nil {
			t.Fatalf("CreateSSOLogin: %v", err)
		}
		assertCode(t, s.CreateSSOLogin(t.Context(), l), tokenmint.ECONFLICT)
		got, err := s.TakeSSOLogin(t.Context(), l.StateHash, t0)
		if err != nil {
			t.Fatalf("TakeSSOLogin: %v", err)
		}
		if !reflect.DeepEqual(got, l) {
			t.Fatalf("TakeSSOLogin = %+v, want %+v", got, l)
		}
		_, err = s.TakeSSOLogin(t.Context(), l.StateHash, t0)
		assertCode(t, err, tokenmint.ENOTFOUND)

		// An expired sign-in is still handed out (the caller judges);
		// others that ended before the given time are pruned.
		old := *l
		old.StateHash, old.ExpiresAt = hashOf("state-old"), at(time.Minute)
		expired := *l
		expired.StateHash, expired.ExpiresAt = hashOf("state-expired"), at(time.Minute)
		for _, x := range []*tokenmint.SSOLogin{&old, &expired} {
			if err := s.CreateSSOLogin(t.Context(), x); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.TakeSSOLogin(t.Context(), expired.StateHash, at(time.Hour)); err != nil || !got.ExpiresAt.Equal(expired.ExpiresAt) {
			t.Fatalf("TakeSSOLogin(expired) = %v, %v", got, err)
		}
		_, err = s.TakeSSOLogin(t.Context(), old.StateHash, at(time.Hour))
		assertCode(t, err, tokenmint.ENOTFOUND)
	})

	t.Run("ConcurrentTakeGivesOne", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		l := &tokenmint.SSOLogin{StateHash: hashOf("race"), TenantID: tenantA, Nonce: "n", Verifier: "v",
			RedirectURI: "r", Next: "/ui/tokens", CreatedAt: t0, ExpiresAt: at(time.Minute)}
		if err := s.CreateSSOLogin(t.Context(), l); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var won, lost atomic.Int32
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.TakeSSOLogin(t.Context(), l.StateHash, t0)
				switch tokenmint.ErrorCode(err) {
				case "":
					won.Add(1)
				case tokenmint.ENOTFOUND:
					lost.Add(1)
				default:
					t.Errorf("TakeSSOLogin: %v", err)
				}
			}()
		}
		wg.Wait()
		if won.Load() != 1 || lost.Load() != 7 {
			t.Fatalf("%d takers got the sign-in and %d did not; want 1 and 7", won.Load(), lost.Load())
		}
	})

	t.Run("UserAndIdentity", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		u := newUser(tenantA, "usr-sso1", "alice")
		u.PasswordHash, u.Roles = "", []string{}
		id := &tokenmint.UserIdentity{TenantID: tenantA, UserID: u.ID, Issuer: "https://idp.example.com", Subject: "sub-1", CreatedAt: t0}
		if err := s.CreateSSOUser(t.Context(), u, id); err != nil {
			t.Fatalf("CreateSSOUser: %v", err)
		}
		got, err := s.UserIdentityBySubject(t.Context(), tenantA, id.Issuer, id.Subject)
		if err != nil || !reflect.DeepEqual(got, id) {
			t.Fatalf("UserIdentityBySubject = %+v, %v; want %+v", got, err, id)
		}
		gu, err := s.UserByID(t.Context(), tenantA, u.ID)
		if err != nil || gu.Username != "alice" || gu.PasswordHash != "" {
			t.Fatalf("UserByID = %+v, %v", gu, err)
		}
		// The same subject of another issuer, or in another tenant, is
		// someone else.
		for _, q := range [][3]string{{tenantA, "https://other.example.com", "sub-1"}, {tenantB, id.Issuer, "sub-1"}, {tenantA, id.Issuer, "sub-2"}} {
			_, err := s.UserIdentityBySubject(t.Context(), q[0], q[1], q[2])
			assertCode(t, err, tokenmint.ENOTFOUND)
		}
		// The identity taken: ECONFLICT and no second user.
		u2 := newUser(tenantA, "usr-sso2", "alice2")
		id2 := *id
		id2.UserID = u2.ID
		assertCode(t, s.CreateSSOUser(t.Context(), u2, &id2), tokenmint.ECONFLICT)
		_, err = s.UserByID(t.Context(), tenantA, u2.ID)
		assertCode(t, err, tokenmint.ENOTFOUND)
		// The username taken: ECONFLICT and no identity.
		u3 := newUser(tenantA, "usr-sso3", "alice")
		id3 := &tokenmint.UserIdentity{TenantID: tenantA, UserID: u3.ID, Issuer: id.Issuer, Subject: "sub-3", CreatedAt: t0}
		assertCode(t, s.CreateSSOUser(t.Context(), u3, id3), tokenmint.ECONFLICT)
		_, err = s.UserIdentityBySubject(t.Context(), tenantA, id.Issuer, "sub-3")
		assertCode(t, err, tokenmint.ENOTFOUND)
	})
}
