package main

import (
	"context"
	"encoding/json"
	"log/slog"

	"tokenmint/postgres"
	"tokenmint/service"
)

// broadcastChanges tells the other instances sharing the PostgreSQL
// database what changed, through LISTEN/NOTIFY, so they drop their cached
// view of it (a revocation on one instance is refused by all of them).
// NOTIFY is not durable, so the cache's CacheTTL is what bounds staleness
// when one is lost.
func broadcastChanges(pg *postgres.DB, log *slog.Logger) func(context.Context, service.Change) {
	return func(ctx context.Context, ch service.Change) {
		payload, _ := json.Marshal(ch)
		// The change is committed already; a failed or lost notification
		// leaves the others stale until their listener reconnects and drops
		// everything, and at most for service.Config.CacheTTL (30 s by
		// default), after which they read the store again.
		if err := pg.NotifyChange(context.WithoutCancel(ctx), string(payload)); err != nil {
			log.Error("could not tell other instances about a change", "kind", ch.Kind, "id", ch.ID, "err", err)
		}
	}
}

// listenForChanges applies the changes announced by every instance.
func listenForChanges(pg *postgres.DB, svc *service.Service, log *slog.Logger) func(context.Context) {
	return func(ctx context.Context) {
		pg.ListenChanges(ctx, log, func(payload string) {
			var ch service.Change
			if err := json.Unmarshal([]byte(payload), &ch); err != nil {
				log.Warn("ignoring a malformed change notification", "err", err)
				return
			}
			svc.Invalidate(ch)
		}, func() { svc.Invalidate(service.Change{Kind: service.ChangeAll}) })
	}
}
