package latency

import (
	"math/rand/v2"
	"testing"
	"time"
)

func sample(r *rand.Rand, n int, base, spread time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = base + time.Duration(r.Float64()*float64(spread))
	}
	return out
}

func TestAlike(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ref := sample(r, 400, 4*time.Millisecond, 2*time.Millisecond)
	if err := Alike(ref, sample(r, 400, 4*time.Millisecond, 2*time.Millisecond), 0.05); err != nil {
		t.Errorf("two samples of one distribution: %v", err)
	}
	// Twice as slow, or the same median with a narrower spread: both differ.
	if err := Alike(ref, sample(r, 400, 8*time.Millisecond, 4*time.Millisecond), 0.05); err == nil {
		t.Error("a twice slower sample passed")
	}
	if err := Alike(ref, sample(r, 400, 4800*time.Microsecond, 400*time.Microsecond), 0.05); err == nil {
		t.Error("a narrower sample passed")
	}
	if q := Of([]time.Duration{5, 1, 3, 2, 4}); q != (Quantiles{1, 3, 4}) {
		t.Errorf("Of = %v", q)
	}
}
