package authcache

import (
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"
)

// shard is one part of the cache. Its fields below mu are guarded by mu;
// the counters are atomics so that a hit needs only the read lock.
type shard[V any] struct {
	mu      sync.RWMutex
	entries map[string]*entry[V]
	// fifo is the sentinel of a circular list of entries in write order,
	// oldest first.
	fifo     entry[V]
	capacity int
	flights  map[flightKey]*call[V]
	// failed holds recent failed attempts per username, keyed by the
	// keyed digest of the password, never the password itself.
	failed map[string][]failure[V]

	hits, misses, evictions, loads, failedHits atomic.Uint64

	// Shards sit next to each other in one slice; the padding keeps one
	// shard's lock and counters off the cache line of its neighbour's.
	_ [128]byte
}

// entry is immutable once in entries, except for the list links, which only
// writers touch; readers may therefore use it after dropping the lock.
type entry[V any] struct {
	user    string
	hash    string
	value   V
	expires time.Time

	prev, next *entry[V]
}

// flightKey names a load by username and a keyed digest of the password.
type flightKey struct {
	user   string
	digest [sha256.Size]byte
}

func (s *shard[V]) init(capacity int) {
	s.capacity = capacity
	s.entries = make(map[string]*entry[V])
	s.flights = make(map[flightKey]*call[V])
	s.failed = make(map[string][]failure[V])
	s.fifo.prev, s.fifo.next = &s.fifo, &s.fifo
}

// put stores e for e.user, replacing any entry the user had, and evicts
// expired entries and then the oldest ones until e fits. s.mu must be held.
func (s *shard[V]) put(e *entry[V], now time.Time) {
	if s.capacity <= 0 {
		return
	}
	if old := s.entries[e.user]; old != nil {
		s.remove(old)
	}
	var evicted uint64
	// Entries expire in write order, so the expired ones are at the front.
	for oldest := s.fifo.next; oldest != &s.fifo && !now.Before(oldest.expires); oldest = s.fifo.next {
		s.remove(oldest)
		evicted++
	}
	for len(s.entries) >= s.capacity {
		s.remove(s.fifo.next)
		evicted++
	}
	if evicted > 0 {
		s.evictions.Add(evicted)
	}
	e.prev, e.next = s.fifo.prev, &s.fifo
	s.fifo.prev.next = e
	s.fifo.prev = e
	s.entries[e.user] = e
}

// dropExpired removes username's entry if it has expired, so that a user
// whose credentials stopped working does not hold memory until it is
// pushed out. s.mu must be held.
func (s *shard[V]) dropExpired(username string, now time.Time) {
	if e := s.entries[username]; e != nil && !now.Before(e.expires) {
		s.remove(e)
		s.evictions.Add(1)
	}
}

// remove unlinks e and deletes it from entries. s.mu must be held.
func (s *shard[V]) remove(e *entry[V]) {
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil
	delete(s.entries, e.user)
}

// clear drops every entry and detaches every load in flight. s.mu must be
// held.
func (s *shard[V]) clear() {
	clear(s.entries)
	clear(s.flights)
	clear(s.failed)
	s.fifo.prev, s.fifo.next = &s.fifo, &s.fifo
}

// failure is one recent failed attempt: what the load answered, until when
// the same credentials get that answer without a new load.
type failure[V any] struct {
	digest  [sha256.Size]byte
	value   V
	expires time.Time
}

// maxFailuresPerUser bounds the distinct wrong passwords remembered per
// user; a flood cycling through more of them still passes the gate.
const maxFailuresPerUser = 4

// failedBefore returns the remembered answer for a failed attempt with the
// same credentials that has not expired. s.mu must be held.
func (s *shard[V]) failedBefore(key flightKey, now time.Time) (V, bool) {
	for _, f := range s.failed[key.user] {
		if f.digest == key.digest && now.Before(f.expires) {
			return f.value, true
		}
	}
	var zero V
	return zero, false
}

// addFailure remembers a failed attempt, keeping at most
// maxFailuresPerUser per user (the oldest goes) and at most capacity users
// (expired ones go first, then any). s.mu must be held.
func (s *shard[V]) addFailure(key flightKey, v V, expires, now time.Time) {
	list := s.failed[key.user]
	if list == nil && len(s.failed) >= s.capacity {
		for u, l := range s.failed {
			if !now.Before(l[len(l)-1].expires) {
				delete(s.failed, u)
			}
		}
		for u := range s.failed {
			if len(s.failed) < s.capacity {
				break
			}
			delete(s.failed, u)
		}
	}
	kept := list[:0]
	for _, f := range list {
		if f.digest != key.digest && now.Before(f.expires) {
			kept = append(kept, f)
		}
	}
	if len(kept) >= maxFailuresPerUser {
		kept = append(kept[:0], kept[1:]...)
	}
	s.failed[key.user] = append(kept, failure[V]{digest: key.digest, value: v, expires: expires})
}
