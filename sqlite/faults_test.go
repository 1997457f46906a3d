package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tokenmint"
)

// faultFixture is a database with a tenant, a user and one token.
func faultFixture(t *testing.T, path string) (*DB, func(i int) *tokenmint.Token) {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := db.CreateTenant(ctx, &tokenmint.Tenant{ID: "ten-1", Name: "acme", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, &tokenmint.User{ID: "usr-1", TenantID: "ten-1", Username: "alice", Roles: []string{"member"}, Enabled: true, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	token := func(i int) *tokenmint.Token {
		return &tokenmint.Token{
			ID: fmt.Sprintf("01a00000-0000-7000-8000-%012d", i), TenantID: "ten-1", OwnerKind: tokenmint.OwnerUser, OwnerID: "usr-1",
			Type: "CIToken", Name: fmt.Sprintf("t%d", i), Description: strings.Repeat("d", 900), Prefix: "tmu_abcdef",
			CreatedAt: now, UpdatedAt: now, StoredStatus: tokenmint.StatusActive,
		}
	}
	return db, token
}

// A full disk, a read-only database and a closed one are outages: every
// failing call reports EUNAVAILABLE (503), never an internal error or a
// bad request; what was refused is not stored, what was acknowledged
// survives, and writes work again once the cause is gone.
func TestFaultsAreUnavailableAndLoseNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tokenmint.db")
	db, token := faultFixture(t, path)
	hash := func(i int) []byte { return []byte(fmt.Sprintf("hash-%032d", i)) }

	// The disk fills up: SQLite may use no page beyond those it has.
	var pages int
	if err := db.write.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+2)); err != nil {
		t.Fatal(err)
	}
	acknowledged, refused := 0, -1
	for i := 0; i < 2000; i++ {
		err := db.CreateToken(ctx, token(i), hash(i))
		if err == nil {
			acknowledged++
			continue
		}
		if code := tokenmint.ErrorCode(err); code != tokenmint.EUNAVAILABLE {
			t.Fatalf("create on a full disk: %s (%v), want %s", code, err, tokenmint.EUNAVAILABLE)
		}
		if msg := tokenmint.ErrorMessage(err); msg != "database unavailable" {
			t.Errorf("message %q shows driver text", msg)
		}
		refused = i
		break
	}
	if refused < 0 {
		t.Fatal("the disk never filled up: the fault was not injected")
	}
	if _, err := db.TokenByID(ctx, "ten-1", token(refused).ID); tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
		t.Errorf("the refused token is readable: %v", err)
	}
	// Reads still work while writes cannot.
	if _, err := db.TokenByID(ctx, "ten-1", token(0).ID); err != nil {
		t.Errorf("read on a full disk: %v", err)
	}
	if _, err := db.write.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateToken(ctx, token(refused), hash(refused)); err != nil {
		t.Fatalf("create after space came back: %v", err)
	}

	// The file turns read-only.
	if _, err := db.write.ExecContext(ctx, "PRAGMA query_only = ON"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateToken(ctx, token(5000), hash(5000)); tokenmint.ErrorCode(err) != tokenmint.EUNAVAILABLE {
		t.Errorf("create on a read-only database: %s (%v)", tokenmint.ErrorCode(err), err)
	}
	if _, err := db.SpendUse(ctx, token(0).ID, time.Now()); tokenmint.ErrorCode(err) != tokenmint.EUNAVAILABLE {
		t.Errorf("spend on a read-only database: %s (%v)", tokenmint.ErrorCode(err), err)
	}
	if _, err := db.write.ExecContext(ctx, "PRAGMA query_only = OFF"); err != nil {
		t.Fatal(err)
	}

	// Closed under the caller's feet.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TokenByID(ctx, "ten-1", token(0).ID); tokenmint.ErrorCode(err) != tokenmint.EUNAVAILABLE {
		t.Errorf("read of a closed database: %s (%v)", tokenmint.ErrorCode(err), err)
	}
	// The prepared reads of a verification that missed the cache too: a
	// closed statement is the closed database, not a missing token.
	if _, _, err := db.TokenBySecret(ctx, hash(0)); tokenmint.ErrorCode(err) != tokenmint.EUNAVAILABLE {
		t.Errorf("token by secret on a closed database: %s (%v)", tokenmint.ErrorCode(err), err)
	}
	if _, err := db.BlockedIPs(ctx, "ten-1", token(0).ID); tokenmint.ErrorCode(err) != tokenmint.EUNAVAILABLE {
		t.Errorf("blocked IPs on a closed database: %s (%v)", tokenmint.ErrorCode(err), err)
	}
	if _, _, err := db.RateLimitsOf(ctx, "ten-1", token(0).ID, tokenmint.OwnerUser, "usr-1"); tokenmint.ErrorCode(err) != tokenmint.EUNAVAILABLE {
		t.Errorf("rate limits on a closed database: %s (%v)", tokenmint.ErrorCode(err), err)
	}

	// Reopened: everything acknowledged is there, the refused one only
	// as written after recovery, and the file is sound.
	db2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	for i := 0; i < acknowledged; i++ {
		if _, err := db2.TokenByID(ctx, "ten-1", token(i).ID); err != nil {
			t.Fatalf("acknowledged token %d lost: %v", i, err)
		}
	}
	if _, err := db2.TokenByID(ctx, "ten-1", token(5000).ID); tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
		t.Errorf("the token refused on the read-only database was stored: %v", err)
	}
	var check string
	if err := db2.read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q, %v", check, err)
	}
	t.Logf("%d tokens acknowledged before the disk filled", acknowledged)
}

