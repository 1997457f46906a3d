package service_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/postgres"
	"tokenmint/postgres/postgrestest"
	"tokenmint/secret"
	"tokenmint/service"
	"tokenmint/sqlite"
)

// recreateFixture is a service on one store with a signed-in admin and a
// signed-in member, alice.
type recreateFixture struct {
	svc      *service.Service
	store    tokenmint.Store
	clock    *tokenmint.FakeClock
	admin    context.Context
	alice    context.Context
	tenantID string
	aliceID  string
}

// newRecreateFixture starts a service on store.
func newRecreateFixture(t *testing.T, store tokenmint.Store) *recreateFixture {
	t.Helper()
	clock := tokenmint.NewFakeClock(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	svc := startService(t, testConfig(store, clock))
	ctx := context.Background()
	if _, err := svc.Bootstrap(ctx, "test-admin-password"); err != nil {
		t.Fatal(err)
	}
	tenant, err := store.TenantByName(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	f := &recreateFixture{svc: svc, store: store, clock: clock, tenantID: tenant.ID}
	f.admin = f.signIn(t, "admin")
	if _, err := svc.CreateUser(f.admin, service.CreateUserInput{Username: "alice", Email: "alice@example.com", Password: "alice-password-1", Roles: []string{"member"}}); err != nil {
		t.Fatal(err)
	}
	f.alice = f.signIn(t, "alice")
	f.aliceID = tokenmint.PrincipalFromContext(f.alice).User.ID
	return f
}

func (f *recreateFixture) signIn(t *testing.T, username string) context.Context {
	t.Helper()
	ctx := context.Background()
	u, err := f.store.UserByUsername(ctx, f.tenantID, username)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := f.svc.SessionPrincipalForUser(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	return tokenmint.NewContextWithPrincipal(ctx, p)
}

func (f *recreateFixture) create(t *testing.T, ctx context.Context, in service.CreateTokenInput) *tokenmint.Token {
	t.Helper()
	issued, err := f.svc.CreateToken(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return issued.Token
}

func (f *recreateFixture) setMaxLifetime(t *testing.T, days int) {
	t.Helper()
	if _, err := f.svc.PutPolicy(f.admin, service.PolicyInput{MaxLifetimeDays: &days}); err != nil {
		t.Fatal(err)
	}
}

func days(n int) *int { return &n }

func hasAdjustment(rc []service.Adjustment, want string) bool {
	for _, a := range rc {
		if strings.Contains(a.Message, want) {
			return true
		}
	}
	return false
}

// The recreation rules hold on both stores: the service over the SQLite
// file and over a real PostgreSQL.
func TestRecreateToken(t *testing.T) {
	stores := map[string]func(t *testing.T) func(t *testing.T) tokenmint.Store{
		"sqlite": func(*testing.T) func(t *testing.T) tokenmint.Store {
			return func(t *testing.T) tokenmint.Store {
				db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
		},
		"postgres": func(t *testing.T) func(t *testing.T) tokenmint.Store {
			pg := postgrestest.New(t) // one server for the store's cases
			return func(t *testing.T) tokenmint.Store {
				db, err := postgres.Open(context.Background(), pg.NewDatabase(t))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
		},
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			open := stores[name](t)
			fresh := func(t *testing.T) *recreateFixture { return newRecreateFixture(t, open(t)) }
			t.Run("revoked token copied, old one unchanged", func(t *testing.T) { testRecreateRevoked(t, fresh(t)) })
			t.Run("today's limits", func(t *testing.T) { testRecreateLimits(t, fresh(t)) })
			t.Run("refusals", func(t *testing.T) { testRecreateRefusals(t, fresh(t)) })
			t.Run("obsolete type", func(t *testing.T) { testRecreateObsolete(t, fresh(t)) })
			t.Run("application token names", func(t *testing.T) { testRecreateApplication(t, fresh(t)) })
		})
	}
}

func testRecreateRevoked(t *testing.T, f *recreateFixture) {
	proj, err := f.svc.CreateProject(f.admin, "webshop", "")
	if err != nil {
		t.Fatal(err)
	}
	old := f.create(t, f.alice, service.CreateTokenInput{Type: "ProjectAnalysisToken", Name: "scanner", Description: "nightly scans", Project: proj.ID, Expiry: tokenmint.ExpiryRequest{DaysToLive: days(60)}})
	f.clock.Advance(10 * tokenmint.Day)
	if err := f.svc.RevokeToken(f.alice, old.ID); err != nil {
		t.Fatal(err)
	}
	// Revoked tokens stay listed with their details.
	listed, _, err := f.svc.ListTokens(f.alice, service.ListTokensInput{Status: tokenmint.StatusRevoked})
	if err != nil || len(listed) != 1 || listed[0].ID != old.ID || listed[0].Type != "ProjectAnalysisToken" || listed[0].ProjectID != proj.ID || listed[0].Description != "nightly scans" {
		t.Fatalf("revoked tokens listed: %v, %+v", err, listed)
	}

	rc, err := f.svc.LikeToken(f.alice, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	in := rc.Input
	if in.Type != "ProjectAnalysisToken" || in.Name != "scanner" || in.Description != "nightly scans" || in.Project != proj.ID || in.Expiry.DaysToLive == nil || *in.Expiry.DaysToLive != 60 || len(rc.Adjustments) != 0 {
		t.Fatalf("LikeToken = %+v (days %v), adjustments %v", in, in.Expiry.DaysToLive, rc.Adjustments)
	}

	got, err := f.svc.RecreateToken(f.alice, old.ID, service.RecreateOverrides{})
	if err != nil {
		t.Fatal(err)
	}
	nt := got.Token
	now := f.clock.Now()
	if nt.ID == old.ID || got.From != old.ID || nt.OwnerID != f.aliceID || nt.Name != "scanner" || nt.Type != "ProjectAnalysisToken" || nt.ProjectID != proj.ID ||
		nt.Description != "nightly scans" || nt.ExpiresAt == nil || !nt.ExpiresAt.Equal(now.Add(60*tokenmint.Day)) || nt.Status(now) != tokenmint.StatusActive {
		t.Fatalf("recreated token = %+v", nt)
	}
	if !strings.HasPrefix(got.Plain, "tmu_") {
		t.Fatalf("secret %q", got.Plain)
	}
	again, err := f.store.TokenByID(context.Background(), f.tenantID, old.ID)
	if err != nil || again.Status(now) != tokenmint.StatusRevoked || again.Name != "scanner" {
		t.Fatalf("the old token changed: %v %+v", err, again)
	}
	entries, _, err := f.svc.ListAudit(f.admin, service.AuditQuery{Action: "token.recreate"})
	if err != nil || len(entries) != 1 || entries[0].ObjectID != nt.ID || !strings.Contains(entries[0].Detail, old.ID) {
		t.Fatalf("token.recreate audit entries: %v %+v", err, entries)
	}

	// Overrides replace what is copied.
	name, desc := "scanner-2", ""
	got, err = f.svc.RecreateToken(f.alice, old.ID, service.RecreateOverrides{Name: &name, Description: &desc, Expiry: tokenmint.ExpiryRequest{DaysToLive: days(5)}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Token.Name != name || got.Token.Description != "" || !got.Token.ExpiresAt.Equal(now.Add(5*tokenmint.Day)) {
		t.Fatalf("with overrides: %+v", got.Token)
	}
	// Overrides obey the same rules as any creation.
	if _, err := f.svc.RecreateToken(f.alice, old.ID, service.RecreateOverrides{Expiry: tokenmint.ExpiryRequest{DaysToLive: days(400)}}); tokenmint.ErrorCode(err) != tokenmint.EINVALID {
		t.Fatalf("400 days of a type of at most 365: %v", err)
	}
	bad := "bad\x1bname"
	if _, err := f.svc.RecreateToken(f.alice, old.ID, service.RecreateOverrides{Name: &bad}); tokenmint.ErrorCode(err) != tokenmint.EINVALID {
		t.Fatalf("a name with a control character: %v", err)
	}
}

func testRecreateLimits(t *testing.T, f *recreateFixture) {
	long := f.create(t, f.alice, service.CreateTokenInput{Type: "CIToken", Name: "long", Expiry: tokenmint.ExpiryRequest{DaysToLive: days(300)}})
	forever := f.create(t, f.alice, service.CreateTokenInput{Type: "UserToken", Name: "forever", Expiry: tokenmint.ExpiryRequest{NoExpiry: true}})
	// Before any change, a no-expiry token stays without expiry.
	rc, err := f.svc.LikeToken(f.alice, forever.ID)
	if err != nil || !rc.Input.Expiry.NoExpiry || len(rc.Adjustments) != 0 {
		t.Fatalf("no-expiry token: %v %+v", err, rc)
	}
	f.clock.Advance(400 * tokenmint.Day) // long has expired
	f.setMaxLifetime(t, 90)

	got, err := f.svc.RecreateToken(f.alice, long.ID, service.RecreateOverrides{})
	if err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	if !got.Token.ExpiresAt.Equal(now.Add(90*tokenmint.Day)) || !hasAdjustment(got.Adjustments, "expiry cut to 90 days by the tenant's policy") {
		t.Fatalf("expired 300-day token under a 90-day policy: expires %v, adjustments %+v", got.Token.ExpiresAt, got.Adjustments)
	}
	got, err = f.svc.RecreateToken(f.alice, forever.ID, service.RecreateOverrides{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Token.ExpiresAt == nil || !got.Token.ExpiresAt.Equal(now.Add(90*tokenmint.Day)) || !hasAdjustment(got.Adjustments, "never expired") {
		t.Fatalf("no-expiry token under a 90-day policy: expires %v, adjustments %+v", got.Token.ExpiresAt, got.Adjustments)
	}
	// An expiry given replaces the copied one and its adjustment.
	got, err = f.svc.RecreateToken(f.alice, long.ID, service.RecreateOverrides{Expiry: tokenmint.ExpiryRequest{DaysToLive: days(10)}})
	if err != nil || len(got.Adjustments) != 0 {
		t.Fatalf("with days_to_live: %v %+v", err, got)
	}
}

func testRecreateRefusals(t *testing.T, f *recreateFixture) {
	proj, err := f.svc.CreateProject(f.admin, "gone", "")
	if err != nil {
		t.Fatal(err)
	}
	scoped := f.create(t, f.alice, service.CreateTokenInput{Type: "ProjectAnalysisToken", Name: "scoped", Project: proj.ID})
	if err := f.svc.DeleteProject(f.admin, proj.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.RecreateToken(f.alice, scoped.ID, service.RecreateOverrides{})
	if tokenmint.ErrorCode(err) != tokenmint.ECONFLICT || !strings.Contains(tokenmint.ErrorMessage(err), "project") || !strings.Contains(tokenmint.ErrorMessage(err), "no longer exists") {
		t.Fatalf("a token of a deleted project: %v", err)
	}

	mine := f.create(t, f.alice, service.CreateTokenInput{Type: "CIToken", Name: "mine"})
	// An administrator sees alice's token but may not recreate it: the
	// copy would be the administrator's.
	if _, err := f.svc.RecreateToken(f.admin, mine.ID, service.RecreateOverrides{}); tokenmint.ErrorCode(err) != tokenmint.EFORBIDDEN {
		t.Fatalf("admin recreating alice's token: %v", err)
	}
	bob, err := f.svc.CreateUser(f.admin, service.CreateUserInput{Username: "bob", Email: "bob@example.com", Password: "bob-password-12", Roles: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RecreateToken(f.signIn(t, "bob"), mine.ID, service.RecreateOverrides{}); tokenmint.ErrorCode(err) != tokenmint.EFORBIDDEN {
		t.Fatalf("another admin recreating alice's token: %v", err)
	}
	// A user who lost the right to a type cannot recreate it: the same
	// rules as a creation.
	purge := f.create(t, f.signIn(t, "bob"), service.CreateTokenInput{Type: "PurgeProjectVersionToken", Name: "purge"})
	if _, err := f.svc.UpdateUser(f.admin, bob.ID, service.UpdateUserInput{Roles: &[]string{"member"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RecreateToken(f.signIn(t, "bob"), purge.ID, service.RecreateOverrides{}); tokenmint.ErrorCode(err) != tokenmint.EFORBIDDEN {
		t.Fatalf("recreating a type one may no longer create: %v", err)
	}
	// Someone who neither owns nor governs a token does not learn it exists.
	if _, err := f.svc.RecreateToken(f.signIn(t, "bob"), mine.ID, service.RecreateOverrides{}); tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
		t.Fatalf("a member recreating alice's token: %v", err)
	}
}

func testRecreateObsolete(t *testing.T, f *recreateFixture) {
	// CloudCtrlToken is obsolete in the built-in types; a token of it
	// stored before is recreated as its replacement.
	now := f.clock.Now()
	exp := now.Add(30 * tokenmint.Day)
	old := &tokenmint.Token{
		ID: secret.NewID(), TenantID: f.tenantID, OwnerKind: tokenmint.OwnerUser, OwnerID: f.aliceID,
		Type: "CloudCtrlToken", Name: "cloud", Prefix: "tmu_obsolete", CreatedAt: now, UpdatedAt: now, ExpiresAt: &exp,
		StoredStatus: tokenmint.StatusActive,
	}
	if err := f.store.CreateToken(context.Background(), old, secret.NewHasher(make([]byte, 32)).Hash("tmu_obsolete")); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.RecreateToken(f.alice, old.ID, service.RecreateOverrides{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Token.Type != "ScanCentralCtrlToken" || !hasAdjustment(got.Adjustments, "type CloudCtrlToken is obsolete: using its replacement ScanCentralCtrlToken") {
		t.Fatalf("obsolete type: %s, %+v", got.Token.Type, got.Adjustments)
	}
}

func testRecreateApplication(t *testing.T, f *recreateFixture) {
	app, err := f.svc.CreateApplication(f.admin, service.ApplicationInput{Name: "ci", AccessTypes: []string{"read-only"}})
	if err != nil {
		t.Fatal(err)
	}
	issued, err := f.svc.CreateApplicationToken(f.admin, app.ID, service.CreateTokenInput{Name: "deploy", Expiry: tokenmint.ExpiryRequest{DaysToLive: days(20)}})
	if err != nil {
		t.Fatal(err)
	}
	// The old token still holds its name: the copy is suffixed.
	got, err := f.svc.RecreateToken(f.admin, issued.Token.ID, service.RecreateOverrides{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Token.Name != "deploy-2" || got.Token.OwnerID != app.ID || got.Token.OwnerKind != tokenmint.OwnerApplication || !strings.HasPrefix(got.Plain, "tma_") || !hasAdjustment(got.Adjustments, `named "deploy-2"`) {
		t.Fatalf("copy of a live application token: %+v %+v", got.Token, got.Adjustments)
	}
	// A member may not recreate an application's token.
	if _, err := f.svc.RecreateToken(f.alice, issued.Token.ID, service.RecreateOverrides{}); tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
		t.Fatalf("member recreating an application's token: %v", err)
	}
	// A revoked token frees its name, which the copy keeps.
	if err := f.svc.RevokeToken(f.admin, issued.Token.ID); err != nil {
		t.Fatal(err)
	}
	got, err = f.svc.RecreateToken(f.admin, issued.Token.ID, service.RecreateOverrides{})
	if err != nil || got.Token.Name != "deploy" {
		t.Fatalf("copy of a revoked application token: %v %+v", err, got)
	}
}
