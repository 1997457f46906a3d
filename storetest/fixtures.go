package storetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"tokenmint"
)

// t0 is the suite's fixed base time. It has microsecond precision and is in
// UTC, so any backend must return it unchanged.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)

// at returns t0 moved by d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// ptr returns a pointer to a copy of t, for the optional time fields.
func ptr(t time.Time) *time.Time { return &t }

const day = 24 * time.Hour

// IDs of the two tenants most tests use: a test that finds an object of
// tenantA while asking in tenantB has found an isolation bug.
const (
	tenantA = "ten-a"
	tenantB = "ten-b"
)

// hashOf stands in for the server's keyed hash of a secret; the Store
// treats hashes as opaque bytes.
func hashOf(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// mustTenants creates tenantA ("acme") and tenantB ("globex").
func mustTenants(t *testing.T, s tokenmint.Store) {
	t.Helper()
	for _, tn := range []*tokenmint.Tenant{
		{ID: tenantA, Name: "acme", CreatedAt: t0},
		{ID: tenantB, Name: "globex", CreatedAt: t0},
	} {
		if err := s.CreateTenant(t.Context(), tn); err != nil {
			t.Fatalf("CreateTenant(%s): %v", tn.ID, err)
		}
	}
}

// newUser returns an unsaved user fixture.
func newUser(tenantID, id, username string) *tokenmint.User {
	return &tokenmint.User{
		ID:           id,
		TenantID:     tenantID,
		Username:     username,
		Email:        username + "@example.com",
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$" + id,
		Roles:        []string{tokenmint.RoleMember},
		Enabled:      true,
		CreatedAt:    t0,
		UpdatedAt:    t0,
	}
}

// mustUser creates a user fixture.
func mustUser(t *testing.T, s tokenmint.Store, tenantID, id, username string) *tokenmint.User {
	t.Helper()
	u := newUser(tenantID, id, username)
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", id, err)
	}
	return u
}

// mustProject creates a project fixture.
func mustProject(t *testing.T, s tokenmint.Store, tenantID, id, name string) *tokenmint.Project {
	t.Helper()
	p := &tokenmint.Project{ID: id, TenantID: tenantID, Name: name, Description: "project " + name, CreatedAt: t0}
	if err := s.CreateProject(t.Context(), p); err != nil {
		t.Fatalf("CreateProject(%s): %v", id, err)
	}
	return p
}

// newToken returns an unsaved, active, unlimited user token expiring in 90
// days.
func newToken(tenantID, id string) *tokenmint.Token {
	return &tokenmint.Token{
		ID:           id,
		TenantID:     tenantID,
		OwnerKind:    "user",
		OwnerID:      "usr-0001",
		Type:         "ci",
		Name:         "token " + id,
		Description:  "description of " + id,
		Prefix:       "tmu_" + id,
		CreatedAt:    t0,
		UpdatedAt:    t0,
		ExpiresAt:    ptr(at(90 * day)),
		StoredStatus: tokenmint.StatusActive,
	}
}

// secretOf is the fixture secret of a token ID.
func secretOf(id string) string { return "secret-of-" + id }

// mustToken creates tok with the hash of secretOf(tok.ID).
func mustToken(t *testing.T, s tokenmint.Store, tok *tokenmint.Token) *tokenmint.Token {
	t.Helper()
	if err := s.CreateToken(t.Context(), tok, hashOf(secretOf(tok.ID))); err != nil {
		t.Fatalf("CreateToken(%s): %v", tok.ID, err)
	}
	return tok
}

// mustTokenByID reads a token that must exist.
func mustTokenByID(t *testing.T, s tokenmint.Store, tenantID, id string) *tokenmint.Token {
	t.Helper()
	tok, err := s.TokenByID(t.Context(), tenantID, id)
	if err != nil {
		t.Fatalf("TokenByID(%s, %s): %v", tenantID, id, err)
	}
	return tok
}

// tokID returns the sortable fixture ID of token n: "tok-0001".
// tokID is the ID of the fixture token n, in the UUID form of the server's
// IDs: a paging cursor is a token ID, and stores refuse any other form.
func tokID(n int) string { return fmt.Sprintf("00000000-0000-7000-8000-%012d", n) }

// must calls a two-key lookup that must succeed.
func must[T any](t *testing.T, get func(context.Context, string, string) (T, error), a, b string) T {
	t.Helper()
	v, err := get(t.Context(), a, b)
	if err != nil {
		t.Fatalf("lookup(%s, %s): %v", a, b, err)
	}
	return v
}
