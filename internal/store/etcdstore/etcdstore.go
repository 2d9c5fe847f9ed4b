package etcdstore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/esauth/esauth/internal/store"
)

// Defaults for the Config fields left zero.
const (
	DefaultPrefix         = "/esauth/"
	DefaultDialTimeout    = 5 * time.Second
	DefaultRequestTimeout = 5 * time.Second
)

// ErrClosed is returned by every method called after Close.
var ErrClosed = errors.New("etcdstore: store is closed")

const (
	// maxConflictBackoff caps the jittered pause after a lost CAS race; the
	// jitter breaks lockstep between contenders, the cap keeps latency low.
	maxConflictBackoff = 10 * time.Millisecond

	// List pages: the first page is small because value sizes are unknown
	// (a page of 1000 one-MiB values would be a 1 GB response); later pages
	// are sized from the average record seen so far to about listPageBytes.
	listFirstPage = 32
	listMaxPage   = 1000
	listPageBytes = 4 << 20
	// ctxCheckEvery is how many records List hands to fn between checks of
	// the caller's context within one page.
	ctxCheckEvery = 256

	// Backoff of writes refused for lack of a leader: an election takes
	// about one election timeout (1 s by default, 100 ms in tests).
	noLeaderMinBackoff = 20 * time.Millisecond
	noLeaderMaxBackoff = 250 * time.Millisecond

	// Watch resume backoff after a broken watch: short enough to catch up
	// quickly after a leader election, long enough not to spin while a
	// partitioned member has no leader.
	watchMinBackoff = 50 * time.Millisecond
	watchMaxBackoff = 2 * time.Second

	// gRPC's reconnect backoff starts at 1 s and grows to 120 s by default:
	// after a long outage a node would stay unavailable for up to two
	// minutes after etcd came back. A connection attempt to a cluster
	// member is cheap, so retry sooner and never wait more than 2 s.
	grpcBaseReconnectDelay = 100 * time.Millisecond
	grpcMaxReconnectDelay  = 2 * time.Second
	// keepalive pings notice a silently dead connection (a crashed host, a
	// dropped NAT entry) under a long-lived watch. etcd's server rejects
	// pings more frequent than every 5 s.
	keepaliveTime    = 10 * time.Second
	keepaliveTimeout = 5 * time.Second
)

// Config says how to reach the etcd cluster.
type Config struct {
	// Endpoints are the client URLs of the cluster's members, such as
	// "https://10.0.0.1:2379". Listing several lets the client fail over.
	Endpoints []string
	// Prefix is prepended to every key; several esauth deployments may
	// share one etcd cluster under different prefixes. A missing trailing
	// "/" is added, so "/esauth" cannot see the keys of "/esauth2".
	// Default DefaultPrefix.
	Prefix string
	// Username and Password enable etcd authentication when both are set.
	Username, Password string
	// TLS, when set, is used for every connection (required for https
	// endpoints with a private CA or client certificates).
	TLS *tls.Config
	// DialTimeout bounds Open's first contact with the cluster and each
	// connection attempt. Default DefaultDialTimeout.
	DialTimeout time.Duration
	// RequestTimeout bounds every operation (one Update including its
	// retries, one page of List) so that nothing hangs while etcd is
	// unreachable. Default DefaultRequestTimeout.
	RequestTimeout time.Duration
}

// Store keeps records in etcd under Prefix + collection + "/" + key. It
// implements store.Store, store.Watcher and store.Leaser and is safe for
// concurrent use by any number of goroutines and esauth nodes.
//
// Durability: a write is acknowledged only after etcd has committed it to
// the raft log of a quorum of members (each fsyncs before answering), so an
// acknowledged write survives the loss of any minority of members.
//
// Reads are linearizable: Get and List go through the leader's read index,
// so a node sees every write acknowledged to any node before the read began.
//
// Errors caused by the cluster being unreachable, leaderless, overloaded or
// out of space wrap store.ErrUnavailable. For writes such an error can be
// ambiguous: a timeout after the request reached etcd may hide a commit
// (as with any networked database). A request that never reached etcd,
// which is the case while the cluster is down, has written nothing.
type Store struct {
	client  *clientv3.Client
	prefix  string
	timeout time.Duration

	// updates serialises this client's Updates of one key, so that a hot
	// key costs a queue here rather than a storm of failed CAS rounds.
	updates keyLocks

	closed  atomic.Bool
	closeMu sync.Mutex // serialises Close, so the client is closed once
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Watcher = (*Store)(nil)
)

