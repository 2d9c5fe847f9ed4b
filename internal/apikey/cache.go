package apikey

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// docCache keeps parsed key documents for doc_cache.ttl, so that a request
// with a warm cache reads no store. It is Elasticsearch's ApiKeyDocCache:
// an invalidation counter stops a document read before an invalidation
// from being cached after it.
//
// Generations make that exact per key: gen(id) changes whenever id (or
// everything) is invalidated, under the lock of id's shard, together with
// the removal of id's entry. A reader that notes gen(id) before reading
// the store caches its read only if gen(id) is unchanged, and Authenticate
// re-reads when gen(id) moved while it worked.
type docCache struct {
	ttl    time.Duration
	limit  int // entries per shard; 0 keeps nothing
	seed   maphash.Seed
	shards [docShards]docShard
	// epoch counts InvalidateAll calls; every key's generation includes it.
	epoch atomic.Uint64
}

const docShards = 64

type docShard struct {
	mu      sync.RWMutex
	entries map[string]docEntry
	// gens are per-shard invalidation counters: keys sharing a shard
	// share a counter, which costs at most a spurious re-read.
	gen atomic.Uint64
	_   [64]byte // keeps neighbouring shards' locks off one cache line
}

type docEntry struct {
	k       *key
	expires time.Time
}

func newDocCache(ttl time.Duration, maxKeys int) *docCache {
	c := &docCache{ttl: ttl, seed: maphash.MakeSeed()}
	if ttl > 0 && maxKeys > 0 {
		c.limit = max(1, (maxKeys+docShards-1)/docShards)
	}
	for i := range c.shards {
		c.shards[i].entries = make(map[string]docEntry)
	}
	return c
}

func (c *docCache) shard(id string) *docShard {
	return &c.shards[maphash.String(c.seed, id)%docShards]
}

// gen is id's generation: it changes whenever id is invalidated.
func (c *docCache) gen(id string) uint64 {
	return c.epoch.Load() + c.shard(id).gen.Load()
}

func (c *docCache) get(id string, now time.Time) *key {
	if c.limit == 0 {
		return nil
	}
	s := c.shard(id)
	s.mu.RLock()
	e, ok := s.entries[id]
	s.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return nil
	}
	return e.k
}

// putIfUnchanged caches k unless id was invalidated since gen was read.
func (c *docCache) putIfUnchanged(k *key, gen uint64, now time.Time) {
	if c.limit == 0 {
		return
	}
	s := c.shard(k.id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.epoch.Load()+s.gen.Load() != gen {
		return
	}
	if _, ok := s.entries[k.id]; !ok && len(s.entries) >= c.limit {
		for id, e := range s.entries {
			if !now.Before(e.expires) {
				delete(s.entries, id)
			}
		}
		for id := range s.entries { // still full: drop any one
			if len(s.entries) < c.limit {
				break
			}
			delete(s.entries, id)
		}
	}
	s.entries[k.id] = docEntry{k: k, expires: now.Add(c.ttl)}
}

func (c *docCache) invalidate(id string) {
	s := c.shard(id)
	s.mu.Lock()
	s.gen.Add(1)
	delete(s.entries, id)
	s.mu.Unlock()
}

func (c *docCache) invalidateAll() {
	c.epoch.Add(1)
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.entries)
		s.mu.Unlock()
	}
}

func (c *docCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.entries)
		s.mu.RUnlock()
	}
	return n
}
