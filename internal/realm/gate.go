package realm

import (
	"context"
	"runtime"
	"time"
)

// Gate caps how many slow password verifications (bcrypt, PBKDF2) run at
// once, so that a flood of wrong passwords, which no cache can absorb,
// cannot take every core from requests the credential cache answers.
// A nil Gate lets everything through.
type Gate struct {
	slots chan struct{}
	// Observe, when set, learns how long each verification took (not
	// the wait for a slot).
	Observe func(time.Duration)
}

// NewGate allows n concurrent slow verifications; n <= 0 means one core
// fewer than the machine has (at least one).
func NewGate(n int) *Gate {
	if n <= 0 {
		n = max(1, runtime.NumCPU()-1)
	}
	return &Gate{slots: make(chan struct{}, n)}
}

// Do runs f once a slot is free, or returns ctx's error if the caller
// gives up first.
func (g *Gate) Do(ctx context.Context, f func()) error {
	if g == nil {
		f()
		return nil
	}
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.slots }()
	if g.Observe == nil {
		f()
		return nil
	}
	start := time.Now()
	f()
	g.Observe(time.Since(start))
	return nil
}
