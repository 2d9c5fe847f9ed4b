package upstream

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// metaServer answers _resolve/index with the number of the fetch, after
// gate (when set) lets it.
type metaServer struct {
	*httptest.Server
	hits atomic.Int32
	gate chan struct{}
	fail atomic.Int32 // this many first fetches answer 503
}

func newMetaServer(t *testing.T, gated bool) *metaServer {
	t.Helper()
	ms := &metaServer{}
	if gated {
		ms.gate = make(chan struct{})
	}
	ms.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := ms.hits.Add(1)
		if r.URL.Path != "/_resolve/index/*" || r.URL.RawQuery != "expand_wildcards=all" || r.Header.Get("Authorization") != "ApiKey Z3c=" {
			http.Error(w, "unexpected request "+r.RequestURI, http.StatusBadRequest)
			return
		}
		if ms.gate != nil {
			select {
			case <-ms.gate:
			case <-r.Context().Done():
				return
			}
		}
		if ms.fail.Load() >= n {
			http.Error(w, `{"error":{"type":"master_not_discovered_exception"},"status":503}`, http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, `{"indices":[{"name":"fetch-%d","attributes":["open"]}]}`, n)
	}))
	t.Cleanup(ms.Close)
	return ms
}

func resolve(t *testing.T, c *Client, fresh bool) (string, time.Time) {
	t.Helper()
	b, at, err := c.ResolveIndexAll(testCtx(t), fresh)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), at
}

func body(n int) string {
	return fmt.Sprintf(`{"indices":[{"name":"fetch-%d","attributes":["open"]}]}`, n)
}

func TestMetadataTTL(t *testing.T) {
	ms := newMetaServer(t, false)
	c, clock := newClient(t, Config{Auth: "ApiKey Z3c=", MetadataTTL: time.Second}, ms.URL)
	fetched := clock.Now()
	if b, at := resolve(t, c, false); b != body(1) || !at.Equal(fetched) {
		t.Fatalf("first: %s at %v", b, at)
	}
	clock.Advance(999 * time.Millisecond)
	if b, at := resolve(t, c, false); b != body(1) || !at.Equal(fetched) {
		t.Errorf("within the TTL: %s at %v", b, at)
	}
	clock.Advance(time.Millisecond)
	if b, at := resolve(t, c, false); b != body(2) || !at.Equal(clock.Now()) {
		t.Errorf("at the TTL: %s at %v", b, at)
	}
	// fresh refetches even within the TTL.
	if b, _ := resolve(t, c, true); b != body(3) {
		t.Errorf("fresh: %s", b)
	}
	if b, _ := resolve(t, c, false); b != body(3) {
		t.Errorf("after fresh: %s", b)
	}
	if got := ms.hits.Load(); got != 3 {
		t.Errorf("%d fetches, want 3", got)
	}
}

func TestMetadataTTLZeroAlwaysFetches(t *testing.T) {
	ms := newMetaServer(t, false)
	c, _ := newClient(t, Config{Auth: "ApiKey Z3c="}, ms.URL)
	for i := 1; i <= 3; i++ {
		if b, _ := resolve(t, c, false); b != body(i) {
			t.Errorf("call %d: %s", i, b)
		}
	}
}

// waiters reads how many callers wait on a fetch.
func waiters(c *Client) int {
	c.meta.mu.Lock()
	defer c.meta.mu.Unlock()
	return c.meta.waiters
}

func TestMetadataSingleFlight(t *testing.T) {
	for _, fresh := range []bool{false, true} {
		t.Run(fmt.Sprintf("fresh=%v", fresh), func(t *testing.T) {
			ms := newMetaServer(t, true)
			c, _ := newClient(t, Config{Auth: "ApiKey Z3c=", MetadataTTL: time.Minute}, ms.URL)
			const callers = 50
			ctx := testCtx(t)
			results := make(chan string, callers)
			var wg sync.WaitGroup
			for range callers {
				wg.Go(func() {
					b, _, err := c.ResolveIndexAll(ctx, fresh)
					if err != nil {
						results <- err.Error()
						return
					}
					results <- string(b)
				})
			}
			waitFor(t, "50 callers waiting", func() bool { return waiters(c) == callers })
			close(ms.gate)
			wg.Wait()
			close(results)
			seen := map[string]int{}
			for r := range results {
				seen[r]++
			}
			// Without fresh, one fetch serves all. With fresh, callers that
			// arrived while the first fetch ran need a later one, and share
			// it: never more than two.
			want := int32(1)
			if fresh {
				want = 2
			}
			if got := ms.hits.Load(); got != want {
				t.Errorf("%d fetches for %d callers, want %d (answers %v)", got, callers, want, seen)
			}
		})
	}
}

func TestMetadataFetchOutlivesACaller(t *testing.T) {
	ms := newMetaServer(t, true)
	c, _ := newClient(t, Config{Auth: "ApiKey Z3c=", MetadataTTL: time.Minute}, ms.URL)
	ctx, cancel := context.WithCancel(testCtx(t))
	bounded := testCtx(t)
	first := make(chan error, 1)
	go func() {
		_, _, err := c.ResolveIndexAll(ctx, false)
		first <- err
	}()
	// The caller that gives up is the one that started the fetch.
	waitFor(t, "the first caller waiting", func() bool { return waiters(c) == 1 })
	second := make(chan string, 1)
	go func() {
		b, _, _ := c.ResolveIndexAll(bounded, false)
		second <- string(b)
	}()
	waitFor(t, "two callers waiting", func() bool { return waiters(c) == 2 })
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v", err)
	}
	close(ms.gate)
	select {
	case b := <-second:
		if b != body(1) {
			t.Errorf("other caller: %s", b)
		}
	case <-time.After(waitLimit):
		t.Fatal("the other caller never got its answer")
	}
}

func TestMetadataErrorsAreNotCached(t *testing.T) {
	ms := newMetaServer(t, false)
	ms.fail.Store(1)
	c, _ := newClient(t, Config{Auth: "ApiKey Z3c=", MetadataTTL: time.Minute}, ms.URL)
	_, _, err := c.ResolveIndexAll(testCtx(t), false)
	e := Err(err)
	if e == nil || e.Status != http.StatusBadGateway || e.Type != "status_exception" {
		t.Fatalf("Err: %+v", e)
	}
	if b, _ := resolve(t, c, false); b != body(2) {
		t.Errorf("after the failure: %s", b)
	}
}
