package main

import (
	"context"
	"net/http"
	"net/http/httptest"
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
	if r.count != 5 || r.p50 != 3 || r.p99 != 5 || r.max != 5 || r.late99 != 9 {
		t.Errorf("summary %+v", r)
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
