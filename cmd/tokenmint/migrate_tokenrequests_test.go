package main

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/copydb"
	"tokenmint/postgres"
	"tokenmint/postgres/postgrestest"
	"tokenmint/sqlite"
)

// Moving to PostgreSQL keeps token requests with every field: the expiry
// asked for in its forms, the decision and the state, the token's networks
// and its own rate limit.
func TestMigrateKeepsTokenRequests(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tokenmint.db")
	lite, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	decided, on, days := at.Add(time.Hour), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), 12
	nets, err := tokenmint.ParseCIDRList([]string{"10.1.0.0/16", "2001:db8::/48"})
	if err != nil {
		t.Fatal(err)
	}
	reqs := []*tokenmint.TokenRequest{
		{ID: "req-1", TenantID: "ten-1", RequesterID: "usr-1", Type: "Deploy", Name: "a", Description: "d", Justification: "why\nnot",
			Expiry: tokenmint.ExpiryRequest{DaysToLive: &days}, Status: tokenmint.RequestApproved, DecidedBy: "usr-2", DecidedAt: &decided,
			CreatedAt: at, UpdatedAt: decided, ExpiresAt: at.Add(8 * tokenmint.Day),
			AllowedCIDRs: nets, RateLimit: tokenmint.RateLimit{Requests: 5, PerSeconds: 3600}},
		{ID: "req-2", TenantID: "ten-1", RequesterID: "usr-1", Type: "Deploy", Name: "b", ProjectID: "prj-1", Justification: "j",
			Expiry: tokenmint.ExpiryRequest{ExpiresOn: &on, NoExpiry: false}, Status: tokenmint.RequestDenied, Reason: "no",
			CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(7 * tokenmint.Day)},
		{ID: "req-3", TenantID: "ten-1", RequesterID: "usr-1", Type: "Deploy", Name: "c", Justification: "j",
			Expiry: tokenmint.ExpiryRequest{NoExpiry: true}, Status: tokenmint.RequestIssued, TokenID: "tok-9",
			CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(7 * tokenmint.Day)},
	}
	for _, err := range []error{
		lite.CreateTenant(ctx, &tokenmint.Tenant{ID: "ten-1", Name: "default", CreatedAt: at}),
		lite.CreateUser(ctx, &tokenmint.User{ID: "usr-1", TenantID: "ten-1", Username: "mia", Roles: []string{"member"}, Enabled: true, CreatedAt: at, UpdatedAt: at}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range reqs {
		if err := lite.CreateTokenRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := lite.Close(); err != nil {
		t.Fatal(err)
	}
	url := postgrestest.Start(t).NewDatabase(t)
	if _, err := copydb.SQLiteToPostgres(ctx, path, url); err != nil {
		t.Fatalf("copy: %v", err)
	}
	pg, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	for _, want := range reqs {
		got, err := pg.TokenRequestByID(ctx, "ten-1", want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("request after migration = %+v\nwant %+v", got, want)
		}
	}
}
