package apikey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esauth/esauth/internal/store"
)

// Last use is esauth's own (Elasticsearch issue #54789 asks for it, its
// concern being a write per authentication). A use costs a map lookup and,
// at most once a second per key, an atomic store; every flush interval the
// times changed since the last flush are merged into a fixed number of
// bucket records, so a flush costs at most lastUsedBuckets writes however
// many keys were used, and nodes sharing a store merge by keeping the
// later time. The buckets live in store.Meta, whose changes no node's
// cache follows, so a flush invalidates nothing.
const (
	lastUsedBuckets    = 64
	lastUsedKeyPrefix  = "api-key-last-used/"
	lastUsedResolution = int64(time.Second)
	lastUsedTimeout    = 20 * time.Second
)

var errUnchanged = errors.New("apikey: unchanged")

type lastUsed struct {
	db  store.Store
	log *slog.Logger

	mu sync.RWMutex
	m  map[string]*usedSlot

	// flushMu serialises flushes with forget, so that a flush cannot write
	// back the time of a key being removed.
	flushMu sync.Mutex

	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

type usedSlot struct {
	at    atomic.Int64 // Unix nanoseconds
	dirty atomic.Bool
}

func newLastUsed(db store.Store, every time.Duration, log *slog.Logger) *lastUsed {
	l := &lastUsed{db: db, log: log, m: make(map[string]*usedSlot), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	if every <= 0 {
		every = 30 * time.Second
	}
	go l.run(ctx, every)
	return l
}

func (l *lastUsed) record(id string, now time.Time) {
	n := now.UnixNano()
	l.mu.RLock()
	sl := l.m[id]
	l.mu.RUnlock()
	if sl == nil {
		l.mu.Lock()
		if sl = l.m[id]; sl == nil {
			sl = new(usedSlot)
			l.m[id] = sl
		}
		l.mu.Unlock()
	}
	for {
		cur := sl.at.Load()
		if n-cur < lastUsedResolution {
			return
		}
		if sl.at.CompareAndSwap(cur, n) {
			sl.dirty.Store(true)
			return
		}
	}
}

// all returns the last use of every key known here or in the store, in
// Unix milliseconds.
func (l *lastUsed) all(ctx context.Context) (map[string]int64, error) {
	at := map[string]int64{}
	err := l.db.List(ctx, store.Meta, func(k string, val []byte) error {
		if !strings.HasPrefix(k, lastUsedKeyPrefix) {
			return nil
		}
		m, err := decodeBucket(val)
		if err != nil {
			l.log.Warn("skipped a malformed API key last-use record", "record", k)
			return nil
		}
		for id, ms := range m {
			at[id] = max(at[id], ms)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("apikey: last use: %w", err)
	}
	l.mu.RLock()
	for id, sl := range l.m {
		at[id] = max(at[id], sl.at.Load()/int64(time.Millisecond))
	}
	l.mu.RUnlock()
	return at, nil
}

func (l *lastUsed) flush(ctx context.Context) error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	type pending struct {
		id string
		sl *usedSlot
		ms int64
	}
	var batch [lastUsedBuckets][]pending
	l.mu.RLock()
	for id, sl := range l.m {
		// Cleared before the time is read: a use racing with the flush
		// marks the slot again and goes out next time.
		if sl.dirty.Swap(false) {
			b := bucketOf(id)
			batch[b] = append(batch[b], pending{id, sl, sl.at.Load() / int64(time.Millisecond)})
		}
	}
	l.mu.RUnlock()
	var errs []error
	for b, ps := range batch {
		if len(ps) == 0 {
			continue
		}
		_, err := l.db.Update(ctx, store.Meta, bucketName(b), func(cur []byte) ([]byte, error) {
			m, err := decodeBucket(cur)
			if err != nil {
				m = map[string]int64{} // unreadable: start afresh rather than stall forever
			}
			for _, p := range ps {
				m[p.id] = max(m[p.id], p.ms)
			}
			return json.Marshal(m)
		})
		if err != nil {
			errs = append(errs, err)
			for _, p := range ps {
				p.sl.dirty.Store(true)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("apikey: flush last use: %w", errors.Join(errs...))
	}
	return nil
}

// forget removes the times of removed keys, here and in the store.
func (l *lastUsed) forget(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	var byBucket [lastUsedBuckets][]string
	l.mu.Lock()
	for _, id := range ids {
		delete(l.m, id)
		byBucket[bucketOf(id)] = append(byBucket[bucketOf(id)], id)
	}
	l.mu.Unlock()
	var errs []error
	for b, gone := range byBucket {
		if len(gone) == 0 {
			continue
		}
		_, err := l.db.Update(ctx, store.Meta, bucketName(b), func(cur []byte) ([]byte, error) {
			m, err := decodeBucket(cur)
			if err != nil || cur == nil {
				return nil, errUnchanged
			}
			n := len(m)
			for _, id := range gone {
				delete(m, id)
			}
			if len(m) == n {
				return nil, errUnchanged
			}
			return json.Marshal(m)
		})
		if err != nil && !errors.Is(err, errUnchanged) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (l *lastUsed) close(ctx context.Context) error {
	var err error
	l.closeOnce.Do(func() {
		l.cancel()
		<-l.done
		err = l.flush(ctx)
	})
	return err
}

func (l *lastUsed) run(ctx context.Context, every time.Duration) {
	defer close(l.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		fctx, cancel := context.WithTimeout(ctx, lastUsedTimeout)
		if err := l.flush(fctx); err != nil && ctx.Err() == nil {
			l.log.Warn("could not store API keys' last use; will retry", "err", err)
		}
		cancel()
	}
}

// bucketOf is FNV-1a, stable across processes: every node must put a key
// in the same record.
func bucketOf(id string) int {
	h := uint32(2166136261)
	for i := range len(id) {
		h ^= uint32(id[i])
		h *= 16777619
	}
	return int(h % lastUsedBuckets)
}

func bucketName(b int) string { return fmt.Sprintf("%s%02x", lastUsedKeyPrefix, b) }

func decodeBucket(val []byte) (map[string]int64, error) {
	m := map[string]int64{}
	if val == nil {
		return m, nil
	}
	if err := json.Unmarshal(val, &m); err != nil {
		return nil, err
	}
	return m, nil
}
