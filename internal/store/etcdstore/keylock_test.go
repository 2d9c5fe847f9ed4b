package etcdstore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestKeyLocks: holders of one key exclude each other (the race detector
// watches the unguarded counter), other keys are not held up, a waiter
// whose context ends gives up, and no entry outlives its users.
func TestKeyLocks(t *testing.T) {
	var l keyLocks
	counter := 0
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			unlock, err := l.lock(t.Context(), "hot")
			if err != nil {
				t.Error(err)
				return
			}
			counter++ // unguarded but for the key lock
			unlock()
		})
	}
	wg.Wait()
	if counter != 50 {
		t.Errorf("counter = %d, want 50", counter)
	}

	unlockHot, err := l.lock(t.Context(), "hot")
	if err != nil {
		t.Fatal(err)
	}
	unlockOther, err := l.lock(t.Context(), "other") // must not wait for "hot"
	if err != nil {
		t.Fatal(err)
	}
	unlockOther()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.lock(ctx, "hot"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("lock of a held key with a short context = %v, want DeadlineExceeded", err)
	}
	unlockHot()
	if n := l.held(); n != 0 {
		t.Errorf("%d keys still held after every user left", n)
	}
}
