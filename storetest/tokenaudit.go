package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"tokenmint"
)

// createAudit is the audit entry of a token's creation, as the service
// hands it to CreateToken.
func createAudit(tok *tokenmint.Token) *tokenmint.AuditEntry {
	return &tokenmint.AuditEntry{TenantID: tok.TenantID, Time: tok.CreatedAt, ActorKind: "user", ActorID: tok.OwnerID,
		Action: "token.create", ObjectKind: "token", ObjectID: tok.ID, ClientIP: "192.0.2.7", Outcome: "success", Detail: "type " + tok.Type}
}

// auditOf lists the entries about object id.
func auditOf(t *testing.T, s tokenmint.Store, id string) []*tokenmint.AuditEntry {
	t.Helper()
	got, err := s.ListAudit(t.Context(), tokenmint.AuditFilter{ObjectID: id})
	if err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	return got
}

// testTokenAudit checks CreateToken under tokenmint.WithAuditEntry: the
// entry is appended in the token's own transaction, so an acknowledged
// token always has it and a refused one leaves neither.
func testTokenAudit(t *testing.T, newStore storeFunc) {
	t.Run("CommitsWithTheToken", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		before := auditFixture[0]
		if err := s.AppendAudit(t.Context(), &before); err != nil {
			t.Fatal(err)
		}
		tok := newToken(tenantA, "tok-audited")
		e := createAudit(tok)
		if err := s.CreateToken(tokenmint.WithAuditEntry(t.Context(), e), tok, hashOf(tok.ID)); err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if e.ID <= before.ID {
			t.Errorf("entry ID %d, want one greater than the earlier entry's %d", e.ID, before.ID)
		}
		got := auditOf(t, s, tok.ID)
		if len(got) != 1 {
			t.Fatalf("%d entries about the token, want 1", len(got))
		}
		g, want := *got[0], *e
		assertTime(t, "entry time", g.Time, want.Time)
		g.Time = want.Time
		if g != want {
			t.Errorf("entry %+v, want %+v", g, want)
		}
		if _, err := s.TokenByID(t.Context(), tenantA, tok.ID); err != nil {
			t.Errorf("the token: %v", err)
		}
	})

	t.Run("RefusedCreationLeavesNoEntry", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		first := newToken(tenantA, "tok-0001")
		if err := s.CreateToken(tokenmint.WithAuditEntry(t.Context(), createAudit(first)), first, hashOf(first.ID)); err != nil {
			t.Fatal(err)
		}
		// The same ID again: a conflict, and no second entry.
		again := newToken(tenantA, "tok-0001")
		e := createAudit(again)
		e.Detail = "the second"
		assertCode(t, s.CreateToken(tokenmint.WithAuditEntry(t.Context(), e), again, hashOf("other secret")), tokenmint.ECONFLICT)
		if got := auditOf(t, s, "tok-0001"); len(got) != 1 || got[0].Detail == "the second" {
			t.Errorf("entries about the token after a refused second creation: %d (%v)", len(got), got)
		}
		if e.ID != 0 {
			t.Errorf("a refused creation's entry got ID %d", e.ID)
		}
		// Over the owner's quota: neither the token nor its entry.
		over := newToken(tenantA, "tok-0002")
		ctx := tokenmint.WithTokenQuota(tokenmint.WithAuditEntry(t.Context(), createAudit(over)), tokenmint.TokenQuota{Max: 1, Now: at(0)})
		if err := s.CreateToken(ctx, over, hashOf(over.ID)); !tokenmint.IsTokenQuotaError(err) {
			t.Fatalf("creation over the quota: %v, want the quota's refusal", err)
		}
		if got := auditOf(t, s, over.ID); len(got) != 0 {
			t.Errorf("%d entries about a token refused by the quota", len(got))
		}
		if _, err := s.TokenByID(t.Context(), tenantA, over.ID); tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
			t.Errorf("the token refused by the quota: %v", err)
		}
	})

	// Creations at once (which a store may commit together) that half
	// fail: exactly the acknowledged tokens have entries.
	t.Run("ConcurrentCreationsEachWithItsOwn", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		taken := newToken(tenantA, "tok-taken")
		if err := s.CreateToken(t.Context(), taken, hashOf(taken.ID)); err != nil {
			t.Fatal(err)
		}
		var ok atomic.Int64
		ids := make([]string, goroutines)
		race(goroutines, func(i int) {
			id := fmt.Sprintf("tok-%04d", i)
			if i%2 == 1 {
				id = taken.ID // refused: the ID is taken
			}
			ids[i] = id
			tok := newToken(tenantA, id)
			e := createAudit(tok)
			e.Detail = fmt.Sprint("creation ", i)
			err := s.CreateToken(tokenmint.WithAuditEntry(t.Context(), e), tok, hashOf(fmt.Sprint("secret ", i)))
			switch {
			case i%2 == 0 && err != nil:
				t.Errorf("creation %d: %v", i, err)
			case i%2 == 1 && tokenmint.ErrorCode(err) != tokenmint.ECONFLICT:
				t.Errorf("creation %d with a taken ID: %v, want a conflict", i, err)
			case err == nil:
				ok.Add(1)
				if e.ID == 0 {
					t.Errorf("creation %d: entry without ID", i)
				}
			}
		})
		for i, id := range ids {
			if i%2 == 1 {
				continue
			}
			if got := auditOf(t, s, id); len(got) != 1 || got[0].Detail != fmt.Sprint("creation ", i) {
				t.Errorf("token %s: entries %v, want its own one", id, got)
			}
		}
		if got := auditOf(t, s, taken.ID); len(got) != 0 {
			t.Errorf("%d entries about the taken ID, whose creations were all refused", len(got))
		}
		if ok.Load() != goroutines/2 {
			t.Errorf("%d creations acknowledged, want %d", ok.Load(), goroutines/2)
		}
	})
}
