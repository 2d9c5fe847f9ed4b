package authcache

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var errBackend = errors.New("backend unavailable")

func TestHitDoesNotLoad(t *testing.T) {
	c, _ := newTestCache(t, 100)
	l := newLoader(map[string]string{"alice": "s3cret-pw"})
	for i := range 5 {
		v, ok, err := c.Authenticate(t.Context(), "alice", "s3cret-pw", l.load("alice", "s3cret-pw"))
		if v != "value-alice" || !ok || err != nil {
			t.Fatalf("call %d: got (%q, %v, %v), want (value-alice, true, nil)", i, v, ok, err)
		}
	}
	if got := l.count(); got != 1 {
		t.Errorf("load called %d times, want 1: hits must not load", got)
	}
	if diff := cmp.Diff(Stats{Hits: 4, Misses: 1, Loads: 1}, c.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

// TestGet checks the hit-only path: nothing before a load, the value after
// it, nothing for another password, a disabled cache or an expired entry.
func TestGet(t *testing.T) {
	c, clock := newTestCache(t, 100)
	if _, ok := c.Get("alice", "s3cret-pw"); ok {
		t.Fatal("Get hit before any load")
	}
	l := newLoader(map[string]string{"alice": "s3cret-pw"})
	if _, ok, _ := c.Authenticate(t.Context(), "alice", "s3cret-pw", l.load("alice", "s3cret-pw")); !ok {
		t.Fatal("load failed")
	}
	if v, ok := c.Get("alice", "s3cret-pw"); !ok || v != "value-alice" {
		t.Errorf("Get = (%q, %v), want (value-alice, true)", v, ok)
	}
	if _, ok := c.Get("alice", "wrong-pw"); ok {
		t.Error("Get hit with a wrong password")
	}
	clock.Advance(testTTL + time.Second)
	if _, ok := c.Get("alice", "s3cret-pw"); ok {
		t.Error("Get hit an expired entry")
	}
	off := New[string](Config{TTL: 0, MaxUsers: 100, Hasher: mustHasher(t, "ssha256")})
	if _, ok := off.Get("alice", "s3cret-pw"); ok {
		t.Error("a disabled cache hit")
	}
}

// Get then Load counts one miss and one load, as Authenticate does, and
// Load caches what it loaded.
func TestGetThenLoad(t *testing.T) {
	c, _ := newTestCache(t, 100)
	l := newLoader(map[string]string{"alice": "s3cret-pw"})
	if _, ok := c.Get("alice", "s3cret-pw"); ok {
		t.Fatal("hit before any load")
	}
	if v, ok, _, err := c.Load(t.Context(), "alice", "s3cret-pw", l.load("alice", "s3cret-pw")); v != "value-alice" || !ok || err != nil {
		t.Fatalf("Load = (%q, %v, %v)", v, ok, err)
	}
	if _, ok := c.Get("alice", "s3cret-pw"); !ok {
		t.Error("Load did not cache")
	}
	if diff := cmp.Diff(Stats{Hits: 1, Misses: 1, Loads: 1}, c.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

// TestHashAlgorithms checks hits and misses with several cache.hash_algo
// values, including the zero Hasher, which must mean ssha256.
func TestHashAlgorithms(t *testing.T) {
	for _, tc := range []struct {
		name, algo string
		wantPrefix string
	}{
		{"zero Hasher", "", "{SSHA256}"},
		{"ssha256", "ssha256", "{SSHA256}"},
		{"sha1", "sha1", "{SHA}"},
		{"bcrypt4", "bcrypt4", "$2a$04$"},
		{"pbkdf2_1000", "pbkdf2_1000", "{PBKDF2}1000$"},
		{"noop", "noop", "pw-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{TTL: testTTL, MaxUsers: 10, Now: newFakeClock().Now}
			if tc.algo != "" {
				cfg.Hasher = mustHasher(t, tc.algo)
			}
			c := New[string](cfg)
			l := newLoader(map[string]string{"alice": "pw-1"})
			for _, pw := range []string{"pw-1", "pw-1", "pw-2", "pw-1"} {
				_, _, _ = c.Authenticate(t.Context(), "alice", pw, l.load("alice", pw))
			}
			if got := l.count(); got != 2 {
				t.Errorf("load called %d times, want 2 (first login, wrong password)", got)
			}
			s := c.shard("alice")
			s.mu.RLock()
			hash := s.entries["alice"].hash
			s.mu.RUnlock()
			if !strings.HasPrefix(hash, tc.wantPrefix) {
				t.Errorf("cached hash has the wrong algorithm, want prefix %q", tc.wantPrefix)
			}
		})
	}
}

// TestPasswordChanges runs sequences of calls for one cached user, each with
// a load that answers as the step says.
func TestPasswordChanges(t *testing.T) {
	type outcome int
	const (
		succeed outcome = iota
		fail
		failErr
		okWithErr // ok=true and an error: an error wins
		failDetail
	)
	type step struct {
		password string
		load     outcome
	}
	type result struct {
		Value  string
		OK     bool
		Err    error
		Loaded bool
	}
	for _, tc := range []struct {
		name  string
		steps []step
		want  []result
	}{
		{
			name:  "same password hits",
			steps: []step{{"old", succeed}, {"old", fail}},
			want:  []result{{"v-old", true, nil, true}, {"v-old", true, nil, false}},
		},
		{
			name:  "new password loads and replaces the entry",
			steps: []step{{"old", succeed}, {"new", succeed}, {"new", fail}, {"old", fail}},
			want: []result{
				{"v-old", true, nil, true}, {"v-new", true, nil, true},
				{"v-new", true, nil, false}, {"", false, nil, true},
			},
		},
		{
			name:  "wrong password keeps the entry",
			steps: []step{{"old", succeed}, {"wrong", fail}, {"old", fail}},
			want:  []result{{"v-old", true, nil, true}, {"", false, nil, true}, {"v-old", true, nil, false}},
		},
		{
			name:  "load error keeps the entry",
			steps: []step{{"old", succeed}, {"new", failErr}, {"old", fail}},
			want:  []result{{"v-old", true, nil, true}, {"", false, errBackend, true}, {"v-old", true, nil, false}},
		},
		{
			name:  "failures are not cached",
			steps: []step{{"old", fail}, {"old", fail}, {"old", succeed}},
			want:  []result{{"", false, nil, true}, {"", false, nil, true}, {"v-old", true, nil, true}},
		},
		{
			name:  "a failure's value is passed back, not cached",
			steps: []step{{"old", failDetail}, {"old", failDetail}},
			want:  []result{{"why-old", false, nil, true}, {"why-old", false, nil, true}},
		},
		{
			name:  "errors are not cached",
			steps: []step{{"old", failErr}, {"old", failErr}},
			want:  []result{{"", false, errBackend, true}, {"", false, errBackend, true}},
		},
		{
			name:  "ok with an error is a failure",
			steps: []step{{"old", okWithErr}, {"old", succeed}, {"old", fail}},
			want:  []result{{"v-old", false, errBackend, true}, {"v-old", true, nil, true}, {"v-old", true, nil, false}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCache(t, 10)
			var got []result
			for _, st := range tc.steps {
				loaded := false
				v, ok, err := c.Authenticate(t.Context(), "alice", st.password, func(context.Context) (string, bool, error) {
					loaded = true
					switch st.load {
					case succeed:
						return "v-" + st.password, true, nil
					case failErr:
						return "", false, errBackend
					case okWithErr:
						return "v-" + st.password, true, errBackend
					case failDetail:
						return "why-" + st.password, false, nil
					}
					return "", false, nil
				})
				got = append(got, result{v, ok, err, loaded})
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWrongPasswordFloodKeepsEntry(t *testing.T) {
	c, _ := newTestCache(t, 10)
	l := newLoader(map[string]string{"alice": "right"})
	if _, ok, _ := c.Authenticate(t.Context(), "alice", "right", l.load("alice", "right")); !ok {
		t.Fatal("first login failed")
	}
	for i := range 1000 {
		pw := fmt.Sprintf("guess-%d", i)
		if _, ok, _ := c.Authenticate(t.Context(), "alice", pw, l.load("alice", pw)); ok {
			t.Fatalf("wrong password %q accepted", pw)
		}
	}
	before := l.count()
	if _, ok, _ := c.Authenticate(t.Context(), "alice", "right", l.load("alice", "right")); !ok {
		t.Fatal("right password rejected after the flood")
	}
	if l.count() != before {
		t.Error("right password loaded again: the flood evicted the entry")
	}
}

func TestSingleflight(t *testing.T) {
	const n = 100
	c, _ := newTestCache(t, 10)
	release := make(chan struct{})
	var calls atomic.Int64
	load := func(context.Context) (string, bool, error) {
		calls.Add(1)
		select {
		case <-release:
			return "value-alice", true, nil
		case <-time.After(waitLimit):
			return "", false, errors.New("never released")
		}
	}
	type result struct {
		V   string
		OK  bool
		Err error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, ok, err := c.Authenticate(t.Context(), "alice", "pw", load)
			results[i] = result{v, ok, err}
		})
	}
	waitFor(t, "100 callers waiting on the load", func() bool { return c.waiters() == n })
	close(release)
	wg.Wait()

	if got := calls.Load(); got != 1 {
		t.Errorf("load called %d times, want 1", got)
	}
	want := make([]result, n)
	for i := range want {
		want[i] = result{"value-alice", true, nil}
	}
	if diff := cmp.Diff(want, results, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Stats{Misses: n, Loads: 1}, c.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	if got := c.flightCount(); got != 0 {
		t.Errorf("%d flights left, want 0", got)
	}
}

// TestFlightKeys runs two concurrent cold calls and counts their loads.
func TestFlightKeys(t *testing.T) {
	type login struct{ user, password string }
	for _, tc := range []struct {
		name      string
		a, b      login
		wantLoads int64
	}{
		{"same user and password share", login{"alice", "pw"}, login{"alice", "pw"}, 1},
		{"different passwords do not", login{"alice", "pw"}, login{"alice", "other"}, 2},
		{"different users do not", login{"alice", "pw"}, login{"bob", "pw"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCache(t, 10)
			release := make(chan struct{})
			var calls atomic.Int64
			load := func(context.Context) (string, bool, error) {
				calls.Add(1)
				<-release
				return "v", true, nil
			}
			var wg sync.WaitGroup
			for _, in := range []login{tc.a, tc.b} {
				wg.Go(func() { _, _, _ = c.Authenticate(t.Context(), in.user, in.password, load) })
			}
			waitFor(t, "both callers waiting", func() bool { return c.waiters() == 2 && calls.Load() == tc.wantLoads })
			close(release)
			wg.Wait()
			if got := calls.Load(); got != tc.wantLoads {
				t.Errorf("load called %d times, want %d", got, tc.wantLoads)
			}
		})
	}
}

// TestFlightKeyHidesPassword looks at the key of a load in flight: the
// username is the caller's, sliced out of the decoded "user:password" as
// the HTTP layer does, yet the key shares no memory with it, and the
// password is there only as a keyed digest.
func TestFlightKeyHidesPassword(t *testing.T) {
	c, _ := newTestCache(t, 10)
	const password = "correct horse battery staple"
	decoded := strings.Clone("alice:" + password)
	username, pw, _ := strings.Cut(decoded, ":")
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _, _ = c.Authenticate(t.Context(), username, pw, func(context.Context) (string, bool, error) {
			<-release
			return "", false, nil
		})
	}()
	waitFor(t, "the load to start", func() bool { return c.flightCount() == 1 })
	s := c.shard("alice")
	s.mu.Lock()
	for k := range s.flights {
		plain := sha256.Sum256([]byte(password))
		if k.user != "alice" || strings.Contains(string(k.digest[:]), password) || k.digest == plain {
			t.Errorf("flight key exposes the password: %q %x", k.user, k.digest)
		}
		if sharesMemory(k.user, decoded) {
			t.Error("the flight key's username shares memory with the credentials")
		}
	}
	s.mu.Unlock()
	close(release)
	<-done
}

func TestInvalidate(t *testing.T) {
	c, _ := newTestCache(t, 10)
	l := newLoader(map[string]string{"alice": "a", "bob": "b", "carol": "c"})
	login := func(user, pw string) {
		t.Helper()
		if _, ok, err := c.Authenticate(t.Context(), user, pw, l.load(user, pw)); !ok || err != nil {
			t.Fatalf("login %s: ok=%v err=%v", user, ok, err)
		}
	}
	login("alice", "a")
	login("bob", "b")
	login("carol", "c")

	c.Invalidate("alice")
	c.Invalidate("nobody")
	if diff := cmp.Diff([]string{"bob", "carol"}, c.order(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("after Invalidate(alice), cached (-want +got):\n%s", diff)
	}
	before := l.count()
	login("bob", "b")
	login("alice", "a")
	if got := l.count() - before; got != 1 {
		t.Errorf("%d loads after Invalidate(alice), want 1 (alice only)", got)
	}

	c.InvalidateAll()
	if got := c.Len(); got != 0 {
		t.Errorf("Len after InvalidateAll = %d, want 0", got)
	}
	before = l.count()
	login("alice", "a")
	login("bob", "b")
	if got := l.count() - before; got != 2 {
		t.Errorf("%d loads after InvalidateAll, want 2", got)
	}
	c.checkInvariants(t)
}

// TestInvalidateDuringLoad starts a load, invalidates while it blocks, then
// lets it finish: a load older than the invalidation must not cache.
func TestInvalidateDuringLoad(t *testing.T) {
	for _, tc := range []struct {
		name       string
		invalidate func(c *Cache[string])
		wantCached bool
	}{
		{"Invalidate", func(c *Cache[string]) { c.Invalidate("alice") }, false},
		{"InvalidateAll", func(c *Cache[string]) { c.InvalidateAll() }, false},
		{"Invalidate another user", func(c *Cache[string]) { c.Invalidate("bob") }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCache(t, 10)
			started := make(chan struct{})
			release := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				_, ok, err := c.Authenticate(t.Context(), "alice", "pw", func(context.Context) (string, bool, error) {
					close(started)
					<-release
					return "stale", true, nil
				})
				if !ok || err != nil {
					t.Errorf("first call: ok=%v err=%v, want its own load's result", ok, err)
				}
			}()
			<-started
			tc.invalidate(c)
			close(release)
			<-done

			if got, want := c.Len(), map[bool]int{false: 0, true: 1}[tc.wantCached]; got != want {
				t.Errorf("Len = %d, want %d", got, want)
			}
			loaded := false
			v, ok, _ := c.Authenticate(t.Context(), "alice", "pw", func(context.Context) (string, bool, error) {
				loaded = true
				return "fresh", true, nil
			})
			if loaded == tc.wantCached {
				t.Errorf("next call loaded = %v, want %v", loaded, !tc.wantCached)
			}
			if want := map[bool]string{false: "fresh", true: "stale"}[tc.wantCached]; v != want || !ok {
				t.Errorf("next call = (%q, %v), want (%q, true)", v, ok, want)
			}
		})
	}
}

// TestInvalidateDetachesFlight checks that a call made after Invalidate does
// not share a load that started before it.
func TestInvalidateDetachesFlight(t *testing.T) {
	c, _ := newTestCache(t, 10)
	started := make(chan struct{})
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _, _ = c.Authenticate(t.Context(), "alice", "pw", func(context.Context) (string, bool, error) {
			close(started)
			<-release
			return "enabled", true, nil
		})
	}()
	<-started
	c.Invalidate("alice")
	// Were this call to join the old load it would wait for release; the
	// deadline turns that into a failure instead of a hang.
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	v, ok, err := c.Authenticate(ctx, "alice", "pw", func(context.Context) (string, bool, error) {
		return "", false, nil // say the user was disabled meanwhile
	})
	if v != "" || ok || err != nil {
		t.Errorf("call after Invalidate = (%q, %v, %v), want its own load's (\"\", false, nil)", v, ok, err)
	}
	close(release)
	<-done
	if got := c.Len(); got != 0 {
		t.Errorf("Len = %d, want 0", got)
	}
}

func TestTTL(t *testing.T) {
	for _, tc := range []struct {
		name string
		// hitsAt are offsets from the write where a call must hit; then
		// the call at missAt must load.
		hitsAt []time.Duration
		missAt time.Duration
	}{
		{"fresh", []time.Duration{0, time.Minute}, testTTL},
		{"last nanosecond", []time.Duration{testTTL - time.Nanosecond}, testTTL},
		{"hits do not extend the lifetime", []time.Duration{testTTL / 2, testTTL - time.Second}, testTTL},
		{"long gone", nil, 10 * testTTL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, clock := newTestCache(t, 10)
			start := clock.Now()
			l := newLoader(map[string]string{"alice": "pw"})
			call := func() { _, _, _ = c.Authenticate(t.Context(), "alice", "pw", l.load("alice", "pw")) }
			call()
			for _, at := range tc.hitsAt {
				clock.Advance(start.Add(at).Sub(clock.Now()))
				call()
				if got := l.count(); got != 1 {
					t.Fatalf("at +%v: loaded, want a hit", at)
				}
			}
			clock.Advance(start.Add(tc.missAt).Sub(clock.Now()))
			call()
			if got := l.count(); got != 2 {
				t.Fatalf("at +%v: hit, want a load", tc.missAt)
			}
			// The reload wrote a new entry, fresh for another TTL.
			clock.Advance(testTTL - time.Nanosecond)
			call()
			if got := l.count(); got != 2 {
				t.Errorf("TTL-1ns after the reload: loaded, want a hit")
			}
		})
	}
}

// TestExpiredEntryDroppedOnFailure: once a user's credentials stop
// working, the expired entry does not wait to be pushed out.
func TestExpiredEntryDroppedOnFailure(t *testing.T) {
	c, clock := newTestCache(t, 10)
	l := newLoader(map[string]string{"alice": "pw"})
	_, _, _ = c.Authenticate(t.Context(), "alice", "pw", l.load("alice", "pw"))
	clock.Advance(testTTL)
	l.setPassword("alice", "changed")
	_, _, _ = c.Authenticate(t.Context(), "alice", "pw", l.load("alice", "pw"))
	if got := c.Len(); got != 0 {
		t.Errorf("Len = %d, want 0", got)
	}
	if got := c.Stats().Evictions; got != 1 {
		t.Errorf("Evictions = %d, want 1", got)
	}
}

func TestDisabled(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"ttl 0", Config{TTL: 0, MaxUsers: 100}},
		{"ttl negative", Config{TTL: -time.Second, MaxUsers: 100}},
		{"max_users 0", Config{TTL: testTTL, MaxUsers: 0}},
		{"max_users negative", Config{TTL: testTTL, MaxUsers: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New[string](tc.cfg)
			l := newLoader(map[string]string{"alice": "pw"})
			for range 3 {
				if v, ok, err := c.Authenticate(t.Context(), "alice", "pw", l.load("alice", "pw")); v != "value-alice" || !ok || err != nil {
					t.Fatalf("got (%q, %v, %v)", v, ok, err)
				}
			}
			if got := l.count(); got != 3 {
				t.Errorf("load called %d times, want 3", got)
			}
			if got := c.Len(); got != 0 {
				t.Errorf("Len = %d, want 0", got)
			}
			if diff := cmp.Diff(Stats{Misses: 3, Loads: 3}, c.Stats()); diff != "" {
				t.Errorf("Stats (-want +got):\n%s", diff)
			}
			c.Invalidate("alice")
			c.InvalidateAll()
		})
	}
}

// TestEviction checks the policy: first in, first out by write time, with
// expired entries reclaimed first. Three users fit in one shard, so the
// order is exact.
func TestEviction(t *testing.T) {
	type step struct {
		advance        time.Duration
		user, password string
	}
	login := func(user string) step { return step{user: user, password: "pw"} }
	for _, tc := range []struct {
		name          string
		steps         []step
		want          []string
		wantEvictions uint64
	}{
		{
			name:  "room to spare",
			steps: []step{login("a"), login("b")},
			want:  []string{"a", "b"},
		},
		{
			name:          "oldest write goes, hits do not count",
			steps:         []step{login("a"), login("b"), login("c"), login("a"), login("d")},
			want:          []string{"b", "c", "d"},
			wantEvictions: 1,
		},
		{
			name:          "a new password is a new write",
			steps:         []step{login("a"), login("b"), login("c"), {user: "a", password: "new"}, login("d")},
			want:          []string{"c", "a", "d"},
			wantEvictions: 1,
		},
		{
			name:          "expired entries are reclaimed first",
			steps:         []step{login("a"), login("b"), {advance: testTTL, user: "c", password: "pw"}},
			want:          []string{"c"},
			wantEvictions: 2,
		},
		{
			name: "flood of new users keeps the newest",
			steps: []step{login("a"), login("b"), login("c"), login("d"), login("e"),
				login("f"), login("g")},
			want:          []string{"e", "f", "g"},
			wantEvictions: 4,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, clock := newTestCache(t, 3)
			if len(c.shards) != 1 {
				t.Fatalf("%d shards, want 1", len(c.shards))
			}
			for _, st := range tc.steps {
				clock.Advance(st.advance)
				_, _, _ = c.Authenticate(t.Context(), st.user, st.password, func(context.Context) (string, bool, error) {
					return "v", true, nil
				})
			}
			if diff := cmp.Diff(tc.want, c.order()); diff != "" {
				t.Errorf("cached users, oldest first (-want +got):\n%s", diff)
			}
			if got := c.Stats().Evictions; got != tc.wantEvictions {
				t.Errorf("Evictions = %d, want %d", got, tc.wantEvictions)
			}
			c.checkInvariants(t)
		})
	}
}

