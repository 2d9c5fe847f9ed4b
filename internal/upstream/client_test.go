package upstream

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRoundRobin(t *testing.T) {
	a, b, cs := namedServer(t, "a"), namedServer(t, "b"), namedServer(t, "c")
	c, _ := newClient(t, Config{}, a.URL, b.URL, cs.URL)
	var got []string
	for range 9 {
		got = append(got, get(t, c, "/"))
	}
	if want := []string{"a", "b", "c", "a", "b", "c", "a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

// nodeState reads a node's bookkeeping.
func nodeState(n *node) (failures int, lastFail time.Time, deadUntil int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.failures, n.lastFail, n.deadUntil.Load()
}

func TestDeadNodeBackoff(t *testing.T) {
	down := refusedAddr(t)
	a, cs := namedServer(t, "a"), namedServer(t, "c")
	log, logs := newLogger()
	c, clock := newClient(t, Config{}, a.URL, "http://"+down, cs.URL)
	c.log = log
	b := c.nodes[1]

	// b's turn falls to c: the caller never sees the dead node.
	var got []string
	for range 3 {
		got = append(got, get(t, c, "/"))
	}
	if want := []string{"a", "c", "a"}; !slices.Equal(got, want) {
		t.Errorf("first round %v, want %v", got, want)
	}
	failures, lastFail, deadUntil := nodeState(b)
	if failures != 1 || !lastFail.Equal(clock.Now()) || deadUntil != clock.Now().Add(60*time.Second).UnixNano() {
		t.Errorf("after one failure: failures %d, last %v, dead until %v", failures, lastFail, time.Unix(0, deadUntil))
	}
	if !strings.Contains(logs.String(), "cluster node failed to connect") || !strings.Contains(logs.String(), "retry_in=1m0s") {
		t.Errorf("log: %s", logs)
	}

	// Within the backoff, b is not even tried.
	clock.Advance(59 * time.Second)
	for range 6 {
		if s := get(t, c, "/"); s != "a" && s != "c" {
			t.Fatalf("answer %q", s)
		}
	}
	if f, l, _ := nodeState(b); f != 1 || !l.Equal(lastFail) {
		t.Errorf("b tried during its backoff: failures %d, last failure %v", f, l)
	}

	// Once the backoff is over b is tried again; failing again doubles it.
	clock.Advance(time.Second)
	for range 3 {
		get(t, c, "/")
	}
	failures, lastFail, deadUntil = nodeState(b)
	if failures != 2 || !lastFail.Equal(clock.Now()) || deadUntil != clock.Now().Add(120*time.Second).UnixNano() {
		t.Errorf("after two failures: failures %d, last %v, dead until %v", failures, lastFail, time.Unix(0, deadUntil))
	}
	clock.Advance(119 * time.Second)
	for range 3 {
		get(t, c, "/")
	}
	if f, l, _ := nodeState(b); f != 2 || !l.Equal(lastFail) {
		t.Errorf("b tried during its doubled backoff: failures %d", f)
	}

	// b comes back; after the backoff it serves its share again.
	serveOn(t, down, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("b")) }))
	clock.Advance(time.Second)
	got = got[:0]
	for range 3 {
		got = append(got, get(t, c, "/"))
	}
	slices.Sort(got)
	if want := []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("after recovery %v, want %v", got, want)
	}
	if f, _, d := nodeState(b); f != 0 || d != 0 {
		t.Errorf("recovered node still failing: %d, %d", f, d)
	}
	if !strings.Contains(logs.String(), "cluster node answers again") {
		t.Errorf("no recovery log: %s", logs)
	}
}

func TestBackoffDoublesUpToCap(t *testing.T) {
	c, clock := newClient(t, Config{DeadBackoff: time.Second}, "http://127.0.0.1:1")
	n := c.nodes[0]
	var got []time.Duration
	for range 8 {
		c.markDead(n, &nodeError{addr: n.addr, kind: connectFailed, err: errors.New("refused")})
		// A failure while already dead does not extend the backoff.
		c.markDead(n, &nodeError{addr: n.addr, kind: connectFailed, err: errors.New("refused")})
		_, _, d := nodeState(n)
		got = append(got, time.Duration(d-clock.Now().UnixNano()))
		clock.Advance(got[len(got)-1])
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 32, 32}
	for i := range want {
		want[i] *= time.Second
	}
	if !slices.Equal(got, want) {
		t.Errorf("backoffs %v, want %v", got, want)
	}
}

