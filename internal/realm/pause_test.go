package realm

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestGateEstimate: a pause sleeps the caller's estimate until the gate
// has timed a check, then what the checks took, not the start-up figure.
func TestGateEstimate(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	g := NewGate(1, 300*time.Millisecond)
	var p pauses
	var observed []time.Duration
	g.now, g.sleep = clock.Now, p.sleep
	g.Observe = func(d time.Duration) { observed = append(observed, d) }
	ctx := context.Background()
	if err := g.Pause(ctx, "u"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := g.Do(ctx, "u", func() { clock.Advance(5 * time.Millisecond) }); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if err := g.Pause(ctx, "u"); err != nil {
			t.Fatal(err)
		}
	}
	if want := []time.Duration{300 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond}; !slices.Equal(p.slept, want) {
		t.Errorf("pauses slept %v, want %v", p.slept, want)
	}
	if want := []time.Duration{5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond}; !slices.Equal(observed, want) {
		t.Errorf("Observe saw %v, want %v: pauses are not hashes", observed, want)
	}
}

// TestGatePauseQueuesLikeACheck: a pause waits for its turn as a check
// does (behind at most one of another client's flood), then sleeps with
// the slot given back, so that a check can run meanwhile.
func TestGatePauseQueuesLikeACheck(t *testing.T) {
	g := NewGate(1, time.Millisecond)
	g.maxTotal, g.maxClient, g.maxUser = 1000, 1000, 1000
	var o order
	sleeping, wake := make(chan struct{}), make(chan struct{})
	g.sleep = func(ctx context.Context, _ time.Duration) error {
		o.check("pause")()
		close(sleeping)
		<-wake
		return nil
	}
	release := holdSlots(t, g, 1)
	var wg sync.WaitGroup
	const flood = 20
	for range flood {
		wg.Go(func() { _ = g.Do(WithClient(context.Background(), "10.0.0.66"), "admin", o.check("flood")) })
	}
	waitFor(t, "the flood to queue", func() bool { return g.queued() == flood })
	paused := make(chan error, 1)
	go func() { paused <- g.Pause(WithClient(context.Background(), "10.0.0.2"), "alice") }()
	waitFor(t, "the pause to queue", func() bool { return g.queued() == flood+1 })
	release()
	select {
	case <-sleeping:
	case <-time.After(waitLimit):
		t.Fatal("the pause never slept")
	}
	// The whole flood runs while the pause sleeps: the slot is free.
	wg.Wait()
	close(wake)
	if err := <-paused; err != nil {
		t.Fatal(err)
	}
	// The pause records its turn when it sleeps, after giving its slot
	// back: one more flood check may start in between.
	if i := slices.Index(o.labels, "pause"); i < 0 || i > 2 {
		t.Errorf("the pause came after %d of the flood's checks, want at most 1 (2 counting the one that may start as it gives its slot back)", i)
	}
}

// TestGatePauseEndsWithContext: a pause that sleeps ends when its caller
// leaves, with the context's error.
func TestGatePauseEndsWithContext(t *testing.T) {
	g := NewGate(1, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- g.Pause(ctx, "u") }()
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want context.Canceled", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("the pause outlived its context")
	}
}

// TestGateStall: a refusal is held as long as a check takes, without a
// slot, so that a flood's refusals come no faster than answers would.
func TestGateStall(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	g := NewGate(1, 300*time.Millisecond)
	var p pauses
	g.now, g.sleep = clock.Now, p.sleep
	ctx := context.Background()
	// The only slot is taken: Stall must not need it.
	release, err := g.Acquire(ctx, "flooded")
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(7 * time.Millisecond)
	release()
	held, _ := g.Acquire(ctx, "other")
	defer held()
	g.Stall(ctx)
	if want := []time.Duration{7 * time.Millisecond}; !slices.Equal(p.slept, want) {
		t.Errorf("stalled %v, want %v", p.slept, want)
	}
}
