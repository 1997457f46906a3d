package service_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
	"tokenmint/sqlite"
)

// sessionReads counts the store's session reads.
type sessionReads struct {
	tokenmint.Store
	n atomic.Int64
}

func (s *sessionReads) SessionByHash(ctx context.Context, hash []byte) (*tokenmint.Session, error) {
	s.n.Add(1)
	return s.Store.SessionByHash(ctx, hash)
}

// A busy session is read from the store once, not per request; its end
// through the service (logout, the end of a user's sessions) is refused at
// once; an end the service did not make (the operator's set-password on
// the SQLite file) is refused within a second, the longest a cached
// session is trusted.
func TestCachedSessionEndsAtOnceOrWithinASecond(t *testing.T) {
	var reads *sessionReads
	svc, ctx, db, clock := newServiceWith(t,
		func(db *sqlite.DB) tokenmint.Store { reads = &sessionReads{Store: db}; return reads },
		func(c *service.Config) { c.CacheTrust = service.TrustSoleWriter })
	if _, err := svc.CreateUser(ctx, service.CreateUserInput{Username: "bob", Password: "bob-password-1", Roles: []string{"member"}}); err != nil {
		t.Fatal(err)
	}
	login := func() string {
		t.Helper()
		res, err := svc.Login(context.Background(), "", "bob", "bob-password-1")
		if err != nil {
			t.Fatal(err)
		}
		return res.Cookie
	}
	use := func(cookie string) error {
		_, _, err := svc.SessionPrincipal(context.Background(), cookie)
		return err
	}
	refused := func(what, cookie string) {
		t.Helper()
		if err := use(cookie); tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
			t.Fatalf("%s: %v, want EUNAUTHORIZED", what, err)
		}
	}

	cookie := login()
	before := reads.n.Load()
	for range 10 {
		if err := use(cookie); err != nil {
			t.Fatal(err)
		}
	}
	if n := reads.n.Load() - before; n != 1 {
		t.Errorf("10 uses of a session read it %d times, want once", n)
	}

	// Ended behind the service's back: trusted for under a second more.
	hash := testConfig(nil, nil).Hasher.Hash(cookie) // the service's own hasher
	if err := db.DeleteSession(context.Background(), hash); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	refused("a session deleted in the store, a second later", cookie)

	// Logout: at once, no clock moved.
	cookie = login()
	if err := use(cookie); err != nil {
		t.Fatal(err)
	}
	if err := svc.Logout(context.Background(), cookie); err != nil {
		t.Fatal(err)
	}
	refused("a session logged out", cookie)

	// A password change ends every session of the user, at once.
	first, second := login(), login()
	for _, c := range []string{first, second} {
		if err := use(c); err != nil {
			t.Fatal(err)
		}
	}
	pw := "bob-password-2"
	if _, err := svc.UpdateUser(ctx, "bob", service.UpdateUserInput{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	refused("the first session after a password change", first)
	refused("the second session after a password change", second)
}
