package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"tokenmint"
	"tokenmint/postgres"
	"tokenmint/service"
)

// heartbeatInterval is how often an instance confirms its change feed.
const heartbeatInterval = time.Second

// listenForChanges applies the changes announced by every instance. The
// service hands each change to the store write that makes it, and the
// PostgreSQL store sends it with NOTIFY inside that write's transaction,
// so it is delivered exactly when the change commits (a rolled-back change
// is never announced, a committed one never left out). A listener that
// was disconnected meanwhile drops everything when it reconnects.
//
// The instance also sends itself a heartbeat on the same channel every
// second. PostgreSQL delivers notifications in commit order, so hearing
// its own heartbeat sent at t proves every change committed before t was
// heard: the service trusts its cache while such confirmations arrive
// (service.TrustConfirmedFeed), and stops within --cache-ttl when the
// listener is wedged without noticing.
func listenForChanges(pg *postgres.DB, svc *service.Service, clock tokenmint.Clock, log *slog.Logger) func(context.Context) {
	var id [8]byte
	_, _ = rand.Read(id[:])
	self := hex.EncodeToString(id[:]) + ":"
	return func(ctx context.Context) {
		go sendHeartbeats(ctx, pg, clock, self, log)
		pg.ListenChanges(ctx, log, func(payload string) {
			var ch service.Change
			if err := json.Unmarshal([]byte(payload), &ch); err != nil {
				log.Warn("ignoring a malformed change notification", "err", err)
				return
			}
			if ch.Kind == service.ChangeHeartbeat {
				if sent, ok := strings.CutPrefix(ch.ID, self); ok {
					if n, err := strconv.ParseInt(sent, 10, 64); err == nil {
						svc.ConfirmChanges(time.Unix(0, n))
					}
				}
				return // another instance's heartbeat: nothing changed
			}
			svc.Invalidate(ch)
		}, func() { svc.Invalidate(service.Change{Kind: service.ChangeAll}) })
	}
}

func sendHeartbeats(ctx context.Context, pg *postgres.DB, clock tokenmint.Clock, self string, log *slog.Logger) {
	t := time.NewTicker(heartbeatInterval)
	defer t.Stop()
	for {
		payload, _ := json.Marshal(service.Change{Kind: service.ChangeHeartbeat, ID: self + strconv.FormatInt(clock.Now().UnixNano(), 10)})
		if err := pg.NotifyChange(ctx, string(payload)); err != nil && ctx.Err() == nil {
			log.Debug("change feed heartbeat not sent", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
