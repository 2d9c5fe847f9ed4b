package metrics

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// vec is a family of metrics of one kind, one per combination of label
// values. Lookups read an immutable map through an atomic pointer, so
// With takes no lock and, once the combination exists, allocates nothing;
// adding a combination copies the map, which is fine because label values
// are bounded (routes, status codes, realm names).
type vec[M any] struct {
	name   string
	labels []string
	newM   func() M
	mu     sync.Mutex // serializes additions
	m      atomic.Pointer[map[string]child[M]]
}

type child[M any] struct {
	values []string
	m      M
}

func newVec[M any](name string, labels []string, newM func() M) *vec[M] {
	v := &vec[M]{name: name, labels: slices.Clone(labels), newM: newM}
	v.m.Store(&map[string]child[M]{})
	return v
}

// keyBuf fits the keys of typical label values without a heap buffer.
const keyBuf = 128

func (v *vec[M]) with(values []string) M {
	if len(values) != len(v.labels) {
		panic(fmt.Sprintf("metrics: %s takes %d label values, got %d", v.name, len(v.labels), len(values)))
	}
	var buf [keyBuf]byte
	key := appendKey(buf[:0], values)
	// The compiler does not allocate for a map index with string(bytes).
	if c, ok := (*v.m.Load())[string(key)]; ok {
		return c.m
	}
	return v.add(key, values)
}

// appendKey encodes values unambiguously: each is prefixed with its length.
func appendKey(b []byte, values []string) []byte {
	for _, s := range values {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

func (v *vec[M]) add(key []byte, values []string) M {
	v.mu.Lock()
	defer v.mu.Unlock()
	old := *v.m.Load()
	if c, ok := old[string(key)]; ok {
		return c.m // added by a concurrent call
	}
	vals := make([]string, len(values))
	for i, s := range values {
		vals[i] = strings.Clone(s) // keep no caller's larger buffer alive
	}
	c := child[M]{values: vals, m: v.newM()}
	next := make(map[string]child[M], len(old)+1)
	for k, c := range old {
		next[k] = c
	}
	next[string(key)] = c
	v.m.Store(&next)
	return c.m
}

// sorted returns the children ordered by label values, for stable output.
func (v *vec[M]) sorted() []child[M] {
	m := *v.m.Load()
	out := make([]child[M], 0, len(m))
	for _, c := range m {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b child[M]) int { return slices.Compare(a.values, b.values) })
	return out
}