func TestShardCount(t *testing.T) {
	for _, tc := range []struct{ maxUsers, want int }{
		{1, 1}, {3, 1}, {255, 1}, {256, 2}, {1000, 4}, {100000, 64}, {1 << 30, 64},
	} {
		if got := shardCount(tc.maxUsers); got != tc.want {
			t.Errorf("shardCount(%d) = %d, want %d", tc.maxUsers, got, tc.want)
		}
		c := New[int](Config{TTL: time.Minute, MaxUsers: tc.maxUsers})
		total := 0
		for i := range c.shards {
			total += c.shards[i].capacity
		}
		if total != tc.maxUsers {
			t.Errorf("MaxUsers %d: shard capacities add up to %d", tc.maxUsers, total)
		}
	}
}

// TestBoundedUnderFloods sends many distinct usernames from several
// goroutines: successes are bounded by MaxUsers, failures leave nothing.
func TestBoundedUnderFloods(t *testing.T) {
	const (
		maxUsers = 1000
		users    = 20000
		workers  = 8
	)
	for _, tc := range []struct {
		name          string
		succeed       bool
		wantLen       int
		wantEvictions uint64
	}{
		// Every shard receives far more users than it holds, so all fill.
		{"successes", true, maxUsers, users - maxUsers},
		{"failures", false, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCache(t, maxUsers)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := w; i < users; i += workers {
						user := fmt.Sprintf("user-%05d", i)
						_, _, _ = c.Authenticate(t.Context(), user, "pw", func(context.Context) (string, bool, error) {
							return user, tc.succeed, nil
						})
						if i%1000 == 0 && c.Len() > maxUsers {
							t.Errorf("Len %d > MaxUsers %d", c.Len(), maxUsers)
						}
					}
				})
			}
			wg.Wait()
			if got := c.Len(); got != tc.wantLen {
				t.Errorf("Len = %d, want %d", got, tc.wantLen)
			}
			if got := c.Stats().Evictions; got != tc.wantEvictions {
				t.Errorf("Evictions = %d, want %d", got, tc.wantEvictions)
			}
			if got := c.flightCount(); got != 0 {
				t.Errorf("%d flights left, want 0", got)
			}
			c.checkInvariants(t)
		})
	}
}

