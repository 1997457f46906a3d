package sdk_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"tokenmint/sdk"
)

// A cached JWT is answered from the cache up to the last instant before
// its exp and refused from exp on, in both modes; the entry leaves the
// cache then.
func TestJWTCacheAnswersUntilExactlyExp(t *testing.T) {
	for _, offline := range []bool{true, false} {
		t.Run(fmt.Sprintf("OfflineJWT=%v", offline), func(t *testing.T) {
			f := newFakeTokenmint(t)
			signer := f.addKey(t, "k1")
			now := start
			// CacheTTL past exp: nothing but exp ends the server's answer.
			v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: offline, CacheTTL: 2 * time.Hour,
				Now: func() time.Time { return now }})
			ctx := context.Background()
			tok := sign(t, signer, claims(start, "api:read")) // exp = start+1h
			first, err := v.Verify(ctx, tok, "api:read", "")
			if err != nil {
				t.Fatal(err)
			}
			if !sdk.IsJWTCached(v, tok) {
				t.Fatal("a verified JWT was not cached")
			}
			now = start.Add(time.Hour - time.Nanosecond)
			again, err := v.Verify(ctx, tok, "api:read", "")
			if err != nil {
				t.Fatalf("a nanosecond before exp: %v", err)
			}
			if again != first {
				t.Error("a nanosecond before exp the answer did not come from the cache")
			}
			if !sdk.IsJWTCached(v, tok) {
				t.Fatal("the entry left the cache before exp")
			}
			now = start.Add(time.Hour)
			if _, err := v.Verify(ctx, tok, "api:read", ""); refusal(t, err) != 401 {
				t.Errorf("at exp: %v, want 401", err)
			}
			if sdk.IsJWTCached(v, tok) {
				t.Error("the entry stayed cached past exp")
			}
			if n, want := f.verifyCalls.Load(), map[bool]int32{true: 0, false: 1}[offline]; n != want {
				t.Errorf("the server was asked %d times, want %d", n, want)
			}
		})
	}
}

// A clock stepped back before a cached token's nbf (less the leeway)
// refuses it, as it would an uncached one.
func TestJWTCacheHonoursNotBefore(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addKey(t, "k1")
	now := start
	v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: true, Now: func() time.Time { return now }})
	ctx := context.Background()
	tok := sign(t, signer, claims(start, "api:read")) // nbf = iat = start, leeway 1 min
	if _, err := v.Verify(ctx, tok, "", ""); err != nil {
		t.Fatal(err)
	}
	now = start.Add(-sdk.DefaultLeeway - time.Nanosecond)
	if _, err := v.Verify(ctx, tok, "", ""); refusal(t, err) != 401 {
		t.Errorf("before nbf less the leeway: %v, want 401", err)
	}
	now = start.Add(-sdk.DefaultLeeway)
	if _, err := v.Verify(ctx, tok, "", ""); err != nil {
		t.Errorf("at nbf less the leeway: %v", err)
	}
}

// A cached JWT is refused once a JWKS fetch no longer publishes the key
// that signed it: at the next fetch, whatever caused it, and at most
// JWKSMaxAge after the withdrawal when only cached tokens are presented.
func TestCachedJWTRefusedOnceItsKeyLeavesTheJWKS(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*fakeTokenmint, *sdk.Verifier, *time.Time, string) {
		f := newFakeTokenmint(t)
		old := f.addKey(t, "k1")
		now := new(time.Time)
		*now = start
		v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: true, Now: func() time.Time { return *now }})
		tok := sign(t, old, claims(start, "api:read"))
		if _, err := v.Verify(ctx, tok, "", ""); err != nil || !sdk.IsJWTCached(v, tok) {
			t.Fatalf("first verification: %v, cached %v", err, sdk.IsJWTCached(v, tok))
		}
		return f, v, now, tok
	}

	t.Run("a fetch for a new kid drops it at once", func(t *testing.T) {
		f, v, now, tok := setup(t)
		f.withdraw("k1")
		fresh := sign(t, f.addKey(t, "k2"), claims(start, "api:read"))
		*now = now.Add(2 * time.Second) // past JWKSRefreshInterval, far before JWKSMaxAge
		if _, err := v.Verify(ctx, fresh, "", ""); err != nil {
			t.Fatalf("token of the new key: %v", err)
		}
		if _, err := v.Verify(ctx, tok, "", ""); refusal(t, err) != 401 {
			t.Errorf("cached token of the withdrawn key: %v, want 401", err)
		}
		if sdk.IsJWTCached(v, tok) {
			t.Error("the entry of the withdrawn key stayed cached")
		}
	})

	t.Run("cached tokens alone refetch the JWKS at JWKSMaxAge", func(t *testing.T) {
		f, v, now, tok := setup(t)
		f.withdraw("k1")
		*now = start.Add(sdk.DefaultJWKSMaxAge - time.Second)
		if _, err := v.Verify(ctx, tok, "", ""); err != nil {
			t.Errorf("before JWKSMaxAge the keys fetched are trusted: %v", err)
		}
		*now = start.Add(sdk.DefaultJWKSMaxAge)
		if _, err := v.Verify(ctx, tok, "", ""); refusal(t, err) != 401 {
			t.Errorf("at JWKSMaxAge: %v, want 401", err)
		}
		if n := f.jwksCalls.Load(); n != 2 {
			t.Errorf("%d JWKS fetches, want 2", n)
		}
	})

	t.Run("other material under the same kid", func(t *testing.T) {
		f, v, now, tok := setup(t)
		f.withdraw("k1")
		replacement := f.addKey(t, "k1")
		*now = start.Add(sdk.DefaultJWKSMaxAge)
		if _, err := v.Verify(ctx, tok, "", ""); refusal(t, err) != 401 {
			t.Errorf("token of the replaced key: %v, want 401", err)
		}
		c := claims(start, "api:read")
		c["jti"] = "j2"
		if _, err := v.Verify(ctx, sign(t, replacement, c), "", ""); err != nil {
			t.Errorf("token of the replacement: %v", err)
		}
	})

	t.Run("a key published again stays the same key", func(t *testing.T) {
		f, v, now, tok := setup(t)
		*now = start.Add(sdk.DefaultJWKSMaxAge)
		first, err := v.Verify(ctx, tok, "", "") // refetches: k1 unchanged
		if err != nil {
			t.Fatal(err)
		}
		again, err := v.Verify(ctx, tok, "", "")
		if err != nil || again != first || f.jwksCalls.Load() != 2 {
			t.Errorf("after a refetch that kept the key: %v, from the cache %v, %d fetches", err, again == first, f.jwksCalls.Load())
		}
	})
}