// Open connects to the cluster and checks, within DialTimeout, that it
// answers a linearizable read (so a wrong endpoint, password or certificate
// fails at start-up, not at the first login). Failing to reach the cluster
// wraps store.ErrUnavailable, so a caller may retry Open.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("etcdstore: open: no endpoints")
	}
	prefix := cfg.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	dialTimeout := cfg.DialTimeout
	if dialTimeout <= 0 {
		dialTimeout = DefaultDialTimeout
	}
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	if (cfg.Username == "") != (cfg.Password == "") {
		return nil, errors.New("etcdstore: open: username and password must be set together")
	}

	bo := backoff.DefaultConfig
	bo.BaseDelay = grpcBaseReconnectDelay
	bo.MaxDelay = grpcMaxReconnectDelay
	client, err := clientv3.New(clientv3.Config{
		Endpoints:            cfg.Endpoints,
		Username:             cfg.Username,
		Password:             cfg.Password,
		TLS:                  cfg.TLS,
		DialTimeout:          dialTimeout,
		DialKeepAliveTime:    keepaliveTime,
		DialKeepAliveTimeout: keepaliveTimeout,
		// Errors reach the caller as return values; the client's own
		// retry chatter would only duplicate them in the server log.
		Logger: zap.NewNop(),
		DialOptions: []grpc.DialOption{
			grpc.WithConnectParams(grpc.ConnectParams{Backoff: bo, MinConnectTimeout: dialTimeout}),
		},
	})
	if err != nil {
		// New only contacts the cluster to fetch an auth token.
		return nil, fmt.Errorf("etcdstore: open %v: %w", cfg.Endpoints, classify(ctx, err))
	}
	s := &Store{client: client, prefix: prefix, timeout: timeout}

	pctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	if _, err := client.Get(pctx, prefix, clientv3.WithCountOnly()); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("etcdstore: open %v: %w", cfg.Endpoints, classify(ctx, err))
	}
	return s, nil
}

// Client returns the underlying etcd client, for health checks and tests.
// It is closed by Close.
func (s *Store) Client() *clientv3.Client { return s.client }

// Prefix returns the key prefix in use, with its trailing "/".
func (s *Store) Prefix() string { return s.prefix }

// Get returns a copy of the value stored under key.
func (s *Store) Get(ctx context.Context, c store.Collection, key string) ([]byte, error) {
	k, err := s.begin(ctx, c, key)
	if err != nil {
		return nil, opErr("get", c, key, err)
	}
	octx, cancel := s.opCtx(ctx)
	defer cancel()
	resp, err := s.client.Get(octx, k)
	if err != nil {
		return nil, opErr("get", c, key, classify(ctx, err))
	}
	if len(resp.Kvs) == 0 {
		return nil, opErr("get", c, key, store.ErrNotFound)
	}
	return own(resp.Kvs[0].Value), nil
}

// List reads the collection in pages, every page at the revision of the
// first, so the caller sees one consistent snapshot without the whole
// collection in memory at once. Each page is a separate request under
// RequestTimeout. If etcd compacts the snapshot's revision while List is
// still paging (only possible with aggressive auto-compaction), List fails
// with an error wrapping store.ErrCompacted after fn has seen a prefix of
// the records; the caller may retry.
func (s *Store) List(ctx context.Context, c store.Collection, fn func(key string, val []byte) error) error {
	if err := s.checkOpen(ctx); err != nil {
		return listErr(c, err)
	}
	if err := checkCollection(c); err != nil {
		return listErr(c, err)
	}
	dir := s.prefix + string(c) + "/"
	end := clientv3.GetPrefixRangeEnd(dir)
	from := dir
	var rev int64
	limit := int64(listFirstPage)
	var seen, seenBytes int64
	for {
		kvs, more, headerRev, err := s.listPage(ctx, from, end, rev, limit)
		if err != nil {
			if errors.Is(err, rpctypes.ErrCompacted) {
				err = fmt.Errorf("snapshot at revision %d was compacted: %w", rev, errors.Join(store.ErrCompacted, err))
			}
			return listErr(c, err)
		}
		if rev == 0 {
			rev = headerRev
		}
		for i, kv := range kvs {
			if i > 0 && i%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return listErr(c, err)
				}
			}
			if err := fn(string(kv.Key[len(dir):]), own(kv.Value)); err != nil {
				return err // the caller's own error, as the interface promises
			}
			seen++
			seenBytes += int64(len(kv.Key) + len(kv.Value))
		}
		if !more || len(kvs) == 0 {
			return nil
		}
		from = string(kvs[len(kvs)-1].Key) + "\x00"
		limit = min(max(listPageBytes*seen/max(seenBytes, 1), 1), listMaxPage)
		if err := ctx.Err(); err != nil {
			return listErr(c, err)
		}
	}
}

