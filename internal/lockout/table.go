package lockout

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
)

const (
	// maxShards bounds lock contention; minKeysPerShard keeps small tables
	// in one shard so that their eviction order is exactly global.
	maxShards       = 64
	minKeysPerShard = 256
	// scanLimit is how many of the least recently failed entries an
	// insert looks at to make room.
	scanLimit = 16
)

// table tracks the keys of one kind. Times are Unix nanoseconds, which
// keeps an entry small: a table under a spraying attack holds MaxKeys of
// them.
type table struct {
	kind     string
	limit    int   // failures in one run that start a block
	window   int64 // length of a run
	duration int64 // length of a block
	seed     maphash.Seed
	shards   []shard
	mask     uint64

	// tracked counts entries in all shards, so that looking up a block
	// can skip the locks entirely while nothing is tracked.
	tracked atomic.Int64
	evicted atomic.Uint64
}

// shard is one part of a table; its fields are guarded by mu.
type shard struct {
	mu sync.Mutex
	m  map[string]*entry
	// inflight counts the attempts between Begin and their outcome, by
	// the key's hash. It is apart from m so that neither eviction nor
	// Unlock can lose a reservation, and keyed by hash so that reserving
	// for a key without failures stores no string: it costs no
	// allocation, and no copy of a key that may share memory with a
	// password. A collision of 64-bit seeded hashes would only make two
	// keys share one budget. Its size is bounded by the requests in flight.
	inflight map[uint64]int32
	// lru is the sentinel of a circular list ordered by latest failure:
	// lru.next is the most recent, lru.prev the least recent.
	lru      entry
	capacity int
	// blocks counts the entries with a block (until != 0, ended or not),
	// so that looking up a block in a shard without any needs no lock:
	// under a spraying attack most shards hold many counts and no block.
	blocks atomic.Int32
	// Keeps one shard's lock off the cache line of its neighbour's.
	_ [64]byte
}

type entry struct {
	key         string
	first, last int64 // first failure of the current run, latest failure
	failures    int   // in the current run, including those during its block
	since       int64 // start of the current block
	until       int64 // end of the current block; 0 when there is none
	prev, next  *entry
}

func newTable(kind string, limit, maxKeys int, window, duration int64) *table {
	n := 1
	for n < maxShards && maxKeys/(n*2) >= minKeysPerShard {
		n *= 2
	}
	t := &table{
		kind: kind, limit: limit, window: window, duration: duration,
		seed: maphash.MakeSeed(), shards: make([]shard, n), mask: uint64(n - 1),
	}
	per := (maxKeys + n - 1) / n
	for i := range t.shards {
		s := &t.shards[i]
		s.m = make(map[string]*entry)
		s.inflight = make(map[uint64]int32)
		s.lru.prev, s.lru.next = &s.lru, &s.lru
		s.capacity = per
	}
	return t
}

func (t *table) hash(key string) uint64 { return maphash.String(t.seed, key) }

func (t *table) shard(h uint64) *shard { return &t.shards[h&t.mask] }

// tracks reports whether key counts in t: empty keys and the addresses of
// a tracker that tracks none do not.
func (t *table) tracks(key string) bool { return t != nil && key != "" }

// remaining returns how long key stays blocked after now (0: not blocked).
// It takes no lock while nothing in key's shard is blocked.
func (t *table) remaining(key string, now int64) int64 {
	if !t.tracks(key) || t.tracked.Load() == 0 {
		return 0
	}
	s := t.shard(t.hash(key))
	if s.blocks.Load() == 0 {
		return 0
	}
	s.mu.Lock()
	var until int64
	if e := s.m[key]; e != nil {
		until = e.until
	}
	s.mu.Unlock()
	if until > now {
		return until - now
	}
	return 0
}

// reserve admits one attempt for key (whose hash is h) unless key is
// blocked, or the failures of its run and the attempts already in flight
// reach the limit. Checking and counting under one lock is the point: a
// check followed later by a count lets every request that arrives before
// the count through. A refusal returns the time the block has left, or 0
// when it is the attempts in flight that fill the run. Reserving for a
// key without an entry adds none, and does not allocate.
func (t *table) reserve(key string, h uint64, now int64) (ok bool, blockedFor int64) {
	s := t.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	failures := 0
	if e := s.m[key]; e != nil {
		if e.until > now {
			return false, e.until - now
		}
		failures = t.runFailures(e, now)
	}
	n := s.inflight[h]
	if failures+int(n) >= t.limit {
		return false, 0
	}
	s.inflight[h] = n + 1
	return true, 0
}

// runFailures returns the failures of e's run that still count at now:
// none once its block or its window has ended. e must not be blocked.
func (t *table) runFailures(e *entry, now int64) int {
	if e.until != 0 || now-e.first >= t.window {
		return 0
	}
	return e.failures
}

// release ends a reservation without a verdict.
func (t *table) release(h uint64) {
	s := t.shard(h)
	s.mu.Lock()
	s.release(h)
	s.mu.Unlock()
}

// failed counts one failure of key and reports whether it started a
// block. held says the failure ends a reservation, which is released in
// the same step: released first, a Begin in between would find room that
// the failure is about to take.
func (t *table) failed(key string, h uint64, held bool, now int64) (started bool, e entry) {
	s := t.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	if held {
		s.release(h)
	}
	p := s.m[key]
	if p == nil {
		p = t.insert(s, key, now)
	} else {
		s.unlink(p)
		s.pushFront(p)
	}
	p.last = max(p.last, now)
	if p.until > now {
		// Attempts in flight when another node's block arrived (a local
		// one starts only once none are left): counted, but they do not
		// extend it, or nobody could ever get back in.
		p.failures++
		return false, entry{}
	}
	if p.until != 0 {
		p.since, p.until, p.failures = 0, 0, 0 // the block ended: a fresh run
		s.blocks.Add(-1)
	}
	if p.failures == 0 || now-p.first >= t.window {
		p.first, p.failures = now, 0
	}
	p.failures++
	if p.failures < t.limit {
		return false, entry{}
	}
	p.since, p.until = now, now+t.duration
	s.blocks.Add(1)
	return true, *p
}

