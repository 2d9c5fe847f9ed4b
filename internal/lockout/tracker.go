package lockout

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esauth/esauth/internal/store"
)

// The kinds of key a block applies to.
const (
	KindUser = "user"
	KindIP   = "ip"
)

// Defaults for the Config fields left zero.
const (
	DefaultMaxKeys       = 100_000
	DefaultSweepInterval = time.Minute
)

const (
	// sweepGrace is how long after its end a block's record stays in the
	// store. Deleting it is not atomic with a new block of the same key
	// written by another node; waiting makes that race need a new block in
	// the very moment of the sweep.
	sweepGrace = time.Minute
	// opTimeout bounds one background write, sweep or retry round, for
	// stores without their own timeouts.
	opTimeout = 10 * time.Second
	// Retries of failed writes back off between these bounds.
	retryMin = time.Second
	retryMax = 30 * time.Second
)

// ErrUnknownKind is returned for a kind other than KindUser and KindIP.
var ErrUnknownKind = errors.New("lockout: unknown kind")

// Config sets the limits of a Tracker.
type Config struct {
	// MaxAttempts failures of one username within Window block it for
	// Duration. Required.
	MaxAttempts int
	// IPMaxAttempts failures from one client address within Window block
	// it for Duration; 0 tracks no addresses.
	IPMaxAttempts int
	// Window and Duration are required.
	Window, Duration time.Duration
	// MaxKeys caps the keys tracked of each kind. Default DefaultMaxKeys.
	MaxKeys int
	// Store, when set, shares blocks with the other nodes and keeps them
	// across restarts; nil keeps them in this process only.
	Store store.Store
	// Log receives failures to write or read the store. Default: discarded.
	Log *slog.Logger
	// Now is the clock of background work and of Apply; the methods on
	// the request path take the time as an argument. Default time.Now.
	Now func() time.Time
	// SweepInterval is how often expired keys and records are removed.
	// Default DefaultSweepInterval.
	SweepInterval time.Duration
}

// Entry is one block in force.
type Entry struct {
	Kind  string    `json:"kind"` // KindUser or KindIP
	Key   string    `json:"key"`  // the username or address
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Failures counted in the run that led to the block, including any
	// that arrived during it.
	Failures int `json:"failures"`
}

// Stats are counters for metrics.
type Stats struct {
	// Users and IPs are the keys tracked now (with failures or blocks).
	Users, IPs int
	// Evicted counts keys dropped to stay within MaxKeys: a sign of a
	// spraying attack.
	Evicted uint64
	// InFlight counts the attempts begun and not yet finished. One that
	// stays above zero while no login is in progress means a caller that
	// does not finish its attempts, which would block their keys for good.
	InFlight int
}

// record is a block as stored, under the key kind + "/" + name.
type record struct {
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Failures int       `json:"failures"`
}

// Tracker counts failed logins and holds blocks. It is safe for concurrent
// use. A nil *Tracker is lockout turned off: it never blocks.
type Tracker struct {
	users, ips *table
	inflight   atomic.Int64 // attempts between Begin and their outcome
	db         store.Store
	log        *slog.Logger
	now        func() time.Time
	sweepEvery time.Duration

	// writeMu serialises the store writes of blocks with Unlock's deletes,
	// so that an Unlock cannot be overtaken by the write of the block it
	// lifts.
	writeMu sync.Mutex
	pendMu  sync.Mutex
	pending map[string]record // by store key; guarded by pendMu
	wake    chan struct{}

	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// New returns a Tracker and starts its background work (writing blocks to
// the store, sweeping expired keys), which Close stops.
func New(cfg Config) (*Tracker, error) {
	if cfg.MaxAttempts < 1 || cfg.IPMaxAttempts < 0 {
		return nil, fmt.Errorf("lockout: MaxAttempts must be at least 1 and IPMaxAttempts at least 0, not %d and %d", cfg.MaxAttempts, cfg.IPMaxAttempts)
	}
	if cfg.Window <= 0 || cfg.Duration <= 0 {
		return nil, fmt.Errorf("lockout: Window and Duration must be positive, not %v and %v", cfg.Window, cfg.Duration)
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = DefaultSweepInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	w, d := int64(cfg.Window), int64(cfg.Duration)
	t := &Tracker{
		users:      newTable(KindUser, cfg.MaxAttempts, cfg.MaxKeys, w, d),
		db:         cfg.Store,
		log:        cfg.Log,
		now:        cfg.Now,
		sweepEvery: cfg.SweepInterval,
		pending:    make(map[string]record),
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
	}
	if cfg.IPMaxAttempts > 0 {
		t.ips = newTable(KindIP, cfg.IPMaxAttempts, cfg.MaxKeys, w, d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	go t.run(ctx)
	return t, nil
}

// Locked lists the blocks in force at now, users first, then by key.
func (t *Tracker) Locked(now time.Time) []Entry {
	if t == nil {
		return nil
	}
	n := now.UnixNano()
	var out []Entry
	for _, tab := range []*table{t.users, t.ips} {
		for _, e := range tab.blocked(n, nil) {
			out = append(out, Entry{Kind: tab.kind, Key: e.key, Since: time.Unix(0, e.since).UTC(),
				Until: time.Unix(0, e.until).UTC(), Failures: e.failures})
		}
	}
	slices.SortFunc(out, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)), strings.Compare(a.Key, b.Key))
	})
	return out
}

