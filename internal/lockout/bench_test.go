package lockout

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// attacked returns a tracker holding 80000 sprayed usernames and
// addresses (most of MaxKeys, short of evictions), blocks of them blocked:
// the worst cases for the lookups of a clean login. With blocks, every
// shard holds some, so that refusals take the shard's lock.
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
			// No login gets past a block to fail again: counted directly.
			inject(tr, fmt.Sprint("spray-", i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), t0)
		}
	}
	if s := tr.Stats(); s.Users != keys || s.IPs != keys || len(tr.Locked(t0)) != 2*blocks {
		tb.Fatalf("attacked tracker: %+v, %d blocks", s, len(tr.Locked(t0)))
	}
	return tr
}

var trackers = []struct {
	name string
	new  func(testing.TB) *Tracker
}{
	{"idle", func(tb testing.TB) *Tracker { return newTracker(tb, testConfig(newClock(), nil)) }},
	{"attacked", func(tb testing.TB) *Tracker { return attacked(tb, 0) }},
	{"attacked/blocked", func(tb testing.TB) *Tracker { return attacked(tb, 1000) }},
}

// TestCleanLoginDoesNotAllocate guards the benchmarks' zero: a login of a
// key without failures must cost no allocation, idle or under attack,
// and neither must a refusal.
func TestCleanLoginDoesNotAllocate(t *testing.T) {
	for _, tc := range trackers {
		tr := tc.new(t)
		for name, login := range map[string]func(){
			"Begin+Succeeded": func() {
				a, ok, _, _ := tr.Begin("alice", "192.0.2.1", false, t0)
				if !ok {
					t.Fatal("refused")
				}
				a.Succeeded(t0)
			},
			"Begin+Abandon": func() {
				a, _, _, _ := tr.Begin("alice", "192.0.2.1", false, t0)
				a.Abandon()
			},
			"Begin of a sprayed name": func() {
				a, ok, _, _ := tr.Begin("spray-0", "192.0.2.1", false, t0)
				a.Abandon()
				if ok == (tc.name == "attacked/blocked") {
					t.Fatal("spray-0 admitted while blocked, or refused while not")
				}
			},
		} {
			if n := testing.AllocsPerRun(1000, login); n != 0 {
				t.Errorf("%s: %s allocates %v times per login", tc.name, name, n)
			}
		}
		checkIdle(t, tr)
	}
}

// BenchmarkBegin reserves and releases an attempt: what a login costs the
// tracker besides its outcome. Serially, then in parallel from one address
// (every client behind one untrusted proxy) and from many.
func BenchmarkBegin(b *testing.B) {
	for _, bc := range trackers {
		b.Run(bc.name, func(b *testing.B) {
			tr := bc.new(b)
			b.ReportAllocs()
			for b.Loop() {
				a, _, _, _ := tr.Begin("alice", "192.0.2.1", false, t0)
				a.Abandon()
			}
		})
		for _, ips := range []int{1, 1024} {
			b.Run(fmt.Sprintf("%s/parallel/ips=%d", bc.name, ips), func(b *testing.B) {
				tr := bc.new(b)
				names, addrs := make([]string, 1024), make([]string, 1024)
				for i := range names {
					names[i] = fmt.Sprint("user-", i)
					addrs[i] = fmt.Sprintf("192.0.%d.%d", i%ips/256, i%ips%256)
				}
				var next atomic.Uint64
				b.ReportAllocs()
				b.ResetTimer() // the set-up above is not what is measured
				b.RunParallel(func(pb *testing.PB) {
					i := next.Add(7919)
					for pb.Next() {
						i++
						a, _, _, _ := tr.Begin(names[i%1024], addrs[i%1024], false, t0)
						a.Abandon()
					}
				})
			})
		}
	}
}

// BenchmarkCleanLogin is what a successful login adds: Begin, then
// Succeeded.
func BenchmarkCleanLogin(b *testing.B) {
	tr := attacked(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		a, _, _, _ := tr.Begin("alice", "192.0.2.1", false, t0)
		a.Succeeded(t0)
	}
}

// BenchmarkFailure counts failures of one known key (after the slow hash
// that precedes Failed in real life).
func BenchmarkFailure(b *testing.B) {
	tr := attacked(b, 1000)
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		// Ten minutes per failure: each starts a new run, so no block
		// changes the path measured.
		now = now.Add(10 * time.Minute)
		a, _, _, _ := tr.Begin("alice", "192.0.2.1", false, now)
		a.Failed(now)
	}
}

// BenchmarkClient finds the client behind two trusted proxies.
func BenchmarkClient(b *testing.B) {
	tp, err := ParseTrustedProxies([]string{"10.0.0.0/8", "192.0.2.7", "2001:db8:ffff::/48"})
	if err != nil {
		b.Fatal(err)
	}
	xff := []string{"198.51.100.1, 203.0.113.9, 192.0.2.7"}
	b.ReportAllocs()
	for b.Loop() {
		_ = ClientKey(tp.Client("10.0.0.1:5555", xff))
	}
}
