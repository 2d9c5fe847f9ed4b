package realm

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Gate caps how many slow password checks (bcrypt, PBKDF2) run at once,
// so that a flood of wrong passwords, which no cache can absorb, cannot
// take every core from requests the credential cache answers.
//
// Checks beyond the cap queue fairly: waiters are grouped by client
// address (see WithClient) and, within a client, by username; free slots
// go round-robin across clients and, within a client, across usernames.
// A login from another client, or for another username, therefore waits
// for a few checks, not for a whole flood. The queue is bounded per
// username, per client and in all; past a bound Do and Pause fail at
// once with a *BusyError.
//
// A nil Gate lets everything through at once.
type Gate struct {
	// Observe, when set, learns how long each check took (not the wait
	// for a slot, and not pauses).
	Observe func(time.Duration)

	slots                        int
	maxUser, maxClient, maxTotal int
	// now and sleep are the clock and a pause's sleep; tests replace them.
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu      sync.Mutex
	busy    int // slots taken
	waiting int // checks and pauses queued
	// clients holds the clients with something queued; turns holds the
	// same *clientQueue values in round-robin order, next turn first.
	clients map[string]*clientQueue
	turns   list.List
	times   timings

	// checks and pauses count what the gate let through; tests read them.
	checks, pauses atomic.Int64
}

// The queue's default bounds, relative to the slots.
const (
	// Identical credentials share one check (the cache's single flight),
	// so each waiter for one username from one client is another password:
	// a person retrying has a few in flight at most, a guesser many.
	perUser = 4
	// One address may keep 8 checks per slot waiting (a proxy or Kibana
	// logging several users in at once), enough for its users and still
	// 1/8 of the queue: a flood from one address fills its own share.
	perClientPerSlot = 8
	// The last of 64 waiters per slot starts after about 64 checks' time
	// (some 4 s at bcrypt's default cost of ~60 ms), within any client's
	// timeout; past that a 429 with Retry-After is a better answer than a
	// timeout, and the bound caps what a flood from many addresses holds.
	totalPerSlot = 64
)

// ErrBusy is what a check refused for want of room in the queue is (with
// errors.Is); the error itself is a *BusyError.
var ErrBusy = errors.New("realm: too many password checks waiting")

// BusyError refuses a check when the gate's queue is full; the HTTP layer
// answers 429 with a Retry-After of RetryAfter rounded up to whole
// seconds, at least one.
type BusyError struct {
	// RetryAfter guesses when there will be room: the time the queue
	// takes to drain at the recent checks' median duration.
	RetryAfter time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("%v; retry after %v", ErrBusy, e.RetryAfter)
}

// Is makes errors.Is(err, ErrBusy) true for every BusyError.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

type clientKey struct{}

// WithClient tells the gate which client, normally its IP address, the
// checks made with ctx are for; the username comes from the realm code.
// Checks without a client all queue as one client.
func WithClient(ctx context.Context, client string) context.Context {
	return context.WithValue(ctx, clientKey{}, client)
}

func clientOf(ctx context.Context) string {
	c, _ := ctx.Value(clientKey{}).(string)
	return c
}

// NewGate allows n concurrent slow checks; n <= 0 means one core fewer
// than the machine has (at least one). estimate stands for one check's
// duration until the gate has timed some, normally one hash measured at
// start-up.
func NewGate(n int, estimate time.Duration) *Gate {
	if n <= 0 {
		n = max(1, runtime.NumCPU()-1)
	}
	return &Gate{
		slots:     n,
		maxUser:   perUser,
		maxClient: perClientPerSlot * n,
		maxTotal:  totalPerSlot * n,
		now:       time.Now,
		sleep:     sleep,
		clients:   make(map[string]*clientQueue),
		times:     timings{first: estimate},
	}
}

// Do runs f, a slow check for username, once it is its turn. It returns a
// *BusyError at once if the queue is full, or ctx's error if the caller
// leaves first; f then does not run.
func (g *Gate) Do(ctx context.Context, username string, f func()) error {
	release, err := g.Acquire(ctx, username)
	if err != nil {
		return err
	}
	defer release()
	f()
	return nil
}

