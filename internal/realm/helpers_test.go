package realm

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// waitLimit bounds every wait for goroutines to reach a blocking point.
const waitLimit = 10 * time.Second

// waitFor polls cond until it holds, failing the test after waitLimit.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// queued is how many checks and pauses wait.
func (g *Gate) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waiting
}

// holdSlots takes every slot of g with checks that last until the
// returned function is called.
func holdSlots(t *testing.T, g *Gate, n int) (release func()) {
	t.Helper()
	ch := make(chan struct{})
	var started, wg sync.WaitGroup
	for i := range n {
		started.Add(1)
		wg.Go(func() {
			_ = g.Do(WithClient(context.Background(), "holder"), fmt.Sprint("holder-", i), func() {
				started.Done()
				<-ch
			})
		})
	}
	started.Wait()
	return func() { close(ch); wg.Wait() }
}

// order records the labels of the checks a gate runs, in order.
type order struct {
	mu     sync.Mutex
	labels []string
}

func (o *order) check(label string) func() {
	return func() {
		o.mu.Lock()
		o.labels = append(o.labels, label)
		o.mu.Unlock()
	}
}

// pauses records what a gate's pauses would have slept.
type pauses struct {
	mu    sync.Mutex
	slept []time.Duration
}

func (p *pauses) sleep(_ context.Context, d time.Duration) error {
	p.mu.Lock()
	p.slept = append(p.slept, d)
	p.mu.Unlock()
	return nil
}

// fakeClock moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// sharesMemory reports whether s points into buf's bytes.
func sharesMemory(s, buf string) bool {
	if len(s) == 0 || len(buf) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	b := uintptr(unsafe.Pointer(unsafe.StringData(buf)))
	return p >= b && p < b+uintptr(len(buf))
}
