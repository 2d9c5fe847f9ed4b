package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
	a := startNode(t, etcdSettings("/share/", m)...)
	b := startNode(t, etcdSettings("/share/", m)...)

	_, infoA := a.call(t, "GET", "/", admin, "")
	_, infoB := b.call(t, "GET", "/", admin, "")
	uuid := regexp.MustCompile(`"cluster_uuid" : "([^"]+)"`)
	if ua, ub := uuid.FindStringSubmatch(infoA), uuid.FindStringSubmatch(infoB); ua == nil || ub == nil || ua[1] != ub[1] {
		t.Fatalf("cluster UUIDs differ:\n%s\n%s", infoA, infoB)
	}

	a.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-pw-0","roles":["superuser"]}`)
	b.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-pw-0", "")

	var latencies []time.Duration
	for i := 1; i <= 20; i++ {
		old, next := fmt.Sprintf("joe:joe-pw-%d", i-1), fmt.Sprintf("joe-pw-%d", i)
		b.expect(t, 200, "GET", "/_security/_authenticate", old, "") // cached on B
		a.expect(t, 200, "POST", "/_security/user/joe/_password", admin, `{"password":"`+next+`"}`)
		latencies = append(latencies, waitUntil(t, time.Second, func() bool {
			return b.status(t, "GET", "/_security/_authenticate", old, "") == 401
		}))
		b.expect(t, 200, "GET", "/_security/_authenticate", "joe:"+next, "")
	}
	slices.Sort(latencies)
	t.Logf("stale-password window on the other node over %d changes: min %v, median %v, p95 %v, max %v",
		len(latencies), latencies[0], latencies[len(latencies)/2], latencies[len(latencies)*95/100], latencies[len(latencies)-1])

	// Disable, roles and delete follow the same path.
	a.expect(t, 200, "PUT", "/_security/user/joe/_disable", admin, "")
	waitUntil(t, time.Second, func() bool { return b.status(t, "GET", "/_security/_authenticate", "joe:joe-pw-20", "") == 401 })
	a.expect(t, 200, "PUT", "/_security/user/joe/_enable", admin, "")
	a.expect(t, 200, "PUT", "/_security/role/watcher", admin, `{"cluster":["monitor"]}`)
	a.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"roles":["watcher"]}`)
	waitUntil(t, time.Second, func() bool { return b.status(t, "GET", "/_cluster/health", "joe:joe-pw-20", "") == 200 })
	a.expect(t, 200, "PUT", "/_security/role/watcher", admin, `{"cluster":["none"]}`)
	waitUntil(t, time.Second, func() bool { return b.status(t, "GET", "/_cluster/health", "joe:joe-pw-20", "") == 403 })
	a.expect(t, 200, "DELETE", "/_security/user/joe", admin, "")
	waitUntil(t, time.Second, func() bool { return b.status(t, "GET", "/_security/_authenticate", "joe:joe-pw-20", "") == 401 })

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
	// and evicts the user again; cache joe only after that has happened.
	time.Sleep(300 * time.Millisecond)
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
	time.Sleep(300 * time.Millisecond) // let B see the writes (and evict) first
	b.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-secret", "")
	b.expect(t, 200, "GET", "/_security/_authenticate", "ann:ann-secret", "")
	a.expect(t, 200, "POST", "/_security/realm/default_native/_clear_cache?usernames=joe", admin, "")
	time.Sleep(300 * time.Millisecond) // B applies the broadcast from its watch
	m.Stop()
	b.expect(t, 503, "GET", "/_security/_authenticate", "joe:joe-secret", "") // evicted on B
	b.expect(t, 200, "GET", "/_security/_authenticate", "ann:ann-secret", "") // still cached
	m.Restart(t)
}

// A block started on one node holds on the others, and an unlock on any
// node lifts it everywhere.
func TestLockoutAcrossNodes(t *testing.T) {
	m := etcdtest.StartMember(t)
	settings := append(etcdSettings("/lock/", m), "esauth.security.lockout.max_attempts=3")
	a := startNode(t, settings...)
	b := startNode(t, settings...)
	a.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-password","roles":[]}`)
	for range 3 {
		a.expect(t, 401, "GET", "/_security/_authenticate", "joe:wrong-password", "")
	}
	a.expect(t, 429, "GET", "/_security/_authenticate", "joe:joe-password", "")
	took := waitUntil(t, time.Second, func() bool {
		return b.status(t, "GET", "/_security/_authenticate", "joe:joe-password", "") == 429
	})
	t.Logf("the block reached the other node in %v", took)
	b.expect(t, 200, "DELETE", "/_security/_esauth/locked_users/user/joe", admin, "")
	waitUntil(t, time.Second, func() bool {
		return a.status(t, "GET", "/_security/_authenticate", "joe:joe-password", "") == 200
	})
}
