package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"tokenmint"
	"tokenmint/postgres"
	"tokenmint/secret"
	"tokenmint/sqlite"
	"tokenmint/typesfile"
)

// benchTokenType is the type of every user token bench creates: a CI
// token, the commonest automation credential, which holds results:upload.
const benchTokenType = "CIToken"

// benchDaysToLive is the lifetime of every token bench makes: CIToken's
// longest, past the expiry-notice windows (30, 7 and 1 days by default).
// With the type's default of 30 days, the notice job would mail and audit
// every pool token and every token of create-token while later scenarios
// measure verification (38 % of the CPU of a scale run, measured).
const benchDaysToLive = 365

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
// directly in the store of the in-process server, seedBatch per
// transaction (bench_seed_bulk.go), and returns their secrets and how
// they were stored. Each is made as the service's issueToken makes one
// (secret.NewToken, the same metadata and default expiry, the keyed hash
// under the server's own pepper), so verify finds them, but without an
// audit entry and an event per token.
func seedStoreTokens(ctx context.Context, a *app, cfg *serverConfig, n, workers int, progress io.Writer) (*tokenTable, string, error) {
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
	now := time.Now()
	days := benchDaysToLive
	if typ.MaxDaysToLive > 0 {
		days = min(days, typ.MaxDaysToLive)
	}
	exp, err := tokenmint.ResolveExpiry(now, typ, pol, tokenmint.ExpiryRequest{DaysToLive: &days})
	if err != nil {
		return nil, "", err
	}
	tpl := seedTemplate{typ: typ, tenantID: tenant.ID, userID: user.ID, created: now, expires: exp}

	var insert func(context.Context, []seedRow) error
	var how string
	switch db := a.store.(type) {
	case *sqlite.DB:
		var closeConn func() error
		if insert, closeConn, err = sqliteSeeder(db, tpl); err != nil {
			return nil, "", err
		}
		defer closeConn()
		how = fmt.Sprintf("into the SQLite file, %d per transaction", seedBatch)
	case *postgres.DB:
		insert = postgresSeeder(db, tpl)
		how = fmt.Sprintf("into PostgreSQL by COPY, %d per transaction", seedBatch)
	default:
		return nil, "", fmt.Errorf("bench cannot seed a %T store", a.store)
	}
	table := newTokenTable(n)
	last := time.Now()
	err = seedBulk(ctx, n, workers, hasher, table, insert, func(done int) {
		if time.Since(last) > 5*time.Second {
			last = time.Now()
			fmt.Fprintf(progress, "  seeded %d of %d tokens\n", done, n)
		}
	})
	if err != nil {
		return nil, "", fmt.Errorf("seed tokens: %w", err)
	}
	return table, how, nil
}
