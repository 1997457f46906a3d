package storetest

import (
	"testing"
	"time"

	"tokenmint"
)

func testIPBlocks(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	ctx := t.Context()
	mustTenants(t, s)
	tok := mustToken(t, s, newToken(tenantA, "tok-0001"))
	mustToken(t, s, newToken(tenantB, "tok-0002"))
	block := func(prefix string, d time.Duration) error {
		return s.BlockIP(ctx, &tokenmint.IPBlock{TenantID: tenantA, TokenID: tok.ID, Prefix: prefix, CreatedAt: at(d)})
	}
	for i, p := range []string{"10.0.0.0/8", "2001:db8::1", "192.0.2.7"} {
		if err := block(p, time.Duration(i)*time.Minute); err != nil {
			t.Fatalf("BlockIP(%s): %v", p, err)
		}
	}
	if err := block("10.0.0.0/8", time.Hour); err != nil {
		t.Fatalf("blocking twice: %v", err)
	}
	got, err := s.BlockedIPs(ctx, tenantA, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Prefix != "10.0.0.0/8" || got[1].Prefix != "2001:db8::1" || got[2].Prefix != "192.0.2.7" {
		t.Fatalf("BlockedIPs = %+v, want three, oldest first", got)
	}
	assertTime(t, "first block CreatedAt (not moved by blocking again)", got[0].CreatedAt, t0)
	if got[0].TokenID != tok.ID {
		t.Errorf("TokenID = %q", got[0].TokenID)
	}

	assertCode(t, s.BlockIP(ctx, &tokenmint.IPBlock{TenantID: tenantA, TokenID: "tok-0002", Prefix: "192.0.2.1", CreatedAt: t0}), tokenmint.ENOTFOUND)
	assertCode(t, s.BlockIP(ctx, &tokenmint.IPBlock{TenantID: tenantA, TokenID: "tok-9999", Prefix: "192.0.2.1", CreatedAt: t0}), tokenmint.ENOTFOUND)
	_, err = s.BlockedIPs(ctx, tenantB, tok.ID)
	assertCode(t, err, tokenmint.ENOTFOUND)
	if b, err := s.BlockedIPs(ctx, tenantB, "tok-0002"); err != nil || len(b) != 0 {
		t.Errorf("BlockedIPs of an unblocked token = %v, %v; want empty", b, err)
	}

	assertCode(t, s.UnblockIP(ctx, tenantB, tok.ID, "192.0.2.7"), tokenmint.ENOTFOUND)
	if err := s.UnblockIP(ctx, tenantA, tok.ID, "192.0.2.7"); err != nil {
		t.Fatalf("UnblockIP: %v", err)
	}
	assertCode(t, s.UnblockIP(ctx, tenantA, tok.ID, "192.0.2.7"), tokenmint.ENOTFOUND)
	if got, _ := s.BlockedIPs(ctx, tenantA, tok.ID); len(got) != 2 {
		t.Errorf("after unblock: %+v", got)
	}

	// Deleting the token deletes its blocks.
	if err := s.DeleteToken(ctx, tenantA, tok.ID); err != nil {
		t.Fatal(err)
	}
	mustToken(t, s, newToken(tenantA, "tok-0001"))
	if got, err := s.BlockedIPs(ctx, tenantA, tok.ID); err != nil || len(got) != 0 {
		t.Errorf("a new token with the deleted one's ID inherited blocks: %+v %v", got, err)
	}
}
