package storetest

import (
	"testing"
	"time"

	"tokenmint"
)

// SpendUse is called only for limited-use tokens (MaxUses > 0): unlimited
// tokens count their uses through RecordUsage. The suite therefore pins
// nothing about SpendUse on a token with MaxUses 0.
func testSpendUse(t *testing.T, newStore storeFunc) {
	tests := []struct {
		name        string
		maxUses     int
		spentBefore int // uses spent before the checked calls
	}{
		{"single use", 1, 0},
		{"three uses", 3, 0},
		{"five uses, two already spent", 5, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			mustTenants(t, s)
			tok := newToken(tenantA, "tok-0001")
			tok.MaxUses = tt.maxUses
			mustToken(t, s, tok)
			other := newToken(tenantA, "tok-0002")
			other.MaxUses = tt.maxUses
			mustToken(t, s, other)

			for i := range tt.spentBefore {
				if ok, err := s.SpendUse(t.Context(), tok.ID, at(time.Duration(i)*time.Second)); err != nil || !ok {
					t.Fatalf("prior SpendUse #%d = %v, %v; want true", i+1, ok, err)
				}
			}
			// Every call is one second after the previous one. The calls
			// while uses are left succeed; every later one fails.
			var lastSpent time.Time
			for i := tt.spentBefore; i < tt.maxUses+2; i++ {
				now := at(time.Duration(i) * time.Second)
				ok, err := s.SpendUse(t.Context(), tok.ID, now)
				if err != nil {
					t.Fatalf("SpendUse #%d: %v", i+1, err)
				}
				if want := i < tt.maxUses; ok != want {
					t.Fatalf("SpendUse #%d of %d = %v, want %v", i+1, tt.maxUses, ok, want)
				}
				if ok {
					lastSpent = now
				}
			}

			// The count stops at MaxUses, the token is exhausted, and its
			// last use is the last successful spend.
			got := mustTokenByID(t, s, tenantA, tok.ID)
			if got.Uses != int64(tt.maxUses) {
				t.Errorf("Uses = %d, want %d", got.Uses, tt.maxUses)
			}
			if st := got.Status(at(time.Hour)); st != tokenmint.StatusExhausted {
				t.Errorf("Status = %s, want exhausted", st)
			}
			assertTimePtr(t, "LastUsedAt", got.LastUsedAt, &lastSpent)

			// The other token's uses are its own.
			if got := mustTokenByID(t, s, tenantA, other.ID); got.Uses != 0 || got.LastUsedAt != nil {
				t.Errorf("other token: Uses = %d, LastUsedAt = %v; want 0, nil", got.Uses, got.LastUsedAt)
			}
		})
	}

	// A spend that carries an earlier time than the last one (requests
	// finish out of order) does not move the last use back.
	t.Run("LastUsedNeverMovesBack", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		tok := newToken(tenantA, "tok-0001")
		tok.MaxUses = 5
		mustToken(t, s, tok)
		for _, now := range []time.Time{at(time.Hour), at(time.Minute)} {
			if ok, err := s.SpendUse(t.Context(), tok.ID, now); err != nil || !ok {
				t.Fatalf("SpendUse = %v, %v; want true", ok, err)
			}
		}
		got := mustTokenByID(t, s, tenantA, tok.ID)
		assertTimePtr(t, "LastUsedAt", got.LastUsedAt, ptr(at(time.Hour)))
		if got.Uses != 2 {
			t.Errorf("Uses = %d, want 2", got.Uses)
		}
	})

	t.Run("UnknownToken", func(t *testing.T) {
		s := newStore(t)
		ok, err := s.SpendUse(t.Context(), "tok-missing", t0)
		assertCode(t, err, tokenmint.ENOTFOUND)
		if ok {
			t.Error("SpendUse of an unknown token = true")
		}
	})
}
