package metrics

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// buckets are a histogram family's upper bounds and their le labels, the
// last being +Inf.
type buckets struct {
	upper []float64
	les   []string
}

func mustBuckets(name string, upper []float64) *buckets {
	if len(upper) == 0 {
		panic(fmt.Sprintf("metrics: %s: a histogram needs buckets", name))
	}
	for i, u := range upper {
		if math.IsNaN(u) || math.IsInf(u, 0) || (i > 0 && u <= upper[i-1]) {
			panic(fmt.Sprintf("metrics: %s: bucket bounds must be finite and increasing", name))
		}
	}
	bk := &buckets{upper: slices.Clone(upper)}
	for _, u := range upper {
		bk.les = append(bk.les, string(appendFloat(nil, u)))
	}
	bk.les = append(bk.les, "+Inf")
	return bk
}

// Histogram counts observations in fixed buckets and sums them.
type Histogram struct {
	bk *buckets
	// counts are per bucket, not cumulative, so Observe touches one; the
	// last is the +Inf bucket. The total count is their sum, which keeps
	// _count equal to the +Inf bucket in every scrape.
	counts []atomic.Uint64
	// sum is float64 bits, updated after the count without a lock, so a
	// scrape may see it an observation or two apart from the count.
	sum atomic.Uint64
}

func newHistogram(bk *buckets) *Histogram {
	return &Histogram{bk: bk, counts: make([]atomic.Uint64, len(bk.upper)+1)}
}

// Observe records v. A NaN counts in the +Inf bucket only.
func (h *Histogram) Observe(v float64) {
	i := 0
	// A short linear scan beats a binary search for a dozen bounds.
	for i < len(h.bk.upper) && !(v <= h.bk.upper[i]) {
		i++
	}
	h.counts[i].Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// ObserveDuration records d in seconds, Prometheus's unit of time.
func (h *Histogram) ObserveDuration(d time.Duration) { h.Observe(d.Seconds()) }

// Count returns the number of observations.
func (h *Histogram) Count() uint64 {
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// Sum returns the sum of the observations.
func (h *Histogram) Sum() float64 { return math.Float64frombits(h.sum.Load()) }

func (h *Histogram) appendSamples(b []byte, name string, _ []string) []byte {
	return h.appendSeries(b, name, nil, nil)
}

func (h *Histogram) appendSeries(b []byte, name string, labels, values []string) []byte {
	var cum uint64
	for i, le := range h.bk.les {
		cum += h.counts[i].Load()
		b = appendName(b, name, "_bucket", labels, values, le)
		b = strconv.AppendUint(b, cum, 10)
		b = append(b, '\n')
	}
	b = appendName(b, name, "_sum", labels, values, "")
	b = appendFloat(b, h.Sum())
	b = append(b, '\n')
	b = appendName(b, name, "_count", labels, values, "")
	b = strconv.AppendUint(b, cum, 10)
	return append(b, '\n')
}

// HistogramVec is a family of histograms partitioned by label values.
type HistogramVec struct {
	vec *vec[*Histogram]
}

// With returns the histogram for the label values, as CounterVec.With.
func (v *HistogramVec) With(values ...string) *Histogram { return v.vec.with(values) }

func (v *HistogramVec) appendSamples(b []byte, name string, labels []string) []byte {
	for _, c := range v.vec.sorted() {
		b = c.m.appendSeries(b, name, labels, c.values)
	}
	return b
}
