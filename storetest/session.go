package storetest

import (
	"testing"
	"time"

	"tokenmint"
)

func testSessions(t *testing.T, newStore storeFunc) {
	setup := func(t *testing.T) (tokenmint.Store, *tokenmint.Session, *tokenmint.Session) {
		s := newStore(t)
		mustTenants(t, s)
		mustUser(t, s, tenantA, "usr-0001", "alice")
		mustUser(t, s, tenantB, "usr-0002", "bob")
		a := &tokenmint.Session{Hash: hashOf("session-a"), TenantID: tenantA, UserID: "usr-0001",
			CSRFToken: "csrf-a", CreatedAt: t0, ExpiresAt: at(12 * time.Hour)}
		b := &tokenmint.Session{Hash: hashOf("session-b"), TenantID: tenantB, UserID: "usr-0002",
			CSRFToken: "csrf-b", CreatedAt: at(time.Minute), ExpiresAt: at(time.Hour)}
		for _, sess := range []*tokenmint.Session{a, b} {
			if err := s.CreateSession(t.Context(), sess); err != nil {
				t.Fatalf("CreateSession: %v", err)
			}
		}
		return s, a, b
	}

	t.Run("CreateAndRead", func(t *testing.T) {
		s, a, b := setup(t)
		for _, want := range []*tokenmint.Session{a, b} {
			got, err := s.SessionByHash(t.Context(), want.Hash)
			if err != nil {
				t.Fatalf("SessionByHash: %v", err)
			}
			assertSession(t, got, want)
		}
		// An expired session is still returned: judging expiry is the
		// caller's rule, the store only keeps data.
		got, err := s.SessionByHash(t.Context(), b.Hash)
		if err != nil || got == nil {
			t.Fatalf("SessionByHash(expired at %v) = %v, %v; want the session", b.ExpiresAt, got, err)
		}
	})

	t.Run("DuplicateHash", func(t *testing.T) {
		s, a, _ := setup(t)
		dup := *a
		dup.CSRFToken = "other"
		assertCode(t, s.CreateSession(t.Context(), &dup), tokenmint.ECONFLICT)
		got, err := s.SessionByHash(t.Context(), a.Hash)
		if err != nil {
			t.Fatalf("SessionByHash: %v", err)
		}
		assertSession(t, got, a)
	})

	t.Run("DeleteUserSessions", func(t *testing.T) {
		s, a, b := setup(t)
		second := &tokenmint.Session{Hash: hashOf("session-a2"), TenantID: tenantA, UserID: "usr-0001",
			CSRFToken: "csrf-a2", CreatedAt: t0, ExpiresAt: at(time.Hour)}
		if err := s.CreateSession(t.Context(), second); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		// The same user ID in another tenant keeps its sessions.
		if err := s.DeleteUserSessions(t.Context(), tenantB, "usr-0001"); err != nil {
			t.Fatalf("DeleteUserSessions(other tenant): %v", err)
		}
		if _, err := s.SessionByHash(t.Context(), a.Hash); err != nil {
			t.Fatalf("session of tenant A after deleting in tenant B: %v", err)
		}
		if err := s.DeleteUserSessions(t.Context(), tenantA, "usr-0001"); err != nil {
			t.Fatalf("DeleteUserSessions: %v", err)
		}
		for _, gone := range []*tokenmint.Session{a, second} {
			_, err := s.SessionByHash(t.Context(), gone.Hash)
			assertCode(t, err, tokenmint.ENOTFOUND)
		}
		got, err := s.SessionByHash(t.Context(), b.Hash)
		if err != nil {
			t.Fatalf("another user's session: %v", err)
		}
		assertSession(t, got, b)
		if err := s.DeleteUserSessions(t.Context(), tenantA, "usr-0001"); err != nil {
			t.Fatalf("DeleteUserSessions with none left: %v", err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s, a, b := setup(t)
		if err := s.DeleteSession(t.Context(), a.Hash); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		_, err := s.SessionByHash(t.Context(), a.Hash)
		assertCode(t, err, tokenmint.ENOTFOUND)
		got, err := s.SessionByHash(t.Context(), b.Hash)
		if err != nil {
			t.Fatalf("the other session after delete: %v", err)
		}
		assertSession(t, got, b)
	})

	t.Run("NotFound", func(t *testing.T) {
		s, a, _ := setup(t)
		if err := s.DeleteSession(t.Context(), a.Hash); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		tests := []struct {
			name string
			call func() error
		}{
			{"unknown hash", func() error { _, err := s.SessionByHash(t.Context(), hashOf("nope")); return err }},
			{"deleted", func() error { _, err := s.SessionByHash(t.Context(), a.Hash); return err }},
			{"delete twice", func() error { return s.DeleteSession(t.Context(), a.Hash) }},
			{"delete unknown", func() error { return s.DeleteSession(t.Context(), hashOf("nope")) }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { assertCode(t, tt.call(), tokenmint.ENOTFOUND) })
		}
	})
}

func assertSession(t *testing.T, got, want *tokenmint.Session) {
	t.Helper()
	if string(got.Hash) != string(want.Hash) || got.TenantID != want.TenantID ||
		got.UserID != want.UserID || got.CSRFToken != want.CSRFToken {
		t.Errorf("session = {%x %s %s %s}, want {%x %s %s %s}",
			got.Hash, got.TenantID, got.UserID, got.CSRFToken, want.Hash, want.TenantID, want.UserID, want.CSRFToken)
	}
	assertTime(t, "session CreatedAt", got.CreatedAt, want.CreatedAt)
	assertTime(t, "session ExpiresAt", got.ExpiresAt, want.ExpiresAt)
}
