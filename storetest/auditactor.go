package storetest

import (
	"slices"
	"testing"
	"time"

	"tokenmint"
)

// The audit log is searchable by who acted: the kind of actor (the system's
// own entries have no actor ID), and an owner with everything done through
// its tokens.
func testAuditActor(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	ctx := t.Context()
	mustTenants(t, s)
	mine := newToken(tenantA, tokID(1)) // owned by usr-0001
	theirs := newToken(tenantA, tokID(2))
	theirs.OwnerID = "usr-0002"
	mustToken(t, s, mine)
	mustToken(t, s, theirs)
	mustApplication(t, s, newApplication(tenantA, "app-1", "ci"))
	appTok := mustToken(t, s, newAppToken(tenantA, tokID(3), "app-1", "nightly"))
	entries := []tokenmint.AuditEntry{
		{TenantID: tenantA, ActorKind: tokenmint.ActorUser, ActorID: "usr-0001", Action: "token.create"},
		{TenantID: tenantA, ActorKind: tokenmint.ActorToken, ActorID: mine.ID, Action: "token.rotate"},
		{TenantID: tenantA, ActorKind: tokenmint.ActorToken, ActorID: theirs.ID, Action: "token.rotate"},
		{TenantID: tenantA, ActorKind: tokenmint.ActorUser, ActorID: "usr-0002", Action: "token.create"},
		{TenantID: tenantA, ActorKind: tokenmint.ActorSystem, Action: "token.expire"},
		{TenantID: tenantA, ActorKind: tokenmint.ActorAnonymous, Action: "token.leaked"},
		{TenantID: tenantA, ActorKind: tokenmint.ActorApplication, ActorID: "app-1", Action: "oauth.token"},
		{TenantID: tenantA, ActorKind: tokenmint.ActorToken, ActorID: appTok.ID, Action: "token.self"},
		{TenantID: tenantB, ActorKind: tokenmint.ActorSystem, Action: "token.expire"},
		{TenantID: tenantB, ActorKind: tokenmint.ActorUser, ActorID: "usr-0001", Action: "token.create"},
	}
	for i := range entries {
		entries[i].Time, entries[i].Outcome = at(time.Duration(i)*time.Minute), "success"
		if err := s.AppendAudit(ctx, &entries[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name string
		f    tokenmint.AuditFilter
		want []int // indexes into entries, newest first
	}{
		{"system", tokenmint.AuditFilter{TenantID: tenantA, ActorKind: tokenmint.ActorSystem}, []int{4}},
		{"anonymous", tokenmint.AuditFilter{TenantID: tenantA, ActorKind: tokenmint.ActorAnonymous}, []int{5}},
		{"a user and their tokens", tokenmint.AuditFilter{TenantID: tenantA, ActorOwnerKind: tokenmint.ActorUser, ActorOwnerID: "usr-0001"}, []int{1, 0}},
		{"an application and its tokens", tokenmint.AuditFilter{TenantID: tenantA, ActorOwnerKind: tokenmint.ActorApplication, ActorOwnerID: "app-1"}, []int{7, 6}},
		{"a user in the other tenant", tokenmint.AuditFilter{TenantID: tenantB, ActorOwnerKind: tokenmint.ActorUser, ActorOwnerID: "usr-0001"}, []int{9}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListAudit(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids, want []int64
			for _, e := range got {
				ids = append(ids, e.ID)
			}
			for _, i := range tt.want {
				want = append(want, entries[i].ID)
			}
			if !slices.Equal(ids, want) {
				t.Errorf("ListAudit(%+v) = IDs %v, want %v", tt.f, ids, want)
			}
		})
	}
}