// Acquire waits for a slow check's turn as Do does, for callers that
// cannot hand the check over as a function (API keys hash in their own
// package); release ends the check and times it.
func (g *Gate) Acquire(ctx context.Context, username string) (release func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	if err := g.acquire(ctx, username); err != nil {
		return nil, err
	}
	start := g.now()
	return func() {
		d := g.now().Sub(start)
		g.checks.Add(1)
		g.mu.Lock()
		g.times.add(d)
		g.mu.Unlock()
		if g.Observe != nil {
			g.Observe(d)
		}
		g.release()
	}, nil
}

// Pause stands for a check that need not run, such as a remembered
// failure: it waits for its turn exactly as Do would, then gives the slot
// back at once and sleeps for as long as one of the recent checks took,
// drawn at random, so that it takes what a check takes, spread included,
// without the CPU. It ends early, with ctx's error, if the caller leaves.
// A nil Gate does not pause.
func (g *Gate) Pause(ctx context.Context, username string) error {
	if g == nil {
		return nil
	}
	if err := g.acquire(ctx, username); err != nil {
		return err
	}
	g.mu.Lock()
	d := g.times.draw()
	g.mu.Unlock()
	g.release()
	g.pauses.Add(1)
	return g.sleep(ctx, d)
}

// Stall holds a check the gate refused (its queue was full) for about as
// long as a check takes, without a slot: a flood then gets its refusals
// no faster than it would get answers, instead of as fast as the server
// can write them, which took the cores from cached users.
func (g *Gate) Stall(ctx context.Context) {
	if g == nil {
		return
	}
	g.mu.Lock()
	d := g.times.draw()
	g.mu.Unlock()
	_ = g.sleep(ctx, d)
}

// sleep waits for d on a timer but for the last millisecond, which it
// spends yielding the processor until the deadline: an idle Go process
// fires timers only to the millisecond (its poller waits in whole
// milliseconds), a lattice that a check's timing does not show. Each
// yield lets any other goroutine that wants the processor run first.
func sleep(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	if coarse := d - time.Millisecond; coarse > 0 {
		t := time.NewTimer(coarse)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for time.Now().Before(deadline) {
		if err := ctx.Err(); err != nil {
			return err
		}
		runtime.Gosched()
	}
	return nil
}

// acquire takes a slot, at once if one is free, else when its turn comes.
func (g *Gate) acquire(ctx context.Context, username string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	g.mu.Lock()
	// Waiters are handed slots as they free up, so a free slot means
	// nobody is waiting for it.
	if g.busy < g.slots {
		g.busy++
		g.mu.Unlock()
		return nil
	}
	w, err := g.enqueue(clientOf(ctx), username)
	g.mu.Unlock()
	if err != nil {
		return err
	}
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	granted := w.granted
	if !granted {
		g.dequeue(w)
	}
	g.mu.Unlock()
	if granted {
		// The slot came as the caller left: it goes to the next turn.
		g.release()
	}
	return ctx.Err()
}

// release hands the slot to the next turn, or frees it.
func (g *Gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if w := g.next(); w != nil {
		w.granted = true
		close(w.ready)
		return
	}
	g.busy--
}

// retryAfter is how long the queue takes to drain. g.mu must be held.
func (g *Gate) retryAfter() time.Duration {
	return time.Duration(g.waiting/g.slots+1) * g.times.median()
}

// timings keeps the durations of the last checks.
type timings struct {
	d       [64]time.Duration
	n, next int
	// first stands for every check until one has been timed.
	first time.Duration
}

func (t *timings) add(d time.Duration) {
	t.d[t.next] = d
	t.next = (t.next + 1) % len(t.d)
	t.n = min(t.n+1, len(t.d))
}

// draw is one of the recent durations, each as likely.
func (t *timings) draw() time.Duration {
	if t.n == 0 {
		return t.first
	}
	return t.d[rand.IntN(t.n)]
}

func (t *timings) median() time.Duration {
	if t.n == 0 {
		return t.first
	}
	s := t.d // a copy
	slices.Sort(s[:t.n])
	return s[t.n/2]
}
