package metrics

import (
	"strconv"
	"sync/atomic"
)

// Counter is a count that only goes up. The zero value is ready to use
// but only a registered counter is scraped.
type Counter struct {
	v atomic.Uint64
}

// Inc adds one.
func (c *Counter) Inc() { c.v.Add(1) }

// Add adds n.
func (c *Counter) Add(n uint64) { c.v.Add(n) }

// Value returns the current count.
func (c *Counter) Value() uint64 { return c.v.Load() }

func (c *Counter) appendSamples(b []byte, name string, _ []string) []byte {
	return c.appendSeries(b, name, nil, nil)
}

func (c *Counter) appendSeries(b []byte, name string, labels, values []string) []byte {
	b = appendName(b, name, "", labels, values, "")
	b = strconv.AppendUint(b, c.v.Load(), 10)
	return append(b, '\n')
}

// CounterVec is a family of counters partitioned by label values.
type CounterVec struct {
	vec *vec[*Counter]
}

// With returns the counter for the label values, given in the order of
// the label names; it panics if their number is wrong. Once a combination
// exists, With takes no lock and allocates nothing, so callers need not
// keep the result.
func (v *CounterVec) With(values ...string) *Counter { return v.vec.with(values) }

func (v *CounterVec) appendSamples(b []byte, name string, labels []string) []byte {
	for _, c := range v.vec.sorted() {
		b = c.m.appendSeries(b, name, labels, c.values)
	}
	return b
}
