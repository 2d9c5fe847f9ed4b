package realm

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/user"
)

// slowRealm stands for a realm whose check is a slow hash: it counts the
// checks and can hold them until released.
type slowRealm struct {
	calls    atomic.Int64
	password string
	enabled  bool
	gate     chan struct{} // when set, each check waits for it to close
}

func (s *slowRealm) Ref() Ref { return DefaultNativeRef }

func (s *slowRealm) Authenticate(ctx context.Context, username, password string) (Principal, Outcome, error) {
	s.calls.Add(1)
	if s.gate != nil {
		<-s.gate
	}
	if password != s.password {
		return Principal{}, Continue, nil
	}
	return Principal{User: user.User{Username: username, Enabled: s.enabled}, Realm: DefaultNativeRef}, Success, nil
}

func cachedRealm(t *testing.T, inner Realm) *Cached {
	t.Helper()
	h, err := passhash.ResolveCache("ssha256")
	if err != nil {
		t.Fatal(err)
	}
	return NewCached(inner, authcache.Config{TTL: time.Hour, MaxUsers: 100, Hasher: h}, nil)
}

func TestCachedHitsSkipTheRealm(t *testing.T) {
	inner := &slowRealm{password: "right-pw", enabled: true}
	c := cachedRealm(t, inner)
	ctx := context.Background()
	chain := Chain{Realms: []Realm{c}}
	for i := range 10 {
		if _, ok, err := chain.Authenticate(ctx, "joe", "right-pw"); !ok || err != nil {
			t.Fatalf("request %d: ok=%v err=%v", i, ok, err)
		}
	}
	if n := inner.calls.Load(); n != 1 {
		t.Errorf("10 requests ran %d slow checks, want 1", n)
	}
	// A wrong password goes to the realm, fails, and leaves the entry.
	if _, ok, _ := chain.Authenticate(ctx, "joe", "wrong-pw"); ok {
		t.Error("wrong password accepted")
	}
	chain.Authenticate(ctx, "joe", "right-pw")
	if n := inner.calls.Load(); n != 2 {
		t.Errorf("slow checks = %d, want 2 (the wrong password only)", n)
	}
	// Invalidation sends the next request to the realm again.
	c.Invalidate("joe")
	chain.Authenticate(ctx, "joe", "right-pw")
	c.InvalidateAll()
	chain.Authenticate(ctx, "joe", "right-pw")
	if n := inner.calls.Load(); n != 4 {
		t.Errorf("slow checks after invalidations = %d, want 4", n)
	}
}

func TestCachedNeverKeepsDisabledUsers(t *testing.T) {
	inner := &slowRealm{password: "right-pw", enabled: false}
	chain := Chain{Realms: []Realm{cachedRealm(t, inner)}}
	for range 3 {
		if _, ok, _ := chain.Authenticate(context.Background(), "joe", "right-pw"); ok {
			t.Fatal("disabled user accepted")
		}
	}
	if n := inner.calls.Load(); n != 3 {
		t.Errorf("slow checks = %d, want 3: disabled users are not cached", n)
	}
}

func TestCachedSkipsRealmsThatDoNotOwnTheUser(t *testing.T) {
	h, _ := passhash.ResolveCache("ssha256")
	c := NewCached(NewReserved(nil, ""), authcache.Config{TTL: time.Hour, MaxUsers: 10, Hasher: h}, nil)
	// A nil store proves the reserved realm is never asked about joe.
	if _, out, err := c.Authenticate(context.Background(), "joe", "pw"); out != Unknown || err != nil {
		t.Errorf("out=%v err=%v, want Unknown", out, err)
	}
	if st := c.Stats(); st.Misses+st.Hits != 0 {
		t.Errorf("the cache was consulted: %+v", st)
	}
}

func TestCachedSingleFlight(t *testing.T) {
	inner := &slowRealm{password: "right-pw", enabled: true, gate: make(chan struct{})}
	chain := Chain{Realms: []Realm{cachedRealm(t, inner)}}
	var wg sync.WaitGroup
	var okCount atomic.Int64
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok, _ := chain.Authenticate(context.Background(), "joe", "right-pw"); ok {
				okCount.Add(1)
			}
		}()
	}
	// Let the goroutines pile up on the one check, then release it.
	deadline := time.Now().Add(5 * time.Second)
	for inner.calls.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(inner.gate)
	wg.Wait()
	if n := inner.calls.Load(); n != 1 || okCount.Load() != 100 {
		t.Errorf("100 cold requests: %d slow checks (want 1), %d succeeded (want 100)", n, okCount.Load())
	}
}

// BenchmarkChainCacheHit is an authenticated request's cost with a warm
// cache: the reserved realm passes the user by, the native realm's cache
// answers.
func BenchmarkChainCacheHit(b *testing.B) {
	h, _ := passhash.ResolveCache("ssha256")
	cfg := authcache.Config{TTL: time.Hour, MaxUsers: 100, Hasher: h}
	chain := Chain{Realms: []Realm{NewCached(NewReserved(nil, ""), cfg, nil), NewCached(&slowRealm{password: "right-pw", enabled: true}, cfg, nil)}}
	ctx := context.Background()
	chain.Authenticate(ctx, "joe", "right-pw")
	b.ReportAllocs()
	for b.Loop() {
		chain.Authenticate(ctx, "joe", "right-pw")
	}
}
