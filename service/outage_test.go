package service_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
	"tokenmint/sqlite"
)

// failingStore fails the named reads as an unreachable database does.
type failingStore struct {
	tokenmint.Store
	mu   sync.Mutex
	fail string // the method that fails, "" none
}

var errUnreachable = tokenmint.Errorf(tokenmint.EUNAVAILABLE, "database unavailable")

func (f *failingStore) failing(method string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fail == method
}

func (f *failingStore) set(method string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = method
}

func (f *failingStore) UserByID(ctx context.Context, tenantID, id string) (*tokenmint.User, error) {
	if f.failing("UserByID") {
		return nil, errUnreachable
	}
	return f.Store.UserByID(ctx, tenantID, id)
}

func (f *failingStore) UserByUsername(ctx context.Context, tenantID, name string) (*tokenmint.User, error) {
	if f.failing("UserByUsername") {
		return nil, errUnreachable
	}
	return f.Store.UserByUsername(ctx, tenantID, name)
}

func (f *failingStore) ListMemberships(ctx context.Context, filter tokenmint.MembershipFilter) ([]*tokenmint.Membership, error) {
	if f.failing("ListMemberships") {
		return nil, errUnreachable
	}
	return f.Store.ListMemberships(ctx, filter)
}

func (f *failingStore) SessionByHash(ctx context.Context, hash []byte) (*tokenmint.Session, error) {
	if f.failing("SessionByHash") {
		return nil, errUnreachable
	}
	return f.Store.SessionByHash(ctx, hash)
}

func (f *failingStore) TokenBySecret(ctx context.Context, hash []byte) (*tokenmint.Token, *time.Time, error) {
	if f.failing("TokenBySecret") {
		return nil, nil, errUnreachable
	}
	return f.Store.TokenBySecret(ctx, hash)
}

// RateLimitOf is read on the verify path (a token's own limit when it is
// cached, its owner's once per owner).
func (f *failingStore) RateLimitOf(ctx context.Context, sub tokenmint.RateLimitSubject) (*tokenmint.StoredRateLimit, error) {
	if f.failing("RateLimitOf") {
		return nil, errUnreachable
	}
	return f.Store.RateLimitOf(ctx, sub)
}

func (f *failingStore) TenantByName(ctx context.Context, name string) (*tokenmint.Tenant, error) {
	if f.failing("TenantByName") {
		return nil, errUnreachable
	}
	return f.Store.TenantByName(ctx, name)
}

func (f *failingStore) PolicyByTenant(ctx context.Context, tenantID string) (tokenmint.Policy, error) {
	if f.failing("PolicyByTenant") {
		return tokenmint.Policy{}, errUnreachable
	}
	return f.Store.PolicyByTenant(ctx, tenantID)
}

func (f *failingStore) ProjectByID(ctx context.Context, tenantID, id string) (*tokenmint.Project, error) {
	if f.failing("ProjectByID") {
		return nil, errUnreachable
	}
	return f.Store.ProjectByID(ctx, tenantID, id)
}

// An outage is never reported as a bad credential: whichever read fails on
// the way to authenticating a token, a session or a password, the answer
// is EUNAVAILABLE (503), not 401, 403 or 404. CI systems drop credentials
// they are told are invalid.
// It runs without a cache (every read reaches the store) and with one
// warmed by a first call (only the reads made past the cache fail).
func TestOutageIsNeverABadCredential(t *testing.T) {
	for _, ttl := range []time.Duration{-1, time.Minute} {
		t.Run("cache "+ttl.String(), func(t *testing.T) { testOutageIsNeverABadCredential(t, ttl) })
	}
}

func testOutageIsNeverABadCredential(t *testing.T, ttl time.Duration) {
	var fs *failingStore
	svc, admin, _, _ := newServiceWith(t, func(db *sqlite.DB) tokenmint.Store {
		fs = &failingStore{Store: db}
		return fs
	}, func(cfg *service.Config) { cfg.CacheTTL = ttl })
	ctx := context.Background()
	pr, err := svc.CreateProject(admin, "p1", "")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := svc.CreateToken(admin, service.CreateTokenInput{Type: "CIToken", Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	scoped, err := svc.CreateToken(admin, service.CreateTokenInput{Type: "ProjectAnalysisToken", Name: "p", Project: pr.ID})
	if err != nil {
		t.Fatal(err)
	}
	login, err := svc.Login(ctx, "", "admin", "test-admin-password")
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"TokenPrincipal": func() error { _, _, err := svc.TokenPrincipal(ctx, tok.Plain, true); return err },
		"Verify": func() error {
			_, err := svc.Verify(ctx, service.VerifyRequest{Token: tok.Plain, Permission: "results:upload"})
			return err
		},
		"Verify scoped": func() error {
			_, err := svc.Verify(ctx, service.VerifyRequest{Token: scoped.Plain, Project: "p1"})
			return err
		},
		"SessionPrincipal": func() error { _, _, err := svc.SessionPrincipal(ctx, login.Cookie); return err },
		"Login":            func() error { _, err := svc.Login(ctx, "", "admin", "test-admin-password"); return err },
	}
	for _, method := range []string{"UserByID", "UserByUsername", "ListMemberships", "SessionByHash", "TokenBySecret", "TenantByName", "PolicyByTenant", "ProjectByID", "RateLimitOf"} {
		for name, call := range calls {
			if err := call(); err != nil { // warms the cache, if any
				t.Fatalf("%s before the outage: %v", name, err)
			}
			fs.set(method)
			err := call()
			fs.set("")
			switch code := tokenmint.ErrorCode(err); code {
			case "":
				// The call does not read this method: nothing to judge.
			case tokenmint.EUNAVAILABLE:
			default:
				t.Errorf("%s with %s failing: %s (%v), want %s", name, method, code, err, tokenmint.EUNAVAILABLE)
			}
		}
	}
	// Every call works again once the store is back.
	for name, call := range calls {
		if err := call(); err != nil {
			t.Errorf("%s after the outage: %v", name, err)
		}
	}
}
