package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"tokenmint"
)

// Concurrent creations share transactions; one that fails (an ID already
// taken) is rolled back alone, and every one acknowledged is stored.
func TestGroupedCreationsFailAlone(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := db.CreateTenant(ctx, &tokenmint.Tenant{ID: "ten", Name: "ten", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	tok := func(id string) *tokenmint.Token {
		return &tokenmint.Token{ID: id, TenantID: "ten", OwnerKind: tokenmint.OwnerUser, OwnerID: "usr",
			Type: "ci", Name: id, CreatedAt: now, UpdatedAt: now, StoredStatus: tokenmint.StatusActive}
	}
	if err := db.CreateToken(ctx, tok("taken"), []byte("taken")); err != nil {
		t.Fatal(err)
	}
	const n = 64
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("new-%02d", i)
			if i%4 == 0 {
				id = "taken" // refused: the ID exists
			}
			errs[i] = db.CreateToken(ctx, tok(id), []byte(fmt.Sprintf("hash-%02d", i)))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if i%4 == 0 {
			if tokenmint.ErrorCode(err) != tokenmint.ECONFLICT {
				t.Errorf("creation %d with a taken ID: %v, want conflict", i, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("creation %d: %v", i, err)
			continue
		}
		if _, err := db.TokenByID(ctx, "ten", fmt.Sprintf("new-%02d", i)); err != nil {
			t.Errorf("creation %d acknowledged but not stored: %v", i, err)
		}
	}
	toks, err := db.ListTokens(ctx, tokenmint.TokenFilter{TenantID: "ten", Now: now, Limit: 1000})
	if err != nil || len(toks) != 1+n-n/4 {
		t.Errorf("%d tokens stored (%v), want %d", len(toks), err, 1+n-n/4)
	}
}