func kindOrder(k string) int {
	if k == KindUser {
		return 0
	}
	return 1
}

// Unlock lifts the block of one key (kind KindUser or KindIP) on this node
// and, through the store, on every node, and forgets its failures here.
// Attempts in flight for the key stay reserved until their outcome, which
// then counts in a fresh run. It reports whether there was a block to lift.
func (t *Tracker) Unlock(ctx context.Context, kind, key string) (bool, error) {
	if t == nil {
		return false, nil
	}
	tab, err := t.table(kind)
	if err != nil {
		return false, err
	}
	found := tab.forget(key, t.now().UnixNano())
	if t.db == nil {
		return found, nil
	}
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	sk := kind + "/" + key
	t.pendMu.Lock()
	delete(t.pending, sk)
	t.pendMu.Unlock()
	switch err := t.db.Delete(ctx, store.Lockouts, sk); {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrNotFound):
		return found, nil
	default:
		return found, fmt.Errorf("lockout: unlock %s [%s]: %w", kind, key, err)
	}
}

// Apply makes this node follow a record of the Lockouts collection: val is
// the record's value, or nil when it was deleted. Records of blocks that
// have ended are ignored. Prefer Refresh, which reads the value itself.
func (t *Tracker) Apply(key string, val []byte) error {
	if t == nil {
		return nil
	}
	kind, name, ok := strings.Cut(key, "/")
	if !ok || name == "" {
		return fmt.Errorf("lockout: malformed record key %q", key)
	}
	tab, err := t.table(kind)
	if err != nil {
		return fmt.Errorf("lockout: record %q: %w", key, err)
	}
	now := t.now().UnixNano()
	if val == nil {
		tab.unblock(name, now)
		return nil
	}
	var r record
	if err := json.Unmarshal(val, &r); err != nil || r.Until.IsZero() || r.Since.IsZero() {
		return fmt.Errorf("lockout: malformed record %q", key)
	}
	if until := r.Until.UnixNano(); until > now {
		tab.block(name, r.Since.UnixNano(), until, r.Failures, now)
	}
	return nil
}

// Refresh reads the record under key from the store and applies it (a
// missing record lifts the block). The server's watch of the store calls
// it for every event of the Lockouts collection, deleted or not: reading
// the current value makes the result right whatever order events arrive in.
func (t *Tracker) Refresh(ctx context.Context, key string) error {
	if t == nil || t.db == nil {
		return nil
	}
	val, err := t.db.Get(ctx, store.Lockouts, key)
	if errors.Is(err, store.ErrNotFound) {
		return t.Apply(key, nil)
	}
	if err != nil {
		return fmt.Errorf("lockout: refresh: %w", err)
	}
	return t.Apply(key, val)
}

// Load applies every block in the store; call it at start-up, before
// serving. Malformed records are logged and skipped.
func (t *Tracker) Load(ctx context.Context) error {
	if t == nil || t.db == nil {
		return nil
	}
	bad := 0
	err := t.db.List(ctx, store.Lockouts, func(key string, val []byte) error {
		if t.Apply(key, val) != nil {
			bad++
		}
		return nil
	})
	if bad > 0 {
		t.log.Warn("skipped malformed lockout records", "count", bad)
	}
	if err != nil {
		return fmt.Errorf("lockout: load: %w", err)
	}
	return nil
}

// Stats returns the tracker's counters.
func (t *Tracker) Stats() Stats {
	if t == nil {
		return Stats{}
	}
	s := Stats{Users: t.users.len(), IPs: t.ips.len(), Evicted: t.users.evicted.Load(), InFlight: int(t.inflight.Load())}
	if t.ips != nil {
		s.Evicted += t.ips.evicted.Load()
	}
	return s
}

