package authcache

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/passhash"
)

const (
	testTTL = 20 * time.Minute
	// waitLimit bounds every wait for goroutines to reach a blocking point.
	waitLimit = 10 * time.Second
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func mustHasher(tb testing.TB, name string) passhash.Hasher {
	tb.Helper()
	h, err := passhash.ResolveCache(name)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// newTestCache returns a ssha256 cache on a fake clock.
func newTestCache(tb testing.TB, maxUsers int) (*Cache[string], *fakeClock) {
	tb.Helper()
	clock := newFakeClock()
	c := New[string](Config{TTL: testTTL, MaxUsers: maxUsers, Hasher: mustHasher(tb, "ssha256"), Now: clock.Now})
	return c, clock
}

// loader hands out load functions that count their calls; a load succeeds
// when the password is the user's in passwords.
type loader struct {
	mu        sync.Mutex
	passwords map[string]string
	calls     int
}

func newLoader(passwords map[string]string) *loader {
	return &loader{passwords: passwords}
}

func (l *loader) setPassword(user, password string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.passwords[user] = password
}

func (l *loader) load(user, password string) func(context.Context) (string, bool, error) {
	return func(context.Context) (string, bool, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.calls++
		if want, ok := l.passwords[user]; ok && want == password {
			return "value-" + user, true, nil
		}
		return "", false, nil
	}
}

func (l *loader) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls
}

// waitFor polls cond until it holds, failing the test after waitLimit.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// waiters is the number of callers waiting on loads in flight.
func (c *Cache[V]) waiters() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for _, f := range s.flights {
			n += f.waiters
		}
		s.mu.Unlock()
	}
	return n
}

// flightCount is the number of loads that later calls could still join.
func (c *Cache[V]) flightCount() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.flights)
		s.mu.Unlock()
	}
	return n
}

// order lists the cached usernames shard by shard, oldest write first.
func (c *Cache[V]) order() []string {
	var users []string
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		for e := s.fifo.next; e != &s.fifo; e = e.next {
			users = append(users, e.user)
		}
		s.mu.RUnlock()
	}
	return users
}

// checkInvariants verifies that each shard's map and list agree and that
// no shard holds more than its share of MaxUsers.
func (c *Cache[V]) checkInvariants(tb testing.TB) {
	tb.Helper()
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		var listed []string
		for e := s.fifo.next; e != &s.fifo; e = e.next {
			if s.entries[e.user] != e {
				tb.Errorf("shard %d: listed entry %q is not the mapped one", i, e.user)
			}
			listed = append(listed, e.user)
		}
		if len(listed) != len(s.entries) {
			tb.Errorf("shard %d: %d entries listed, %d mapped", i, len(listed), len(s.entries))
		}
		if len(s.entries) > s.capacity {
			tb.Errorf("shard %d: %d entries, capacity %d", i, len(s.entries), s.capacity)
		}
		s.mu.RUnlock()
	}
}
