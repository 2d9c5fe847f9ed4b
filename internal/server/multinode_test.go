package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/serviceaccount"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
)

// etcdSettings points a node at etcd members under a prefix of its own.
func etcdSettings(prefix string, members ...*etcdtest.Member) []string {
	urls := make([]string, len(members))
	for i, m := range members {
		urls[i] = m.ClientURL
	}
	return []string{"esauth.store.type=etcd", "esauth.store.etcd.endpoints=" + strings.Join(urls, ","),
		"esauth.store.etcd.prefix=" + prefix, "esauth.store.etcd.request_timeout=1s", "esauth.store.etcd.dial_timeout=2s"}
}

// waitUntil polls cond every 5 ms and returns how long it took to hold;
// the test fails if it does not hold within limit.
func waitUntil(t *testing.T, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("condition not met within %v", limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// TestNodesShareUsersThroughEtcd checks that a write on one node takes
// effect on another within one second although the other had the old
// credentials cached, and reports the invalidation latency.
func TestNodesShareUsersThroughEtcd(t *testing.T) {
	m := etcdtest.StartMember(t)
	// Address blocking off: every change below ends in one failed login.
	settings := append(etcdSettings("/share/", m), "esauth.security.lockout.ip.max_attempts=0")
	a := startNode(t, settings...)
	b := startNode(t, settings...)

	_, infoA := a.call(t, "GET", "/", admin, "")
	_, infoB := b.call(t, "GET", "/", admin, "")
	uuid := regexp.MustCompile(`"cluster_uuid" : "([^"]+)"`)
	if ua, ub := uuid.FindStringSubmatch(infoA), uuid.FindStringSubmatch(infoB); ua == nil || ub == nil || ua[1] != ub[1] {
		t.Fatalf("cluster UUIDs differ:\n%s\n%s", infoA, infoB)
	}

	a.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-pw-0","roles":["superuser"]}`)
	b.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-pw-0", "")

	const changes = 100
	var latencies []time.Duration
	for i := 1; i <= changes; i++ {
		old, next := fmt.Sprintf("joe:joe-pw-%d", i-1), fmt.Sprintf("joe-pw-%d", i)
		b.expect(t, 200, "GET", "/_security/_authenticate", old, "") // cached on B
		a.expect(t, 200, "POST", "/_security/user/joe/_password", admin, `{"password":"`+next+`"}`)
		latencies = append(latencies, waitUntil(t, time.Second, func() bool {
			return b.status(t, "GET", "/_security/_authenticate", old, "") == 401
		}))
		b.expect(t, 200, "GET", "/_security/_authenticate", "joe:"+next, "")
	}
	// README: a changed password stops working on the other nodes within
	// milliseconds; waitUntil holds every change to one second.
	if p99 := percentile(latencies, 99); p99 >= 250*time.Millisecond {
		t.Errorf("stale-password window: p99 %v over %d changes, want < 250ms (%s)", p99, changes, distribution(latencies))
	}
	t.Logf("stale-password window on the other node over %d changes: %s", changes, distribution(latencies))

	// Disable, roles and delete follow the same path.
	a.expect(t, 200, "PUT", "/_security/user/joe/_disable", admin, "")
	waitUntil(t, time.Second, func() bool { return b.status(t, "GET", "/_security/_authenticate", "joe:joe-pw-100", "") == 401 })
	a.expect(t, 200, "PUT", "/_security/user/joe/_enable", admin, "")
	a.expect(t, 200, "PUT", "/_security/role/watcher", admin, `{"cluster":["monitor"]}`)
	a.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"roles":["watcher"]}`)
	waitUntil(t, time.Second, func() bool { return b.status(t, "GET", "/_cluster/health", "joe:joe-pw-100", "") == 200 })
	a.expect(t, 200, "PUT", "/_security/role/watcher", admin, `{"cluster":["none"]}`)
	waitUntil(t, time.Second, func() bool { return b.status(t, "GET", "/_cluster/health", "joe:joe-pw-100", "") == 403 })
	a.expect(t, 200, "DELETE", "/_security/user/joe", admin, "")
	waitUntil(t, time.Second, func() bool { return b.status(t, "GET", "/_security/_authenticate", "joe:joe-pw-100", "") == 401 })

	// Both nodes answer clear-cache and health for the whole cluster.
	_, cleared := b.call(t, "POST", "/_security/realm/_all/_clear_cache", admin, "")
	var nodes struct {
		Nodes map[string]struct{ Name string }
		N     struct{ Total int } `json:"_nodes"`
	}
	if err := json.Unmarshal([]byte(cleared), &nodes); err != nil || nodes.N.Total != 2 || len(nodes.Nodes) != 2 {
		t.Errorf("clear cache lists %s", cleared)
	}
	if _, h := a.call(t, "GET", "/_cluster/health", admin, ""); !strings.Contains(h, `"status":"green"`) || !strings.Contains(h, `"number_of_nodes":2`) {
		t.Errorf("health: %s", h)
	}
}

// TestConcurrentFirstStarts starts three nodes at once against an empty
// etcd: exactly one elastic password and one cluster UUID come out.
func TestConcurrentFirstStarts(t *testing.T) {
	m := etcdtest.StartMember(t)
	var outs [3]bytes.Buffer
	var nodes [3]node
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := startNodeWith(t, nodeOptions{overrides: etcdSettings("/race/", m), stdout: &outs[i]})
			mu.Lock()
			nodes[i] = n
			mu.Unlock()
		}()
	}
	wg.Wait()
	var passwords []string
	for i := range outs {
		if s := outs[i].String(); strings.Contains(s, "Password for the elastic user") {
			passwords = append(passwords, strings.TrimSpace(s[strings.LastIndex(strings.TrimSpace(s), "\n")+1:]))
		}
	}
	if len(passwords) != 1 {
		t.Fatalf("%d nodes printed an elastic password, want exactly 1", len(passwords))
	}
	uuid := regexp.MustCompile(`"cluster_uuid" : "([^"]+)"`)
	seen := map[string]bool{}
	for _, n := range nodes {
		code, info := n.call(t, "GET", "/", "elastic:"+passwords[0], "")
		if code != 200 {
			t.Fatalf("the printed password does not work on every node: %d %s", code, info)
		}
		seen[uuid.FindStringSubmatch(info)[1]] = true
	}
	if len(seen) != 1 {
		t.Errorf("cluster UUIDs: %v", seen)
	}
}

