package lastauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esauth/esauth/internal/store"
)

// Defaults for the Options fields left zero.
const (
	DefaultInterval   = 30 * time.Second
	DefaultResolution = time.Second
)

const (
	// buckets is the number of records users are spread over. Part of the
	// stored format: changing it strands every time already stored.
	// 64 keeps a flush to at most 64 writes and a bucket of 100000 users
	// near 60 KB, far below etcd's request limit.
	buckets = 64
	// shards splits the in-memory map so that logins of different users
	// rarely share a lock.
	shards = 32
	// flushTimeout bounds one periodic flush.
	flushTimeout = 20 * time.Second
)

// errUnchanged aborts an update that has nothing to write.
var errUnchanged = errors.New("lastauth: unchanged")

// Options tune a Recorder.
type Options struct {
	// Interval between flushes to the store. Default DefaultInterval.
	Interval time.Duration
	// Resolution: a login less than this after the recorded one is not
	// recorded, which keeps repeated logins down to a lookup. Default
	// DefaultResolution.
	Resolution time.Duration
	// Log receives flush failures. Default: discarded.
	Log *slog.Logger
}

// Recorder keeps last authentication times. It is safe for concurrent use.
// A nil *Recorder records nothing.
type Recorder struct {
	db         store.Store
	resolution int64
	log        *slog.Logger
	seed       maphash.Seed
	shards     [shards]shard

	// flushMu serialises flushes with Forget, so that a flush cannot write
	// back a time Forget has just removed.
	flushMu sync.Mutex

	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

type shard struct {
	mu sync.RWMutex
	m  map[string]*slot
	_  [64]byte // keeps neighbouring shards' locks off one cache line
}

// slot holds one user's time; only its pointer is in the map, so updates
// need no write lock.
type slot struct {
	at    atomic.Int64 // Unix nanoseconds
	dirty atomic.Bool  // changed since the last flush
}

// New returns a Recorder writing to db, and starts its periodic flush,
// which Close stops.
func New(db store.Store, opt Options) *Recorder {
	if opt.Interval <= 0 {
		opt.Interval = DefaultInterval
	}
	if opt.Resolution <= 0 {
		opt.Resolution = DefaultResolution
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	r := &Recorder{db: db, resolution: int64(opt.Resolution), log: opt.Log, seed: maphash.MakeSeed(), done: make(chan struct{})}
	for i := range r.shards {
		r.shards[i].m = make(map[string]*slot)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go r.run(ctx, opt.Interval)
	return r
}

func (r *Recorder) shard(name string) *shard {
	return &r.shards[maphash.String(r.seed, name)%shards]
}

// Record notes a successful authentication of username at now. It does
// not allocate for a user already recorded.
func (r *Recorder) Record(username string, now time.Time) {
	if r == nil || username == "" {
		return
	}
	n := now.UnixNano()
	s := r.shard(username)
	s.mu.RLock()
	sl := s.m[username]
	s.mu.RUnlock()
	if sl == nil {
		s.mu.Lock()
		if sl = s.m[username]; sl == nil {
			sl = new(slot)
			// A copy: the caller's string may share memory with the
			// decoded credentials, password included.
			s.m[strings.Clone(username)] = sl
		}
		s.mu.Unlock()
	}
	for {
		cur := sl.at.Load()
		if n-cur < r.resolution {
			return // recent enough, or older than what is recorded
		}
		if sl.at.CompareAndSwap(cur, n) {
			sl.dirty.Store(true)
			return
		}
	}
}

// Get returns the later of the time recorded here and the one in the
// store, and whether there is one. On a store error it returns what this
// node knows along with the error.
func (r *Recorder) Get(ctx context.Context, username string) (time.Time, bool, error) {
	if r == nil {
		return time.Time{}, false, nil
	}
	mem := r.memory(username)
	val, err := r.db.Get(ctx, store.LastAuth, bucketKey(username))
	if errors.Is(err, store.ErrNotFound) {
		return toTime(mem), mem != 0, nil
	}
	if err != nil {
		return toTime(mem), mem != 0, fmt.Errorf("lastauth: get: %w", err)
	}
	b, err := decode(val)
	if err != nil {
		return toTime(mem), mem != 0, fmt.Errorf("lastauth: get %q: %w", username, err)
	}
	at := max(mem, b[username]*int64(time.Millisecond))
	return toTime(at), at != 0, nil
}

// All returns the time of every user known here or in the store.
func (r *Recorder) All(ctx context.Context) (map[string]time.Time, error) {
	if r == nil {
		return nil, nil
	}
	at := map[string]int64{}
	bad := 0
	err := r.db.List(ctx, store.LastAuth, func(_ string, val []byte) error {
		b, err := decode(val)
		if err != nil {
			bad++
			return nil
		}
		for name, ms := range b {
			at[name] = max(at[name], ms*int64(time.Millisecond))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lastauth: list: %w", err)
	}
	if bad > 0 {
		r.log.Warn("skipped malformed last-authentication records", "count", bad)
	}
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.RLock()
		for name, sl := range s.m {
			at[name] = max(at[name], sl.at.Load())
		}
		s.mu.RUnlock()
	}
	out := make(map[string]time.Time, len(at))
	for name, n := range at {
		out[name] = toTime(n)
	}
	return out, nil
}

// Flush writes the times recorded since the last flush. Times that could
// not be written stay pending for the next one.
func (r *Recorder) Flush(ctx context.Context) error {
	if r == nil {
		return nil
	}
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	type pending struct {
		name string
		sl   *slot
		ms   int64
	}
	var batch [buckets][]pending
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.RLock()
		for name, sl := range s.m {
			// Cleared before the time is read: a login racing with the
			// flush marks the slot again and goes out next time.
			if sl.dirty.Swap(false) {
				b := bucket(name)
				batch[b] = append(batch[b], pending{name, sl, sl.at.Load() / int64(time.Millisecond)})
			}
		}
		s.mu.RUnlock()
	}
	var errs []error
	for b, ps := range batch {
		if len(ps) == 0 {
			continue
		}
		_, err := r.db.Update(ctx, store.LastAuth, bucketName(b), func(cur []byte) ([]byte, error) {
			m, err := decode(cur)
			if err != nil {
				m = map[string]int64{} // unreadable: start the bucket afresh rather than stall it forever
			}
			for _, p := range ps {
				m[p.name] = max(m[p.name], p.ms)
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
		return fmt.Errorf("lastauth: flush: %w", errors.Join(errs...))
	}
	return nil
}

// Forget removes username's time here and in the store; call it when the
// user is deleted.
func (r *Recorder) Forget(ctx context.Context, username string) error {
	if r == nil {
		return nil
	}
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.Drop(username)
	_, err := r.db.Update(ctx, store.LastAuth, bucketKey(username), func(cur []byte) ([]byte, error) {
		m, err := decode(cur)
		if err != nil || m[username] == 0 {
			return nil, errUnchanged // nothing stored: spare the write
		}
		delete(m, username)
		return json.Marshal(m)
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return fmt.Errorf("lastauth: forget: %w", err)
	}
	return nil
}

// Drop removes username's time from this node's memory only; the server
// calls it when it sees another node delete the user.
func (r *Recorder) Drop(username string) {
	if r == nil {
		return
	}
	s := r.shard(username)
	s.mu.Lock()
	delete(s.m, username)
	s.mu.Unlock()
}

// Close stops the periodic flush and flushes once more, within ctx.
// Later calls return nil.
func (r *Recorder) Close(ctx context.Context) error {
	if r == nil {
		return nil
	}
	var err error
	r.closeOnce.Do(func() {
		r.cancel()
		<-r.done
		err = r.Flush(ctx)
	})
	return err
}

func (r *Recorder) run(ctx context.Context, every time.Duration) {
	defer close(r.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		fctx, cancel := context.WithTimeout(ctx, flushTimeout)
		if err := r.Flush(fctx); err != nil && ctx.Err() == nil {
			r.log.Warn("could not store last authentication times; will retry", "err", err)
		}
		cancel()
	}
}

func (r *Recorder) memory(username string) int64 {
	s := r.shard(username)
	s.mu.RLock()
	sl := s.m[username]
	s.mu.RUnlock()
	if sl == nil {
		return 0
	}
	return sl.at.Load()
}

// bucket is FNV-1a, which is stable across processes and versions (unlike
// maphash): every node must put a user in the same record.
func bucket(name string) int {
	h := uint32(2166136261)
	for i := range len(name) {
		h ^= uint32(name[i])
		h *= 16777619
	}
	return int(h % buckets)
}

func bucketName(b int) string { return fmt.Sprintf("%02x", b) }

func bucketKey(name string) string { return bucketName(bucket(name)) }

// decode reads a bucket: username to Unix milliseconds. A nil value (no
// record yet) is an empty bucket.
func decode(val []byte) (map[string]int64, error) {
	m := map[string]int64{}
	if val == nil {
		return m, nil
	}
	if err := json.Unmarshal(val, &m); err != nil {
		return nil, fmt.Errorf("malformed bucket: %w", err)
	}
	return m, nil
}

func toTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
