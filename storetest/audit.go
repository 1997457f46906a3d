package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"tokenmint"
)

// auditFixture is the log the ListAudit tests read, in append order.
var auditFixture = []tokenmint.AuditEntry{
	{TenantID: tenantA, Time: at(1 * time.Minute), ActorKind: "user", ActorID: "usr-0001", Action: "token.create",
		ObjectKind: "token", ObjectID: "tok-0001", ClientIP: "192.0.2.1", Outcome: "success", Detail: "type=ci"},
	{TenantID: tenantA, Time: at(2 * time.Minute), ActorKind: "user", ActorID: "usr-0002", Action: "token.revoke",
		ObjectKind: "token", ObjectID: "tok-0001", ClientIP: "192.0.2.2", Outcome: "success"},
	{TenantID: tenantB, Time: at(3 * time.Minute), ActorKind: "user", ActorID: "usr-0009", Action: "token.create",
		ObjectKind: "token", ObjectID: "tok-0009", ClientIP: "192.0.2.9", Outcome: "success"},
	{TenantID: tenantA, Time: at(4 * time.Minute), ActorKind: "system", Action: "token.expire",
		ObjectKind: "token", ObjectID: "tok-0002", Outcome: "success"},
	{TenantID: tenantA, Time: at(5 * time.Minute), ActorKind: "user", ActorID: "usr-0001", Action: "user.login",
		ObjectKind: "user", ObjectID: "usr-0001", ClientIP: "2001:db8::1", Outcome: "failure", Detail: "bad password"},
	{TenantID: tenantA, Time: at(6 * time.Minute), ActorKind: "anonymous", Action: "token.leaked",
		ObjectKind: "token", ObjectID: "tok-0002", ClientIP: "203.0.113.5", Outcome: "denied"},
}

// mustAuditFixture appends auditFixture and returns the entries with the IDs
// the store assigned.
func mustAuditFixture(t *testing.T, s tokenmint.Store) []tokenmint.AuditEntry {
	t.Helper()
	mustTenants(t, s)
	out := slices.Clone(auditFixture)
	for i := range out {
		if err := s.AppendAudit(t.Context(), &out[i]); err != nil {
			t.Fatalf("AppendAudit #%d: %v", i, err)
		}
	}
	return out
}