// TestEtcdUnavailable: cached credentials keep working while etcd is down,
// writes fail fast with a 503, health is red, and all recovers by itself.
func TestEtcdUnavailable(t *testing.T) {
	m := etcdtest.StartMember(t)
	n := startNode(t, etcdSettings("/down/", m)...)
	n.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-secret","roles":["superuser"]}`)
	// A node also sees its own writes through the watch, a few ms later,
	// and evicts the user again; cache joe only after that has happened. A
	// clear-cache call returns once the node's watch has applied it, and so
	// every write before it.
	n.expect(t, 200, "POST", "/_security/realm/_all/_clear_cache", admin, "")
	n.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-secret", "")
	m.Stop()
	n.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-secret", "") // from the cache
	start := time.Now()
	code, body := n.call(t, "PUT", "/_security/user/ann", "joe:joe-secret", `{"password":"ann-secret","roles":[]}`)
	if took := time.Since(start); code != 503 || !strings.Contains(body, "unavailable_shards_exception") || took > 3*time.Second {
		t.Errorf("write while etcd is down: %d after %v: %s", code, took, body)
	}
	if _, h := n.call(t, "GET", "/_cluster/health", "joe:joe-secret", ""); !strings.Contains(h, `"status":"red"`) {
		t.Errorf("health while etcd is down: %s", h)
	}
	m.Restart(t)
	waitUntil(t, 15*time.Second, func() bool {
		return n.status(t, "PUT", "/_security/user/ann", "joe:joe-secret", `{"password":"ann-secret","roles":[]}`) == 200
	})
	n.expect(t, 200, "GET", "/_security/_authenticate", "ann:ann-secret", "")
	if _, h := n.call(t, "GET", "/_cluster/health", admin, ""); !strings.Contains(h, `"status":"green"`) {
		t.Errorf("health after recovery: %s", h)
	}
}

