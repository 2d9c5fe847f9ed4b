package lockout

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// attacked returns a tracker holding 80000 sprayed usernames and
// addresses (most of MaxKeys, short of evictions), blocks of them blocked: the worst cases for the lookups of a
// clean login. With blocks, every shard holds some and checks take the
// shard's read lock; without, they need none.
func attacked(tb testing.TB, blocks int) *Tracker {
	tb.Helper()
	tr := newTracker(tb, testConfig(newClock(), nil))
	const keys = DefaultMaxKeys * 8 / 10
	for i := range keys {
		n := 1
		if i < blocks {
			n = 5 // blocks the user and, five failures from one address, the address
		}
		for range n {
			tr.Failure(fmt.Sprint("spray-", i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), t0)
		}
	}
	if s := tr.Stats(); s.Users != keys || s.IPs != keys || len(tr.Locked(t0)) != 2*blocks {
		tb.Fatalf("attacked tracker: %+v, %d blocks", s, len(tr.Locked(t0)))
	}
	return tr
}

// TestCleanLoginDoesNotAllocate guards the benchmarks' zero: a login of a
// key without failures must cost no allocation, idle or under attack.
func TestCleanLoginDoesNotAllocate(t *testing.T) {
	for name, tr := range map[string]*Tracker{
		"idle":             newTracker(t, testConfig(newClock(), nil)),
		"attacked":         attacked(t, 0),
		"attacked/blocked": attacked(t, 1000),
	} {
		n := testing.AllocsPerRun(1000, func() {
			if b, _, _ := tr.Check("alice", "192.0.2.1", t0); b {
				t.Fatal("blocked")
			}
			tr.Success("alice", "192.0.2.1", t0)
		})
		if n != 0 {
			t.Errorf("%s: Check+Success allocate %v times per login", name, n)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	for _, bc := range []struct {
		name string
		new  func(testing.TB) *Tracker
	}{
		{"idle", func(tb testing.TB) *Tracker { return newTracker(tb, testConfig(newClock(), nil)) }},
		{"attacked", func(tb testing.TB) *Tracker { return attacked(tb, 0) }},
		{"attacked/blocked", func(tb testing.TB) *Tracker { return attacked(tb, 1000) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tr := bc.new(b)
			b.ReportAllocs()
			for b.Loop() {
				tr.Check("alice", "192.0.2.1", t0)
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			tr := bc.new(b)
			names := make([]string, 1024)
			for i := range names {
				names[i] = fmt.Sprint("user-", i)
			}
			var next atomic.Uint64
			b.ReportAllocs()
			b.ResetTimer() // the set-up above is not what is measured
			b.RunParallel(func(pb *testing.PB) {
				i := next.Add(7919)
				for pb.Next() {
					i++
					tr.Check(names[i%1024], "192.0.2.1", t0)
				}
			})
		})
	}
}

// BenchmarkCleanLogin is what a successful login adds: Check, then
// Success.
func BenchmarkCleanLogin(b *testing.B) {
	tr := attacked(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		tr.Check("alice", "192.0.2.1", t0)
		tr.Success("alice", "192.0.2.1", t0)
	}
}

// BenchmarkFailure counts failures of one known key (after the slow hash
// that precedes it in real life).
func BenchmarkFailure(b *testing.B) {
	tr := attacked(b, 1000)
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		// Ten minutes per failure: each starts a new run, so no block
		// changes the path measured.
		now = now.Add(10 * time.Minute)
		tr.Failure("alice", "192.0.2.1", now)
	}
}
