package realm

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGateFairness: while one client's flood waits for the only slot, a
// login from another client, or for another username from the flooding
// client, comes after at most one of the flood's checks, not after all
// of them. The bounds are lifted so that only the order is tested.
func TestGateFairness(t *testing.T) {
	const flood = 60
	for _, tc := range []struct {
		name   string
		users  func(i int) string // the flood's usernames
		client string             // alice's address
	}{
		{"another client", func(i int) string { return fmt.Sprint("user-", i%20) }, "10.0.0.2"},
		{"another username, same client", func(int) string { return "admin" }, "10.0.0.66"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGate(1, time.Millisecond)
			g.maxTotal, g.maxClient, g.maxUser = 1000, 1000, 1000
			release := holdSlots(t, g, 1)
			var o order
			var wg sync.WaitGroup
			for i := range flood {
				wg.Go(func() {
					ctx := WithClient(context.Background(), "10.0.0.66")
					if err := g.Do(ctx, tc.users(i), o.check("flood")); err != nil {
						t.Errorf("flood: %v", err)
					}
				})
			}
			waitFor(t, "the flood to queue", func() bool { return g.queued() == flood })
			wg.Go(func() {
				if err := g.Do(WithClient(context.Background(), tc.client), "alice", o.check("alice")); err != nil {
					t.Errorf("alice: %v", err)
				}
			})
			waitFor(t, "alice to queue", func() bool { return g.queued() == flood+1 })
			release()
			wg.Wait()
			if i := slices.Index(o.labels, "alice"); i < 0 || i > 1 {
				t.Errorf("alice's check ran after %d of the flood's %d, want at most 1", i, flood)
			}
		})
	}
}

// TestGateBounds: past the bound per username, per client or in all, a
// check is refused at once with a BusyError, and the queued ones still run.
func TestGateBounds(t *testing.T) {
	g := NewGate(1, 50*time.Millisecond)
	g.maxUser, g.maxClient, g.maxTotal = 2, 3, 4
	release := holdSlots(t, g, 1)
	var wg sync.WaitGroup
	ran := 0
	for _, try := range []struct {
		client, user string
		refused      bool
	}{
		{"a", "u1", false}, {"a", "u1", false}, {"a", "u1", true}, // per username
		{"a", "u2", false}, {"a", "u3", true}, // per client
		{"b", "u1", false}, {"c", "u1", true}, // in all
	} {
		ctx := WithClient(context.Background(), try.client)
		if !try.refused {
			queued := g.queued()
			wg.Go(func() {
				if err := g.Do(ctx, try.user, func() { ran++ }); err != nil {
					t.Errorf("%s/%s: %v", try.client, try.user, err)
				}
			})
			waitFor(t, "a check to queue", func() bool { return g.queued() == queued+1 })
			continue
		}
		// Were it queued instead, the deadline would end the wait.
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		err := g.Do(ctx, try.user, func() { t.Error("a refused check ran") })
		cancel()
		var busy *BusyError
		if !errors.Is(err, ErrBusy) || !errors.As(err, &busy) || busy.RetryAfter <= 0 {
			t.Errorf("%s/%s: err %v, want a BusyError with a positive RetryAfter", try.client, try.user, err)
		}
	}
	release()
	wg.Wait()
	if ran != 4 {
		t.Errorf("%d queued checks ran, want 4", ran)
	}
	if d := NewGate(3, 0); d.maxUser != 4 || d.maxClient != 24 || d.maxTotal != 192 {
		t.Errorf("default bounds for 3 slots: user %d client %d total %d", d.maxUser, d.maxClient, d.maxTotal)
	}
}

// TestGateConcurrentUse: checks and pauses from many goroutines and
// clients, some leaving while they wait and some refused: never more
// checks at once than slots, and afterwards every slot is free and no
// queue is left.
func TestGateConcurrentUse(t *testing.T) {
	g := NewGate(2, 100*time.Microsecond)
	g.maxUser, g.maxClient, g.maxTotal = 2, 5, 8
	var running, peak atomic.Int64
	var ran, refused, left atomic.Int64
	check := func() {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		runtime.Gosched()
		running.Add(-1)
	}
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 300 {
				ctx, cancel := context.WithCancel(WithClient(context.Background(), fmt.Sprint("10.0.0.", (w+i)%3)))
				if i%5 == 0 {
					ctx, cancel = context.WithTimeout(ctx, time.Duration(i%7)*20*time.Microsecond)
				}
				user := fmt.Sprint("user-", i%4)
				var err error
				if i%3 == 0 {
					err = g.Pause(ctx, user)
				} else {
					err = g.Do(ctx, user, check)
				}
				cancel()
				switch {
				case err == nil:
					ran.Add(1)
				case errors.Is(err, ErrBusy):
					refused.Add(1)
				case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
					left.Add(1)
				default:
					t.Errorf("unexpected error %v", err)
				}
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 2 {
		t.Errorf("%d checks ran at once, want at most 2", p)
	}
	g.mu.Lock()
	if g.busy != 0 || g.waiting != 0 || len(g.clients) != 0 || g.turns.Len() != 0 {
		t.Errorf("after all: %d slots taken, %d waiting, %d clients, %d turns", g.busy, g.waiting, len(g.clients), g.turns.Len())
	}
	g.mu.Unlock()
	t.Logf("%d through, %d refused, %d left early", ran.Load(), refused.Load(), left.Load())
}

// TestGateQueueKeepsNoCredentialMemory: a queue for a username lives as
// long as anyone waits for it, not just the request that made it, so it
// keeps its own copy of a username cut out of "user:password".
func TestGateQueueKeepsNoCredentialMemory(t *testing.T) {
	g := NewGate(1, time.Millisecond)
	release := holdSlots(t, g, 1)
	decoded := strings.Clone("alice:s3cret-pw")
	username, _, _ := strings.Cut(decoded, ":")
	done := make(chan error, 1)
	go func() { done <- g.Do(WithClient(context.Background(), "10.0.0.2"), username, func() {}) }()
	waitFor(t, "the check to queue", func() bool { return g.queued() == 1 })
	g.mu.Lock()
	for _, c := range g.clients {
		for name, u := range c.users {
			if sharesMemory(name, decoded) || sharesMemory(u.name, decoded) {
				t.Error("the username's queue shares memory with the credentials")
			}
		}
	}
	g.mu.Unlock()
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestGateSlotGrantedAsCallerLeaves: a waiter whose context ends just as
// the slot is handed to it passes the slot on rather than leak it. The
// test holds the slot itself and hands it over, as release does, while
// the waiter, woken by its context, waits for the lock.
func TestGateSlotGrantedAsCallerLeaves(t *testing.T) {
	g := NewGate(1, time.Millisecond)
	left := 0
	for range 100 {
		if err := g.acquire(context.Background(), "holder"); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- g.Do(ctx, "u", func() {}) }()
		waitFor(t, "the waiter to queue", func() bool { return g.queued() == 1 })
		g.mu.Lock()
		cancel()
		w := g.next()
		w.granted = true
		close(w.ready)
		g.mu.Unlock()
		if err := <-done; errors.Is(err, context.Canceled) {
			left++
		} else if err != nil {
			t.Fatal(err)
		}
		g.mu.Lock()
		if g.busy != 0 || g.waiting != 0 {
			t.Fatalf("%d slots taken and %d waiting once all left", g.busy, g.waiting)
		}
		g.mu.Unlock()
	}
	if left == 0 {
		t.Error("no waiter left as it was handed the slot; the case went untested")
	}
}