// TestFaultsUnderWrites: with acknowledged writes streaming through three
// nodes, one etcd member and one node stop; every acknowledged write is
// kept and no node serves a stale password for more than a second.
func TestFaultsUnderWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("three etcd members and three nodes; run without -short")
	}
	members := etcdtest.StartCluster(t, 3)
	var nodes []node
	for range 3 {
		nodes = append(nodes, startNode(t, etcdSettings("/faults/", members...)...))
	}
	var acked sync.Map
	var count atomic.Int64
	stopWriters := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stopWriters:
					return
				default:
				}
				name := fmt.Sprintf("w%d-%04d", w, i)
				n := nodes[w]
				if w == 2 && count.Load() > 150 {
					n = nodes[0] // node 2 is going away
				}
				code := n.status(t, "PUT", "/_security/user/"+name, admin,
					`{"password_hash":"$2a$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa","roles":[]}`)
				if code == 200 {
					acked.Store(name, true)
					count.Add(1)
				}
			}
		}()
	}
	waitUntil(t, 20*time.Second, func() bool { return count.Load() > 150 })
	members[2].Stop()
	nodes[2].stop()
	before := count.Load()
	waitUntil(t, 20*time.Second, func() bool { return count.Load() > before+150 })
	close(stopWriters)
	wg.Wait()

	_, all := nodes[1].call(t, "GET", "/_security/user", admin, "")
	missing := 0
	acked.Range(func(k, _ any) bool {
		if !strings.Contains(all, `"`+k.(string)+`":`) {
			missing++
		}
		return true
	})
	if missing > 0 {
		t.Errorf("%d of %d acknowledged users are missing", missing, count.Load())
	}
	t.Logf("%d acknowledged writes, all present after losing one etcd member and one node", count.Load())

	// The remaining nodes still invalidate each other promptly.
	nodes[0].expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-pw-1","roles":["superuser"]}`)
	nodes[1].expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-pw-1", "")
	nodes[0].expect(t, 200, "POST", "/_security/user/joe/_password", admin, `{"password":"joe-pw-2"}`)
	waitUntil(t, time.Second, func() bool { return nodes[1].status(t, "GET", "/_security/_authenticate", "joe:joe-pw-1", "") == 401 })
}

// TestClearCacheReachesOtherNodes observes another node's cache: with etcd
// stopped a node can authenticate only from its cache, so after a
// _clear_cache on A, node B must fail (503) where it succeeded before.
func TestClearCacheReachesOtherNodes(t *testing.T) {
	m := etcdtest.StartMember(t)
	a := startNode(t, etcdSettings("/clear/", m)...)
	b := startNode(t, etcdSettings("/clear/", m)...)
	a.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-secret","roles":["superuser"]}`)
	a.expect(t, 200, "PUT", "/_security/user/ann", admin, `{"password":"ann-secret","roles":["superuser"]}`)
	// A clear-cache call returns once every node's watch has applied it:
	// B has then seen (and evicted for) the writes before it.
	a.expect(t, 200, "POST", "/_security/realm/_all/_clear_cache", admin, "")
	b.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-secret", "")
	b.expect(t, 200, "GET", "/_security/_authenticate", "ann:ann-secret", "")
	a.expect(t, 200, "POST", "/_security/realm/default_native/_clear_cache?usernames=joe", admin, "")
	// Stop etcd at once: the call has waited for B to clear.
	m.Stop()
	b.expect(t, 503, "GET", "/_security/_authenticate", "joe:joe-secret", "") // evicted on B
	b.expect(t, 200, "GET", "/_security/_authenticate", "ann:ann-secret", "") // still cached
	m.Restart(t)
}

// A block started on one node holds on the others, and an unlock on any
// node lifts it everywhere.
func TestLockoutAcrossNodes(t *testing.T) {
	m := etcdtest.StartMember(t)
	// Address blocking off: every trial fails three times from one address.
	settings := append(etcdSettings("/lock/", m), "esauth.security.lockout.max_attempts=3",
		"esauth.security.lockout.ip.max_attempts=0")
	a := startNode(t, settings...)
	b := startNode(t, settings...)
	a.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-password","roles":[]}`)
	const trials = 100
	var latencies []time.Duration
	for range trials {
		for range 3 {
			a.expect(t, 401, "GET", "/_security/_authenticate", "joe:wrong-password", "")
		}
		// The third failure started the block: measure from its answer.
		latencies = append(latencies, waitUntil(t, time.Second, func() bool {
			return b.status(t, "GET", "/_security/_authenticate", "joe:joe-password", "") == 429
		}))
		a.expect(t, 429, "GET", "/_security/_authenticate", "joe:joe-password", "")
		b.expect(t, 200, "DELETE", "/_security/_esauth/locked_users/user/joe", admin, "")
		// A success on A also ends A's run of failures for the next trial.
		waitUntil(t, time.Second, func() bool {
			return a.status(t, "GET", "/_security/_authenticate", "joe:joe-password", "") == 200
		})
	}
	// README: a block holds on every node within milliseconds; waitUntil
	// holds every trial to one second.
	if p99 := percentile(latencies, 99); p99 >= 250*time.Millisecond {
		t.Errorf("block propagation: p99 %v over %d blocks, want < 250ms (%s)", p99, trials, distribution(latencies))
	}
	t.Logf("a block reached the other node, over %d blocks: %s", trials, distribution(latencies))
}

