package main

import (
	"context"
	"encoding/json"
	"log/slog"

	"tokenmint/postgres"
	"tokenmint/service"
)

// listenForChanges applies the changes announced by every instance. The
// service hands each change to the store write that makes it, and the
// PostgreSQL store sends it with NOTIFY inside that write's transaction,
// so it is delivered exactly when the change commits (a rolled-back change
// is never announced, a committed one never left out). A listener that
// was disconnected meanwhile drops everything when it reconnects, and
// service.Config.CacheTTL bounds what a wedged listener could miss.
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
