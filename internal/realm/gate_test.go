package realm

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/passhash"
)

// busyRealm records how many checks run at once.
type busyRealm struct {
	now, peak atomic.Int64
}

func (b *busyRealm) Ref() Ref { return DefaultNativeRef }

func (b *busyRealm) Authenticate(context.Context, string, string) (Principal, Outcome, error) {
	n := b.now.Add(1)
	for {
		p := b.peak.Load()
		if n <= p || b.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(20 * time.Millisecond) // a slow hash
	b.now.Add(-1)
	return Principal{}, Continue, nil
}

// TestGateCapsSlowChecks: 8 concurrent wrong passwords (distinct, so no
// cache or flight can merge them) run their slow checks at most 2 at once.
func TestGateCapsSlowChecks(t *testing.T) {
	h, _ := passhash.ResolveCache("ssha256")
	inner := &busyRealm{}
	c := NewCached(inner, authcache.Config{TTL: time.Hour, MaxUsers: 100, Hasher: h}, NewGate(2, 0))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Authenticate(context.Background(), "joe", string(rune('a'+i))+"-wrong")
		}()
	}
	wg.Wait()
	if p := inner.peak.Load(); p != 2 {
		t.Errorf("peak concurrent slow checks = %d, want 2", p)
	}
}

// TestGateHonoursCancellation: a caller waiting for a slot gives up with
// its context.
func TestGateHonoursCancellation(t *testing.T) {
	g := NewGate(1, 0)
	release := make(chan struct{})
	go g.Do(context.Background(), "u", func() { <-release })
	time.Sleep(10 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ran := false
	if err := g.Do(ctx, "u", func() { ran = true }); err == nil || ran {
		t.Errorf("waiting caller: err=%v ran=%v", err, ran)
	}
	close(release)
	if err := (*Gate)(nil).Do(context.Background(), "u", func() { ran = true }); err != nil || !ran {
		t.Error("a nil gate must let everything through")
	}
	if n := NewGate(0, 0).slots; n < 1 {
		t.Errorf("default gate size %d", n)
	}
}