// percentile returns the p-th percentile (nearest rank) of ds.
func percentile(ds []time.Duration, p int) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	return s[max((len(s)*p+99)/100-1, 0)]
}

// distribution summarises latencies for the log.
func distribution(ds []time.Duration) string {
	return fmt.Sprintf("min %v, median %v, p95 %v, p99 %v, max %v", slices.Min(ds), percentile(ds, 50),
		percentile(ds, 95), percentile(ds, 99), slices.Max(ds))
}

// startWrapped runs a node as startNode does, over its store as wrap
// returns it.
func startWrapped(t *testing.T, wrap func(store.Store) store.Store, overrides ...string) node {
	t.Helper()
	base := []string{"path.data=" + t.TempDir(), "path.conf=" + t.TempDir(),
		"xpack.security.authc.password_hashing.algorithm=bcrypt4"}
	s, err := config.Load("", append(base, overrides...), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := s.Config()
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(t.Context(), Options{Config: cfg, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard,
		Getenv: func(string) string { return "elastic-pw" }, WrapStore: wrap})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(n.Handler())
	var once sync.Once
	stop := func() {
		once.Do(func() {
			srv.Close()
			if err := n.Close(); err != nil {
				t.Errorf("closing the node: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return node{url: srv.URL, stop: stop}
}

// behindWatch is the watch of a node that misses every change of users
// and roles, which thus happen behind its caches, and that applies
// broadcasts late, as a loaded node does.
type behindWatch struct {
	store.Store
	w     store.Watcher
	delay time.Duration
}

func behind(delay time.Duration) func(store.Store) store.Store {
	return func(s store.Store) store.Store { return behindWatch{Store: s, w: s.(store.Watcher), delay: delay} }
}

func (b behindWatch) Revision(ctx context.Context) (int64, error) { return b.w.Revision(ctx) }

func (b behindWatch) Watch(ctx context.Context, after int64, fn func(store.Event)) error {
	return b.w.Watch(ctx, after, func(e store.Event) {
		switch {
		case e.Collection == store.Users || e.Collection == store.Roles:
			return
		case e.Collection == store.Events && !e.Deleted:
			time.Sleep(b.delay) // a slow node, not synchronisation
		}
		fn(e)
	})
}

// nodesAnswer is the part of a nodes response the tests read.
type nodesAnswer struct {
	Header struct {
		Total, Successful, Failed int
		Failures                  []struct {
			Type, Reason string
			NodeID       string                        `json:"node_id"`
			CausedBy     struct{ Type, Reason string } `json:"caused_by"`
		}
	} `json:"_nodes"`
	Nodes map[string]struct{ Name string }
}

func decodeNodes(t *testing.T, body string) nodesAnswer {
	t.Helper()
	var a nodesAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("not a nodes response: %v: %s", err, body)
	}
	return a
}

// TestClearCacheWaitsForAllNodes: Elasticsearch's clear-cache APIs are
// nodes actions, so when one returns every node has cleared. B and C never
// hear of user and role changes by themselves here, and take 200 ms to
// apply a broadcast; right after the call returns they must refuse what
// was cleared. A node that is listed but does not answer is a failure in
// _nodes.
func TestClearCacheWaitsForAllNodes(t *testing.T) {
	m := etcdtest.StartMember(t)
	settings := etcdSettings("/clearall/", m)
	a := startNode(t, settings...)
	others := []node{startWrapped(t, behind(200*time.Millisecond), settings...),
		startWrapped(t, behind(200*time.Millisecond), settings...)}

	a.expect(t, 200, "PUT", "/_security/role/admins", admin, `{"cluster":["manage_security"]}`)
	a.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-pw-1","roles":["admins"]}`)
	for _, n := range others {
		n.expect(t, 200, "GET", "/_security/user", "joe:joe-pw-1", "") // caches joe and his role
	}
	a.expect(t, 200, "POST", "/_security/user/joe/_password", admin, `{"password":"joe-pw-2"}`)
	a.expect(t, 200, "PUT", "/_security/role/admins", admin, `{"cluster":[]}`)
	for _, n := range others {
		n.expect(t, 200, "GET", "/_security/user", "joe:joe-pw-1", "") // both changes are behind the caches
	}

	code, body := a.call(t, "POST", "/_security/role/admins/_clear_cache", admin, "")
	if ans := decodeNodes(t, body); code != 200 || ans.Header.Total != 3 || ans.Header.Successful != 3 || len(ans.Nodes) != 3 {
		t.Errorf("clearing the role: %d %s", code, body)
	}
	for i, n := range others {
		if got := n.status(t, "GET", "/_security/user", "joe:joe-pw-1", ""); got != 403 {
			t.Errorf("node %d right after the role cache was cleared: %d, want 403", i+1, got)
		}
	}
	code, body = a.call(t, "POST", "/_security/realm/default_native/_clear_cache?usernames=joe", admin, "")
	if ans := decodeNodes(t, body); code != 200 || ans.Header.Total != 3 || ans.Header.Successful != 3 || len(ans.Nodes) != 3 {
		t.Errorf("clearing the realm: %d %s", code, body)
	}
	for i, n := range others {
		if got := n.status(t, "GET", "/_security/_authenticate", "joe:joe-pw-1", ""); got != 401 {
			t.Errorf("node %d right after the realm cache was cleared: the old password gets %d, want 401", i+1, got)
		}
		n.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-pw-2", "")
	}

	// A crashed node stays listed until its lease runs out, and never
	// answers.
	cli := m.Client(t)
	lease, err := cli.Grant(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(t.Context(), "/clearall/nodes/ghost", `{"name":"ghost"}`, clientv3.WithLease(lease.ID)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, body = a.call(t, "POST", "/_security/realm/_all/_clear_cache", admin, "")
	took := time.Since(start)
	ans := decodeNodes(t, body)
	if code != 200 || ans.Header.Total != 4 || ans.Header.Successful != 3 || ans.Header.Failed != 1 || len(ans.Nodes) != 3 ||
		len(ans.Header.Failures) != 1 || ans.Header.Failures[0].NodeID != "ghost" ||
		ans.Header.Failures[0].Type != "failed_node_exception" || ans.Header.Failures[0].Reason != "Failed node [ghost]" {
		t.Errorf("clearing with a dead node listed: %d %s", code, body)
	}
	t.Logf("with a dead node listed the call took %v: %s", took, body)
}

// check is one authorization check a checker made: when it ran and
// whether the node granted it.
type check struct {
	begin, end time.Time
	granted    bool
}

// checker asks one node again and again, until stopped, whether a user
// holds a privilege, and logs every answer.
type checker struct {
	n          node
	path, auth string

	mu     sync.Mutex
	checks []check
	err    error
}

func (c *checker) run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		begin := time.Now()
		req, _ := http.NewRequest("GET", c.n.url+c.path, nil)
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.auth)))
		resp, err := http.DefaultClient.Do(req)
		end := time.Now()
		c.mu.Lock()
		if err != nil {
			c.err = err
			c.mu.Unlock()
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case 200, 403:
			c.checks = append(c.checks, check{begin: begin, end: end, granted: resp.StatusCode == 200})
		default:
			c.err = fmt.Errorf("GET %s: %d", c.path, resp.StatusCode)
		}
		failed := c.err != nil
		c.mu.Unlock()
		if failed {
			return
		}
		// A breath between checks leaves the two shared cores to etcd and
		// the nodes; it bounds the measurement's resolution to about 1 ms.
		time.Sleep(time.Millisecond)
	}
}

// latest returns the checks that began at or after t, up to the last n.
func (c *checker) latest(t time.Time, n int) ([]check, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := len(c.checks)
	for i > 0 && len(c.checks)-i < n && !c.checks[i-1].begin.Before(t) {
		i--
	}
	return slices.Clone(c.checks[i:]), c.err
}

// TestRevokedPrivilegeOnAllNodes (review §2): A grants a role
// manage_security, then takes it away, fifty times, while B and C keep
// checking a user with that role. No node may grant the removed privilege
// for more than one second after the write returned, nor grant it again
// once it has refused.
func TestRevokedPrivilegeOnAllNodes(t *testing.T) {
	m := etcdtest.StartMember(t)
	settings := etcdSettings("/revoke/", m)
	a := startNode(t, settings...)
	a.expect(t, 200, "PUT", "/_security/role/ops", admin, `{"cluster":["manage_security"]}`)
	a.expect(t, 200, "PUT", "/_security/user/olga", admin, `{"password":"olga-password","roles":["ops"]}`)
	var checkers []*checker
	for range 2 {
		checkers = append(checkers, &checker{n: startNode(t, settings...), path: "/_security/user/olga", auth: "olga:olga-password"})
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range checkers {
		wg.Go(func() { c.run(stop) })
	}
	defer func() { close(stop); wg.Wait() }()

	// settled waits until the latest three checks of every checker began
	// after t0 and all got want.
	settled := func(t0 time.Time, want bool) {
		t.Helper()
		waitUntil(t, 10*time.Second, func() bool {
			for _, c := range checkers {
				cs, err := c.latest(t0, 3)
				if err != nil {
					t.Fatalf("checker: %v", err)
				}
				if len(cs) < 3 || slices.ContainsFunc(cs, func(ch check) bool { return ch.granted != want }) {
					return false
				}
			}
			return true
		})
	}
	const rounds = 50
	type round struct{ revoked, next time.Time }
	var rs []round
	for i := range rounds {
		if i > 0 {
			// Before the grant is sent: it holds from its commit, before
			// the answer.
			rs[i-1].next = time.Now()
		}
		granted := time.Now()
		a.expect(t, 200, "PUT", "/_security/role/ops", admin, `{"cluster":["manage_security"]}`)
		settled(granted, true) // every node holds it, in its caches too
		a.expect(t, 200, "PUT", "/_security/role/ops", admin, `{"cluster":[]}`)
		revoked := time.Now()
		rs = append(rs, round{revoked: revoked})
		settled(revoked, false)
	}
	rs[len(rs)-1].next = time.Now()

	// Per round and node: how long after the write returned the node
	// refused for good, that is, the end of its last grant then (or of its
	// first refusal, when it granted nothing more).
	var refusedAfter []time.Duration
	for i, r := range rs {
		for ci, c := range checkers {
			c.mu.Lock()
			var seq []string
			var last time.Duration = -1
			refusedOnce := false
			for _, ch := range c.checks {
				// Checks still running when the next grant was sent may
				// rightly see it.
				if ch.begin.Before(r.revoked) || !ch.end.Before(r.next) {
					continue
				}
				seq = append(seq, fmt.Sprintf("%v:%v", ch.begin.Sub(r.revoked).Round(100*time.Microsecond), ch.granted))
				switch {
				case ch.granted:
					last = ch.end.Sub(r.revoked)
					if refusedOnce {
						t.Errorf("round %d: node %d granted the removed privilege again %v after the write, having refused it (checks: %v)",
							i, ci+1, ch.begin.Sub(r.revoked), seq)
					}
				case !refusedOnce:
					refusedOnce = true
					if last < 0 {
						last = ch.end.Sub(r.revoked)
					}
				}
			}
			c.mu.Unlock()
			refusedAfter = append(refusedAfter, last)
		}
	}
	if worst := slices.Max(refusedAfter); worst >= time.Second {
		t.Errorf("a node granted a removed privilege for %v after the write returned, want < 1s", worst)
	}
	t.Logf("time from the revoking write's return until a node refuses for good, over %d rounds × %d nodes: %s",
		rounds, len(checkers), distribution(refusedAfter))
}

// TestCredentialsAcrossNodes: an API key made on one node works on every node
// sharing the store, and once invalidated, or its cache cleared, stops
// on each of them within a second although they had it cached.
func TestCredentialsAcrossNodes(t *testing.T) {
	m := etcdtest.StartMember(t)
	settings := etcdSettings("/keys/", m)
	nodes := []node{startNode(t, settings...), startNode(t, settings...), startNode(t, settings...)}
	keyStatus := func(n node, encoded string) int {
		req, _ := http.NewRequest("GET", n.url+"/_security/_authenticate", nil)
		req.Header.Set("Authorization", "ApiKey "+encoded)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	var latencies []time.Duration
	for i := range 10 {
		_, body := nodes[0].call(t, "POST", "/_security/api_key", admin, fmt.Sprintf(`{"name":"k%d"}`, i))
		var k struct{ ID, Encoded string }
		if err := json.Unmarshal([]byte(body), &k); err != nil || k.Encoded == "" {
			t.Fatalf("create: %s", body)
		}
		for _, n := range nodes {
			if s := keyStatus(n, k.Encoded); s != 200 {
				t.Fatalf("a new key on %s: %d", n.url, s)
			}
		}
		nodes[i%3].expect(t, 200, "DELETE", "/_security/api_key", admin, `{"ids":["`+k.ID+`"]}`)
		for _, n := range nodes {
			latencies = append(latencies, waitUntil(t, time.Second, func() bool { return keyStatus(n, k.Encoded) == 401 }))
		}
	}
	t.Logf("invalidated key still accepted by a node for: %s", distribution(latencies))
	// A service token deleted on one node stops on the others.
	_, body := nodes[0].call(t, "POST", "/_security/service/elastic/fleet-server/credential/token/t1", admin, "")
	var tok struct{ Token struct{ Value string } }
	if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.Token.Value == "" {
		t.Fatalf("create token: %s", body)
	}
	bearer := func(n node) int {
		req, _ := http.NewRequest("GET", n.url+"/_security/_authenticate", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token.Value)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, n := range nodes {
		if s := bearer(n); s != 200 {
			t.Fatalf("a new token on %s: %d", n.url, s)
		}
	}
	nodes[2].expect(t, 200, "DELETE", "/_security/service/elastic/fleet-server/credential/token/t1", admin, "")
	for _, n := range nodes {
		waitUntil(t, time.Second, func() bool { return bearer(n) == 401 })
	}
	// Clearing the cache on one node answers for all three.
	_, cleared := nodes[1].call(t, "POST", "/_security/api_key/*/_clear_cache", admin, "")
	if !strings.Contains(cleared, `"total":3,"successful":3,"failed":0`) {
		t.Errorf("clear cache: %s", cleared)
	}
}

// GET …/credential lists the file tokens of every node sharing the store,
// each under the nodes whose service_tokens file holds it, and follows a
// file that changes.
func TestFileTokensOfEveryNode(t *testing.T) {
	m := etcdtest.StartMember(t)
	settings := etcdSettings("/filetokens/", m)
	const hash = "{PBKDF2_STRETCH}10000$c2FsdHNhbHRzYWx0c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g="
	var nodes []node
	for i, names := range [][]string{{"shared", "only0"}, {"shared"}} {
		conf := t.TempDir()
		tokens := map[string]string{}
		for _, n := range names {
			tokens["elastic/fleet-server/"+n] = hash
		}
		tokens["elastic/kibana/other"] = hash
		if err := serviceaccount.WriteTokensFile(conf, tokens); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, startNodeWith(t, nodeOptions{conf: conf, overrides: append(slices.Clone(settings), fmt.Sprintf("node.name=n%d", i)), elasticPassword: "elastic-pw"}))
	}
	creds := func() string {
		_, body := nodes[1].call(t, "GET", "/_security/service/elastic/fleet-server/credential", admin, "")
		return body
	}
	want := `"nodes_credentials":{"_nodes":{"total":2,"successful":2,"failed":0},"file_tokens":{"only0":{"nodes":["n0"]},"shared":{"nodes":["n0","n1"]}}}`
	if got := creds(); !strings.Contains(got, want) || !strings.Contains(got, `"count":2`) {
		t.Fatalf("credentials:\n%s\nwant %s", got, want)
	}
	// Node 1's file gains a token: it tells the others.
	if err := serviceaccount.WriteTokensFile(nodes[1].conf, map[string]string{"elastic/fleet-server/shared": hash, "elastic/fleet-server/late": hash}); err != nil {
		t.Fatal(err)
	}
	want = `"file_tokens":{"late":{"nodes":["n1"]},"only0":{"nodes":["n0"]},"shared":{"nodes":["n0","n1"]}}`
	waitUntil(t, 10*time.Second, func() bool {
		_, body := nodes[0].call(t, "GET", "/_security/service/elastic/fleet-server/credential", admin, "")
		return strings.Contains(body, want)
	})
}
