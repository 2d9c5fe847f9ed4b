package authcache

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"hash/maphash"
	"io"
	"time"

	"github.com/esauth/esauth/internal/passhash"
)

// defaultHashAlgo is Elasticsearch's default cache.hash_algo.
const defaultHashAlgo = "ssha256"

// Config holds a realm's cache settings (cache.ttl, cache.max_users,
// cache.hash_algo).
type Config struct {
	// TTL is cache.ttl: an entry expires TTL after it was written, however
	// often it is read, as in Elasticsearch. TTL <= 0 disables the cache.
	TTL time.Duration
	// MaxUsers is cache.max_users, a hard bound on the number of entries.
	// MaxUsers <= 0 disables the cache.
	MaxUsers int
	// Hasher is cache.hash_algo, the fast hash kept in place of the
	// password. The zero Hasher means ssha256, Elasticsearch's default.
	Hasher passhash.Hasher
	// FailTTL is how long a failed attempt is remembered: the same wrong
	// credentials within FailTTL get the same answer without a new load
	// (without bcrypt). Load reports such an answer as recalled, at once:
	// the caller must spend the time the load would have taken, so that
	// the answer does not tell that the password was tried before
	// (realm.Chain pauses in its gate). Only a keyed digest of the
	// password is kept; any write to the user forgets it. FailTTL <= 0
	// turns this off.
	FailTTL time.Duration
	// Now is the clock; nil means time.Now. Tests pass a fake clock.
	Now func() time.Time
}

// Stats are counters since the cache was made.
type Stats struct {
	// Hits counts calls answered from the cache, without load.
	Hits uint64
	// Misses counts calls that were not: they ran load or shared the load
	// of a concurrent identical call. Hits+Misses is the number of calls.
	Misses uint64
	// Evictions counts entries dropped because they expired or to make
	// room; Invalidate, InvalidateAll and replacements are not evictions.
	Evictions uint64
	// Loads counts calls of a load function.
	Loads uint64
	// FailedHits counts misses answered from a remembered failure.
	FailedHits uint64
}

// Cache is a verified-credential cache: Elasticsearch's
// CachingUsernamePasswordRealm cache without the realm. It keeps, per
// username, the value of the last successful authentication and a fast hash
// of the password that produced it. It is safe for concurrent use.
//
// Entries live in shards, each a map behind a RWMutex with its own FIFO
// queue in write order: a hit takes only a read lock and changes nothing,
// and since every entry lives exactly TTL, the oldest write is also the
// first to expire, so eviction by write order drops expired entries first.
type Cache[V any] struct {
	shards  []shard[V]
	mask    uint64
	seed    maphash.Seed
	hasher  passhash.Hasher
	ttl     time.Duration
	failTTL time.Duration
	now     func() time.Time
	// off is set when cache.ttl or cache.max_users disables caching; every
	// call then goes to load.
	off bool
	// flightKey keys the HMAC that names an in-flight load, so the clear
	// password never becomes a map key and a digest seen elsewhere (a
	// heap dump) cannot be matched against a dictionary without the key.
	flightKey [32]byte
}

// New returns an empty cache for cfg.
func New[V any](cfg Config) *Cache[V] {
	c := &Cache[V]{
		seed:    maphash.MakeSeed(),
		hasher:  cfg.Hasher,
		ttl:     cfg.TTL,
		failTTL: cfg.FailTTL,
		now:     cfg.Now,
		off:     cfg.TTL <= 0 || cfg.MaxUsers <= 0,
	}
	if c.hasher == (passhash.Hasher{}) {
		h, err := passhash.ResolveCache(defaultHashAlgo)
		if err != nil {
			panic("authcache: " + defaultHashAlgo + " does not resolve: " + err.Error())
		}
		c.hasher = h
	}
	if c.now == nil {
		c.now = time.Now
	}
	_, _ = rand.Read(c.flightKey[:]) // never fails since Go 1.24

	n := 1
	if !c.off {
		n = shardCount(cfg.MaxUsers)
	}
	c.shards = make([]shard[V], n)
	c.mask = uint64(n - 1)
	for i := range c.shards {
		capacity := 0
		if !c.off {
			// Spread MaxUsers so the capacities add up to it exactly: the
			// bound is then global although each shard enforces its own.
			capacity = cfg.MaxUsers / n
			if i < cfg.MaxUsers%n {
				capacity++
			}
		}
		c.shards[i].init(capacity)
	}
	return c
}

const (
	maxShards = 64
	// minPerShard keeps small caches in one shard, where FIFO order is
	// exact across all users, and avoids shards too small to smooth out
	// an uneven spread of usernames.
	minPerShard = 128
)

// shardCount is the largest power of two up to maxShards that leaves each
// shard at least minPerShard entries.
func shardCount(maxUsers int) int {
	n := 1
	for n*2 <= maxShards && maxUsers/(n*2) >= minPerShard {
		n *= 2
	}
	return n
}

