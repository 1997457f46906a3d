package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"tokenmint"
	"tokenmint/secret"
	"tokenmint/sqlite"
	"tokenmint/typesfile"
)

// benchTokenType is the type of every user token bench creates: a CI
// token, the commonest automation credential, which holds results:upload.
const benchTokenType = "CIToken"

// benchPermission is what every verify scenario asks for.
const benchPermission = "results:upload"

// tokenTable holds many tokens of one length back to back in one byte
// slice: a million tokens cost their 40 bytes each and no string headers,
// which matters because in-process the table shares the heap (and the
// RSS figures) with the server.
type tokenTable struct {
	buf   []byte
	width int
}

func (t *tokenTable) len() int {
	if t == nil || t.width == 0 {
		return 0
	}
	return len(t.buf) / t.width
}

func (t *tokenTable) at(i int) []byte { return t.buf[i*t.width : (i+1)*t.width] }

// newTokenTable returns a table of n tokens of tokenmint's fixed length.
func newTokenTable(n int) *tokenTable {
	return &tokenTable{buf: make([]byte, n*tokenmint.TokenLen), width: tokenmint.TokenLen}
}

func (t *tokenTable) set(i int, tok string) error {
	if len(tok) != t.width {
		return fmt.Errorf("token of %d characters, want %d", len(tok), t.width)
	}
	copy(t.buf[i*t.width:], tok)
	return nil
}

// seedStoreTokens creates n CIToken tokens owned by the first admin
// directly in the store of the in-process server, from workers
// goroutines, and returns their secrets. Each is made exactly as the
// service's issueToken makes one (secret.NewToken, the same metadata and
// default expiry, the keyed hash of the server's own pepper), so verify
// finds them, but without the audit entry and the event per token, which
// would make a million take many minutes over HTTP.
//
// On SQLite it inserts them in big transactions instead (seedSQLiteBulk);
// how says which way it went.
func seedStoreTokens(ctx context.Context, a *app, cfg *serverConfig, n, workers int, progress io.Writer) (table *tokenTable, how string, err error) {
	pepper, err := secret.LoadOrCreatePepper(cfg.DataDir, cfg.Pepper) // the file openApp created
	if err != nil {
		return nil, "", err
	}
	hasher := secret.NewHasher(pepper)
	types, err := typesfile.Load(cfg.TypesFile)
	if err != nil {
		return nil, "", err
	}
	typ, ok := types.Lookup(benchTokenType)
	if !ok {
		return nil, "", fmt.Errorf("the token types have no %s", benchTokenType)
	}
	tenant, err := a.store.TenantByName(ctx, tokenmint.DefaultTenant)
	if err != nil {
		return nil, "", err
	}
	user, err := a.store.UserByUsername(ctx, tenant.ID, a.boot.Username)
	if err != nil {
		return nil, "", err
	}
	pol, err := a.store.PolicyByTenant(ctx, tenant.ID)
	if err != nil {
		return nil, "", err
	}
	table = newTokenTable(n)
	if db, ok := a.store.(*sqlite.DB); ok {
		last := time.Now()
		err := seedSQLiteBulk(ctx, db, hasher, typ, pol, tenant.ID, user.ID, n, workers, table, func(done int) {
			if time.Since(last) > 5*time.Second {
				last = time.Now()
				fmt.Fprintf(progress, "  seeded %d of %d tokens\n", done, n)
			}
		})
		if err != nil {
			return nil, "", fmt.Errorf("seed tokens into SQLite: %w", err)
		}
		return table, fmt.Sprintf("into the SQLite file, %d per transaction", seedBatch), nil
	}
	var next, done atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := createSeedToken(ctx, a, hasher, typ, pol, tenant.ID, user.ID, i, table); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				done.Add(1)
			}
		}()
	}
	stopProgress := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-t.C:
				fmt.Fprintf(progress, "  seeded %d of %d tokens\n", done.Load(), n)
			}
		}
	}()
	wg.Wait()
	close(stopProgress)
	if firstErr != nil {
		return nil, "", fmt.Errorf("seed tokens through the store: %w", firstErr)
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	return table, fmt.Sprintf("through the store, %d goroutines", workers), nil
}

func createSeedToken(ctx context.Context, a *app, hasher *secret.Hasher, typ *tokenmint.TokenType, pol tokenmint.Policy, tenantID, userID string, i int, table *tokenTable) error {
	plain := secret.NewToken(tokenmint.KindUser)
	now := time.Now()
	exp, err := tokenmint.ResolveExpiry(now, typ, pol, tokenmint.ExpiryRequest{})
	if err != nil {
		return err
	}
	tok := &tokenmint.Token{
		ID: secret.NewID(), TenantID: tenantID, OwnerKind: tokenmint.OwnerUser, OwnerID: userID,
		Type: typ.Name, Name: fmt.Sprintf("bench-%d", i), Prefix: plain[:tokenmint.DisplayPrefixLen],
		CreatedAt: now, UpdatedAt: now, ExpiresAt: exp, MaxUses: typ.MaxUses, StoredStatus: tokenmint.StatusActive,
	}
	if err := a.store.CreateToken(ctx, tok, hasher.Hash(plain)); err != nil {
		return err
	}
	return table.set(i, plain)
}
