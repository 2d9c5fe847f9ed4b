package peers

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/etcdstore"
	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
)

// openEtcd returns a store on m under prefix, closed with the test.
func openEtcd(t *testing.T, m *etcdtest.Member, prefix string) *etcdstore.Store {
	t.Helper()
	s, err := etcdstore.Open(t.Context(), etcdstore.Config{Endpoints: []string{m.ClientURL}, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// listed reports whether the node list holds id.
func listed(p *Peers, id string) bool {
	return slices.ContainsFunc(p.Nodes(context.Background()), func(n Node) bool { return n.ID == id })
}

// await polls cond every 10 ms and returns how long it took to hold; the
// test fails if it does not within limit.
func await(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// TestCrashedNodeLeavesTheList: a node whose life ends without Deregister,
// as in a crash, leaves the node list within its TTL; a running node stays
// listed for longer than that; a clean Deregister is immediate.
func TestCrashedNodeLeavesTheList(t *testing.T) {
	m := etcdtest.StartMember(t)
	prefix := "/members-" + rand.Text() + "/"
	const ttl = time.Second
	running := NewWithOptions(openEtcd(t, m, prefix), nil, Node{ID: "running", Name: "running"}, &recorder{}, discard(), Options{MemberTTL: ttl})
	crashing := NewWithOptions(openEtcd(t, m, prefix), nil, Node{ID: "crashing", Name: "crashing"}, &recorder{}, discard(), Options{MemberTTL: ttl})
	if err := running.Register(t.Context()); err != nil {
		t.Fatal(err)
	}
	registered := time.Now()
	ctx, crash := context.WithCancel(t.Context())
	if err := crashing.Register(ctx); err != nil {
		t.Fatal(err)
	}
	if !listed(running, "crashing") || !listed(running, "running") {
		t.Fatalf("registered nodes: %v", running.Nodes(t.Context()))
	}
	crash()
	crashed := time.Now()
	took := await(t, 10*time.Second, "the crashed node leaves the list", func() bool { return !listed(running, "crashing") })
	t.Logf("the crashed node left the list %v after it stopped (TTL %v)", time.Since(crashed), ttl)
	if took > ttl+time.Second {
		t.Errorf("the crashed node stayed listed for %v, want at most its TTL %v (and etcd's 500 ms expiry tick)", took, ttl)
	}
	// Renewal keeps the running node listed through three TTLs.
	for time.Since(registered) < 3*ttl {
		if !listed(running, "running") {
			t.Fatalf("the running node left the list %v after it registered", time.Since(registered))
		}
		time.Sleep(50 * time.Millisecond)
	}
	running.Deregister(t.Context())
	if listed(crashing, "running") {
		t.Error("a node is listed after Deregister")
	}
}

// slowHandler is a recorder that takes its time to clear, as a loaded node
// does.
type slowHandler struct {
	recorder
	delay time.Duration
}

func (h *slowHandler) ClearRealms(names, users []string) {
	time.Sleep(h.delay)
	h.recorder.ClearRealms(names, users)
}

// TestClearCachesWaitsForAnswers: ClearCaches returns once every listed
// node has applied the request, however slowly; a listed node that never
// answers is a timeout failure, one that leaves the list meanwhile is
// reported at once as not connected; no request or answer record stays.
func TestClearCachesWaitsForAnswers(t *testing.T) {
	m := etcdtest.StartMember(t)
	prefix := "/clear-" + rand.Text() + "/"
	ctx := t.Context()
	const ackTimeout = 2 * time.Second
	var ps []*Peers
	var handlers []*slowHandler
	for i, id := range []string{"n1", "n2", "n3"} {
		db := openEtcd(t, m, prefix)
		h := &slowHandler{delay: time.Duration(i) * 100 * time.Millisecond}
		p := NewWithOptions(db, db, Node{ID: id, Name: "node-" + id}, h, discard(), Options{AckTimeout: ackTimeout})
		if err := p.Register(ctx); err != nil {
			t.Fatal(err)
		}
		go p.Follow(ctx)
		ps, handlers = append(ps, p), append(handlers, h)
	}
	ans, err := ps[0].ClearCaches(ctx, ClearRealmsKind, []string{"default_native"}, []string{"joe"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Done) != 3 || len(ans.Failed) != 0 {
		t.Errorf("answers: %+v, want all three done", ans)
	}
	for i, h := range handlers {
		if got := h.list(); !slices.Equal(got, []string{"realms:default_native:joe"}) {
			t.Errorf("node %d had applied %v when ClearCaches returned", i+1, got)
		}
	}

	// Requests in flight at once, from every node, are answered apart.
	var wg sync.WaitGroup
	errs := make(chan error, 3*len(ps))
	for _, p := range ps {
		for range 3 {
			wg.Go(func() {
				ans, err := p.ClearCaches(ctx, ClearRolesKind, []string{"r1"}, nil)
				if err == nil && (len(ans.Done) != 3 || len(ans.Failed) != 0) {
					err = fmt.Errorf("answers to a concurrent request: %+v", ans)
				}
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}

	// A node that is listed but does not follow: it never answers.
	mute := NewWithOptions(openEtcd(t, m, prefix), nil, Node{ID: "mute", Name: "mute"}, &recorder{}, discard(), Options{})
	if err := mute.Register(ctx); err != nil {
		t.Fatal(err)
	}
	ans, err = ps[0].ClearCaches(ctx, ClearRolesKind, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Done) != 3 || len(ans.Failed) != 1 || ans.Failed[0].Node.ID != "mute" ||
		ans.Failed[0].Type != "receive_timeout_transport_exception" {
		t.Errorf("answers with a mute node: %+v", ans)
	}

	// The mute node leaves while a request waits for it.
	wg.Go(func() {
		await(t, 5*time.Second, "the request is pending", func() bool {
			ps[0].mu.Lock()
			defer ps[0].mu.Unlock()
			return len(ps[0].pending) == 1
		})
		mute.Deregister(ctx)
	})
	start := time.Now()
	ans, err = ps[0].ClearCaches(ctx, ClearRolesKind, nil, nil)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); len(ans.Done) != 3 || len(ans.Failed) != 1 || ans.Failed[0].Node.ID != "mute" ||
		ans.Failed[0].Type != "node_not_connected_exception" || took >= ackTimeout {
		t.Errorf("answers when the mute node left after %v: %+v", took, ans)
	}

	await(t, 5*time.Second, "no event record stays", func() bool {
		n := 0
		_ = ps[0].db.List(ctx, store.Events, func(string, []byte) error { n++; return nil })
		return n == 0
	})
}

// TestFollowFromRegistration: a request sent once a node is listed but
// before its watch has begun still reaches it: Follow starts from the
// store's revision before the node registered.
func TestFollowFromRegistration(t *testing.T) {
	m := etcdtest.StartMember(t)
	prefix := "/follow-" + rand.Text() + "/"
	ctx := t.Context()
	adb := openEtcd(t, m, prefix)
	asker := NewWithOptions(adb, adb, Node{ID: "a", Name: "a"}, &recorder{}, discard(), Options{AckTimeout: 5 * time.Second})
	if err := asker.Register(ctx); err != nil {
		t.Fatal(err)
	}
	go asker.Follow(ctx)
	db := openEtcd(t, m, prefix)
	late := &recorder{}
	p := NewWithOptions(db, db, Node{ID: "late", Name: "late"}, late, discard(), Options{})
	if err := p.Register(ctx); err != nil {
		t.Fatal(err)
	}
	before, err := db.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	answers := make(chan Answers, 1)
	go func() {
		ans, err := asker.ClearCaches(ctx, ClearRolesKind, []string{"r1"}, nil)
		if err != nil {
			t.Error(err)
		}
		answers <- ans
	}()
	// The request has been written (and its record removed, two
	// revisions) before the late node starts to follow.
	await(t, 5*time.Second, "the request is written", func() bool {
		rev, err := db.Revision(ctx)
		return err == nil && rev >= before+2
	})
	go p.Follow(ctx)
	ans := <-answers
	if len(ans.Done) != 2 || len(ans.Failed) != 0 {
		t.Errorf("answers: %+v, want both nodes done", ans)
	}
	if got := late.list(); !slices.Equal(got, []string{"roles:r1"}) {
		t.Errorf("the late node applied %v", got)
	}
}