// TestCallerCancel checks that a caller can leave a shared load, that the
// load carries on for the others, and that it is cancelled once all left.
func TestCallerCancel(t *testing.T) {
	t.Run("one of two leaves", func(t *testing.T) {
		c, _ := newTestCache(t, 10)
		release := make(chan struct{})
		started := make(chan context.Context, 1)
		load := func(ctx context.Context) (string, bool, error) {
			started <- ctx
			<-release
			return "v", true, nil
		}
		ctxA, cancelA := context.WithCancel(t.Context())
		errA := make(chan error, 1)
		go func() { _, _, err := c.Authenticate(ctxA, "alice", "pw", load); errA <- err }()
		type result struct {
			v   string
			ok  bool
			err error
		}
		resB := make(chan result, 1)
		go func() { v, ok, err := c.Authenticate(t.Context(), "alice", "pw", load); resB <- result{v, ok, err} }()
		waitFor(t, "both callers waiting", func() bool { return c.waiters() == 2 })
		loadCtx := <-started

		cancelA()
		if err := <-errA; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled caller got %v, want context.Canceled", err)
		}
		if err := loadCtx.Err(); err != nil {
			t.Errorf("load's context ended with one caller left: %v", err)
		}
		close(release)
		if r := <-resB; r.v != "v" || !r.ok || r.err != nil {
			t.Errorf("remaining caller got %+v, want (v, true, nil)", r)
		}
		if got := c.Len(); got != 1 {
			t.Errorf("Len = %d, want 1", got)
		}
	})
	t.Run("all leave", func(t *testing.T) {
		c, _ := newTestCache(t, 10)
		loadDone := make(chan error, 1)
		load := func(ctx context.Context) (string, bool, error) {
			select {
			case <-ctx.Done():
				loadDone <- ctx.Err()
				return "", false, ctx.Err()
			case <-time.After(waitLimit):
				loadDone <- nil
				return "v", true, nil
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		errs := make(chan error, 2)
		for range 2 {
			go func() { _, _, err := c.Authenticate(ctx, "alice", "pw", load); errs <- err }()
		}
		waitFor(t, "both callers waiting", func() bool { return c.waiters() == 2 })
		cancel()
		for range 2 {
			if err := <-errs; !errors.Is(err, context.Canceled) {
				t.Errorf("caller got %v, want context.Canceled", err)
			}
		}
		if err := <-loadDone; !errors.Is(err, context.Canceled) {
			t.Errorf("load's context: %v, want context.Canceled", err)
		}
		if got := c.flightCount(); got != 0 {
			t.Errorf("%d flights left, want 0", got)
		}
		if _, _, err := c.Authenticate(ctx, "alice", "pw", load); !errors.Is(err, context.Canceled) {
			t.Errorf("call with a done context: %v, want context.Canceled", err)
		}
	})
}

func TestLoadPanics(t *testing.T) {
	c, _ := newTestCache(t, 10)
	got := func() (r any) {
		defer func() { r = recover() }()
		_, _, _ = c.Authenticate(t.Context(), "alice", "pw", func(context.Context) (string, bool, error) {
			panic("boom")
		})
		return nil
	}()
	p, ok := got.(*panicError)
	if !ok || p.value != "boom" || !strings.Contains(p.Error(), "boom") {
		t.Fatalf("recovered %v, want the load's panic", got)
	}
	if n := c.flightCount(); n != 0 {
		t.Errorf("%d flights left, want 0", n)
	}
	if _, ok, _ := c.Authenticate(t.Context(), "alice", "pw", func(context.Context) (string, bool, error) { return "v", true, nil }); !ok {
		t.Error("cache unusable after a panic")
	}
}

func TestLoadGoexit(t *testing.T) {
	c, _ := newTestCache(t, 10)
	_, ok, err := c.Authenticate(t.Context(), "alice", "pw", func(context.Context) (string, bool, error) {
		runtime.Goexit()
		return "v", true, nil
	})
	if ok || !errors.Is(err, errLoadExited) {
		t.Errorf("got (%v, %v), want (false, errLoadExited)", ok, err)
	}
	if n := c.flightCount(); n != 0 {
		t.Errorf("%d flights left, want 0", n)
	}
}

// TestHitAllocations: the cache itself allocates nothing on a hit; whatever
// a hit allocates, the hasher's Verify does.
func TestHitAllocations(t *testing.T) {
	c, _ := newTestCache(t, 10)
	load := func(context.Context) (string, bool, error) { return "v", true, nil }
	ctx := t.Context()
	_, _, _ = c.Authenticate(ctx, "alice", "pw", load)
	s := c.shard("alice")
	s.mu.RLock()
	hash := s.entries["alice"].hash
	s.mu.RUnlock()

	verify := testing.AllocsPerRun(100, func() { c.hasher.Verify("pw", hash) })
	hit := testing.AllocsPerRun(100, func() {
		if _, ok, _ := c.Authenticate(ctx, "alice", "pw", load); !ok {
			t.Fatal("miss")
		}
	})
	if hit > verify {
		t.Errorf("a hit allocates %v times, Verify alone %v", hit, verify)
	}
	if got := c.Stats().Loads; got != 1 {
		t.Errorf("Loads = %d, want 1", got)
	}
}

// TestStress mixes every operation from many goroutines with a moving clock
// and password changes, checking what must hold whatever the interleaving.
func TestStress(t *testing.T) {
	const (
		users    = 50
		maxUsers = 20
		workers  = 8
		duration = 300 * time.Millisecond
	)
	clock := newFakeClock()
	c := New[string](Config{TTL: time.Second, MaxUsers: maxUsers, Hasher: mustHasher(t, "ssha256"), Now: clock.Now})
	passwords := map[string]string{}
	for i := range users {
		passwords[fmt.Sprintf("u%d", i)] = "pw0"
	}
	l := newLoader(passwords)

	var calls atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				user := fmt.Sprintf("u%d", i%users)
				pw := fmt.Sprintf("pw%d", i%3)
				if i%7 == 0 {
					pw = "never-valid"
				}
				ctx := t.Context()
				if i%11 == 0 {
					// Some callers give up at once.
					cctx, cancel := context.WithCancel(ctx)
					cancel()
					ctx = cctx
				}
				v, ok, err := c.Authenticate(ctx, user, pw, l.load(user, pw))
				calls.Add(1)
				if ok && (pw == "never-valid" || v != "value-"+user || err != nil) {
					t.Errorf("%s/%s accepted as %q (err %v)", user, pw, v, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			user := fmt.Sprintf("u%d", i%users)
			switch i % 4 {
			case 0:
				// As a password change does: the store first, then the cache.
				l.setPassword(user, fmt.Sprintf("pw%d", i%3))
				c.Invalidate(user)
			case 1:
				c.Invalidate(user)
			case 2:
				clock.Advance(100 * time.Millisecond)
			case 3:
				if i%40 == 3 {
					c.InvalidateAll()
				}
			}
			if n := c.Len(); n > maxUsers {
				t.Errorf("Len %d > MaxUsers %d", n, maxUsers)
			}
			runtime.Gosched()
		}
	})
	time.Sleep(duration)
	close(stop)
	wg.Wait()

	st := c.Stats()
	if st.Hits+st.Misses != calls.Load() {
		t.Errorf("Hits %d + Misses %d != %d calls", st.Hits, st.Misses, calls.Load())
	}
	if st.Loads > st.Misses {
		t.Errorf("Loads %d > Misses %d", st.Loads, st.Misses)
	}
	if st.Hits == 0 || st.Loads == 0 {
		t.Errorf("stress did not exercise both paths: %+v", st)
	}
	if n := c.flightCount(); n != 0 {
		t.Errorf("%d flights left", n)
	}
	c.checkInvariants(t)
	t.Logf("%d calls, %+v", calls.Load(), st)
}
