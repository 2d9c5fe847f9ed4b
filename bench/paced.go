package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// pacedLoad is an open-loop load at a fixed rate, as wrk2 makes it (wrk
// sends a connection's next request when the previous answer arrives,
// which hides a stall: the requests that would have waited are never sent).
type pacedLoad struct {
	rate     float64       // requests per second
	conns    int           // connections, one worker each
	warmup   time.Duration // sent first, not counted (opens the connections)
	duration time.Duration // counted
	headers  []string      // "Name: value"
}

// pacedResult is what a paced run measured.
type pacedResult struct {
	count         int
	p50, p99, max time.Duration
	// late99 is the generator's own lateness at its 99th percentile: how
	// late the pacer handed requests to the workers, a floor under p99.
	late99 time.Duration
}

// runPaced sends GET url on a fixed schedule: request i is due at
// start + i/rate, and its latency runs from that time, not from when a
// worker got to send it, so a stall is charged to every request it
// delayed (no coordinated omission). A request still waiting for a free
// connection waits in the queue, its latency growing.
func runPaced(ctx context.Context, l pacedLoad, url string) (pacedResult, error) {
	interval := time.Duration(float64(time.Second) / l.rate)
	skip := int(l.warmup / interval)
	total := skip + int(l.duration/interval)
	ctx, cancel := context.WithTimeout(ctx, l.warmup+l.duration+30*time.Second)
	defer cancel()
	transport := &http.Transport{MaxIdleConnsPerHost: l.conns, MaxConnsPerHost: l.conns, DisableCompression: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}

	latency := make([]time.Duration, total)
	late := make([]time.Duration, total)
	start := time.Now().Add(10 * time.Millisecond)
	due := func(i int) time.Time { return start.Add(time.Duration(i) * interval) }
	queue := make(chan int, total)
	go func() {
		defer close(queue)
		// Its own thread, so that it sleeps in nanosleep rather than on
		// the runtime's timers, which fire up to a millisecond late here.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for i := range total {
			if ctx.Err() != nil {
				return
			}
			sleepUntil(due(i))
			late[i] = time.Since(due(i))
			queue <- i
		}
	}()
	var (
		wg       sync.WaitGroup
		sent     atomic.Int64
		failed   atomic.Int64
		errOnce  sync.Once
		firstErr error
	)
	for range l.conns {
		wg.Go(func() {
			for i := range queue {
				err := get(ctx, client, url, l.headers)
				latency[i] = time.Since(due(i))
				sent.Add(1)
				if err != nil {
					failed.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return pacedResult{}, err
	}
	if n := failed.Load(); n > 0 {
		return pacedResult{}, fmt.Errorf("%s: %d of %d paced requests failed, the first: %w", url, n, sent.Load(), firstErr)
	}
	return summarize(latency[skip:], late[skip:]), nil
}

// get sends one GET and reads the answer, which must be a 200.
func get(ctx context.Context, client *http.Client, url string, headers []string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Set(name, strings.TrimSpace(value))
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return err
}

// sleepUntil waits for t: nanosleep to just before it, then a short spin
// (at 1,000 requests per second, at most 5% of a core).
func sleepUntil(t time.Time) {
	const spin = 50 * time.Microsecond
	if d := time.Until(t) - spin; d > 0 {
		ts := syscall.NsecToTimespec(int64(d))
		_ = syscall.Nanosleep(&ts, nil)
	}
	for time.Now().Before(t) {
	}
}

// summarize sorts the latencies and takes their percentiles.
func summarize(latency, late []time.Duration) pacedResult {
	latency, late = slices.Clone(latency), slices.Clone(late)
	slices.Sort(latency)
	slices.Sort(late)
	r := pacedResult{count: len(latency), p50: percentile(latency, 50), p99: percentile(latency, 99),
		late99: percentile(late, 99)}
	if len(latency) > 0 {
		r.max = latency[len(latency)-1]
	}
	return r
}

// percentile of sorted durations by the nearest-rank method: the
// smallest value that at least p percent of the values do not exceed.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(k, 1), len(sorted))-1]
}
