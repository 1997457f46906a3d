package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"tokenmint"
)

// ChangesChannel is the LISTEN/NOTIFY channel on which instances tell each
// other what changed, so each drops its cached view of it.
const ChangesChannel = "tokenmint_changes"

// NotifyChange sends payload to every instance listening on the database,
// this one included, on its own (outside any write's transaction). The
// service announces its changes inside their transactions instead (see
// tokenmint.WithAnnouncement); this is for tests and tools.
func (db *DB) NotifyChange(ctx context.Context, payload string) error {
	_, err := db.pool.Exec(ctx, "SELECT pg_notify($1, $2)", ChangesChannel, payload)
	return wrap("notify", err)
}

// execer is what a single-statement write needs: the pool, or a
// transaction when the write carries announcements.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// announced runs the write fn. When ctx carries announcements
// (tokenmint.WithAnnouncement), fn runs in a transaction and the
// announcements are sent with pg_notify in that same transaction after fn
// succeeded: PostgreSQL delivers them when, and only when, it commits. A
// write without announcements runs on the pool as before, in one round
// trip.
func (db *DB) announced(ctx context.Context, fn func(q execer) error) error {
	if len(tokenmint.Announcements(ctx)) == 0 {
		return fn(db.pool)
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return announce(ctx, tx)
	})
}

// announce sends the announcements ctx carries inside tx.
func announce(ctx context.Context, tx pgx.Tx) error {
	for _, payload := range tokenmint.Announcements(ctx) {
		if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", ChangesChannel, payload); err != nil {
			return wrap("announce change", err)
		}
	}
	return nil
}

// ListenChanges calls onChange with every payload announced on the
// database until ctx ends. It holds one connection of the pool for LISTEN
// and reconnects by itself after the database went away. Notifications
// sent while it was disconnected are lost, so after every (re)connection
// it calls onGap, which must drop everything cached.
func (db *DB) ListenChanges(ctx context.Context, log *slog.Logger, onChange func(payload string), onGap func()) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, onChange, onGap, func() { backoff = 100 * time.Millisecond })
		db.listening.Store(false)
		if ctx.Err() != nil {
			return
		}
		log.Warn("change listener lost its connection; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		// Retries stay frequent: while the listener is away this instance
		// hears of no change, so it must be back within moments of the
		// database (the retry is one cheap connection attempt).
		backoff = min(2*backoff, maxListenBackoff)
	}
}

// maxListenBackoff is the longest wait between two attempts to reconnect
// the change listener.
const maxListenBackoff = 400 * time.Millisecond

// ChangesListening reports whether ListenChanges is connected and hears
// the other instances' changes; until it is, this instance should not be
// sent traffic (its cache may miss a change).
func (db *DB) ChangesListening() bool { return db.listening.Load() }

func (db *DB) listenOnce(ctx context.Context, onChange func(string), onGap, connected func()) error {
	pooled, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A LISTENing connection must not go back to the pool for others.
	conn := pooled.Hijack()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+ChangesChannel); err != nil {
		return err
	}
	connected()
	onGap()
	db.listening.Store(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		onChange(n.Payload)
	}
}
