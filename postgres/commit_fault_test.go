package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// A transaction that fails at COMMIT — here a deferred constraint trigger
// raising admin_shutdown, as a server going down between the last
// statement and the commit does — is an outage (EUNAVAILABLE, 503), and
// what it wrote is not there afterwards; the same write succeeds once the
// fault is gone.
func TestCommitFailureIsUnavailableAndStoresNothing(t *testing.T) {
	ctx := context.Background()
	url := newMigratedDatabase(t)
	db := mustOpenURL(t, url)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := db.CreateTenant(ctx, &tokenmint.Tenant{ID: "ten-1", Name: "acme", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, &tokenmint.User{ID: "usr-1", TenantID: "ten-1", Username: "alice", Roles: []string{"member"}, Enabled: true, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	tok := &tokenmint.Token{
		ID: "01a00000-0000-7000-8000-000000000001", TenantID: "ten-1", OwnerKind: tokenmint.OwnerUser, OwnerID: "usr-1",
		Type: "CIToken", Name: "ci", Prefix: "tmu_abcdef", CreatedAt: now, UpdatedAt: now, StoredStatus: tokenmint.StatusActive,
	}

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		`CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN RAISE EXCEPTION 'server going down' USING ERRCODE = '57P01'; END $$`,
		`CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON tokens
		 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_at_commit()`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}

	// The creation's audit entry rides in its transaction: it must go
	// down with the token.
	entry := &tokenmint.AuditEntry{TenantID: "ten-1", Time: now, ActorKind: "user", ActorID: "usr-1",
		Action: "token.create", ObjectKind: "token", ObjectID: tok.ID, Outcome: "success"}
	err = db.CreateToken(tokenmint.WithAuditEntry(ctx, entry), tok, []byte("hash-0000000000000000000000000001"))
	if code := tokenmint.ErrorCode(err); code != tokenmint.EUNAVAILABLE {
		t.Fatalf("create whose commit fails: %s (%v), want %s", code, err, tokenmint.EUNAVAILABLE)
	}
	if msg := tokenmint.ErrorMessage(err); msg != "database unavailable" {
		t.Errorf("message %q", msg)
	}
	if _, err := db.TokenByID(ctx, "ten-1", tok.ID); tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
		t.Fatalf("the token whose commit failed is stored: %v", err)
	}
	if got, err := db.ListAudit(ctx, tokenmint.AuditFilter{ObjectID: tok.ID}); err != nil || len(got) != 0 {
		t.Fatalf("the audit entry of the creation whose commit failed: %d entries, %v", len(got), err)
	}

	if _, err := conn.Exec(ctx, `DROP TRIGGER fail_at_commit ON tokens`); err != nil {
		t.Fatal(err)
	}
	entry = &tokenmint.AuditEntry{TenantID: "ten-1", Time: now, ActorKind: "user", ActorID: "usr-1",
		Action: "token.create", ObjectKind: "token", ObjectID: tok.ID, Outcome: "success"}
	if err := db.CreateToken(tokenmint.WithAuditEntry(ctx, entry), tok, []byte("hash-0000000000000000000000000001")); err != nil {
		t.Fatalf("create after the fault: %v", err)
	}
	if got, err := db.ListAudit(ctx, tokenmint.AuditFilter{ObjectID: tok.ID}); err != nil || len(got) != 1 || got[0].ID != entry.ID {
		t.Fatalf("the audit entry of the acknowledged creation: %v, %v (ID %d)", got, err, entry.ID)
	}
	if _, err := db.TokenByID(ctx, "ten-1", tok.ID); err != nil {
		t.Fatalf("acknowledged token: %v", err)
	}
}

// An audit batch is one implicit transaction: an entry that fails takes
// the batch's earlier entries with it, so a caller told its entry failed
// never finds it written (and one told it succeeded always does).
func TestAuditBatchIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	url := newMigratedDatabase(t)
	db := mustOpenURL(t, url)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		`CREATE FUNCTION fail_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN IF NEW.detail = 'doomed' THEN RAISE EXCEPTION 'server going down' USING ERRCODE = '57P01'; END IF; RETURN NEW; END $$`,
		`CREATE TRIGGER fail_doomed BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fail_doomed()`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	entry := func(object, detail string) *tokenmint.AuditEntry {
		return &tokenmint.AuditEntry{TenantID: "ten-1", Time: now, ActorKind: "system", Action: "test",
			ObjectKind: "token", ObjectID: object, Outcome: "success", Detail: detail}
	}
	err = db.AppendAuditBatch(ctx, []*tokenmint.AuditEntry{entry("first", "fine"), entry("second", "doomed")})
	if code := tokenmint.ErrorCode(err); code != tokenmint.EUNAVAILABLE {
		t.Fatalf("batch with a failing entry: %s (%v), want %s", code, err, tokenmint.EUNAVAILABLE)
	}
	if got, err := db.ListAudit(ctx, tokenmint.AuditFilter{}); err != nil || len(got) != 0 {
		t.Fatalf("after a failed batch the log holds %d entries (%v), want none", len(got), err)
	}
	if err := db.AppendAuditBatch(ctx, []*tokenmint.AuditEntry{entry("first", "fine"), entry("second", "fine")}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.ListAudit(ctx, tokenmint.AuditFilter{}); err != nil || len(got) != 2 {
		t.Fatalf("after a good batch: %d entries (%v), want 2", len(got), err)
	}
}
