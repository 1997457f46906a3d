package postgres_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/postgres"
)

// listen starts db's change listener and returns the payloads it hears.
func listen(t *testing.T, db *postgres.DB) <-chan string {
	t.Helper()
	heard := make(chan string, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		db.ListenChanges(ctx, slog.New(slog.DiscardHandler), func(p string) { heard <- p }, func() {})
	}()
	for !db.ChangesListening() {
		time.Sleep(5 * time.Millisecond)
	}
	return heard
}

// nextHeard returns the next payload heard. Callers send a mark after
// what they expect, so a missing announcement shows as the mark arriving
// first; no timing decides the outcome.
func nextHeard(t *testing.T, heard <-chan string) string {
	t.Helper()
	select {
	case p := <-heard:
		return p
	case <-t.Context().Done():
		t.Fatal("test ended waiting for an announcement")
		return ""
	}
}

// Every write that changes what instances cache announces the change to a
// listening instance when it commits; a write that fails, finds nothing
// to change, or whose transaction fails at COMMIT announces nothing.
func TestAnnouncementsGoWithTheirTransaction(t *testing.T) {
	dbs := openInstances(t, 2)
	writer, heard := dbs[0], listen(t, dbs[1])
	ctx := t.Context()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	seedToken(t, writer, "tok-1", 0)
	seedToken(t, writer, "tok-2", 0)
	user := &tokenmint.User{ID: "usr-1", TenantID: "ten-a", Username: "alice", Email: "alice@example.com",
		PasswordHash: "x", Roles: []string{tokenmint.RoleMember}, Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := writer.CreateUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	app := &tokenmint.Application{ID: "app-1", TenantID: "ten-a", Name: "ci", AccessTypes: []string{}, Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := writer.CreateApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	tokenAt := func(id string) *tokenmint.Token {
		tok, err := writer.TokenByID(ctx, "ten-a", id)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for _, h := range []string{"session-1", "session-2"} {
		if err := writer.CreateSession(ctx, &tokenmint.Session{Hash: []byte(h), TenantID: "ten-a", UserID: "usr-1",
			CSRFToken: "csrf", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	project := &tokenmint.Project{ID: "prj-1", TenantID: "ten-a", Name: "web", CreatedAt: now}
	with := func(name string) context.Context { return tokenmint.WithAnnouncement(ctx, name) }

	committed := []struct {
		name  string
		write func(ctx context.Context) error
	}{
		{"UpdateToken", func(ctx context.Context) error {
			tok := tokenAt("tok-1")
			tok.Description = "changed"
			return writer.UpdateToken(ctx, tok)
		}},
		{"RotateTokenSecret", func(ctx context.Context) error {
			return writer.RotateTokenSecret(ctx, "tok-1", []byte("hash-new"), "tmu_new", now, nil, now)
		}},
		{"BlockIP", func(ctx context.Context) error {
			return writer.BlockIP(ctx, &tokenmint.IPBlock{TenantID: "ten-a", TokenID: "tok-1", Prefix: "192.0.2.7", CreatedAt: now})
		}},
		{"UnblockIP", func(ctx context.Context) error { return writer.UnblockIP(ctx, "ten-a", "tok-1", "192.0.2.7") }},
		{"UpdateUser", func(ctx context.Context) error { user.Enabled = false; return writer.UpdateUser(ctx, user) }},
		{"DeleteSession", func(ctx context.Context) error { return writer.DeleteSession(ctx, []byte("session-1")) }},
		{"DeleteUserSessions", func(ctx context.Context) error { return writer.DeleteUserSessions(ctx, "ten-a", "usr-1") }},
		{"UpdateApplication", func(ctx context.Context) error { app.Enabled = false; return writer.UpdateApplication(ctx, app) }},
		{"CreateProject", func(ctx context.Context) error { return writer.CreateProject(ctx, project) }},
		{"UpdateProject", func(ctx context.Context) error { project.Name = "www"; return writer.UpdateProject(ctx, project) }},
		{"PutMembership", func(ctx context.Context) error {
			return writer.PutMembership(ctx, &tokenmint.Membership{TenantID: "ten-a", ProjectID: "prj-1", UserID: "usr-1", Role: tokenmint.RoleMember, CreatedAt: now})
		}},
		{"DeleteMembership", func(ctx context.Context) error { return writer.DeleteMembership(ctx, "ten-a", "prj-1", "usr-1") }},
		{"DeleteProject", func(ctx context.Context) error { return writer.DeleteProject(ctx, "ten-a", "prj-1") }},
		{"DeleteApplication", func(ctx context.Context) error { return writer.DeleteApplication(ctx, "ten-a", "app-1") }},
		{"DeactivateIdleToken", func(ctx context.Context) error {
			changed, err := writer.DeactivateIdleToken(ctx, "ten-a", "tok-2", now.Add(time.Hour), now, nil)
			if err == nil && !changed {
				t.Error("DeactivateIdleToken changed nothing")
			}
			return err
		}},
		{"DeleteIdleToken", func(ctx context.Context) error {
			deleted, err := writer.DeleteIdleToken(ctx, "ten-a", "tok-2", now.Add(time.Hour), nil)
			if err == nil && !deleted {
				t.Error("DeleteIdleToken deleted nothing")
			}
			return err
		}},
	}
	for _, w := range committed {
		if err := w.write(with(w.name)); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		// Notifications arrive in commit order, so the mark sent after the
		// write tells a missing announcement without waiting for it.
		if err := writer.NotifyChange(ctx, "mark"); err != nil {
			t.Fatal(err)
		}
		if got := nextHeard(t, heard); got != w.name {
			t.Fatalf("after %s committed the listener heard %q", w.name, got)
		}
		if got := nextHeard(t, heard); got != "mark" {
			t.Fatalf("after %s the listener heard %q", w.name, got)
		}
	}

	// A deferred constraint fails the transaction at COMMIT, after the
	// UPDATE and the NOTIFY ran in it.
	if _, err := writer.Pool().Exec(ctx, `
		CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.description = 'refused at commit' THEN RAISE EXCEPTION 'refused at commit'; END IF;
			RETURN NEW;
		END $$;
		CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER UPDATE ON tokens
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit();`); err != nil {
		t.Fatal(err)
	}
	failed := []struct {
		name  string
		write func(ctx context.Context) error
	}{
		{"UpdateToken at a stale version", func(ctx context.Context) error {
			tok := tokenAt("tok-1")
			tok.Version--
			return writer.UpdateToken(ctx, tok)
		}},
		{"UpdateToken failing at commit", func(ctx context.Context) error {
			tok := tokenAt("tok-1")
			tok.Description = "refused at commit"
			return writer.UpdateToken(ctx, tok)
		}},
		{"RotateTokenSecret of an unknown token", func(ctx context.Context) error {
			return writer.RotateTokenSecret(ctx, "tok-404", []byte("h"), "tmu_x", now, nil, now)
		}},
		{"UpdateUser of an unknown user", func(ctx context.Context) error {
			return writer.UpdateUser(ctx, &tokenmint.User{ID: "usr-404", TenantID: "ten-a", Roles: []string{}})
		}},
		{"CreateProject with a taken ID", func(ctx context.Context) error {
			return writer.CreateProject(ctx, &tokenmint.Project{ID: "prj-2", TenantID: "ten-a", Name: "a", CreatedAt: now})
		}},
		{"DeleteMembership that does not exist", func(ctx context.Context) error {
			return writer.DeleteMembership(ctx, "ten-a", "prj-1", "usr-1")
		}},
	}
	if err := writer.CreateProject(ctx, &tokenmint.Project{ID: "prj-2", TenantID: "ten-a", Name: "b", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	for _, w := range failed {
		if err := w.write(with(w.name)); err == nil {
			t.Fatalf("%s succeeded", w.name)
		}
	}
	// DeactivateIdleToken that finds the token in use changes nothing and
	// must announce nothing either.
	seedToken(t, writer, "tok-3", 0)
	if changed, err := writer.DeactivateIdleToken(with("DeactivateIdleToken of a token in use"), "ten-a", "tok-3", now.Add(-time.Hour), now, nil); err != nil || changed {
		t.Fatalf("DeactivateIdleToken of a token in use = %v, %v", changed, err)
	}
	// Notifications arrive in commit order: the next one heard must be
	// this one, committed after every failure above.
	if err := writer.NotifyChange(ctx, "after the failures"); err != nil {
		t.Fatal(err)
	}
	if got := nextHeard(t, heard); got != "after the failures" {
		t.Fatalf("a failed write was announced: heard %q", got)
	}
	if tok := tokenAt("tok-1"); tok.Description == "refused at commit" {
		t.Fatal("the write refused at commit was stored")
	}
}