func TestAllNodesDown(t *testing.T) {
	down1, down2 := refusedAddr(t), refusedAddr(t)
	c, clock := newClient(t, Config{}, "http://"+down1, "http://"+down2)
	_, err := c.Do(testCtx(t), &Request{Path: "/_search"})
	e := Err(err)
	if e == nil || e.Status != http.StatusServiceUnavailable || e.Type != "connect_transport_exception" {
		t.Fatalf("Err: %+v", e)
	}
	for _, want := range []string{"[" + down1 + "] cannot connect: connection refused", "[" + down2 + "] cannot connect: connection refused"} {
		if !strings.Contains(e.Reason, want) {
			t.Errorf("reason %q lacks %q", e.Reason, want)
		}
	}

	// Both dead: one is still tried, the one that failed least recently.
	clock.Advance(time.Second)
	c.markDead(c.nodes[0], &nodeError{addr: down1, kind: connectFailed, err: errors.New("x")}) // down1 failed later
	_, err = c.Do(testCtx(t), &Request{Path: "/"})
	f, ok := errorsAs[*failure](err)
	if !ok || len(f.attempts) != 1 || f.attempts[0].addr != down2 {
		t.Fatalf("with every node dead: %v", err)
	}
}

func TestResponseTimeout(t *testing.T) {
	release := make(chan struct{})
	var hits atomic.Int32
	slow := func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	s1, s2 := httptest.NewServer(http.HandlerFunc(slow)), httptest.NewServer(http.HandlerFunc(slow))
	t.Cleanup(func() { close(release); s1.Close(); s2.Close() })
	c, _ := newClient(t, Config{ResponseTimeout: 100 * time.Millisecond}, s1.URL, s2.URL)

	start := time.Now()
	_, err := c.Do(testCtx(t), &Request{Method: http.MethodGet, Path: "/_search"})
	if elapsed := time.Since(start); elapsed > waitLimit {
		t.Fatalf("took %v", elapsed)
	}
	e := Err(err)
	if e == nil || e.Status != http.StatusGatewayTimeout || e.Type != "receive_timeout_transport_exception" ||
		!strings.Contains(e.Reason, "no response within [100ms]") {
		t.Fatalf("Err: %+v", e)
	}
	// Slow is not dead, and a second node would only get the same load.
	if hits.Load() != 1 {
		t.Errorf("%d nodes tried", hits.Load())
	}
	for _, n := range c.nodes {
		if f, _, _ := nodeState(n); f != 0 {
			t.Errorf("%s marked dead", n.addr)
		}
	}
}

func TestResponseTimeoutSparesTheBody(t *testing.T) {
	release := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("head "))
		w.(http.Flusher).Flush()
		select {
		case <-release:
			w.Write([]byte("body"))
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(s.Close)
	c, _ := newClient(t, Config{ResponseTimeout: 50 * time.Millisecond}, s.URL)
	resp, err := c.Do(testCtx(t), &Request{Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The body takes several response time-outs; it must still arrive.
	time.Sleep(200 * time.Millisecond)
	close(release)
	b, err := io.ReadAll(resp.Body)
	if err != nil || string(b) != "head body" {
		t.Fatalf("body %q, %v", b, err)
	}
}

func TestCancelReachesUpstream(t *testing.T) {
	started, ended := make(chan struct{}), make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		select {
		case <-r.Context().Done():
			close(ended)
		case <-time.After(waitLimit):
		}
	}))
	t.Cleanup(s.Close)
	c, _ := newClient(t, Config{}, s.URL)

	t.Run("Do", func(t *testing.T) {
		ctx, cancel := context.WithCancel(testCtx(t))
		errc := make(chan error, 1)
		go func() {
			_, err := c.Do(ctx, &Request{Path: "/_search"})
			errc <- err
		}()
		waitChan(t, started, "the upstream request")
		cancel()
		waitChan(t, ended, "the upstream handler to see its request end")
		err := <-errc
		if !errors.Is(err, context.Canceled) || Err(err).Status != 499 {
			t.Errorf("Do: %v, %+v", err, Err(err))
		}
	})

	started, ended = make(chan struct{}), make(chan struct{})
	t.Run("client of the gateway disconnects", func(t *testing.T) {
		g := front(t, c)
		ctx, cancel := context.WithCancel(testCtx(t))
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, g.URL+"/_search", nil)
		go func() {
			if resp, err := g.Client().Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		waitChan(t, started, "the upstream request")
		cancel()
		waitChan(t, ended, "the upstream handler to see its request end")
	})
}

