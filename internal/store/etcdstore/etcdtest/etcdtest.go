package etcdtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// Option adjusts a member's embed.Config before it starts, for tests that
// need, say, auto-compaction or a smaller request limit.
type Option func(*embed.Config)

// readyTimeout bounds how long a start waits for a member to join a
// cluster with a leader; generous because -race on 2 cores is slow.
const readyTimeout = 60 * time.Second

// Member is one embedded etcd member. Its ClientURL is a TCP relay in this
// process that forwards to the member's real client port: Stop cuts every
// relayed connection first, as a crash or a network failure would, which
// also spares embed.Etcd.Close its wait (about 5 s) for open watch streams
// to end. The relay keeps its address across Stop and Restart, so clients
// need no reconfiguration.
type Member struct {
	Name      string
	ClientURL string // "http://127.0.0.1:port"; give this to clients
	PeerURL   string
	Dir       string // data directory, kept across Restart

	tb      testing.TB
	cluster string // the initial-cluster string shared by all members
	token   string
	opts    []Option
	relay   *relay

	mu   sync.Mutex // serialises Stop and Restart
	etcd *embed.Etcd
}

// StartMember starts a single-member cluster and registers its shutdown
// with t.Cleanup. Register clients after calling it, so that cleanups,
// which run last-in first-out, close them before the member.
func StartMember(t testing.TB, opts ...Option) *Member {
	t.Helper()
	return StartCluster(t, 1, opts...)[0]
}

// StartCluster starts n members of one cluster in this process and waits
// until all of them serve requests. Member i has the name "m<i>".
func StartCluster(t testing.TB, n int, opts ...Option) []*Member {
	t.Helper()
	if n < 1 {
		t.Fatalf("etcdtest: cluster of %d members", n)
	}
	base := t.TempDir()
	peerPorts := freePorts(t, n)
	token := fmt.Sprintf("etcdtest-%d-%s", time.Now().UnixNano(), filepath.Base(base))
	members := make([]*Member, n)
	var initial []string
	for i := range members {
		name := fmt.Sprintf("m%d", i)
		rl, err := newRelay()
		if err != nil {
			t.Fatalf("etcdtest: %v", err)
		}
		m := &Member{
			Name:      name,
			ClientURL: "http://" + rl.ln.Addr().String(),
			PeerURL:   fmt.Sprintf("http://127.0.0.1:%d", peerPorts[i]),
			Dir:       filepath.Join(base, name),
			tb:        t,
			token:     token,
			opts:      opts,
			relay:     rl,
		}
		members[i] = m
		initial = append(initial, name+"="+m.PeerURL)
	}
	for _, m := range members {
		m.cluster = strings.Join(initial, ",")
	}
	// Stop all members at once: one by one, the later ones would lose
	// quorum and each block for seconds in raft's shutdown.
	t.Cleanup(func() {
		var wg sync.WaitGroup
		for _, m := range members {
			wg.Go(m.Stop)
		}
		wg.Wait()
		for _, m := range members {
			m.relay.close()
		}
	})

	// Start all before waiting: a member of a multi-member cluster is
	// ready only once a quorum runs.
	for _, m := range members {
		if err := m.start(); err != nil {
			t.Fatalf("etcdtest: start %s: %v", m.Name, err)
		}
	}
	for _, m := range members {
		if err := m.waitReady(); err != nil {
			t.Fatalf("etcdtest: %s: %v", m.Name, err)
		}
	}
	return members
}

// Endpoints returns the client URLs of members, for clientv3.Config or
// etcdstore.Config.
func Endpoints(members ...*Member) []string {
	eps := make([]string, len(members))
	for i, m := range members {
		eps[i] = m.ClientURL
	}
	return eps
}

