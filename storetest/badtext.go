package storetest

import (
	"testing"

	"tokenmint"
)

// badTexts are strings that reach the store from URLs and request bodies
// but that some databases cannot hold in a text column: a NUL byte
// (PostgreSQL refuses it in any text) and bytes that are not UTF-8.
var badTexts = map[string]string{
	"NUL":          "tok-\x00",
	"only NUL":     "\x00",
	"invalid UTF8": "\xff",
	"truncated":    "tok-\xe2\x82",
}

// A lookup by an ID, name or filter holding such text finds nothing or
// refuses the text as invalid input — never an internal error, which the
// HTTP layer would answer with 500. Lists may also answer nothing.
func testBadText(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	ctx := t.Context()
	mustTenants(t, s)
	tok := mustToken(t, s, newToken(tenantA, tokID(1)))
	mustUser(t, s, tenantA, "usr-0001", "alice")

	for name, bad := range badTexts {
		t.Run(name, func(t *testing.T) {
			one := map[string]func() error{
				"TokenByID": func() error { _, err := s.TokenByID(ctx, tenantA, bad); return err },
				"TokenByID in a bad tenant": func() error {
					_, err := s.TokenByID(ctx, bad, tok.ID)
					return err
				},
				"UserByID":         func() error { _, err := s.UserByID(ctx, tenantA, bad); return err },
				"UserByUsername":   func() error { _, err := s.UserByUsername(ctx, tenantA, bad); return err },
				"TenantByID":       func() error { _, err := s.TenantByID(ctx, bad); return err },
				"TenantByName":     func() error { _, err := s.TenantByName(ctx, bad); return err },
				"ProjectByID":      func() error { _, err := s.ProjectByID(ctx, tenantA, bad); return err },
				"ProjectByName":    func() error { _, err := s.ProjectByName(ctx, tenantA, bad); return err },
				"ApplicationByID":  func() error { _, err := s.ApplicationByID(ctx, tenantA, bad); return err },
				"WebhookByID":      func() error { _, err := s.WebhookByID(ctx, tenantA, bad); return err },
				"TokenUsage":       func() error { _, err := s.TokenUsage(ctx, tenantA, bad, tokenmint.Page{}); return err },
				"BlockedIPs":       func() error { _, err := s.BlockedIPs(ctx, tenantA, bad); return err },
				"DeleteToken":      func() error { return s.DeleteToken(ctx, tenantA, bad) },
				"DeleteMembership": func() error { return s.DeleteMembership(ctx, tenantA, bad, "usr-0001") },
				"UpdateToken": func() error {
					upd := *tok
					upd.ID = bad
					return s.UpdateToken(ctx, &upd)
				},
			}
			for op, call := range one {
				err := call()
				switch tokenmint.ErrorCode(err) {
				case tokenmint.ENOTFOUND, tokenmint.EINVALID:
					assertCode(t, err, tokenmint.ErrorCode(err)) // and its message leaks nothing
				default:
					t.Errorf("%s(%q) = %v; want ENOTFOUND or EINVALID", op, bad, err)
				}
			}

			lists := map[string]func() (int, error){
				"ListAudit": func() (int, error) {
					es, err := s.ListAudit(ctx, tokenmint.AuditFilter{TenantID: tenantA, Action: bad})
					return len(es), err
				},
				"ListAudit by object": func() (int, error) {
					es, err := s.ListAudit(ctx, tokenmint.AuditFilter{TenantID: tenantA, ObjectID: bad})
					return len(es), err
				},
				"ListTokens": func() (int, error) {
					ts, err := s.ListTokens(ctx, tokenmint.TokenFilter{TenantID: tenantA, OwnerID: bad, Now: t0})
					return len(ts), err
				},
				"ListDeliveries": func() (int, error) {
					ds, err := s.ListDeliveries(ctx, tokenmint.DeliveryFilter{TenantID: tenantA, WebhookID: bad})
					return len(ds), err
				},
				"ListUsers": func() (int, error) {
					us, err := s.ListUsers(ctx, bad, tokenmint.Page{})
					return len(us), err
				},
				"ListMemberships": func() (int, error) {
					ms, err := s.ListMemberships(ctx, tokenmint.MembershipFilter{TenantID: tenantA, UserID: bad})
					return len(ms), err
				},
			}
			for op, call := range lists {
				n, err := call()
				switch tokenmint.ErrorCode(err) {
				case "":
					if n != 0 {
						t.Errorf("%s(%q) found %d rows", op, bad, n)
					}
				case tokenmint.ENOTFOUND, tokenmint.EINVALID:
					assertCode(t, err, tokenmint.ErrorCode(err))
				default:
					t.Errorf("%s(%q) = %v; want no rows, ENOTFOUND or EINVALID", op, bad, err)
				}
			}
		})
	}
	// The store still works afterwards (no broken connection or
	// transaction was left behind).
	assertToken(t, mustTokenByID(t, s, tenantA, tok.ID), tok)
}
