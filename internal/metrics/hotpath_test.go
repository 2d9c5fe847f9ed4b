package metrics_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/metrics"
)

// TestNoAllocations checks the promise to the hot path: once a label
// combination exists, recording allocates nothing.
func TestNoAllocations(t *testing.T) {
	r := metrics.NewRegistry()
	c := r.NewCounter("c_total", "c")
	cv := r.NewCounterVec("cv_total", "cv", "route", "code")
	h := r.NewHistogram("h_seconds", "h", metrics.LatencyBuckets())
	hv := r.NewHistogramVec("hv_seconds", "hv", metrics.LatencyBuckets(), "route")
	m := metrics.New()
	// A route longer than the key's stack buffer still finds its series;
	// only that lookup may allocate.
	long := "GET /" + strings.Repeat("x", 200)
	for _, tt := range []struct {
		name string
		fn   func()
	}{
		{"Counter.Inc", func() { c.Inc() }},
		{"CounterVec.With.Inc", func() { cv.With("GET /_security/user/{username}", "200").Inc() }},
		{"Histogram.Observe", func() { h.Observe(0.00002) }},
		{"HistogramVec.With.Observe", func() { hv.With("GET /_security/user/{username}").ObserveDuration(20 * time.Microsecond) }},
		{"Metrics.ObserveRequest", func() { m.ObserveRequest("GET /_security/_authenticate", 401, 20*time.Microsecond) }},
		{"Metrics.ObserveAuth", func() { m.ObserveAuth("default_native", true) }},
		{"Metrics.ObserveAuth no realm", func() { m.ObserveAuth("", false) }},
		{"Metrics.ObserveSlowHash", func() { m.ObserveSlowHash(60 * time.Millisecond) }},
		{"Metrics.Lockout", func() { m.Lockout(metrics.LockoutIP) }},
	} {
		tt.fn() // creates the combination
		if n := testing.AllocsPerRun(1000, tt.fn); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", tt.name, n)
		}
	}
	cv.With(long, "200").Inc()
	if got := cv.With(long, "200").Value(); got != 1 {
		t.Errorf("long label value: count %d, want 1", got)
	}
}

// TestConcurrentUse records from many goroutines, creating series while
// others scrape; run with -race. Every increment must be counted.
func TestConcurrentUse(t *testing.T) {
	m := metrics.New()
	const workers, perWorker, routes = 8, 2000, 5
	var wg sync.WaitGroup
	stop := make(chan struct{})
	scraped := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				scraped <- n
				return
			default:
				m.Registry().AppendText(nil)
				n++
			}
		}
	}()
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				route := fmt.Sprintf("GET /r%d", (w+i)%routes)
				m.ObserveRequest(route, 200+i%2, time.Duration(i)*time.Microsecond)
				m.ObserveAuth("realm", i%3 != 0)
			}
		})
	}
	wg.Wait()
	close(stop)
	if n := <-scraped; n == 0 {
		t.Error("no scrape ran during the test")
	}
	var requests, observed uint64
	for r := range routes {
		route := fmt.Sprintf("GET /r%d", r)
		requests += m.Requests.With(route, "200").Value() + m.Requests.With(route, "201").Value()
		observed += m.RequestDuration.With(route).Count()
	}
	if want := uint64(workers * perWorker); requests != want || observed != want {
		t.Errorf("counted %d requests and %d durations, want %d", requests, observed, want)
	}
	ok, failed := m.Authentications.With("realm", metrics.ResultSuccess).Value(), m.Authentications.With("realm", metrics.ResultFailure).Value()
	if ok+failed != workers*perWorker || failed != workers*((perWorker+2)/3) {
		t.Errorf("authentications: %d successes, %d failures", ok, failed)
	}
	// Every worker's durations sum to sum(0..perWorker-1) µs.
	var sum float64
	for r := range routes {
		sum += m.RequestDuration.With(fmt.Sprintf("GET /r%d", r)).Sum()
	}
	if want := float64(workers*perWorker*(perWorker-1)/2) * 1e-6; sum < want*(1-1e-9) || sum > want*(1+1e-9) {
		t.Errorf("duration sum %v, want %v", sum, want)
	}
}

func BenchmarkCounterInc(b *testing.B) {
	c := metrics.NewRegistry().NewCounter("c_total", "c")
	b.ReportAllocs()
	for b.Loop() {
		c.Inc()
	}
}

func BenchmarkCounterVecWithInc(b *testing.B) {
	cv := metrics.NewRegistry().NewCounterVec("cv_total", "cv", "route", "code")
	b.ReportAllocs()
	for b.Loop() {
		cv.With("GET /_security/user/{username}", "200").Inc()
	}
}

func BenchmarkHistogramObserve(b *testing.B) {
	h := metrics.NewRegistry().NewHistogram("h_seconds", "h", metrics.LatencyBuckets())
	b.ReportAllocs()
	for b.Loop() {
		h.Observe(0.00002)
	}
}

func BenchmarkHistogramVecWithObserve(b *testing.B) {
	hv := metrics.NewRegistry().NewHistogramVec("hv_seconds", "hv", metrics.LatencyBuckets(), "route")
	b.ReportAllocs()
	for b.Loop() {
		hv.With("GET /_security/user/{username}").Observe(0.00002)
	}
}

// BenchmarkObserveRequest is what the HTTP layer adds to every request.
func BenchmarkObserveRequest(b *testing.B) {
	m := metrics.New()
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest("GET /_security/_authenticate", 200, 20*time.Microsecond)
	}
}

// BenchmarkObserveRequestParallel is the same from every core at once, on
// one route: the worst contention on shared cache lines.
func BenchmarkObserveRequestParallel(b *testing.B) {
	m := metrics.New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveRequest("GET /_security/_authenticate", 200, 20*time.Microsecond)
		}
	})
}