// A creation whose audit entry cannot be written stores no token either:
// the entry rides in the token's transaction (in its savepoint of the
// shared one), and a creation beside it in the same group still commits.
func TestTokenWhoseAuditEntryFailsIsNotStored(t *testing.T) {
	ctx := context.Background()
	db, token := faultFixture(t, filepath.Join(t.TempDir(), "tokenmint.db"))
	defer db.Close()
	if _, err := db.write.ExecContext(ctx, `CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log
		WHEN NEW.detail = 'doomed' BEGIN SELECT RAISE(ABORT, 'audit write failed'); END`); err != nil {
		t.Fatal(err)
	}
	entry := func(i int, detail string) *tokenmint.AuditEntry {
		return &tokenmint.AuditEntry{TenantID: "ten-1", Time: time.Now(), ActorKind: "user", ActorID: "usr-1",
			Action: "token.create", ObjectKind: "token", ObjectID: token(i).ID, Outcome: "success", Detail: detail}
	}
	errs := make([]error, 2)
	race := make(chan struct{})
	done := make(chan struct{})
	for i, detail := range []string{"doomed", "fine"} {
		go func() {
			<-race
			errs[i] = db.CreateToken(tokenmint.WithAuditEntry(ctx, entry(i, detail)), token(i), []byte(fmt.Sprintf("hash-%032d", i)))
			done <- struct{}{}
		}()
	}
	close(race)
	<-done
	<-done
	if errs[0] == nil {
		t.Fatal("the creation whose audit entry failed was acknowledged")
	}
	if _, err := db.TokenByID(ctx, "ten-1", token(0).ID); tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
		t.Errorf("the token whose audit entry failed is stored: %v", err)
	}
	if errs[1] != nil {
		t.Fatalf("the creation beside it: %v", errs[1])
	}
	if _, err := db.TokenByID(ctx, "ten-1", token(1).ID); err != nil {
		t.Errorf("the token beside it: %v", err)
	}
	if got, err := db.ListAudit(ctx, tokenmint.AuditFilter{ObjectID: token(1).ID}); err != nil || len(got) != 1 {
		t.Errorf("the entry beside it: %v, %v", got, err)
	}
}
