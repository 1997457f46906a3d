package postgres_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/postgres"
)

// Several tokenmint instances share one database. These tests give each
// "instance" its own DB (its own pool) on the same database.

func openInstances(t *testing.T, n int) []*postgres.DB {
	t.Helper()
	url := newMigratedDatabase(t)
	dbs := make([]*postgres.DB, n)
	for i := range dbs {
		dbs[i] = mustOpenURL(t, url)
	}
	return dbs
}

func seedToken(t *testing.T, db *postgres.DB, id string, maxUses int) {
	t.Helper()
	ctx := t.Context()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := db.TenantByID(ctx, "ten-a"); tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		if err := db.CreateTenant(ctx, &tokenmint.Tenant{ID: "ten-a", Name: "acme", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	tok := &tokenmint.Token{ID: id, TenantID: "ten-a", OwnerKind: "user", OwnerID: "usr-1", Type: "ci",
		Name: id, CreatedAt: now, UpdatedAt: now, MaxUses: maxUses, StoredStatus: tokenmint.StatusActive}
	if err := db.CreateToken(ctx, tok, []byte("hash-"+id)); err != nil {
		t.Fatal(err)
	}
}

// A single-use token verified at once through several instances is spent
// exactly once.
func TestSpendUseExactlyOnceAcrossInstances(t *testing.T) {
	dbs := openInstances(t, 4)
	for _, maxUses := range []int{1, 3} {
		id := fmt.Sprintf("tok-%d", maxUses)
		seedToken(t, dbs[0], id, maxUses)
		var wins atomic.Int64
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Go(func() {
				ok, err := dbs[i%len(dbs)].SpendUse(t.Context(), id, time.Now())
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if got := wins.Load(); got != int64(maxUses) {
			t.Errorf("max_uses %d: %d spends succeeded", maxUses, got)
		}
		tok, err := dbs[1].TokenByID(t.Context(), "ten-a", id)
		if err != nil || tok.Uses != int64(maxUses) {
			t.Errorf("max_uses %d: token uses = %v, %v", maxUses, tok, err)
		}
	}
}

// Instances flushing usage batches for the same tokens at once, in
// opposite orders, neither deadlock nor lose a count.
func TestRecordUsageConcurrentInstances(t *testing.T) {
	dbs := openInstances(t, 4)
	ids := []string{"tok-a", "tok-b", "tok-c"}
	for _, id := range ids {
		seedToken(t, dbs[0], id, 0)
	}
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const rounds = 25
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Go(func() {
			for r := range rounds {
				var batch []tokenmint.UsageRecord
				for k := range ids {
					id := ids[k]
					if i%2 == 1 {
						id = ids[len(ids)-1-k]
					}
					for _, ip := range []string{"10.0.0.1", "10.0.0.2"} {
						at := base.Add(time.Duration(i*rounds+r) * time.Second)
						batch = append(batch, tokenmint.UsageRecord{TenantID: "ten-a", TokenID: id, IP: ip, First: at, Last: at, Count: 1})
					}
				}
				if err := db.RecordUsage(t.Context(), batch); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	want := int64(len(dbs) * rounds)
	last := base.Add(time.Duration(len(dbs)*rounds-1) * time.Second)
	for _, id := range ids {
		usage, err := dbs[0].TokenUsage(t.Context(), "ten-a", id, tokenmint.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range usage {
			if u.Count != want || !u.FirstUsed.Equal(base) || !u.LastUsed.Equal(last) {
				t.Errorf("%s %s: %+v, want count %d from %v to %v", id, u.IP, u, want, base, last)
			}
		}
		tok, err := dbs[0].TokenByID(t.Context(), "ten-a", id)
		if err != nil {
			t.Fatal(err)
		}
		if tok.Uses != 2*want || tok.LastUsedAt == nil || !tok.LastUsedAt.Equal(last) {
			t.Errorf("%s: uses %d last used %v, want %d at %v", id, tok.Uses, tok.LastUsedAt, 2*want, last)
		}
	}
}