// Client returns a client connected to this member only, closed by
// t.Cleanup before the member stops.
func (m *Member) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	// gRPC's default reconnect backoff starts at 1 s, which would add a
	// second to every test that restarts a member.
	bo := backoff.DefaultConfig
	bo.BaseDelay = 50 * time.Millisecond
	bo.MaxDelay = time.Second
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{m.ClientURL},
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{Backoff: bo})},
	})
	if err != nil {
		t.Fatalf("etcdtest: client for %s: %v", m.Name, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Stop cuts the member's client connections and shuts it down abruptly,
// as a crash would, keeping its data directory. Stopping a stopped member does nothing (embed.Etcd
// must not be closed twice). In a multi-member cluster, stopping a member
// takes about 1 s (embed waits that long for peer connections to drain).
func (m *Member) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.etcd == nil {
		return
	}
	m.relay.setTarget("")
	// Stop raft first, without the graceful leadership transfer that
	// Close attempts: while other members stop too, that transfer cannot
	// finish and Close waits out its full 5 s request timeout. A hard stop
	// is also the more useful failure to test: it is what a crash does.
	// Every acknowledged write is already in the fsynced WAL.
	m.etcd.Server.HardStop()
	m.etcd.Close()
	m.etcd = nil
}

// Restart starts a stopped member again on the same data directory and
// waits until it serves requests (in a multi-member cluster, that needs a
// quorum). Clients reconnect through the unchanged ClientURL.
func (m *Member) Restart(t testing.TB) {
	t.Helper()
	if err := m.start(); err != nil {
		t.Fatalf("etcdtest: restart %s: %v", m.Name, err)
	}
	if err := m.waitReady(); err != nil {
		t.Fatalf("etcdtest: restart %s: %v", m.Name, err)
	}
}

// Running reports whether the member is started.
func (m *Member) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.etcd != nil
}

// Etcd returns the running embedded server (nil while stopped), for tests
// that need its internals.
func (m *Member) Etcd() *embed.Etcd {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.etcd
}

func (m *Member) start() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.etcd != nil {
		return errors.New("already running")
	}
	cfg := embed.NewConfig()
	cfg.Name = m.Name
	cfg.Dir = m.Dir
	// Fast ticks: a single member elects itself in about 100 ms instead of
	// over a second, which dominates start-up and restart in tests.
	cfg.TickMs = 10
	cfg.ElectionMs = 100
	// The real client port is picked by the kernel anew on every start, so
	// a restart never fights over a port; clients use the relay's address.
	cfg.ListenClientUrls = []url.URL{{Scheme: "http", Host: "127.0.0.1:0"}}
	relayURL, _ := url.Parse(m.ClientURL) // built by this package, always valid
	cfg.AdvertiseClientUrls = []url.URL{*relayURL}
	peer, _ := url.Parse(m.PeerURL)
	cfg.ListenPeerUrls = []url.URL{*peer}
	cfg.AdvertisePeerUrls = []url.URL{*peer}
	cfg.InitialCluster = m.cluster
	cfg.InitialClusterToken = m.token
	cfg.ClusterState = embed.ClusterStateFlagNew // ignored once the data dir has a WAL
	cfg.LogLevel = "error"
	lg, err := logger()
	if err != nil {
		return err
	}
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(lg)
	for _, o := range m.opts {
		o(cfg)
	}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return err
	}
	m.etcd = e
	m.relay.setTarget(e.Clients[0].Addr().String())
	return nil
}

func (m *Member) waitReady() error {
	e := m.Etcd()
	if e == nil {
		return errors.New("not running")
	}
	select {
	case <-e.Server.ReadyNotify():
		return nil
	case err := <-e.Err():
		return fmt.Errorf("failed while starting: %v", err)
	case <-time.After(readyTimeout):
		return fmt.Errorf("not ready after %v", readyTimeout)
	}
}

// LogLevelEnv names the environment variable that sets the embedded
// members' log level ("debug", "info", "warn", "error"; default: silent).
const LogLevelEnv = "ETCDTEST_LOG_LEVEL"