func testAudit(t *testing.T, newStore storeFunc) {
	t.Run("AppendAssignsIncreasingIDs", func(t *testing.T) {
		s := newStore(t)
		entries := mustAuditFixture(t, s)
		for i := 1; i < len(entries); i++ {
			if entries[i].ID <= entries[i-1].ID {
				t.Errorf("entry %d has ID %d, not greater than entry %d's %d", i, entries[i].ID, i-1, entries[i-1].ID)
			}
		}
		if entries[0].ID == 0 {
			t.Error("AppendAudit left ID 0")
		}
	})

	t.Run("AppendBatchInOrderWithIDs", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		first := auditFixture[0]
		if err := s.AppendAudit(t.Context(), &first); err != nil {
			t.Fatal(err)
		}
		batch := make([]*tokenmint.AuditEntry, 0, len(auditFixture)-1)
		for _, e := range auditFixture[1:] {
			e := e
			batch = append(batch, &e)
		}
		if err := s.AppendAuditBatch(t.Context(), batch); err != nil {
			t.Fatal(err)
		}
		prev := first.ID
		for i, e := range batch {
			if e.ID <= prev {
				t.Fatalf("batch entry %d has ID %d, not greater than %d", i, e.ID, prev)
			}
			prev = e.ID
		}
		got, err := s.ListAudit(t.Context(), tokenmint.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(auditFixture) {
			t.Fatalf("listed %d entries, want %d", len(got), len(auditFixture))
		}
		// Newest first: the last of the batch leads, each as appended.
		for i, e := range got {
			want := auditFixture[len(auditFixture)-1-i]
			if e.Action != want.Action || e.ObjectID != want.ObjectID || e.ActorID != want.ActorID || !e.Time.Equal(want.Time) {
				t.Errorf("entry %d = %+v, want %+v", i, *e, want)
			}
		}
		if err := s.AppendAuditBatch(t.Context(), nil); err != nil {
			t.Errorf("an empty batch: %v", err)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		entries := mustAuditFixture(t, s)
		got, err := s.ListAudit(t.Context(), tokenmint.AuditFilter{})
		if err != nil {
			t.Fatalf("ListAudit: %v", err)
		}
		if len(got) != len(entries) {
			t.Fatalf("ListAudit returned %d entries, want %d", len(got), len(entries))
		}
		for i, g := range got {
			want := entries[len(entries)-1-i]
			w, gg := want, *g
			w.Time, gg.Time = time.Time{}, time.Time{}
			if gg != w {
				t.Errorf("entry %d = %+v, want %+v", i, gg, w)
			}
			assertTime(t, fmt.Sprintf("entry %d Time", want.ID), g.Time, want.Time)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		s := newStore(t)
		entries := mustAuditFixture(t, s)
		id := func(i int) int64 { return entries[i].ID }
		tests := []struct {
			name   string
			filter tokenmint.AuditFilter
			want   []int // indexes into auditFixture, newest first
		}{
			{"tenant", tokenmint.AuditFilter{TenantID: tenantA}, []int{5, 4, 3, 1, 0}},
			{"every tenant", tokenmint.AuditFilter{}, []int{5, 4, 3, 2, 1, 0}},
			{"unknown tenant", tokenmint.AuditFilter{TenantID: "ten-missing"}, nil},
			{"action", tokenmint.AuditFilter{Action: "token.create"}, []int{2, 0}},
			{"action in tenant", tokenmint.AuditFilter{TenantID: tenantA, Action: "token.create"}, []int{0}},
			{"actor", tokenmint.AuditFilter{TenantID: tenantA, ActorID: "usr-0001"}, []int{4, 0}},
			{"object", tokenmint.AuditFilter{TenantID: tenantA, ObjectID: "tok-0002"}, []int{5, 3}},
			{"outcome", tokenmint.AuditFilter{Outcome: "failure"}, []int{4}},
			{"outcome in tenant", tokenmint.AuditFilter{TenantID: tenantA, Outcome: "success"}, []int{3, 1, 0}},
			// Since is inclusive, Until exclusive: consecutive windows
			// neither overlap nor leave a gap.
			{"since", tokenmint.AuditFilter{Since: ptr(at(4 * time.Minute))}, []int{5, 4, 3}},
			{"until", tokenmint.AuditFilter{Until: ptr(at(4 * time.Minute))}, []int{2, 1, 0}},
			{"since and until", tokenmint.AuditFilter{Since: ptr(at(2 * time.Minute)), Until: ptr(at(5 * time.Minute))}, []int{3, 2, 1}},
			{"before id", tokenmint.AuditFilter{BeforeID: id(3)}, []int{2, 1, 0}},
			{"limit", tokenmint.AuditFilter{Limit: 2}, []int{5, 4}},
			{"tenant, before id and limit", tokenmint.AuditFilter{TenantID: tenantA, BeforeID: id(4), Limit: 2}, []int{3, 1}},
			{"everything", tokenmint.AuditFilter{TenantID: tenantA, Action: "token.revoke", ActorID: "usr-0002", ObjectID: "tok-0001",
				Since: ptr(at(time.Minute)), Until: ptr(at(3 * time.Minute)), BeforeID: id(5), Limit: 10}, []int{1}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.ListAudit(t.Context(), tt.filter)
				if err != nil {
					t.Fatalf("ListAudit: %v", err)
				}
				var gotIDs, wantIDs []int64
				for _, e := range got {
					gotIDs = append(gotIDs, e.ID)
				}
				for _, i := range tt.want {
					wantIDs = append(wantIDs, id(i))
				}
				if !slices.Equal(gotIDs, wantIDs) {
					t.Errorf("ListAudit(%+v) IDs = %v, want %v", tt.filter, gotIDs, wantIDs)
				}
			})
		}
	})

	// A zero Limit means the default page size of 100.
	t.Run("DefaultLimit", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		var last int64
		for i := range 101 {
			e := &tokenmint.AuditEntry{TenantID: tenantA, Time: at(time.Duration(i) * time.Second), ActorKind: "system",
				Action: "token.expire", ObjectKind: "token", ObjectID: tokID(i), Outcome: "success"}
			if err := s.AppendAudit(t.Context(), e); err != nil {
				t.Fatalf("AppendAudit: %v", err)
			}
			last = e.ID
		}
		got, err := s.ListAudit(t.Context(), tokenmint.AuditFilter{TenantID: tenantA})
		if err != nil {
			t.Fatalf("ListAudit: %v", err)
		}
		if len(got) != 100 {
			t.Fatalf("ListAudit with Limit 0 returned %d entries, want 100", len(got))
		}
		if got[0].ID != last {
			t.Errorf("first entry = %d, want the newest, %d", got[0].ID, last)
		}
	})
}
