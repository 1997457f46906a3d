package main

import (
	"context"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/postgres"
	"tokenmint/postgres/postgrestest"
	"tokenmint/sqlite"
)

// The cost of counting one attempt in the shared table: what a login, a
// password grant, a failed client authentication or a leak report adds
// (a login reserves three keys and, on success, gives them back).
//
//	go test -run '^$' -bench 'CountAttempt' -benchtime 2000x ./cmd/tokenmint/
func BenchmarkCountAttempt(b *testing.B) {
	ctx := context.Background()
	b.Run("SQLite", func(b *testing.B) {
		db, err := sqlite.Open(filepath.Join(b.TempDir(), "b.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchCountAttempt(b, ctx, db)
	})
	b.Run("PostgreSQL", func(b *testing.B) {
		db, err := postgres.Open(ctx, postgrestest.Start(b).NewDatabase(b))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchCountAttempt(b, ctx, db)
	})
}

func benchCountAttempt(b *testing.B, ctx context.Context, s tokenmint.Store) {
	now := time.Now()
	b.Run("OneKey", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := s.CountAttempt(ctx, "bench one", time.Minute, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ManyKeysParallel", func(b *testing.B) {
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := s.CountAttempt(ctx, "bench "+strconv.FormatInt(n.Add(1), 10), time.Minute, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
