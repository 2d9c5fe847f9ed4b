package filewatch

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// A state is loaded only after it has been read unchanged for the settle
// time; a state that keeps changing, or one unchanged reports as in use,
// is never loaded.
func TestSettled(t *testing.T) {
	var mu sync.Mutex
	current, inUse := "a", "a"
	var loaded []string
	set := func(s string) { mu.Lock(); current = s; mu.Unlock() }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Settled(ctx, 10*time.Millisecond, 10,
			func() (string, int) { mu.Lock(); defer mu.Unlock(); return current, len(current) },
			func(s string) bool { mu.Lock(); defer mu.Unlock(); return s == inUse },
			func(s string, n int) {
				mu.Lock()
				defer mu.Unlock()
				if n != len(s) {
					t.Errorf("load got data %d for state %q", n, s)
				}
				loaded, inUse = append(loaded, s), s
			})
	}()
	// A new state every 2 ms, far faster than the 100 ms settle time:
	// nothing loads.
	for i := range 100 {
		set(fmt.Sprint("changing-", i))
		time.Sleep(2 * time.Millisecond)
	}
	mu.Lock()
	early := len(loaded)
	mu.Unlock()
	set("final")
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(loaded)
		mu.Unlock()
		if n > early || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(250 * time.Millisecond) // a settled state loads once
	cancel()
	<-done
	if early != 0 {
		t.Errorf("%d loads while the state kept changing", early)
	}
	if len(loaded) != 1 || loaded[0] != "final" {
		t.Errorf("loaded %v, want [final] once", loaded)
	}
}