// logger is silent unless LogLevelEnv asks otherwise: even at level error,
// etcd logs benign events of every start and stop ("failed to update
// storage version", "mux: server closed"), which would bury test output.
// Failures to start still surface through StartEtcd and Err.
func logger() (*zap.Logger, error) {
	name := os.Getenv(LogLevelEnv)
	if name == "" {
		return zap.NewNop(), nil
	}
	lvl, err := zapcore.ParseLevel(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", LogLevelEnv, err)
	}
	enc := zap.NewDevelopmentEncoderConfig()
	return zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.Lock(os.Stderr), lvl)), nil
}

// freePorts returns n distinct loopback ports that were free a moment ago.
// All listeners stay open until every port is chosen, so the kernel does
// not hand out one port twice; another process could still take one before
// etcd binds it, which on a test machine is rare enough to accept.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	lns := make([]net.Listener, n)
	for i := range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("etcdtest: free port: %v", err)
		}
		lns[i] = ln
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	for _, ln := range lns {
		_ = ln.Close()
	}
	return ports
}

// relay forwards TCP connections from a fixed loopback address to the
// member's current client address; with no target it refuses service by
// closing accepted connections at once, like a dead host behind a
// load balancer.
type relay struct {
	ln net.Listener
	wg sync.WaitGroup

	mu     sync.Mutex
	target string
	gen    int // bumped by every setTarget, so a dial racing a cut is dropped
	conns  map[net.Conn]struct{}
	closed bool
}

func newRelay() (*relay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &relay{ln: ln, conns: make(map[net.Conn]struct{})}
	r.wg.Go(r.serve)
	return r, nil
}

func (r *relay) serve() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return // listener closed
		}
		r.wg.Go(func() { r.handle(c) })
	}
}

func (r *relay) handle(in net.Conn) {
	r.mu.Lock()
	target, gen := r.target, r.gen
	r.mu.Unlock()
	if target == "" {
		_ = in.Close()
		return
	}
	out, err := net.DialTimeout("tcp", target, time.Second)
	if err != nil {
		_ = in.Close()
		return
	}
	r.mu.Lock()
	if r.gen != gen || r.closed {
		r.mu.Unlock()
		_ = in.Close()
		_ = out.Close()
		return
	}
	r.conns[in] = struct{}{}
	r.conns[out] = struct{}{}
	r.mu.Unlock()

	var wg sync.WaitGroup
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		// Either side ending ends both: half-open relays would hide a
		// dead member from the client.
		_ = dst.Close()
		_ = src.Close()
	}
	wg.Go(func() { pipe(out, in) })
	wg.Go(func() { pipe(in, out) })
	wg.Wait()
	r.mu.Lock()
	delete(r.conns, in)
	delete(r.conns, out)
	r.mu.Unlock()
}

// setTarget points new connections at addr ("" for none) and cuts every
// existing one.
func (r *relay) setTarget(addr string) {
	r.mu.Lock()
	r.target = addr
	r.gen++
	for c := range r.conns {
		_ = c.Close()
	}
	r.mu.Unlock()
}

func (r *relay) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.setTarget("")
	_ = r.ln.Close()
	r.wg.Wait()
}

// WaitLeader waits until the running members among ms agree on a leader
// that is itself running, or fails the test. Call it after stopping a
// member that may have been the leader: until the others elect a new one
// (about 100 ms here), writes fail with "request timed out" or "no leader".
func WaitLeader(t testing.TB, ms ...*Member) {
	t.Helper()
	ok := WaitFor(context.Background(), readyTimeout, func() bool {
		var lead uint64
		running := map[uint64]bool{}
		for _, m := range ms {
			e := m.Etcd()
			if e == nil {
				continue
			}
			running[uint64(e.Server.MemberID())] = true
			l := uint64(e.Server.Leader())
			if l == 0 || (lead != 0 && l != lead) {
				return false
			}
			lead = l
		}
		return lead != 0 && running[lead]
	})
	if !ok {
		t.Fatalf("etcdtest: no agreed leader among the running members after %v", readyTimeout)
	}
}

// WaitFor polls cond every 10 ms until it holds or timeout passes; for
// tests that wait on another node or a reconnect.
func WaitFor(ctx context.Context, timeout time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return cond()
		case <-tick.C:
		}
	}
}
