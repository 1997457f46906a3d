package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"tokenmint"
)

// leakWords are fragments of SQL and driver text. A domain error's message
// is shown to callers, so it must contain none of them.
var leakWords = []string{"select ", "insert ", "update ", "delete ", "constraint", "sqlite", "sqlstate", "pq:", "pgx", "duplicate key", "no rows"}

// assertCode fails unless err is a *tokenmint.Error with code, whose
// message leaks no SQL or driver text.
func assertCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := tokenmint.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (error: %v), want %q", got, err, code)
	}
	msg := strings.ToLower(tokenmint.ErrorMessage(err))
	for _, w := range leakWords {
		if strings.Contains(msg, w) {
			t.Errorf("error message %q contains %q: internal text must not reach callers", msg, w)
		}
	}
}

// assertTime checks that got is want at microsecond precision, in UTC.
func assertTime(t *testing.T, field string, got, want time.Time) {
	t.Helper()
	want = want.Truncate(time.Microsecond)
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", field, got, want)
	}
	if got.Location() != time.UTC {
		t.Errorf("%s is in %v, want UTC", field, got.Location())
	}
}

// assertTimePtr checks an optional time.
func assertTimePtr(t *testing.T, field string, got, want *time.Time) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil:
		t.Errorf("%s = nil, want %v", field, *want)
	case want == nil:
		t.Errorf("%s = %v, want nil", field, *got)
	default:
		assertTime(t, field, *got, *want)
	}
}

// assertToken compares every field of a token.
func assertToken(t *testing.T, got, want *tokenmint.Token) {
	t.Helper()
	if got == nil {
		t.Fatalf("token %s: got nil", want.ID)
	}
	type field struct {
		name      string
		got, want any
	}
	for _, f := range []field{
		{"ID", got.ID, want.ID},
		{"TenantID", got.TenantID, want.TenantID},
		{"OwnerKind", got.OwnerKind, want.OwnerKind},
		{"OwnerID", got.OwnerID, want.OwnerID},
		{"Type", got.Type, want.Type},
		{"Name", got.Name, want.Name},
		{"Description", got.Description, want.Description},
		{"ProjectID", got.ProjectID, want.ProjectID},
		{"Prefix", got.Prefix, want.Prefix},
		{"Uses", got.Uses, want.Uses},
		{"MaxUses", got.MaxUses, want.MaxUses},
		{"StoredStatus", got.StoredStatus, want.StoredStatus},
	} {
		if f.got != f.want {
			t.Errorf("token %s: %s = %v, want %v", want.ID, f.name, f.got, f.want)
		}
	}
	assertTime(t, "token "+want.ID+" CreatedAt", got.CreatedAt, want.CreatedAt)
	assertTime(t, "token "+want.ID+" UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	assertTimePtr(t, "token "+want.ID+" ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	assertTimePtr(t, "token "+want.ID+" LastUsedAt", got.LastUsedAt, want.LastUsedAt)
	assertTimePtr(t, "token "+want.ID+" RevokedAt", got.RevokedAt, want.RevokedAt)
}

// assertUser compares every field of a user; nil and empty roles are the
// same.
func assertUser(t *testing.T, got, want *tokenmint.User) {
	t.Helper()
	if got == nil {
		t.Fatalf("user %s: got nil", want.ID)
	}
	if got.ID != want.ID || got.TenantID != want.TenantID || got.Username != want.Username ||
		got.Email != want.Email || got.PasswordHash != want.PasswordHash || got.Enabled != want.Enabled {
		t.Errorf("user = %+v, want %+v", *got, *want)
	}
	if !slices.Equal(got.Roles, want.Roles) && (len(got.Roles) > 0 || len(want.Roles) > 0) {
		t.Errorf("user %s: Roles = %q, want %q", want.ID, got.Roles, want.Roles)
	}
	assertTime(t, "user "+want.ID+" CreatedAt", got.CreatedAt, want.CreatedAt)
	assertTime(t, "user "+want.ID+" UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

// tokenIDs returns the IDs of tokens in order.
func tokenIDs(tokens []*tokenmint.Token) []string {
	ids := make([]string, len(tokens))
	for i, tok := range tokens {
		ids[i] = tok.ID
	}
	return ids
}

// sorted returns a sorted copy, for comparing lists whose order the
// interface leaves open.
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