func (s *Store) listPage(ctx context.Context, from, end string, rev, limit int64) (kvs []*mvccpb.KeyValue, more bool, headerRev int64, err error) {
	octx, cancel := s.opCtx(ctx)
	defer cancel()
	opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(limit)}
	if rev > 0 {
		opts = append(opts, clientv3.WithRev(rev))
	}
	resp, err := s.client.Get(octx, from, opts...)
	if err != nil {
		return nil, false, 0, classify(ctx, err)
	}
	return resp.Kvs, resp.More, resp.Header.Revision, nil
}

// Create stores val under key unless it exists, in one transaction whose
// condition is "the key has never been created, or was deleted since".
func (s *Store) Create(ctx context.Context, c store.Collection, key string, val []byte) error {
	k, err := s.begin(ctx, c, key)
	if err != nil {
		return opErr("create", c, key, err)
	}
	octx, cancel := s.opCtx(ctx)
	defer cancel()
	txn := s.client.Txn(octx).
		If(clientv3.Compare(clientv3.CreateRevision(k), "=", 0)).
		Then(clientv3.OpPut(k, string(val))) // string() copies: the caller keeps val
	resp, err := retryNoLeader(octx, txn.Commit)
	if err != nil {
		return opErr("create", c, key, classify(ctx, err))
	}
	if !resp.Succeeded {
		return opErr("create", c, key, store.ErrExists)
	}
	return nil
}

// Update is optimistic: it reads the record, lets fn compute the new value
// without holding anything, and writes it only if the record's ModRevision
// is still the one read (or, for a missing record, it is still missing).
// When another writer got there first, the failed transaction returns the
// winner's value and fn runs again on it.
//
// Updates of one key through this client first queue for their turn, so
// compare-and-swap contention is only between clients (nodes), and a
// conflict means another node won: the loop retries until it wins or its
// RequestTimeout, which starts when its turn comes, runs out. The wait for
// the turn is bounded by another RequestTimeout, so while etcd is
// unreachable a queue of writers fails within two timeouts, not one
// timeout per writer.
func (s *Store) Update(ctx context.Context, c store.Collection, key string, fn store.UpdateFunc) (bool, error) {
	k, err := s.begin(ctx, c, key)
	if err != nil {
		return false, opErr("update", c, key, err)
	}
	wctx, cancelWait := context.WithTimeout(ctx, s.timeout)
	unlock, err := s.updates.lock(wctx, k)
	cancelWait()
	if err != nil {
		return false, opErr("update", c, key, fmt.Errorf("waiting for this node's earlier updates of the key: %w", classify(ctx, err)))
	}
	defer unlock()
	octx, cancel := s.opCtx(ctx)
	defer cancel()

	resp, err := s.client.Get(octx, k)
	if err != nil {
		return false, opErr("update", c, key, classify(ctx, err))
	}
	cur, modRev := current(resp.Kvs)
	for attempt := 1; ; attempt++ {
		var in []byte
		if cur != nil {
			in = own(cur) // fn may edit its copy; cur must stay pristine for retries
		}
		next, err := fn(in)
		if err != nil {
			return false, err // as is, so callers can match their own errors
		}
		if next == nil {
			return false, opErr("update", c, key, errors.New("update function returned a nil value and no error"))
		}
		cond := clientv3.Compare(clientv3.ModRevision(k), "=", modRev)
		if cur == nil {
			cond = clientv3.Compare(clientv3.CreateRevision(k), "=", 0)
		}
		txn := s.client.Txn(octx).
			If(cond).
			Then(clientv3.OpPut(k, string(next))).
			Else(clientv3.OpGet(k))
		tr, err := retryNoLeader(octx, txn.Commit)
		if err != nil {
			return false, opErr("update", c, key, classify(ctx, err))
		}
		if tr.Succeeded {
			return cur == nil, nil
		}
		cur, modRev = current(tr.Responses[0].GetResponseRange().Kvs)
		if attempt > 1 {
			// Lost twice in a row: other nodes are hammering this key, so
			// step aside for a random moment instead of colliding in
			// lockstep.
			pause := rand.N(min(time.Millisecond<<min(attempt, 10), maxConflictBackoff))
			select {
			case <-time.After(pause):
			case <-octx.Done():
				return false, opErr("update", c, key, fmt.Errorf("after %d conflicting updates: %w", attempt, classify(ctx, octx.Err())))
			}
		}
	}
}

