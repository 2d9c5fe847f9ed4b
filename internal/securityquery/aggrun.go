package securityquery

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/xcontent"
)

// agg is a built aggregation, ready to run over a set of documents.
type agg struct {
	name, typ string
	ref       fref
	kind      Kind
	subs      []*agg

	// terms
	size, minDocCount int
	order             []bucketOrder
	include, exclude  *termFilter
	missing           *aval // a value for documents without one

	// range, date_range
	ranges []aggRange
	keyed  bool

	// composite
	sources []*compositeSource
	kinds   []Kind
	after   []aval // nil: from the start

	// filter, filters
	match        matcher
	filters      []builtFilter
	filtersKeyed bool
	otherBucket  bool
	otherKey     string
}

type aggRange struct {
	key      string
	from, to float64 // ±Inf when open
}

type builtFilter struct {
	key   string
	match matcher // nil: match all
}

// aval is one value of an aggregated field: a string (keyword,
// flattened) or a number (boolean 0/1, date millis); null marks a
// composite's missing bucket.
type aval struct {
	s    string
	n    int64
	null bool
}

// factoryName is the aggregator factory class a parent aggregation makes,
// which the composite aggregation's refusal names.
var factoryName = map[string]string{
	"terms": "TermsAggregatorFactory", "range": "RangeAggregatorFactory", "date_range": "DateRangeAggregatorFactory",
	"missing": "MissingAggregatorFactory", "filter": "FilterAggregatorFactory", "filters": "FiltersAggregatorFactory",
	"composite": "CompositeAggregationFactory",
}

// buildAggs is AggregatorFactories.Builder.build on the shard.
func (c *compiler) buildAggs(raw []*rawAgg) ([]*agg, *eserr.Error) {
	if raw == nil {
		return nil, nil
	}
	return c.buildAggList(raw, "")
}

