package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var v []time.Duration
	for i := 1; i <= 200; i++ {
		v = append(v, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 100 * time.Millisecond}, {99, 198 * time.Millisecond}, {100, 200 * time.Millisecond}, {0, time.Millisecond}, {0.1, time.Millisecond}} {
		if got := percentile(v, c.p); got != c.want {
			t.Errorf("p%g of 1..200 ms = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("p99 of one value = %v", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("p50 of none = %v", got)
	}
}

func TestSummarizeSorts(t *testing.T) {
	lat := []time.Duration{5, 1, 4, 2, 3}
	r := summarize(lat, []time.Duration{9, 8, 7, 6, 5})
	if r.count != 5 || r.p50 != 3 || r.p99 != 5 || r.p999 != 5 || r.max != 5 || r.late99 != 9 {
		t.Errorf("summary %+v", r)
	}
	var many []time.Duration
	for i := 2000; i >= 1; i-- {
		many = append(many, time.Duration(i))
	}
	if r := summarize(many, many); r.p50 != 1000 || r.p99 != 1980 || r.p999 != 1998 || r.max != 2000 {
		t.Errorf("summary of 1..2000: %+v", r)
	}
	if lat[0] != 5 {
		t.Error("summarize sorted its input in place")
	}
}

// A server that stalls once: an open-loop generator charges the stall to
// every request scheduled during it, so p99 shows it; a closed loop would
// have sent those requests late and seen them fast.
func TestRunPacedCountsTheStall(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Test") != "yes" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if n.Add(1) == 150 {
			time.Sleep(100 * time.Millisecond)
		}
	}))
	defer srv.Close()
	l := pacedLoad{rate: 1000, conns: 1, warmup: 50 * time.Millisecond, duration: 400 * time.Millisecond, headers: []string{"X-Test: yes"}}
	r, err := runPaced(context.Background(), l, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if r.count != 400 || n.Load() != 450 {
		t.Errorf("counted %d of %d sent, want 400 of 450", r.count, n.Load())
	}
	// About 100 requests were due during the 100 ms stall: 25% of them.
	if r.p99 < 50*time.Millisecond || r.max < 90*time.Millisecond {
		t.Errorf("p99 %v, max %v: the stall was not charged", r.p99, r.max)
	}
	if r.p50 > 50*time.Millisecond {
		t.Errorf("p50 %v", r.p50)
	}
	l.headers = nil
	if _, err := runPaced(context.Background(), l, srv.URL); err == nil {
		t.Error("400 answers were not reported")
	}
}

// Each request carries its own headers, in schedule order, from the
// local address asked for.
func TestRunPacedHeadersFor(t *testing.T) {
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
		from = map[string]bool{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		defer mu.Unlock()
		if seen[r.Header.Get("X-N")] {
			w.WriteHeader(http.StatusConflict) // a header sent twice
		}
		seen[r.Header.Get("X-N")] = true
		from[host] = true
	}))
	defer srv.Close()
	l := pacedLoad{rate: 500, conns: 4, warmup: 20 * time.Millisecond, duration: 200 * time.Millisecond, local: net.IPv4(127, 0, 0, 2),
		headersFor: func(i int) []string { return []string{fmt.Sprintf("X-N: %d", i)} }}
	r, err := runPaced(context.Background(), l, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if r.count != 100 || len(seen) != 110 {
		t.Errorf("counted %d, %d distinct headers; want 100 and 110", r.count, len(seen))
	}
	for i := range 110 {
		if !seen[fmt.Sprint(i)] {
			t.Errorf("no request %d", i)
		}
	}
	if len(from) != 1 || !from["127.0.0.2"] {
		t.Errorf("requests came from %v, want 127.0.0.2 alone", from)
	}
}

// At a rate whose interval is shorter than the longest spin, the pacer
// spins for a tenth of the interval, not for all of it, and every request
// is still sent and counted. (How late it runs depends on the machine's
// load: the sections report it rather than a test asserting it.)
func TestRunPacedHighRate(t *testing.T) {
	if got := pacerSpin(time.Millisecond); got != maxSpin {
		t.Errorf("spin at 1,000/s: %v, want %v", got, maxSpin)
	}
	if got := pacerSpin(50 * time.Microsecond); got != 5*time.Microsecond {
		t.Errorf("spin at 20,000/s: %v, want 5µs", got)
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	defer srv.Close()
	l := pacedLoad{rate: 20000, conns: 8, warmup: 50 * time.Millisecond, duration: 250 * time.Millisecond}
	r, err := runPaced(context.Background(), l, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if r.count != 5000 || n.Load() != 6000 {
		t.Errorf("counted %d of %d sent, want 5000 of 6000", r.count, n.Load())
	}
}