func waitChan(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitLimit):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// echoServer answers with the method and the body it received.
func echoServer(t *testing.T, hits *atomic.Int32) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		w.Write([]byte(r.Method + " " + string(b)))
	}))
	t.Cleanup(s.Close)
	return s
}

// onlyReader hides every method but Read, as a client's body would.
type onlyReader struct{ io.Reader }

func TestRetryAfterConnectFailureKeepsTheBody(t *testing.T) {
	var hits atomic.Int32
	echo := echoServer(t, &hits)
	c, _ := newClient(t, Config{}, "http://"+refusedAddr(t), echo.URL)
	// A non-idempotent request whose body cannot be replayed: still safe
	// to send elsewhere, since the refused node got nothing.
	body := strings.Repeat("x", 100<<10)
	resp, err := c.Do(testCtx(t), &Request{Method: http.MethodPost, Path: "/i/_doc",
		Body: onlyReader{strings.NewReader(body)}, ContentLength: int64(len(body))})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if string(got) != "POST "+body {
		t.Errorf("echo got %d bytes", len(got))
	}
}

func TestRetryAfterDisconnect(t *testing.T) {
	// broken reads the whole request, then drops the connection unanswered:
	// the request may have been acted on.
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(broken.Close)
	var hits atomic.Int32
	echo := echoServer(t, &hits)

	for _, tt := range []struct {
		name    string
		method  string
		body    string
		replay  bool
		retried bool
	}{
		{"GET", http.MethodGet, "", false, true},
		{"GET with a replayable body", http.MethodGet, `{"query":{}}`, true, true},
		{"GET with a body already sent", http.MethodGet, `{"query":{}}`, false, false},
		{"POST", http.MethodPost, `{"a":1}`, true, false},
		{"DELETE", http.MethodDelete, "", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			c, _ := newClient(t, Config{}, broken.URL, echo.URL)
			r := &Request{Method: tt.method, Path: "/i/_search"}
			if tt.body != "" {
				r.Body, r.ContentLength = onlyReader{strings.NewReader(tt.body)}, int64(len(tt.body))
				if tt.replay {
					r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(tt.body)), nil }
				}
			}
			resp, err := c.Do(testCtx(t), r)
			if !tt.retried {
				e := Err(err)
				if err == nil || e.Status != http.StatusBadGateway || e.Type != "node_disconnected_exception" || hits.Load() != 0 {
					t.Fatalf("not to be retried: %v, %+v, echo hits %d", err, e, hits.Load())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if want := tt.method + " " + tt.body; string(got) != want {
				t.Errorf("echo %q, want %q", got, want)
			}
			// A node that connects is not dead, however it ends.
			if f, _, _ := nodeState(c.nodes[0]); f != 0 {
				t.Errorf("broken node marked dead")
			}
		})
	}
}

func TestDoRefusesBadPaths(t *testing.T) {
	c, _ := newClient(t, Config{}, "http://127.0.0.1:1")
	for _, p := range []string{"", "_search", "/a%zz"} {
		_, err := c.Do(testCtx(t), &Request{Path: p})
		if e := Err(err); e == nil || e.Status != http.StatusBadRequest {
			t.Errorf("%q: %v", p, err)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{URLs: []*url.URL{{Scheme: "ftp", Host: "a"}}},
		{URLs: []*url.URL{{Scheme: "http", Host: "a", User: url.UserPassword("u", "secret")}}},
		{URLs: []*url.URL{{Scheme: "http", Host: "a"}}, ResponseTimeout: -1},
	} {
		if _, err := New(cfg, nil); err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}