func (c *compiler) buildAggList(raw []*rawAgg, parent string) ([]*agg, *eserr.Error) {
	out := make([]*agg, 0, len(raw))
	for _, r := range raw {
		a, err := c.buildAgg(r, parent)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func (c *compiler) buildAgg(r *rawAgg, parent string) (*agg, *eserr.Error) {
	a := &agg{name: r.name, typ: r.typ, ref: r.ref, size: r.size, minDocCount: r.minDocCount,
		order: r.order, include: r.include, exclude: r.exclude, keyed: r.keyed}
	if r.hasField {
		a.kind = c.s.kind(r.ref)
	}
	if r.missing != nil && r.typ != "missing" {
		v, err := c.aggValue(a.kind, *r.missing)
		if err != nil {
			return nil, err
		}
		a.missing = &v
	}
	switch r.typ {
	case "range", "date_range":
		if a.kind != Date && a.kind != Boolean {
			return nil, eserr.IllegalArgument("Field [%s] of type [%s] is not supported for aggregation [%s]", c.s.indexName(r.ref), a.kind.typeName(), r.typ)
		}
		if len(r.ranges) == 0 {
			return nil, eserr.IllegalArgument("No [ranges] specified for the [%s] aggregation", r.name)
		}
		formats, ferr := dateFormats(r.format)
		if ferr != nil {
			return nil, ferr
		}
		var zone *time.Location
		if r.timeZone != "" {
			z, ok := parseZone(r.timeZone)
			if !ok {
				return nil, newErr("zone_rules_exception", 500, "Unknown time-zone ID: "+r.timeZone)
			}
			zone = z
		}
		for _, rr := range r.ranges {
			ar := aggRange{from: math.Inf(-1), to: math.Inf(1)}
			for _, b := range []struct {
				v  *scalar
				to *float64
			}{{rr.from, &ar.from}, {rr.to, &ar.to}} {
				if b.v == nil {
					continue
				}
				if b.v.kind == kNumber {
					*b.to, _ = strconv.ParseFloat(b.v.s, 64)
					continue
				}
				if a.kind != Date {
					f, ok := parseJavaDouble(b.v.javaString())
					if !ok {
						return nil, newErr("number_format_exception", 400, javaNFE(b.v.javaString()))
					}
					*b.to = f
					continue
				}
				ms, err := parseDateNamed(b.v.javaString(), formats, r.format, zone, false, c.now)
				if err != nil {
					return nil, err
				}
				*b.to = float64(ms)
			}
			if rr.key != nil {
				ar.key = *rr.key
			} else {
				ar.key = rangeBound(ar.from, a.kind) + "-" + rangeBound(ar.to, a.kind)
			}
			a.ranges = append(a.ranges, ar)
		}
		// RangeAggregator sorts the ranges by from, then to.
		slices.SortStableFunc(a.ranges, func(x, y aggRange) int {
			return cmp.Or(cmp.Compare(x.from, y.from), cmp.Compare(x.to, y.to))
		})
	case "composite":
		if parent != "" {
			return nil, eserr.IllegalArgument("[composite] aggregation cannot be used with a parent aggregation of type: [%s]", factoryName[parent])
		}
		a.sources = r.sources
		for _, s := range r.sources {
			a.kinds = append(a.kinds, c.s.kind(s.ref))
		}
		if r.hasAfter {
			after, err := c.compositeAfter(a, r.after)
			if err != nil {
				return nil, err
			}
			a.after = after
		}
	case "filter":
		m, err := c.compile(r.filter)
		if err != nil {
			return nil, err
		}
		a.match = m
	case "filters":
		a.filtersKeyed, a.otherBucket, a.otherKey = r.filtersKeyed, r.otherBucket, r.otherBucketKey
		for _, f := range r.filters {
			m, err := c.compile(f.q)
			if err != nil {
				return nil, err
			}
			a.filters = append(a.filters, builtFilter{key: f.key, match: m})
		}
	}
	subs, err := c.buildAggList(r.subs, r.typ)
	if err != nil {
		return nil, err
	}
	a.subs = subs
	if r.typ == "terms" {
		for _, o := range a.order {
			if o.path == "_count" || o.path == "_key" {
				continue
			}
			if !slices.ContainsFunc(a.subs, func(s *agg) bool {
				return s.name == o.path && (leafOnly(s.typ) || s.typ == "filter" || s.typ == "missing")
			}) {
				return nil, newErr("aggregation_execution_exception", 400, "Invalid aggregation order path ["+o.path+"]. The provided aggregation ["+o.path+
					"] either does not exist, or is a pipeline aggregation and cannot be used to sort the buckets.")
			}
		}
	}
	return a, nil
}

// rangeBound formats a range's bound for its key, as the field's
// DocValueFormat does: "*" when open, a double for the raw format, epoch
// millis for a date.
func rangeBound(v float64, k Kind) string {
	if math.IsInf(v, 0) {
		return "*"
	}
	if k == Date {
		return formatMillis(int64(v))
	}
	return javaDouble(v)
}

// aggValue parses a value given for a field (missing, a composite's
// after).
func (c *compiler) aggValue(k Kind, v scalar) (aval, *eserr.Error) {
	switch k {
	case Boolean, Date:
		n, err := c.sortValue(sortKey{kind: k}, v)
		if err != nil {
			return aval{}, err
		}
		return aval{n: n}, nil
	}
	return aval{s: v.javaString()}, nil
}

// compositeAfter reads a composite's "after": a value for every source.
func (c *compiler) compositeAfter(a *agg, n *node) ([]aval, *eserr.Error) {
	if len(n.keys) != len(a.sources) {
		return nil, eserr.IllegalArgument("[after] has %d value(s) but [sources] has %d", len(n.keys), len(a.sources))
	}
	out := make([]aval, len(a.sources))
	for i, s := range a.sources {
		j := slices.Index(n.keys, s.name)
		if j < 0 {
			return nil, eserr.IllegalArgument("Missing value for [after.%s]", s.name)
		}
		v := n.vals[j]
		if v.kind == kNull {
			if !s.missingBucket {
				return nil, eserr.IllegalArgument("Invalid null value for [after.%s]", s.name)
			}
			out[i] = aval{null: true}
			continue
		}
		if v.kind == kObject || v.kind == kArray {
			return nil, eserr.IllegalArgument("Invalid value for [after.%s], expected comparable, got [%s]", s.name, v.kind)
		}
		av, err := c.aggValue(a.kinds[i], scalarOf(v))
		if err != nil {
			return nil, err
		}
		out[i] = av
	}
	return out, nil
}

// Aggregations are the answer's "aggregations", in request order.
type Aggregations struct {
	list []aggOut
}

type aggOut struct {
	name, typed string
	body        xcontent.Object
}

// Object renders the aggregations; with typedKeys each name, at every
// level, is prefixed with its result type ("sterms#by_name"), as
// typed_keys asks.
func (a *Aggregations) Object(typedKeys bool) xcontent.Object {
	o := make(xcontent.Object, 0, len(a.list))
	for _, x := range a.list {
		o = o.With(x.key(typedKeys), render(x.body, typedKeys))
	}
	return o
}

func (x aggOut) key(typedKeys bool) string {
	if typedKeys {
		return x.typed + "#" + x.name
	}
	return x.name
}

// render replaces the sub-aggregations inside a body by their rendered
// bodies, under their (typed) names.
func render(o xcontent.Object, typedKeys bool) xcontent.Object {
	out := make(xcontent.Object, len(o))
	for i, f := range o {
		out[i] = f
		switch v := f.Value.(type) {
		case aggOut:
			out[i] = xcontent.Field{Key: v.key(typedKeys), Value: render(v.body, typedKeys)}
		case xcontent.Object:
			out[i].Value = render(v, typedKeys)
		case []any:
			items := make([]any, len(v))
			for j, it := range v {
				if io, ok := it.(xcontent.Object); ok {
					it = render(io, typedKeys)
				}
				items[j] = it
			}
			out[i].Value = items
		}
	}
	return out
}

func (r *Request) runAggs(d *doc, docs []int32) *Aggregations {
	return &Aggregations{list: runAggList(r.aggs, d, docs)}
}

func runAggList(aggs []*agg, d *doc, docs []int32) []aggOut {
	out := make([]aggOut, 0, len(aggs))
	for _, a := range aggs {
		out = append(out, a.run(d, docs))
	}
	return out
}

// values returns document i's values of the aggregation's field: strings
// deduplicated and sorted (SortedSetDocValues), or the number.
func (a *agg) values(d *doc, i int32, ref fref, kind Kind, dst []aval) []aval {
	dst = dst[:0]
	switch kind {
	case Boolean:
		if v, ok := d.src.Bool(int(i), ref.f); ok {
			n := int64(0)
			if v {
				n = 1
			}
			dst = append(dst, aval{n: n})
		}
	case Date:
		if v, ok := d.src.Date(int(i), ref.f); ok {
			dst = append(dst, aval{n: v})
		}
	default:
		d.i = int(i)
		var vals []string
		if kind == Text {
			vals = d.src.Strings(int(i), ref.f, d.buf[:0])
		} else {
			vals = d.values(ref)
		}
		for _, s := range vals {
			dst = append(dst, aval{s: s})
		}
		slices.SortFunc(dst, func(x, y aval) int { return strings.Compare(x.s, y.s) })
		dst = slices.CompactFunc(dst, func(x, y aval) bool { return x.s == y.s })
	}
	return dst
}

func numeric(k Kind) bool { return k == Boolean || k == Date }

func cmpAval(k Kind, x, y aval) int {
	if numeric(k) {
		return cmp.Compare(x.n, y.n)
	}
	return strings.Compare(x.s, y.s)
}

// key renders a value as a bucket's "key": a string, or a number.
func keyValue(k Kind, v aval) any {
	if numeric(k) {
		return v.n
	}
	return v.s
}

// keyAsString is a numeric key's "key_as_string".
func keyAsString(k Kind, v aval) string {
	if k == Boolean {
		return strconv.FormatBool(v.n != 0)
	}
	return formatMillis(v.n)
}

func (a *agg) run(d *doc, docs []int32) aggOut {
	switch a.typ {
	case "terms":
		return a.runTerms(d, docs)
	case "range", "date_range":
		return a.runRange(d, docs)
	case "missing":
		var in []int32
		var buf []aval
		for _, i := range docs {
			if buf = a.values(d, i, a.ref, a.kind, buf); len(buf) == 0 {
				in = append(in, i)
			}
		}
		return aggOut{a.name, "missing", a.single(d, in)}
	case "cardinality", "value_count":
		seen := map[aval]struct{}{}
		count := 0
		var buf []aval
		for _, i := range docs {
			buf = a.values(d, i, a.ref, a.kind, buf)
			if len(buf) == 0 && a.missing != nil {
				buf = append(buf, *a.missing)
			}
			count += len(buf)
			for _, v := range buf {
				seen[v] = struct{}{}
			}
		}
		if a.typ == "cardinality" {
			return aggOut{a.name, "cardinality", xcontent.Obj("value", len(seen))}
		}
		return aggOut{a.name, "value_count", xcontent.Obj("value", count)}
	case "composite":
		return a.runComposite(d, docs)
	case "filter":
		return aggOut{a.name, "filter", a.single(d, filterDocs(a.match, d, docs))}
	case "filters":
		return a.runFilters(d, docs)
	}
	return aggOut{name: a.name, typed: a.typ, body: xcontent.Obj()}
}

// single is a single-bucket aggregation's body: its count and its
// sub-aggregations.
func (a *agg) single(d *doc, in []int32) xcontent.Object {
	o := xcontent.Obj("doc_count", len(in))
	return withSubs(o, a.subs, d, in)
}

func withSubs(o xcontent.Object, subs []*agg, d *doc, in []int32) xcontent.Object {
	for _, s := range runAggList(subs, d, in) {
		o = o.With(s.name, s)
	}
	return o
}

func filterDocs(m matcher, d *doc, docs []int32) []int32 {
	var in []int32
	for _, i := range docs {
		if m == nil {
			in = append(in, i)
			continue
		}
		d.reset(int(i))
		if m.match(d) {
			in = append(in, i)
		}
	}
	return in
}

type termBucket struct {
	key  aval
	docs []int32
	subs []aggOut
}

func (a *agg) runTerms(d *doc, docs []int32) aggOut {
	typed := "sterms"
	if numeric(a.kind) {
		typed = "lterms"
	}
	idx := map[aval]int{}
	var buckets []*termBucket
	var buf []aval
	for _, i := range docs {
		buf = a.values(d, i, a.ref, a.kind, buf)
		if len(buf) == 0 && a.missing != nil {
			buf = append(buf, *a.missing)
		}
		for _, v := range buf {
			if !numeric(a.kind) && ((a.include != nil && !a.include.accepts(v.s)) || (a.exclude != nil && a.exclude.accepts(v.s))) {
				continue
			}
			j, ok := idx[v]
			if !ok {
				j = len(buckets)
				idx[v] = j
				buckets = append(buckets, &termBucket{key: v})
			}
			buckets[j].docs = append(buckets[j].docs, i)
		}
	}
	kept := buckets[:0]
	for _, b := range buckets {
		if len(b.docs) >= a.minDocCount {
			kept = append(kept, b)
		}
	}
	buckets = kept
	for _, b := range buckets {
		b.subs = runAggList(a.subs, d, b.docs)
	}
	order := a.order
	if len(order) == 0 {
		order = []bucketOrder{{path: "_count", desc: true}}
	}
	slices.SortStableFunc(buckets, func(x, y *termBucket) int {
		for _, o := range order {
			var c int
			switch o.path {
			case "_count":
				c = cmp.Compare(len(x.docs), len(y.docs))
			case "_key":
				c = cmpAval(a.kind, x.key, y.key)
			default:
				c = cmp.Compare(subValue(x.subs, o.path), subValue(y.subs, o.path))
			}
			if o.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmpAval(a.kind, x.key, y.key) // the tie-break: key ascending
	})
	other := 0
	if len(buckets) > a.size {
		for _, b := range buckets[a.size:] {
			other += len(b.docs)
		}
		buckets = buckets[:a.size]
	}
	list := make([]any, 0, len(buckets))
	for _, b := range buckets {
		o := xcontent.Obj("key", keyValue(a.kind, b.key))
		if numeric(a.kind) {
			o = o.With("key_as_string", keyAsString(a.kind, b.key))
		}
		o = o.With("doc_count", len(b.docs))
		for _, s := range b.subs {
			o = o.With(s.name, s)
		}
		list = append(list, o)
	}
	return aggOut{a.name, typed, xcontent.Obj("doc_count_error_upper_bound", 0, "sum_other_doc_count", other, "buckets", list)}
}

// subValue is what a terms order path names: a metric's value or a
// single-bucket aggregation's count.
func subValue(subs []aggOut, name string) int {
	for _, s := range subs {
		if s.name != name {
			continue
		}
		for _, f := range s.body {
			if f.Key == "value" || f.Key == "doc_count" {
				n, _ := f.Value.(int)
				return n
			}
		}
	}
	return 0
}

func (a *agg) runRange(d *doc, docs []int32) aggOut {
	typed := "range"
	if a.typ == "date_range" {
		typed = "date_range"
	}
	var list []any
	keyed := xcontent.Obj()
	var buf []aval
	for _, r := range a.ranges {
		var in []int32
		for _, i := range docs {
			buf = a.values(d, i, a.ref, a.kind, buf)
			if len(buf) == 0 && a.missing != nil {
				buf = append(buf, *a.missing)
			}
			for _, v := range buf {
				f := float64(v.n)
				if f >= r.from && f < r.to {
					in = append(in, i)
					break
				}
			}
		}
		o := xcontent.Obj()
		if !a.keyed {
			o = o.With("key", r.key)
		}
		if !math.IsInf(r.from, 0) {
			o = o.With("from", json.RawMessage(javaDouble(r.from))).With("from_as_string", boundString(r.from, a.kind))
		}
		if !math.IsInf(r.to, 0) {
			o = o.With("to", json.RawMessage(javaDouble(r.to))).With("to_as_string", boundString(r.to, a.kind))
		}
		o = withSubs(o.With("doc_count", len(in)), a.subs, d, in)
		if a.keyed {
			keyed = keyed.With(r.key, o)
		} else {
			list = append(list, o)
		}
	}
	if a.keyed {
		return aggOut{a.name, typed, xcontent.Obj("buckets", keyed)}
	}
	if list == nil {
		list = []any{}
	}
	return aggOut{a.name, typed, xcontent.Obj("buckets", list)}
}

// boundString is a bound's "from_as_string"/"to_as_string".
func boundString(v float64, k Kind) string {
	if k == Boolean {
		return strconv.FormatBool(v != 0)
	}
	return formatMillis(int64(v))
}

type compositeBucket struct {
	key  []aval
	docs []int32
}

func (a *agg) runComposite(d *doc, docs []int32) aggOut {
	idx := map[string]int{}
	var buckets []*compositeBucket
	per := make([][]aval, len(a.sources))
	for _, i := range docs {
		skip := false
		for s, src := range a.sources {
			per[s] = a.values(d, i, src.ref, a.kinds[s], per[s])
			if len(per[s]) == 0 {
				if !src.missingBucket {
					skip = true
					break
				}
				per[s] = append(per[s], aval{null: true})
			}
		}
		if skip {
			continue
		}
		// Every combination of the sources' values is a key.
		combo := make([]aval, len(a.sources))
		var walk func(s int)
		walk = func(s int) {
			if s == len(a.sources) {
				id := compositeID(combo)
				j, ok := idx[id]
				if !ok {
					j = len(buckets)
					idx[id] = j
					buckets = append(buckets, &compositeBucket{key: slices.Clone(combo)})
				}
				if b := buckets[j]; len(b.docs) == 0 || b.docs[len(b.docs)-1] != i {
					b.docs = append(b.docs, i)
				}
				return
			}
			for _, v := range per[s] {
				combo[s] = v
				walk(s + 1)
			}
		}
		walk(0)
	}
	cmpKey := func(x, y []aval) int {
		for s := range a.sources {
			var c int
			switch {
			case x[s].null && y[s].null:
			case x[s].null:
				c = -1 // missing values first in ascending order
			case y[s].null:
				c = 1
			default:
				c = cmpAval(a.kinds[s], x[s], y[s])
			}
			if a.sources[s].desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	}
	slices.SortFunc(buckets, func(x, y *compositeBucket) int { return cmpKey(x.key, y.key) })
	if a.after != nil {
		start := len(buckets)
		for j, b := range buckets {
			if cmpKey(b.key, a.after) > 0 {
				start = j
				break
			}
		}
		buckets = buckets[start:]
	}
	if len(buckets) > a.size {
		buckets = buckets[:a.size]
	}
	list := make([]any, 0, len(buckets))
	for _, b := range buckets {
		o := xcontent.Obj("key", a.compositeKey(b.key), "doc_count", len(b.docs))
		list = append(list, withSubs(o, a.subs, d, b.docs))
	}
	body := xcontent.Obj()
	if len(buckets) > 0 {
		body = body.With("after_key", a.compositeKey(buckets[len(buckets)-1].key))
	}
	return aggOut{a.name, "composite", body.With("buckets", list)}
}

func compositeID(key []aval) string {
	var b strings.Builder
	for _, v := range key {
		switch {
		case v.null:
			b.WriteString("\x00n")
		default:
			b.WriteString("\x00v")
			b.WriteString(v.s)
			b.WriteString(strconv.FormatInt(v.n, 10))
		}
	}
	return b.String()
}

// compositeKey renders a composite key: strings, booleans as booleans,
// dates formatted (epoch millis as a string), nulls.
func (a *agg) compositeKey(key []aval) xcontent.Object {
	o := make(xcontent.Object, 0, len(key))
	for s, v := range key {
		var val any
		switch {
		case v.null:
			val = nil
		case a.kinds[s] == Boolean:
			val = v.n != 0
		case a.kinds[s] == Date:
			val = formatMillis(v.n)
		default:
			val = v.s
		}
		o = o.With(a.sources[s].name, val)
	}
	return o
}

func (a *agg) runFilters(d *doc, docs []int32) aggOut {
	var list []any
	keyed := xcontent.Obj()
	matchedAny := make(map[int32]bool)
	for _, f := range a.filters {
		in := filterDocs(f.match, d, docs)
		for _, i := range in {
			matchedAny[i] = true
		}
		o := withSubs(xcontent.Obj("doc_count", len(in)), a.subs, d, in)
		if a.filtersKeyed {
			keyed = keyed.With(f.key, o)
		} else {
			list = append(list, o)
		}
	}
	if a.otherBucket {
		var in []int32
		for _, i := range docs {
			if !matchedAny[i] {
				in = append(in, i)
			}
		}
		o := withSubs(xcontent.Obj("doc_count", len(in)), a.subs, d, in)
		if a.filtersKeyed {
			keyed = keyed.With(a.otherKey, o)
		} else {
			list = append(list, o)
		}
	}
	if a.filtersKeyed {
		return aggOut{a.name, "filters", xcontent.Obj("buckets", keyed)}
	}
	if list == nil {
		list = []any{}
	}
	return aggOut{a.name, "filters", xcontent.Obj("buckets", list)}
}