// opCtx bounds one operation by RequestTimeout and asks etcd to refuse it
// at once ("no leader") when the member has no leader, as on the minority
// side of a partition, instead of letting it wait out the timeout. That
// refusal comes before the request is proposed, so a write can safely try
// again (retryNoLeader); etcd's client retries reads refused so by itself.
// Its balancer spreads requests over all endpoints, so with several
// members configured a retry can reach one that has a leader.
func (s *Store) opCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	return clientv3.WithRequireLeader(octx), cancel
}

// retryNoLeader repeats a write that etcd refused for lack of a leader
// until it gets another answer or octx ends; any other error may be
// ambiguous (the write may have been committed) and is returned as is.
func retryNoLeader[T any](octx context.Context, do func() (T, error)) (T, error) {
	pause := noLeaderMinBackoff
	for {
		r, err := do()
		if !errors.Is(err, rpctypes.ErrNoLeader) {
			return r, err
		}
		t := time.NewTimer(rand.N(pause) + pause/2)
		select {
		case <-octx.Done():
			t.Stop()
			return r, err
		case <-t.C:
		}
		pause = min(pause*2, noLeaderMaxBackoff)
	}
}

// current returns the value (nil when the record is missing) and the
// ModRevision that a following compare-and-swap must match.
func current(kvs []*mvccpb.KeyValue) ([]byte, int64) {
	if len(kvs) == 0 {
		return nil, 0
	}
	return own(kvs[0].Value), kvs[0].ModRevision
}

// Delete removes the record; etcd reports how many keys it deleted, which
// tells a miss without a separate read.
func (s *Store) Delete(ctx context.Context, c store.Collection, key string) error {
	k, err := s.begin(ctx, c, key)
	if err != nil {
		return opErr("delete", c, key, err)
	}
	octx, cancel := s.opCtx(ctx)
	defer cancel()
	resp, err := retryNoLeader(octx, func() (*clientv3.DeleteResponse, error) { return s.client.Delete(octx, k) })
	if err != nil {
		return opErr("delete", c, key, classify(ctx, err))
	}
	if resp.Deleted == 0 {
		return opErr("delete", c, key, store.ErrNotFound)
	}
	return nil
}

// Revision returns etcd's current revision, from the header of a
// linearizable count-only read, so it is at least the revision of every
// write acknowledged before the call.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	if err := s.checkOpen(ctx); err != nil {
		return 0, fmt.Errorf("etcdstore: revision: %w", err)
	}
	octx, cancel := s.opCtx(ctx)
	defer cancel()
	resp, err := s.client.Get(octx, s.prefix, clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("etcdstore: revision: %w", classify(ctx, err))
	}
	return resp.Header.Revision, nil
}

// Watch follows every collection under the prefix. etcd's watch already
// survives reconnects by itself; this loop adds recovery from the cases
// where etcd ends the watch: the member lost its leader (the watch requires
// one, so a partitioned member cannot stall it silently) or the stream
// failed for good. Each new watch starts after the last revision delivered
// (or confirmed by a progress notification), so nothing is missed or
// repeated.
func (s *Store) Watch(ctx context.Context, after int64, fn func(store.Event)) error {
	if err := s.checkOpen(ctx); err != nil {
		return watchErr(err)
	}
	if after < 0 {
		return watchErr(fmt.Errorf("negative revision %d", after))
	}
	last := after
	pause := watchMinBackoff
	for {
		before := last
		err := s.watchOnce(ctx, &last, fn)
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if s.closed.Load() {
			return watchErr(ErrClosed)
		}
		if errors.Is(err, rpctypes.ErrCompacted) {
			return watchErr(fmt.Errorf("revision %d: %w", last+1, errors.Join(store.ErrCompacted, err)))
		}
		if errors.Is(err, rpctypes.ErrPermissionDenied) {
			return watchErr(err) // the etcd user lacks read access: retrying cannot help
		}
		if last != before {
			pause = watchMinBackoff // the watch worked for a while: retry quickly
		}
		t := time.NewTimer(rand.N(pause) + pause/2)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		pause = min(pause*2, watchMaxBackoff)
	}
}

// errWatchClosed reports a watch channel closed without an error, which
// etcd's client does when the watch cannot go on (for instance after its
// client was closed).
var errWatchClosed = errors.New("watch channel closed")