// The cache never holds more than JWTCacheSize tokens, however many are
// verified, and the one verified last is in it.
func TestJWTCacheBound(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addKey(t, "k1")
	ctx := context.Background()
	for _, size := range []int{1, 100} {
		v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: true, JWTCacheSize: size,
			Now: func() time.Time { return start }})
		var tok string
		for i := range 10 * size {
			c := claims(start, "api:read")
			c["jti"] = fmt.Sprintf("j%d", i)
			tok = sign(t, signer, c)
			if id, err := v.Verify(ctx, tok, "", ""); err != nil || id.TokenID != c["jti"] {
				t.Fatalf("token %d: %+v, %v", i, id, err)
			}
			if n := sdk.CachedJWTs(v); n > size {
				t.Fatalf("size %d: %d entries after %d tokens", size, n, i+1)
			}
		}
		if !sdk.IsJWTCached(v, tok) {
			t.Errorf("size %d: the last token is not cached", size)
		}
		if n := sdk.CachedJWTs(v); n < size*9/10 {
			t.Errorf("size %d: only %d entries after %d tokens", size, n, 10*size)
		}
	}
	off := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: true, JWTCacheSize: -1,
		Now: func() time.Time { return start }})
	tok := sign(t, signer, claims(start, "api:read"))
	a, errA := off.Verify(ctx, tok, "", "")
	b, errB := off.Verify(ctx, tok, "", "")
	if errA != nil || errB != nil || a == b || sdk.CachedJWTs(off) != 0 {
		t.Errorf("JWTCacheSize -1: %v, %v, shared answer %v, %d cached", errA, errB, a == b, sdk.CachedJWTs(off))
	}
}

// Eviction spares a token in use: one presented between every two new
// tokens outlives many times the cache's size of them (first in, first
// out would have dropped it).
func TestJWTCacheEvictionKeepsTokensInUse(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addKey(t, "k1")
	ctx := context.Background()
	v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: true, JWTCacheSize: 256,
		Now: func() time.Time { return start }})
	hot := sign(t, signer, claims(start, "api:read"))
	for i := range 1500 {
		c := claims(start, "api:read")
		c["jti"] = fmt.Sprintf("j%d", i+2)
		if _, err := v.Verify(ctx, sign(t, signer, c), "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(ctx, hot, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	if !sdk.IsJWTCached(v, hot) {
		t.Error("the token in use was evicted")
	}
}

// Many goroutines verifying tokens through a cache far smaller than the
// set of tokens, with the clock moving and the server's answers expiring,
// each get the identity of the token they presented (run with -race).
// Then the key is withdrawn, and every token is refused, cached or not.
func TestJWTCacheConcurrent(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addKey(t, "k1")
	var mu sync.Mutex
	now := start
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", JWTCacheSize: 8, Now: clock})
	ctx := context.Background()
	const n = 32
	toks := make([]string, n)
	for i := range toks {
		scope := "api:read"
		if i%2 == 0 {
			scope += " api:write"
		}
		c := claims(start, scope)
		c["jti"] = fmt.Sprintf("j%d", i)
		toks[i] = sign(t, signer, c)
	}
	f.revoke("j5")
	// want is the status of token i asked for perm.
	want := func(i int, perm string) int {
		switch {
		case i == 5:
			return 401
		case perm == "api:write" && i%2 == 1:
			return 403
		}
		return 200
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for k := range 200 {
				i := (g*7 + k*13) % n
				perm := []string{"api:read", "api:write", ""}[k%3]
				id, err := v.Verify(ctx, toks[i], perm, "")
				if got := refusal(t, err); got != want(i, perm) {
					t.Errorf("token %d, %q: %v, want %d", i, perm, err, want(i, perm))
				} else if err == nil && id.TokenID != fmt.Sprintf("j%d", i) {
					t.Errorf("token %d answered with the identity of %s", i, id.TokenID)
				}
				if g == 0 && k%20 == 0 {
					mu.Lock()
					now = now.Add(time.Second) // the server's answers expire (CacheTTL 5 s)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if c := sdk.CachedJWTs(v); c > 8 {
		t.Errorf("%d entries, bound 8", c)
	}

	f.withdraw("k1")
	mu.Lock()
	now = now.Add(sdk.DefaultJWKSMaxAge)
	mu.Unlock()
	// The first request refetches the JWKS; requests that come while that
	// fetch runs still use the key held (jwksCache.key), so this one goes
	// alone.
	if _, err := v.Verify(ctx, toks[0], "", ""); refusal(t, err) != 401 {
		t.Errorf("token 0 after its key left the JWKS: %v", err)
	}
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < n; i += 4 {
				if _, err := v.Verify(ctx, toks[i], "", ""); refusal(t, err) != 401 {
					t.Errorf("token %d after its key left the JWKS: %v", i, err)
				}
			}
		})
	}
	wg.Wait()
}
