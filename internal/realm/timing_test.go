package realm

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/latency"
	"github.com/esauth/esauth/internal/passhash"
)

// TestFailedAttemptsTakeAlike times every kind of failed attempt through
// a node's chain with real hashes, first and repeated, interleaved in a
// shuffled order so that load on the machine falls on every kind alike,
// and compares each kind's distribution with the plain wrong password's
// at its p10, median and p90. The gate starts from three times the real
// cost, as a measurement taken at start-up under load would: the repeats
// must follow the checks actually timed, not that figure.
func TestFailedAttemptsTakeAlike(t *testing.T) {
	if testing.Short() {
		t.Skip("takes several seconds")
	}
	const samples = 200
	algo := "bcrypt6" // about 4 ms a check
	if raceEnabled {
		// The race detector slows bcrypt tenfold (bcrypt4 takes 12 ms);
		// PBKDF2 with 1000 rounds takes about 5 ms under it.
		algo = "pbkdf2_1000"
	}
	h, err := passhash.Resolve(algo)
	mustNil(t, err)
	start := time.Now()
	_, err = h.FakeHash()
	mustNil(t, err)
	n := newNode(t, algo, 3*time.Since(start))

	type kind struct {
		name string
		// attempt returns the credentials of the i-th attempt.
		attempt func(i int) (user, password string)
	}
	fresh := func(user string) func(int) (string, string) {
		return func(i int) (string, string) { return user, fmt.Sprint("wrong-", i) }
	}
	same := func(user, password string) func(int) (string, string) {
		return func(int) (string, string) { return user, password }
	}
	kinds := []kind{
		{"wrong password", fresh("joe")},
		{"unknown user", fresh("ghost")},
		{"disabled, right password", func(int) (string, string) {
			n.native.Invalidate("off") // as a write to the user would
			return "off", "off-secret"
		}},
		{"disabled, wrong password", fresh("off")},
		{"wrong password, repeated", same("rep-joe", "wrong")},
		{"unknown user, repeated", same("rep-ghost", "wrong")},
		{"disabled, right password, repeated", same("rep-off", "rep-off-secret")},
		{"disabled, wrong password, repeated", same("rep-off", "wrong")},
	}
	ctx := context.Background()
	try := func(k kind, i int) time.Duration {
		user, password := k.attempt(i)
		start := time.Now()
		_, ok, err := n.chain.Authenticate(ctx, user, password)
		d := time.Since(start)
		if ok || err != nil {
			t.Fatalf("%s: ok %v err %v", k.name, ok, err)
		}
		return d
	}
	// Warm up: the repeats' failures get remembered, and the gate times
	// real checks.
	for i := range 8 {
		for _, k := range kinds {
			try(k, -1-i)
		}
	}
	times := make([][]time.Duration, len(kinds))
	order := make([]int, len(kinds))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range samples {
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, k := range order {
			times[k] = append(times[k], try(kinds[k], i))
		}
	}

	// Each kind is held against the plain wrong password. tol covers what
	// a pause does not do: a store read and a goroutine hand-off, some
	// 0.1 ms.
	const tol = 0.05
	var report strings.Builder
	fmt.Fprintf(&report, "%s:\n", algo)
	for i, k := range kinds {
		fmt.Fprintf(&report, "%-36s %v\n", k.name, latency.Of(times[i]))
		if err := latency.Alike(times[0], times[i], tol); err != nil {
			t.Errorf("%s: %v", k.name, err)
		}
	}
	t.Logf("latency per kind of failed attempt, %d samples each:\n%s", samples, report.String())
}
