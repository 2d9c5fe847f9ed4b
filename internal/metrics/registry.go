package metrics

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Registry holds metric families and writes them for a scrape. Metrics
// made by its New methods are registered in it for good: esauth's metric
// set is fixed at start-up.
//
// The New methods panic on an invalid or duplicate name, like
// regexp.MustCompile: their arguments are constants in the code. CounterFunc
// and GaugeFunc return an error instead, because their label values may
// come from configuration (realm names).
type Registry struct {
	mu       sync.Mutex
	families map[string]*family
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{families: map[string]*family{}}
}

// Label is one label of a series whose value is known when it is
// registered, as with CounterFunc.
type Label struct {
	Name, Value string
}

// family is one metric name with its HELP, TYPE and label names.
type family struct {
	name, help, typ string
	labels          []string
	c               collector
}

// collector appends a family's sample lines in a stable order.
type collector interface {
	appendSamples(b []byte, name string, labels []string) []byte
}

// NewCounter registers a counter without labels.
func (r *Registry) NewCounter(name, help string) *Counter {
	c := &Counter{}
	r.mustRegister(&family{name: name, help: help, typ: "counter", c: c})
	return c
}

// NewCounterVec registers a counter family with the given label names.
func (r *Registry) NewCounterVec(name, help string, labels ...string) *CounterVec {
	v := &CounterVec{vec: newVec(name, labels, func() *Counter { return &Counter{} })}
	r.mustRegister(&family{name: name, help: help, typ: "counter", labels: slices.Clone(labels), c: v})
	return v
}

// NewHistogram registers a histogram without labels. buckets are the
// upper bounds, in increasing order; +Inf is implied.
func (r *Registry) NewHistogram(name, help string, buckets []float64) *Histogram {
	h := newHistogram(mustBuckets(name, buckets))
	r.mustRegister(&family{name: name, help: help, typ: "histogram", c: h})
	return h
}

// NewHistogramVec registers a histogram family with the given buckets
// and label names.
func (r *Registry) NewHistogramVec(name, help string, buckets []float64, labels ...string) *HistogramVec {
	bk := mustBuckets(name, buckets)
	v := &HistogramVec{vec: newVec(name, labels, func() *Histogram { return newHistogram(bk) })}
	r.mustRegister(&family{name: name, help: help, typ: "histogram", labels: slices.Clone(labels), c: v})
	return v
}

// CounterFunc registers a counter series whose value f returns at scrape
// time, for counts kept elsewhere (cache statistics). Several calls with
// one name and the same label names add series to one family. f must be
// safe for concurrent use and must never decrease.
func (r *Registry) CounterFunc(name, help string, f func() float64, labels ...Label) error {
	return r.addFunc("counter", name, help, f, labels)
}

// GaugeFunc registers a gauge series whose value f returns at scrape time.
func (r *Registry) GaugeFunc(name, help string, f func() float64, labels ...Label) error {
	return r.addFunc("gauge", name, help, f, labels)
}

func (r *Registry) addFunc(typ, name, help string, f func() float64, labels []Label) error {
	names := make([]string, len(labels))
	values := make([]string, len(labels))
	for i, l := range labels {
		names[i], values[i] = l.Name, l.Value
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fam := r.families[name]
	if fam == nil {
		fam = &family{name: name, help: help, typ: typ, labels: names, c: &funcFamily{}}
		if err := r.register(fam); err != nil {
			return err
		}
	}
	ff, ok := fam.c.(*funcFamily)
	if !ok || fam.typ != typ || fam.help != help || !slices.Equal(fam.labels, names) {
		return fmt.Errorf("metrics: %s is already registered with another type, help or label names", name)
	}
	return ff.add(name, values, f)
}

func (r *Registry) mustRegister(f *family) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.register(f); err != nil {
		panic(err)
	}
}

// register adds a family; r.mu is held.
func (r *Registry) register(f *family) error {
	if !validName(f.name, true) {
		return fmt.Errorf("metrics: invalid metric name %q", f.name)
	}
	for i, l := range f.labels {
		if !validName(l, false) || strings.HasPrefix(l, "__") || (l == "le" && f.typ == "histogram") {
			return fmt.Errorf("metrics: %s: invalid label name %q", f.name, l)
		}
		if slices.Contains(f.labels[:i], l) {
			return fmt.Errorf("metrics: %s: label %q given twice", f.name, l)
		}
	}
	if _, dup := r.families[f.name]; dup {
		return fmt.Errorf("metrics: %s is already registered", f.name)
	}
	r.families[f.name] = f
	return nil
}

// validName checks metric names ([a-zA-Z_:][a-zA-Z0-9_:]*) and, without
// colons, label names.
func validName(s string, colon bool) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		ok := c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') ||
			(colon && c == ':') || (i > 0 && '0' <= c && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// AppendText appends every family in the text format, sorted by name, each
// family's series sorted by label values. Families without series yet are
// left out, as Prometheus client libraries do.
func (r *Registry) AppendText(b []byte) []byte {
	r.mu.Lock()
	fams := slices.Collect(maps.Values(r.families))
	r.mu.Unlock()
	slices.SortFunc(fams, func(x, y *family) int { return strings.Compare(x.name, y.name) })
	for _, f := range fams {
		start := len(b)
		b = appendHeader(b, f.name, f.help, f.typ)
		header := len(b)
		if b = f.c.appendSamples(b, f.name, f.labels); len(b) == header {
			b = b[:start]
		}
	}
	return b
}

// WriteTo writes the text format to w.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(r.AppendText(nil))
	return int64(n), err
}

// Handler serves the text format to GET and HEAD requests.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		b := r.AppendText(nil)
		h := w.Header()
		h.Set("Content-Type", ContentType)
		h.Set("Content-Length", strconv.Itoa(len(b)))
		h.Set("Cache-Control", "no-store")
		if req.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(b) // a scraper that went away needs no answer
	})
}

// funcFamily is the series of a CounterFunc or GaugeFunc family.
type funcFamily struct {
	mu     sync.Mutex
	series []funcSeries // sorted by values
}

type funcSeries struct {
	values []string
	f      func() float64
}

func (ff *funcFamily) add(name string, values []string, f func() float64) error {
	ff.mu.Lock()
	defer ff.mu.Unlock()
	i, found := slices.BinarySearchFunc(ff.series, values, func(s funcSeries, v []string) int {
		return slices.Compare(s.values, v)
	})
	if found {
		return fmt.Errorf("metrics: %s%v is already registered", name, values)
	}
	ff.series = slices.Insert(ff.series, i, funcSeries{values: values, f: f})
	return nil
}

func (ff *funcFamily) appendSamples(b []byte, name string, labels []string) []byte {
	ff.mu.Lock()
	series := slices.Clone(ff.series)
	ff.mu.Unlock()
	// The callbacks run without the lock: one that is slow or registers
	// more series must not block or deadlock the others.
	for _, s := range series {
		b = appendName(b, name, "", labels, s.values, "")
		b = appendFloat(b, s.f())
		b = append(b, '\n')
	}
	return b
}