// Close stops the background work and writes the blocks not yet written,
// within ctx. Later calls return nil.
func (t *Tracker) Close(ctx context.Context) error {
	if t == nil {
		return nil
	}
	var err error
	t.closeOnce.Do(func() {
		t.cancel()
		<-t.done
		err = t.flush(ctx)
	})
	return err
}

func (t *Tracker) table(kind string) (*table, error) {
	switch kind {
	case KindUser:
		return t.users, nil
	case KindIP:
		return t.ips, nil // nil when addresses are not tracked; its methods do nothing
	}
	return nil, fmt.Errorf("%w [%s]; use [%s] or [%s]", ErrUnknownKind, kind, KindUser, KindIP)
}

// persist queues a new block for the store. The request that started it
// does not wait for the write: a slow or unreachable store must not slow
// logins down, and the block already holds on this node.
func (t *Tracker) persist(kind, key string, e entry) {
	if t.db == nil {
		return
	}
	r := record{Since: time.Unix(0, e.since).UTC(), Until: time.Unix(0, e.until).UTC(), Failures: e.failures}
	t.pendMu.Lock()
	t.pending[kind+"/"+key] = r
	t.pendMu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default: // a wake-up is already due
	}
}

func (t *Tracker) run(ctx context.Context) {
	defer close(t.done)
	sweep := time.NewTicker(t.sweepEvery)
	defer sweep.Stop()
	var retry <-chan time.Time
	backoff := retryMin
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.wake:
		case <-retry:
		case <-sweep.C:
			octx, cancel := context.WithTimeout(ctx, opTimeout)
			if err := t.sweep(octx, t.now()); err != nil && ctx.Err() == nil {
				t.log.Warn("could not remove expired lockout records", "err", err)
			}
			cancel()
			continue
		}
		octx, cancel := context.WithTimeout(ctx, opTimeout)
		err := t.flush(octx)
		cancel()
		switch {
		case err == nil:
			retry, backoff = nil, retryMin
		case ctx.Err() == nil:
			t.log.Warn("could not share lockout blocks with other nodes; retrying", "err", err, "retry_in", backoff)
			retry = time.After(backoff)
			backoff = min(backoff*2, retryMax)
		}
	}
}

// flush writes the queued blocks. A record already in the store that ends
// later (another node's block) is kept. Blocks that could not be written
// are queued again unless they have ended.
func (t *Tracker) flush(ctx context.Context) error {
	if t.db == nil {
		return nil
	}
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	t.pendMu.Lock()
	batch := t.pending
	if len(batch) == 0 {
		t.pendMu.Unlock()
		return nil
	}
	t.pending = make(map[string]record)
	t.pendMu.Unlock()

	now := t.now()
	var errs []error
	for key, r := range batch {
		if !r.Until.After(now) {
			continue // over already: nothing left to hold elsewhere
		}
		val, err := json.Marshal(r)
		if err != nil {
			return err // cannot happen: times and an int
		}
		_, err = t.db.Update(ctx, store.Lockouts, key, func(cur []byte) ([]byte, error) {
			var old record
			if cur != nil && json.Unmarshal(cur, &old) == nil && old.Until.After(r.Until) {
				return cur, nil
			}
			return val, nil
		})
		if err != nil {
			errs = append(errs, err)
			t.pendMu.Lock()
			if _, newer := t.pending[key]; !newer {
				t.pending[key] = r
			}
			t.pendMu.Unlock()
		}
	}
	return errors.Join(errs...)
}

// sweep forgets the keys that no longer matter and deletes the records of
// blocks that ended more than sweepGrace ago, so that neither memory nor
// the store keeps what an attack left behind.
func (t *Tracker) sweep(ctx context.Context, now time.Time) error {
	n := now.UnixNano()
	t.users.prune(n)
	t.ips.prune(n)
	if t.db == nil {
		return nil
	}
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	var old []string
	err := t.db.List(ctx, store.Lockouts, func(key string, val []byte) error {
		var r record
		// Malformed records are removed too: nothing can read them.
		if json.Unmarshal(val, &r) != nil || r.Until.Add(sweepGrace).Before(now) {
			old = append(old, key)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Deleted after List: a backend may hold a read transaction during it.
	var errs []error
	for _, key := range old {
		if err := t.db.Delete(ctx, store.Lockouts, key); err != nil && !errors.Is(err, store.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