func (s *Store) watchOnce(ctx context.Context, last *int64, fn func(store.Event)) error {
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel() // releases the server-side watcher
	wch := s.client.Watch(wctx, s.prefix,
		clientv3.WithPrefix(),
		clientv3.WithRev(*last+1),
		// Progress notifications move last forward while nothing under the
		// prefix changes, so a resume after a long quiet spell does not ask
		// for a revision etcd has compacted since.
		clientv3.WithProgressNotify())
	for resp := range wch {
		if err := resp.Err(); err != nil {
			return err
		}
		if resp.IsProgressNotify() {
			*last = max(*last, resp.Header.Revision)
			continue
		}
		for _, ev := range resp.Events {
			if e, ok := s.event(ev); ok {
				fn(e)
			}
			*last = max(*last, ev.Kv.ModRevision)
		}
	}
	return errWatchClosed
}

// event translates an etcd event; keys under the prefix that this package
// did not write (no collection part) are skipped.
func (s *Store) event(ev *clientv3.Event) (store.Event, bool) {
	rest, ok := strings.CutPrefix(string(ev.Kv.Key), s.prefix)
	if !ok {
		return store.Event{}, false
	}
	c, key, ok := strings.Cut(rest, "/")
	if !ok || c == "" || key == "" {
		return store.Event{}, false
	}
	return store.Event{
		Collection: store.Collection(c),
		Key:        key,
		Deleted:    ev.Type == mvccpb.DELETE,
		Revision:   ev.Kv.ModRevision,
	}, true
}

// Close closes the client, ending running watches. Later calls return nil.
func (s *Store) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed.Swap(true) {
		return nil
	}
	if err := s.client.Close(); err != nil && !errors.Is(err, context.Canceled) {
		// Closing cancels the client's own context; that is not a failure.
		return fmt.Errorf("etcdstore: close: %w", err)
	}
	return nil
}

// begin checks what every single-record operation needs before it talks to
// etcd, and returns the etcd key.
func (s *Store) begin(ctx context.Context, c store.Collection, key string) (string, error) {
	if err := s.checkOpen(ctx); err != nil {
		return "", err
	}
	if err := checkCollection(c); err != nil {
		return "", err
	}
	if key == "" {
		return "", errors.New("empty key")
	}
	return s.prefix + string(c) + "/" + key, nil
}

func (s *Store) checkOpen(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

// checkCollection keeps the key layout unambiguous: with no "/" in the
// collection, the first "/" after the prefix ends it, whatever the key.
func checkCollection(c store.Collection) error {
	if c == "" || strings.Contains(string(c), "/") {
		return fmt.Errorf("invalid collection name %q", c)
	}
	return nil
}

// classify maps an etcd client error to the store's contract. caller is
// the caller's own context: when it was cancelled, that is the answer,
// whatever etcd said; every other sign of an unreachable, leaderless or
// overloaded cluster, including our own RequestTimeout expiring, becomes
// store.ErrUnavailable. The original error stays in the chain.
func classify(caller context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(caller.Err(), context.Canceled) {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("%w (%w)", context.Canceled, err)
	}
	if errors.Is(err, rpctypes.ErrRequestTooLarge) || isGRPCCode(err, codes.ResourceExhausted) {
		// Not retryable: the value exceeds etcd's --max-request-bytes (or the
		// client's send limit). A raw gRPC ResourceExhausted comes from the
		// client-side message limit; etcd's own overload errors are typed.
		return fmt.Errorf("value too large for etcd's request size limit: %w", err)
	}
	if unavailable(err) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

func unavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, clientv3.ErrNoAvailableEndpoints) {
		return true
	}
	var ee rpctypes.EtcdError
	if errors.As(err, &ee) {
		switch ee.Code() {
		case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted:
			// No leader, leader changed, server stopped, request timed out,
			// too many requests, database space exceeded: all pass (or need
			// an operator) without the request being wrong.
			return true
		}
		return false
	}
	return isGRPCCode(err, codes.Unavailable) || isGRPCCode(err, codes.DeadlineExceeded)
}

func isGRPCCode(err error, code codes.Code) bool {
	var ee rpctypes.EtcdError
	if errors.As(err, &ee) {
		return false // typed etcd errors are judged by unavailable
	}
	st, ok := status.FromError(err)
	return ok && st.Code() == code
}

// own returns a copy of b that is non-nil even when empty: protobuf decodes
// an empty value as nil, and nil means "missing" in the store contract.
func own(b []byte) []byte {
	return append(make([]byte, 0, len(b)), b...)
}

// opErr names the operation and record; keys are usernames, never secrets.
func opErr(op string, c store.Collection, key string, err error) error {
	return fmt.Errorf("etcdstore: %s %s/%q: %w", op, c, key, err)
}

func listErr(c store.Collection, err error) error {
	return fmt.Errorf("etcdstore: list %s: %w", c, err)
}

func watchErr(err error) error {
	return fmt.Errorf("etcdstore: watch: %w", err)
}
