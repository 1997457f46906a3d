package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"tokenmint"
	"tokenmint/postgres"
	"tokenmint/secret"
	"tokenmint/sqlite"
)

// The token pool of the scale scenarios is inserted in big transactions,
// not through Store.CreateToken: one transaction per token costs a commit
// per token (every touched page written to SQLite's WAL, a round trip and
// a WAL flush on PostgreSQL), about 1 300 and 2 200 tokens/s on the busy
// project machine, so a million would take a quarter of an hour. The rows
// are the ones the stores' CreateToken writes, column for column; a change
// of that schema fails bench's tests, whose verify scenarios then find no
// token.

// seedBatch is how many tokens one transaction inserts.
const seedBatch = 5000

// seedRow is one token to insert: its secret and what is stored of it.
type seedRow struct {
	id, plain string
	hash      []byte
}

// seedTemplate is what every pool token has in common.
type seedTemplate struct {
	typ              *tokenmint.TokenType
	tenantID, userID string
	created          time.Time
	expires          *time.Time
}

// seedBulk makes n tokens from workers goroutines (the service's secret
// and keyed-hash functions, the server's pepper) into table and hands
// them, seedBatch at a time, to insert, which runs on one goroutine.
func seedBulk(ctx context.Context, n, workers int, hasher *secret.Hasher, table *tokenTable,
	insert func(ctx context.Context, rows []seedRow) error, progress func(done int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []seedRow, workers)
	var next atomic.Int64
	var genErr atomic.Pointer[error]
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := int(next.Add(seedBatch)) - seedBatch
				if start >= n || ctx.Err() != nil {
					return
				}
				rows := make([]seedRow, 0, min(seedBatch, n-start))
				for i := start; i < start+cap(rows); i++ {
					plain := secret.NewToken(tokenmint.KindUser)
					rows = append(rows, seedRow{id: secret.NewID(), plain: plain, hash: hasher.Hash(plain)})
					if err := table.set(i, plain); err != nil {
						genErr.CompareAndSwap(nil, &err)
						cancel()
						return
					}
				}
				select {
				case batches <- rows:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(batches) }()

	done := 0
	for rows := range batches {
		if err := insert(ctx, rows); err != nil {
			cancel()
			for range batches { // let the workers end
			}
			return err
		}
		done += len(rows)
		progress(done)
	}
	if err := genErr.Load(); err != nil {
		return *err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if done != n {
		return fmt.Errorf("seeded %d of %d tokens", done, n)
	}
	return nil
}

// sqliteSeeder opens its own connection to the store's file and returns
// the batch insert of seedBulk and what closes the connection.
func sqliteSeeder(db *sqlite.DB, tpl seedTemplate) (func(context.Context, []seedRow) error, func() error, error) {
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	conn, err := sql.Open("sqlite", "file:"+(&url.URL{Path: db.Path()}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, nil, err
	}
	conn.SetMaxOpenConns(1)
	var expires sql.NullInt64
	if tpl.expires != nil {
		expires = sql.NullInt64{Int64: tpl.expires.UnixMicro(), Valid: true}
	}
	created := tpl.created.UnixMicro()
	insert := func(ctx context.Context, rows []seedRow) error {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		tokStmt, err := tx.PrepareContext(ctx, `INSERT INTO tokens (id, tenant_id, owner_kind, owner_id, type, name, description,
		        project_id, prefix, created_at, updated_at, expires_at, last_used_at,
		        uses, max_uses, status, revoked_at, version)
		 VALUES (?, ?, ?, ?, ?, ?, '', '', ?, ?, ?, ?, NULL, 0, ?, ?, NULL, 0)`)
		if err != nil {
			return err
		}
		secStmt, err := tx.PrepareContext(ctx, `INSERT INTO token_secrets (token_id, hash, valid_until, created_at) VALUES (?, ?, NULL, ?)`)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := tokStmt.ExecContext(ctx, r.id, tpl.tenantID, tokenmint.OwnerUser, tpl.userID, tpl.typ.Name, seedName(r),
				r.plain[:tokenmint.DisplayPrefixLen], created, created, expires, tpl.typ.MaxUses, tokenmint.StatusActive); err != nil {
				return fmt.Errorf("insert token: %w", err)
			}
			if _, err := secStmt.ExecContext(ctx, r.id, r.hash, created); err != nil {
				return fmt.Errorf("insert token secret: %w", err)
			}
		}
		return tx.Commit()
	}
	return insert, conn.Close, nil
}

// postgresSeeder returns the batch insert of seedBulk on the store's own
// pool: COPY of the tokens, then of their secrets, in one transaction.
func postgresSeeder(db *postgres.DB, tpl seedTemplate) func(context.Context, []seedRow) error {
	return func(ctx context.Context, rows []seedRow) error {
		return pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error {
			toks := make([][]any, len(rows))
			secs := make([][]any, len(rows))
			for i, r := range rows {
				toks[i] = []any{r.id, tpl.tenantID, tokenmint.OwnerUser, tpl.userID, tpl.typ.Name, seedName(r), "", "",
					r.plain[:tokenmint.DisplayPrefixLen], tpl.created, tpl.created, tpl.expires, nil,
					int64(0), int32(tpl.typ.MaxUses), tokenmint.StatusActive, nil, int64(0)}
				secs[i] = []any{r.id, r.hash, nil, tpl.created}
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"tokens"}, []string{"id", "tenant_id", "owner_kind", "owner_id", "type",
				"name", "description", "project_id", "prefix", "created_at", "updated_at", "expires_at", "last_used_at",
				"uses", "max_uses", "status", "revoked_at", "version"}, pgx.CopyFromRows(toks)); err != nil {
				return fmt.Errorf("copy tokens: %w", err)
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"token_secrets"}, []string{"token_id", "hash", "valid_until", "created_at"},
				pgx.CopyFromRows(secs)); err != nil {
				return fmt.Errorf("copy token secrets: %w", err)
			}
			return nil
		})
	}
}

// seedName is a pool token's name: bench- and the end of its ID.
func seedName(r seedRow) string { return "bench-" + r.id[len(r.id)-8:] }