func (c *Cache[V]) shard(username string) *shard[V] {
	if c.mask == 0 {
		return &c.shards[0]
	}
	return &c.shards[maphash.String(c.seed, username)&c.mask]
}

// Authenticate returns the value for username and password. When username
// has a fresh entry whose fast hash verifies password, that is the whole
// cost: no load, no store read, no slow hash. Otherwise load decides; one
// load runs for all concurrent calls with the same username and password,
// and its value is cached when it reports ok with a nil error.
//
// A password other than the cached one always goes to load, so a new
// password works at once; the entry is replaced only if that load
// succeeds. Elasticsearch drops the entry first, but then a stream of wrong
// passwords would evict a legitimate user and make each of the user's
// requests pay the slow hash again.
//
// The load runs on its own goroutine with ctx's values but not its
// cancellation, because other callers may share it: a caller whose ctx ends
// returns ctx.Err() at once, and the load's context is cancelled when every
// caller sharing it has gone. ok is false whenever err is not nil. The
// value load returned comes back as it is even when ok is false, so a caller
// can carry the reason for a failure in it; only a caller that leaves
// because of ctx gets the zero value. If load panics, every caller waiting
// for it panics with the value.
//
// A remembered failure (see Config.FailTTL) comes back at once, as any
// failure does; use Load to tell it apart.
func (c *Cache[V]) Authenticate(ctx context.Context, username, password string, load func(ctx context.Context) (v V, ok bool, err error)) (V, bool, error) {
	s := c.shard(username)
	if c.off {
		s.misses.Add(1)
		s.loads.Add(1)
		v, ok, err := load(ctx)
		return v, ok && err == nil, err
	}
	if v, ok := c.hit(s, username, password); ok {
		return v, true, nil
	}
	s.misses.Add(1)
	v, ok, _, err := c.miss(ctx, s, username, password, load)
	return v, ok, err
}

// Load is Authenticate after a Get that missed: it counts the miss and
// loads (or recalls a failure) without checking the entry again. recalled
// reports a failure answered from memory, without a load: the caller owes
// the time of the check it stands for.
func (c *Cache[V]) Load(ctx context.Context, username, password string, load func(ctx context.Context) (v V, ok bool, err error)) (v V, ok, recalled bool, err error) {
	if c.off {
		v, ok, err := c.Authenticate(ctx, username, password, load)
		return v, ok, false, err
	}
	s := c.shard(username)
	s.misses.Add(1)
	return c.miss(ctx, s, username, password, load)
}

// Get is the hit path of Authenticate alone: the cached value when
// username has a fresh entry for password. A miss is not counted: the
// caller goes on to Load, which counts it.
func (c *Cache[V]) Get(username, password string) (V, bool) {
	if c.off {
		var zero V
		return zero, false
	}
	return c.hit(c.shard(username), username, password)
}

func (c *Cache[V]) hit(s *shard[V], username, password string) (V, bool) {
	s.mu.RLock()
	e := s.entries[username]
	s.mu.RUnlock()
	// The entry is immutable once published, so it is read and verified
	// outside the lock; a concurrent eviction only means this hit was the
	// entry's last.
	if e != nil && c.now().Before(e.expires) && c.hasher.Verify(password, e.hash) {
		s.hits.Add(1)
		return e.value, true
	}
	var zero V
	return zero, false
}

// Invalidate evicts username's entry now. Loads for username already under
// way will not cache their result, and later calls do not share them.
func (c *Cache[V]) Invalidate(username string) {
	s := c.shard(username)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entries[username]; e != nil {
		s.remove(e)
	}
	delete(s.failed, username) // a new password may be one that failed
	for k := range s.flights {
		if k.user == username {
			delete(s.flights, k)
		}
	}
}

// InvalidateAll evicts every entry now. Loads already under way will not
// cache their result, and later calls do not share them.
func (c *Cache[V]) InvalidateAll() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.clear()
		s.mu.Unlock()
	}
}

// Len returns the number of entries, counting expired ones not yet reclaimed.
func (c *Cache[V]) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.entries)
		s.mu.RUnlock()
	}
	return n
}

// Stats returns the counters. They are read one by one while calls go on,
// so they are not a snapshot of a single instant.
func (c *Cache[V]) Stats() Stats {
	var st Stats
	for i := range c.shards {
		s := &c.shards[i]
		st.Hits += s.hits.Load()
		st.Misses += s.misses.Load()
		st.Evictions += s.evictions.Load()
		st.Loads += s.loads.Load()
		st.FailedHits += s.failedHits.Load()
	}
	return st
}

// digest names password in flight keys.
func (c *Cache[V]) digest(password string) [sha256.Size]byte {
	m := hmac.New(sha256.New, c.flightKey[:])
	_, _ = io.WriteString(m, password)
	var d [sha256.Size]byte
	m.Sum(d[:0])
	return d
}
