package storetest

import (
	"slices"
	"testing"
	"time"

	"tokenmint"
)

// listNow is the Now of the ListTokens tests.
var listNow = at(30 * day)

// listSpec describes one token of the ListTokens fixture and the state
// Token.Status derives for it at listNow.
type listSpec struct {
	n         int // tokID(n)
	tenantID  string
	ownerKind string
	ownerID   string
	typ       string
	expiresAt *time.Time
	maxUses   int
	spend     int // uses spent through SpendUse
	stored    string
	want      string
}

// listSpecs covers every state and every tie in the derivation order of
// Token.Status: revoked > expired > exhausted > inactive > active.
var listSpecs = []listSpec{
	{1, tenantA, "user", "usr-0001", "ci", nil, 0, 0, tokenmint.StatusActive, tokenmint.StatusActive},
	{2, tenantA, "user", "usr-0001", "personal", ptr(listNow.Add(-time.Hour)), 0, 0, tokenmint.StatusActive, tokenmint.StatusExpired},
	{3, tenantA, "user", "usr-0002", "ci", ptr(listNow.Add(-time.Hour)), 0, 0, tokenmint.StatusRevoked, tokenmint.StatusRevoked}, // revoked beats expired
	{4, tenantA, "application", "app-0001", "ci", nil, 1, 1, tokenmint.StatusActive, tokenmint.StatusExhausted},                  // single use, spent
	{5, tenantA, "user", "usr-0002", "personal", ptr(listNow.Add(48 * time.Hour)), 0, 0, tokenmint.StatusInactive, tokenmint.StatusInactive},
	{6, tenantA, "application", "app-0001", "deploy", nil, 2, 2, tokenmint.StatusInactive, tokenmint.StatusExhausted},                       // exhausted beats inactive
	{7, tenantA, "user", "usr-0001", "deploy", ptr(listNow.Add(-time.Microsecond)), 1, 1, tokenmint.StatusActive, tokenmint.StatusExpired},  // expired beats exhausted
	{8, tenantA, "user", "usr-0002", "ci", ptr(listNow), 0, 0, tokenmint.StatusActive, tokenmint.StatusExpired},                             // expiring exactly now is expired
	{9, tenantA, "application", "app-0001", "ci", ptr(listNow.Add(time.Microsecond)), 3, 1, tokenmint.StatusActive, tokenmint.StatusActive}, // uses left, expires 1µs later
	{10, tenantA, "user", "usr-0001", "ci", ptr(listNow.Add(-time.Hour)), 0, 0, tokenmint.StatusInactive, tokenmint.StatusExpired},          // expired beats inactive
	{11, tenantA, "user", "usr-0001", "ci", nil, 1, 1, tokenmint.StatusRevoked, tokenmint.StatusRevoked},                                    // revoked beats exhausted
	{12, tenantB, "user", "usr-0009", "ci", nil, 0, 0, tokenmint.StatusActive, tokenmint.StatusActive},
}

// mustListFixture creates listSpecs in a shuffled order, so that a store
// returning insertion order instead of ID order is caught.
func mustListFixture(t *testing.T, s tokenmint.Store) {
	t.Helper()
	mustTenants(t, s)
	for _, i := range []int{6, 1, 10, 11, 3, 8, 0, 4, 9, 2, 7, 5} {
		sp := listSpecs[i]
		tok := newToken(sp.tenantID, tokID(sp.n))
		tok.OwnerKind, tok.OwnerID, tok.Type = sp.ownerKind, sp.ownerID, sp.typ
		tok.ExpiresAt, tok.MaxUses = sp.expiresAt, sp.maxUses
		mustToken(t, s, tok)
		// Uses are spent while the token is active; the suite does not
		// assume whether SpendUse looks at the stored state.
		for range sp.spend {
			if ok, err := s.SpendUse(t.Context(), tok.ID, at(time.Minute)); err != nil || !ok {
				t.Fatalf("SpendUse(%s) = %v, %v; want true", tok.ID, ok, err)
			}
		}
		if sp.stored != tokenmint.StatusActive {
			tok.StoredStatus, tok.UpdatedAt = sp.stored, at(time.Hour)
			if sp.stored == tokenmint.StatusRevoked {
				tok.RevokedAt = ptr(at(time.Hour))
			}
			if err := s.UpdateToken(t.Context(), tok); err != nil {
				t.Fatalf("UpdateToken(%s): %v", tok.ID, err)
			}
		}
	}
	// The fixture must mean what it says: the domain rule derives the
	// expected state from what the store returns.
	for _, sp := range listSpecs {
		tok := mustTokenByID(t, s, sp.tenantID, tokID(sp.n))
		if got := tok.Status(listNow); got != sp.want {
			t.Fatalf("%s: Token.Status = %s, fixture says %s", tok.ID, got, sp.want)
		}
	}
}

