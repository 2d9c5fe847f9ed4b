package latency

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Quantiles are the 10th, 50th and 90th percentiles of a sample.
type Quantiles [3]time.Duration

// Of returns the quantiles of d.
func Of(d []time.Duration) Quantiles {
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(p int) time.Duration { return s[(len(s)-1)*p/100] }
	return Quantiles{at(10), at(50), at(90)}
}

func (q Quantiles) String() string {
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	return fmt.Sprintf("p10 %v, median %v, p90 %v", r(q[0]), r(q[1]), r(q[2]))
}

// shareBelow is the fraction of d shorter than x.
func shareBelow(d []time.Duration, x time.Duration) float64 {
	n := 0
	for _, v := range d {
		if v < x {
			n++
		}
	}
	return float64(n) / float64(len(d))
}

// Alike reports whether got is distributed like ref: at ref's p10, median
// and p90 (q), about 10%, 50% and 90% of got must fall below q, give or
// take tol of q and four standard errors of the share. Shares, unlike
// durations, stay steady when load makes times bimodal (a check preempted
// or not). Both samples should be taken interleaved, so that the
// machine's load falls on them alike. It returns nil, or what differs.
func Alike(ref, got []time.Duration, tol float64) error {
	q := Of(ref)
	for j, p := range [...]float64{0.1, 0.5, 0.9} {
		slack := 4 * math.Sqrt(2*p*(1-p)/float64(len(got)))
		lo, hi := time.Duration(float64(q[j])*(1-tol)), time.Duration(float64(q[j])*(1+tol))
		if below, within := shareBelow(got, lo), shareBelow(got, hi); below > p+slack || within < p-slack {
			return fmt.Errorf("%.0f%% took under %v and %.0f%% under %v (the reference's p%.0f ∓ %.0f%%), want %.0f%% ± %.0f",
				100*below, lo.Round(10*time.Microsecond), 100*within, hi.Round(10*time.Microsecond), 100*p, 100*tol, 100*p, 100*slack)
		}
	}
	return nil
}