// succeeded releases a reservation of key and forgets key's run, unless
// key is blocked: a block ends only by time or Unlock.
func (t *table) succeeded(key string, h uint64, now int64) {
	s := t.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.release(h)
	if e := s.m[key]; e != nil && e.until <= now {
		t.remove(s, e)
	}
}

// busy reports attempts of key in flight.
func (t *table) busy(key string) bool {
	if !t.tracks(key) {
		return false
	}
	h := t.hash(key)
	s := t.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inflight[h] > 0
}

// cleared forgets the failures of key, unless it is blocked, for a
// success that held no reservation. It takes no lock while t tracks
// nothing: the common case of a user who never failed.
func (t *table) cleared(key string, now int64) {
	if !t.tracks(key) || t.tracked.Load() == 0 {
		return
	}
	s := t.shard(t.hash(key))
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.m[key]; e != nil && e.until <= now {
		t.remove(s, e)
	}
}

// block applies a block started elsewhere, keeping a longer local one.
func (t *table) block(key string, since, until int64, failures int, now int64) {
	if !t.tracks(key) {
		return
	}
	s := t.shard(t.hash(key))
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[key]
	if e == nil {
		e = t.insert(s, key, now)
		e.first, e.last = since, since
	}
	switch {
	case e.until == 0:
		s.blocks.Add(1)
	case e.until <= now:
		e.failures = 0 // counted for a block that has ended
	}
	if e.until <= now || until > e.until {
		e.since, e.until = since, until
	}
	e.failures = max(e.failures, failures)
}

// unblock forgets key if it is blocked after now and reports whether it
// was. An unblocked key keeps its run: a deleted record may be one that a
// sweep removed long after its block ended, not an Unlock.
func (t *table) unblock(key string, now int64) bool {
	if !t.tracks(key) {
		return false
	}
	s := t.shard(t.hash(key))
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[key]
	if e == nil || e.until <= now {
		return false
	}
	t.remove(s, e)
	return true
}

// forget drops key whatever its state, and reports whether it was blocked.
func (t *table) forget(key string, now int64) bool {
	if !t.tracks(key) {
		return false
	}
	s := t.shard(t.hash(key))
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[key]
	if e == nil {
		return false
	}
	t.remove(s, e)
	return e.until > now
}

// blocked appends the entries blocked after now.
func (t *table) blocked(now int64, out []entry) []entry {
	if t == nil {
		return out
	}
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		for _, e := range s.m {
			if e.until > now {
				out = append(out, *e)
			}
		}
		s.mu.Unlock()
	}
	return out
}

// prune drops every entry that no longer matters, for memory's sake after
// an attack has passed.
func (t *table) prune(now int64) {
	if t == nil {
		return
	}
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		for _, e := range s.m {
			if t.dead(e, now) {
				t.remove(s, e)
			}
		}
		s.mu.Unlock()
	}
}

func (t *table) len() int {
	if t == nil {
		return 0
	}
	return int(t.tracked.Load())
}

// dead reports whether e neither blocks nor can help start a block.
func (t *table) dead(e *entry, now int64) bool {
	return e.until <= now && now-e.last >= t.window
}

// insert adds an entry for key, making room first. s.mu must be held.
func (t *table) insert(s *shard, key string, now int64) *entry {
	t.makeRoom(s, now)
	// A copy: the caller's string may share memory with the rest of the
	// decoded credentials, password included, which must not stay alive
	// for as long as the entry does.
	e := &entry{key: strings.Clone(key)}
	s.m[e.key] = e
	s.pushFront(e)
	t.tracked.Add(1)
	return e
}

// makeRoom drops the dead entries among the scanLimit least recently
// failed ones, then, if the shard is still full, evicts the least recently
// failed entry among them that is not blocked, or else the least recently
// failed of all. Spraying new names thus evicts other sprayed names before
// it can evict a block, while memory stays bounded whatever happens. The
// scan limit keeps the cost of one insert constant. s.mu must be held.
func (t *table) makeRoom(s *shard, now int64) {
	var victim *entry
	e := s.lru.prev
	for range scanLimit {
		if e == &s.lru {
			break
		}
		prev := e.prev
		switch {
		case t.dead(e, now):
			t.remove(s, e)
		case victim == nil && e.until <= now:
			victim = e
		}
		e = prev
	}
	if len(s.m) < s.capacity || s.lru.prev == &s.lru {
		return
	}
	if victim == nil {
		victim = s.lru.prev
	}
	t.remove(s, victim)
	t.evicted.Add(1)
}

func (t *table) remove(s *shard, e *entry) {
	if e.until != 0 {
		s.blocks.Add(-1)
	}
	delete(s.m, e.key)
	s.unlink(e)
	t.tracked.Add(-1)
}

// release ends one reservation of the key hashed to h. s.mu must be held.
func (s *shard) release(h uint64) {
	switch n := s.inflight[h]; {
	case n > 1:
		s.inflight[h] = n - 1
	case n == 1:
		delete(s.inflight, h)
	}
	// n == 0: nothing held, so nothing to release; never below zero.
}

func (s *shard) pushFront(e *entry) {
	e.prev, e.next = &s.lru, s.lru.next
	s.lru.next.prev = e
	s.lru.next = e
}

func (s *shard) unlink(e *entry) {
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil
}
