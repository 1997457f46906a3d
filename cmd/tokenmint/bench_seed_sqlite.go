package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"tokenmint"
	"tokenmint/secret"
	"tokenmint/sqlite"
)

// seedBatch is how many tokens one SQLite transaction inserts.
const seedBatch = 5000

// seedRow is one token to insert: its secret and what is stored of it.
type seedRow struct {
	id, plain string
	hash      []byte
}

// seedSQLiteBulk is seedStoreTokens for the embedded SQLite store: one
// transaction per token (Store.CreateToken) writes every page it touches
// to the WAL at each commit, about 1 300 tokens/s on the busy project
// machine, so a million would take a quarter of an hour. Here workers
// make the secrets and their keyed hashes (the same functions and pepper
// as the service) and one connection inserts them seedBatch rows per
// transaction, with the same columns and encodings as sqlite.DB's
// CreateToken. A change of that schema fails bench's tests, whose verify
// scenarios then find no token.
func seedSQLiteBulk(ctx context.Context, db *sqlite.DB, hasher *secret.Hasher, typ *tokenmint.TokenType, pol tokenmint.Policy,
	tenantID, userID string, n, workers int, table *tokenTable, progress func(done int)) error {
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	conn, err := sql.Open("sqlite", "file:"+(&url.URL{Path: db.Path()}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)

	now := time.Now()
	exp, err := tokenmint.ResolveExpiry(now, typ, pol, tokenmint.ExpiryRequest{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []seedRow, workers)
	var next atomic.Int64
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
		if err := insertSeedBatch(ctx, conn, rows, typ, tenantID, userID, now, exp); err != nil {
			cancel()
			for range batches { // let the workers end
			}
			return err
		}
		done += len(rows)
		progress(done)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if done != n {
		return fmt.Errorf("seeded %d of %d tokens", done, n)
	}
	return nil
}

func insertSeedBatch(ctx context.Context, conn *sql.DB, rows []seedRow, typ *tokenmint.TokenType, tenantID, userID string, now time.Time, exp *time.Time) error {
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
	var expires sql.NullInt64
	if exp != nil {
		expires = sql.NullInt64{Int64: exp.UnixMicro(), Valid: true}
	}
	created := now.UnixMicro()
	for _, r := range rows {
		if _, err := tokStmt.ExecContext(ctx, r.id, tenantID, tokenmint.OwnerUser, userID, typ.Name, "bench-"+r.id[len(r.id)-8:],
			r.plain[:tokenmint.DisplayPrefixLen], created, created, expires, typ.MaxUses, tokenmint.StatusActive); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		if _, err := secStmt.ExecContext(ctx, r.id, r.hash, created); err != nil {
			return fmt.Errorf("insert token secret: %w", err)
		}
	}
	return tx.Commit()
}