// ids returns the fixture IDs of the numbers given.
func ids(ns ...int) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = tokID(n)
	}
	return out
}

func testListTokens(t *testing.T, newStore storeFunc) {
	t.Run("Filters", func(t *testing.T) {
		s := newStore(t)
		mustListFixture(t, s)
		tests := []struct {
			name   string
			filter tokenmint.TokenFilter
			want   []string // newest (greatest ID) first
		}{
			{"tenant", tokenmint.TokenFilter{TenantID: tenantA}, ids(11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)},
			{"other tenant", tokenmint.TokenFilter{TenantID: tenantB}, ids(12)},
			{"every tenant", tokenmint.TokenFilter{}, ids(12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)},
			{"unknown tenant", tokenmint.TokenFilter{TenantID: "ten-missing"}, nil},
			{"owner kind", tokenmint.TokenFilter{TenantID: tenantA, OwnerKind: "application"}, ids(9, 6, 4)},
			{"owner", tokenmint.TokenFilter{TenantID: tenantA, OwnerKind: "user", OwnerID: "usr-0001"}, ids(11, 10, 7, 2, 1)},
			{"owner id alone", tokenmint.TokenFilter{TenantID: tenantA, OwnerID: "usr-0002"}, ids(8, 5, 3)},
			{"owner of other tenant", tokenmint.TokenFilter{TenantID: tenantA, OwnerID: "usr-0009"}, nil},
			{"type", tokenmint.TokenFilter{TenantID: tenantA, Type: "ci"}, ids(11, 10, 9, 8, 4, 3, 1)},
			{"status active", tokenmint.TokenFilter{TenantID: tenantA, Status: tokenmint.StatusActive}, ids(9, 1)},
			{"status inactive", tokenmint.TokenFilter{TenantID: tenantA, Status: tokenmint.StatusInactive}, ids(5)},
			{"status expired", tokenmint.TokenFilter{TenantID: tenantA, Status: tokenmint.StatusExpired}, ids(10, 8, 7, 2)},
			{"status revoked", tokenmint.TokenFilter{TenantID: tenantA, Status: tokenmint.StatusRevoked}, ids(11, 3)},
			{"status exhausted", tokenmint.TokenFilter{TenantID: tenantA, Status: tokenmint.StatusExhausted}, ids(6, 4)},
			{"status in every tenant", tokenmint.TokenFilter{Status: tokenmint.StatusActive}, ids(12, 9, 1)},
			{"type and status", tokenmint.TokenFilter{TenantID: tenantA, Type: "ci", Status: tokenmint.StatusExpired}, ids(10, 8)},
			{"limit", tokenmint.TokenFilter{TenantID: tenantA, Limit: 3}, ids(11, 10, 9)},
			{"before", tokenmint.TokenFilter{TenantID: tenantA, Before: tokID(5)}, ids(4, 3, 2, 1)},
			{"before and limit", tokenmint.TokenFilter{TenantID: tenantA, Before: tokID(5), Limit: 2}, ids(4, 3)},
			{"before and status", tokenmint.TokenFilter{TenantID: tenantA, Before: tokID(8), Status: tokenmint.StatusExpired}, ids(7, 2)},
			{"before the first", tokenmint.TokenFilter{TenantID: tenantA, Before: tokID(1)}, nil},
		}
		// A cursor that is no token ID is refused, never read as "from the
		// first page": a client would loop over that page for ever.
		for _, bad := range []string{"garbage", "12", "tok-0005", "' OR 1=1 --"} {
			_, err := s.ListTokens(t.Context(), tokenmint.TokenFilter{TenantID: tenantA, Before: bad})
			assertCode(t, err, tokenmint.EINVALID)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.filter.Status != "" {
					tt.filter.Now = listNow
				}
				got, err := s.ListTokens(t.Context(), tt.filter)
				if err != nil {
					t.Fatalf("ListTokens: %v", err)
				}
				if ids := tokenIDs(got); !slices.Equal(ids, tt.want) {
					t.Errorf("ListTokens(%+v) = %v, want %v", tt.filter, ids, tt.want)
				}
			})
		}
	})

	// The status filter derives states at f.Now, not at some clock of the
	// store's: two hours earlier, tokens 2, 7, 8 and 10 had not expired yet.
	t.Run("StatusAtNow", func(t *testing.T) {
		s := newStore(t)
		mustListFixture(t, s)
		earlier := listNow.Add(-2 * time.Hour)
		tests := []struct {
			status string
			want   []string
		}{
			{tokenmint.StatusActive, ids(9, 8, 2, 1)},
			{tokenmint.StatusInactive, ids(10, 5)},
			{tokenmint.StatusExhausted, ids(7, 6, 4)},
			{tokenmint.StatusExpired, nil},
			{tokenmint.StatusRevoked, ids(11, 3)},
		}
		for _, tt := range tests {
			t.Run(tt.status, func(t *testing.T) {
				got, err := s.ListTokens(t.Context(), tokenmint.TokenFilter{TenantID: tenantA, Status: tt.status, Now: earlier})
				if err != nil {
					t.Fatalf("ListTokens: %v", err)
				}
				if ids := tokenIDs(got); !slices.Equal(ids, tt.want) {
					t.Errorf("ListTokens(status %s at %v) = %v, want %v", tt.status, earlier, ids, tt.want)
				}
				for _, tok := range got {
					if st := tok.Status(earlier); st != tt.status {
						t.Errorf("%s listed as %s, but Token.Status says %s", tok.ID, tt.status, st)
					}
				}
			})
		}
	})

	t.Run("ReturnsFullTokens", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		want := newToken(tenantA, "tok-0001")
		want.ProjectID, want.MaxUses, want.LastUsedAt = "prj-0001", 5, ptr(at(time.Minute))
		mustToken(t, s, want)
		got, err := s.ListTokens(t.Context(), tokenmint.TokenFilter{TenantID: tenantA})
		if err != nil {
			t.Fatalf("ListTokens: %v", err)
		}
		if len(got) != 1 {
			t.Fatalf("ListTokens = %v, want one token", tokenIDs(got))
		}
		assertToken(t, got[0], want)
	})

	t.Run("Paging", func(t *testing.T) {
		s := newStore(t)
		mustListFixture(t, s)
		var all []string
		before := ""
		for page := 0; page < 10; page++ {
			got, err := s.ListTokens(t.Context(), tokenmint.TokenFilter{TenantID: tenantA, Before: before, Limit: 4})
			if err != nil {
				t.Fatalf("ListTokens: %v", err)
			}
			if len(got) > 4 {
				t.Fatalf("page of %d tokens, limit 4", len(got))
			}
			if len(got) == 0 {
				break
			}
			all = append(all, tokenIDs(got)...)
			before = got[len(got)-1].ID
		}
		if want := ids(11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1); !slices.Equal(all, want) {
			t.Errorf("paging with Before = %v, want %v", all, want)
		}
	})

	// A zero Limit means the default page size of 100, neither "none" nor
	// "everything".
	t.Run("DefaultLimit", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		for n := 1; n <= 101; n++ {
			mustToken(t, s, newToken(tenantA, tokID(n)))
		}
		got, err := s.ListTokens(t.Context(), tokenmint.TokenFilter{TenantID: tenantA})
		if err != nil {
			t.Fatalf("ListTokens: %v", err)
		}
		if len(got) != 100 {
			t.Fatalf("ListTokens with Limit 0 returned %d tokens, want 100", len(got))
		}
		if got[0].ID != tokID(101) || got[99].ID != tokID(2) {
			t.Errorf("ListTokens with Limit 0 = %s..%s, want %s..%s", got[0].ID, got[99].ID, tokID(101), tokID(2))
		}
	})
}
