package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
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
	// headersFor, when set, gives request i's own headers instead (such
	// as a fresh user's credentials for each request).
	headersFor func(i int) []string
	// local, when set, is the address the connections come from (such as
	// 127.0.0.2, a client other than a flood's 127.0.0.1).
	local net.IP
}

// pacedResult is what a paced run measured.
type pacedResult struct {
	count               int
	p50, p99, p999, max time.Duration
	// late99 is the generator's own lateness at its 99th percentile: how
	// late the pacer handed requests to the workers, a floor under p99.
	late99 time.Duration
}

// runPaced sends GET url (http://host:port/path) on a fixed schedule:
// request i is due at start + i/rate, and its latency runs from that
// time, not from when a
// worker got to send it, so a stall is charged to every request it
// delayed (no coordinated omission). A request still waiting for a free
// connection waits in the queue, its latency growing. Each connection is
// a rawConn, as light a client as wrk.
func runPaced(ctx context.Context, l pacedLoad, url string) (pacedResult, error) {
	interval := time.Duration(float64(time.Second) / l.rate)
	skip := int(l.warmup / interval)
	total := skip + int(l.duration/interval)
	ctx, cancel := context.WithTimeout(ctx, l.warmup+l.duration+30*time.Second)
	defer cancel()
	target, err := parseTarget(url)
	if err != nil {
		return pacedResult{}, err
	}
	static := target.request(l.headers)

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
		preciseSleeps()
		spin := pacerSpin(interval)
		for i := range total {
			if ctx.Err() != nil {
				return
			}
			sleepUntil(due(i), spin)
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
			c := &rawConn{addr: target.addr, local: l.local, timeout: 10 * time.Second}
			defer c.close()
			for i := range queue {
				req := static
				if l.headersFor != nil {
					req = target.request(l.headersFor(i))
				}
				err := c.get(ctx, req)
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

// maxSpin is the pacer's longest spin before a request is due (at 1,000
// requests per second, at most 5% of a core).
const maxSpin = 50 * time.Microsecond

// pacerSpin is how long the pacer spins before each request: a tenth
// of the interval at most, since at a high rate a fixed spin would take a
// whole core from the servers measured.
func pacerSpin(interval time.Duration) time.Duration {
	return min(maxSpin, interval/10)
}

// preciseSleeps sets the calling thread's timer slack to 1 ns: Linux
// otherwise lets a nanosleep overshoot by up to 50 µs, which at 20,000
// requests per second is a whole interval. Best effort.
func preciseSleeps() {
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
}

// sleepUntil waits for t: nanosleep to spin before it, then a spin.
func sleepUntil(t time.Time, spin time.Duration) {
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
		p999: percentile(latency, 99.9), late99: percentile(late, 99)}
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
	// Less a hair: 99.9/100*2000 is 1998.0000000000002 in floating point.
	k := int(math.Ceil(p/100*float64(len(sorted)) - 1e-9))
	return sorted[min(max(k, 1), len(sorted))-1]
}
