package securityquery

import (
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
)

// Hit is one document of the page: its number in the Source, and its
// sort values in the shape Elasticsearch renders as "_sort" (nil when the
// request has no sort): a string for keyword and flattened fields (nil
// for a document without a value), a bool for booleans, epoch millis for
// dates (Long.MAX_VALUE or MIN_VALUE standing in for a missing one, as
// Lucene's missing value), an int for _doc.
type Hit struct {
	Doc  int
	Sort []any
}

// Result is the answer: the number of matching documents, the page and
// the aggregations (nil when none were asked).
type Result struct {
	Total int
	Hits  []Hit
	Aggs  *Aggregations
}

// sortKey is a built field sort.
type sortKey struct {
	f            fref
	kind         Kind // 0 for _doc
	desc         bool
	useMax       bool    // multi-valued fields: MIN or MAX mode
	missingFirst bool    // missing: "_first"
	missing      *string // a custom missing value for a keyword field
	missingNum   int64   // what a numeric field without a value sorts as
}

// securityIndex is the concrete index behind the security alias, which
// shard messages name.
const securityIndex = ".security-7"

// numeric reports a key compared as a number (_doc, boolean, date).
func (k *sortKey) numeric() bool { return k.kind == 0 || k.kind == Boolean || k.kind == Date }

// buildSort is FieldSortBuilder.build on the shard.
func (c *compiler) buildSort(s rawSort) (sortKey, *eserr.Error) {
	if s.ref.isDoc() {
		return sortKey{f: s.ref, desc: s.desc}, nil
	}
	k := sortKey{f: s.ref, kind: c.s.kind(s.ref), desc: s.desc, useMax: s.desc}
	if k.kind == Text {
		// A text field the translator lets through has no fielddata.
		n := c.s.indexName(s.ref)
		return k, eserr.IllegalArgument("Fielddata is disabled on [%s] in [%s]. Text fields are not optimised for operations that require per-document "+
			"field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. "+
			"Alternatively, set fielddata=true on [%s] in order to load field data by uninverting the inverted index. Note that this can use significant memory.",
			n, securityIndex, n)
	}
	switch s.mode {
	case "min":
		k.useMax = false
	case "max":
		k.useMax = true
	case "sum", "avg", "median":
		if !k.numeric() {
			return k, queryShard("we only support AVG, MEDIAN and SUM on number based fields")
		}
	}
	// Lucene's missing value for a numeric sort: the end of the range the
	// missing documents go to.
	first := false
	if s.missing != nil {
		switch m := s.missing.javaString(); m {
		case "_last":
		case "_first":
			k.missingFirst, first = true, true
		default:
			if k.numeric() {
				v, err := c.sortValue(k, *s.missing)
				if err != nil {
					return k, err
				}
				k.missingNum = v
				return k, nil
			}
			k.missing = &m
		}
	}
	if first != k.desc {
		k.missingNum = math.MinInt64
	} else {
		k.missingNum = math.MaxInt64
	}
	return k, nil
}

// sortValue parses a value given for a numeric sort key (a missing value
// or search_after) as its field's DocValueFormat does.
func (c *compiler) sortValue(k sortKey, v scalar) (int64, *eserr.Error) {
	if v.kind == kNumber && classify(v.s) != numBigInteger {
		return javaLongValue(v.s), nil
	}
	switch k.kind {
	case Boolean:
		switch s := v.javaString(); s {
		case "true":
			return 1, nil
		case "false":
			return 0, nil
		default:
			return 0, eserr.IllegalArgument("Cannot parse boolean [%s], expected either [true] or [false]", s)
		}
	case Date:
		return parseDate(v.javaString(), nil, nil, false, c.now)
	}
	n, ok := parseJavaInt(v.javaString())
	if !ok {
		return 0, newErr("number_format_exception", 400, `For input string: "`+v.javaString()+`"`)
	}
	return int64(n), nil
}

// afterValue is a search_after value converted for its sort field.
type afterValue struct {
	missing bool
	s       string
	n       int64
}

// convertAfter is SearchAfterBuilder.buildFieldDoc.
func (c *compiler) convertAfter(keys []sortKey, values []scalar) ([]afterValue, *eserr.Error) {
	if len(keys) == 0 {
		return nil, eserr.IllegalArgument("Sort must contain at least one field.")
	}
	if len(keys) != len(values) {
		return nil, eserr.IllegalArgument("search_after has %d value(s) but sort has %d.", len(values), len(keys))
	}
	out := make([]afterValue, len(keys))
	for i, k := range keys {
		v := values[i]
		switch k.kind {
		case 0:
			if v.kind == kNull {
				return nil, newErr("null_pointer_exception", 500, `Cannot invoke "java.lang.Integer.intValue()" because "value" is null`)
			}
			n, ok := javaIntValue(v)
			if !ok {
				e := eserr.IllegalArgument("Failed to parse search_after value for field [null].")
				e.CausedBy = newErr("number_format_exception", 400, `For input string: "`+v.javaString()+`"`)
				return nil, e
			}
			out[i].n = n
		case Boolean, Date:
			if v.kind == kNull {
				return nil, newErr("null_pointer_exception", 500, `Cannot invoke "java.lang.Long.longValue()" because "value" is null`)
			}
			n, err := c.sortValue(k, v)
			if err != nil {
				if k.kind == Date {
					e := eserr.IllegalArgument("Failed to parse search_after value for field [%s].", c.s.indexName(k.f))
					e.CausedBy = err
					return nil, e
				}
				return nil, err
			}
			out[i].n = n
		default:
			if v.kind == kNull {
				out[i].missing = true
			} else {
				out[i].s = v.javaString()
			}
		}
	}
	return out, nil
}

// javaIntValue is Number.intValue() for numbers, Integer.parseInt for the
// rest.
func javaIntValue(v scalar) (int64, bool) {
	if v.kind == kNumber {
		switch classify(v.s) {
		case numInt, numLong:
			n, _ := strconv.ParseInt(v.s, 10, 64)
			return int64(int32(n)), true // intValue keeps the low 32 bits
		case numDouble:
			f, _ := strconv.ParseFloat(v.s, 64)
			return int64(javaD2I(f)), true
		}
	}
	n, ok := parseJavaInt(v.javaString())
	return int64(n), ok
}

// javaLongValue is Number.longValue() of an int, long or double literal.
func javaLongValue(lit string) int64 {
	if classify(lit) == numDouble {
		f, _ := strconv.ParseFloat(lit, 64)
		switch {
		case math.IsNaN(f):
			return 0
		case f >= math.MaxInt64:
			return math.MaxInt64
		case f <= math.MinInt64:
			return math.MinInt64
		}
		return int64(f)
	}
	b, _ := new(big.Int).SetString(lit, 10)
	return b.Int64()
}

// javaD2I is Java's saturating (int) cast of a double.
func javaD2I(f float64) int32 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

// sorter compares documents by the request's sort, then by document
// order.
type sorter struct {
	d     *doc
	keys  []sortKey
	order Orderer // nil: numbering is index order
	rank  []int32 // index order by number, for _doc when order is set
}

// Orderer is implemented by a Source whose numbering is not its index
// order: Compare orders two documents as the index does (users come in
// any order and are in username order). It saves sorting every document
// when only ties and pages need the order.
type Orderer interface {
	Compare(a, b int) int
}

// tie orders two documents by index order.
func (s *sorter) tie(a, b int32) int {
	if s.order != nil {
		return s.order.Compare(int(a), int(b))
	}
	return cmpInt(int64(a), int64(b))
}

// docNumber is a document's place in index order, what _doc sorts by.
func (s *sorter) docNumber(i int32) int64 {
	if s.rank != nil {
		return int64(s.rank[i])
	}
	return int64(i)
}

// keyword returns the value a keyword sort uses: the smallest or largest
// value; ok is false when the document has none.
func (s *sorter) keyword(i int32, k *sortKey) (string, bool) {
	s.d.i = int(i)
	var vals []string
	if k.kind == Text {
		vals = s.d.src.Strings(int(i), k.f.f, s.d.buf[:0])
		s.d.buf = vals
	} else {
		vals = s.d.values(k.f)
	}
	if len(vals) == 0 {
		if k.missing != nil {
			return *k.missing, true
		}
		return "", false
	}
	v := vals[0]
	for _, r := range vals[1:] {
		if (k.useMax && r > v) || (!k.useMax && r < v) {
			v = r
		}
	}
	return v, true
}

func (s *sorter) number(i int32, k *sortKey) int64 {
	switch k.kind {
	case 0:
		return s.docNumber(i)
	case Boolean:
		v, ok := s.d.src.Bool(int(i), k.f.f)
		switch {
		case !ok:
			return k.missingNum
		case v:
			return 1
		}
		return 0
	}
	v, ok := s.d.src.Date(int(i), k.f.f)
	if !ok {
		return k.missingNum
	}
	return v
}

// cmpKey compares document i with a value on one key, in sort order.
// Missing values go last (or first) whatever the order.
func (s *sorter) cmpKey(i int32, k *sortKey, v afterValue) int {
	if k.numeric() {
		c := cmpInt(s.number(i, k), v.n)
		if k.desc {
			return -c
		}
		return c
	}
	a, ok := s.keyword(i, k)
	switch {
	case !ok && v.missing:
		return 0
	case !ok || v.missing:
		c := 1
		if k.missingFirst {
			c = -1
		}
		if !ok {
			return c
		}
		return -c
	}
	c := strings.Compare(a, v.s)
	if k.desc {
		return -c
	}
	return c
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// value is document i's sort value on a key, as an afterValue.
func (s *sorter) value(i int32, k *sortKey) afterValue {
	if k.numeric() {
		return afterValue{n: s.number(i, k)}
	}
	v, ok := s.keyword(i, k)
	return afterValue{s: v, missing: !ok}
}

func (s *sorter) cmp(a, b int32) int {
	for ki := range s.keys {
		k := &s.keys[ki]
		if c := s.cmpKey(a, k, s.value(b, k)); c != 0 {
			return c
		}
	}
	return s.tie(a, b)
}

// after reports whether document i sorts strictly after the search_after
// key: Lucene puts the key's document at Integer.MAX_VALUE, so documents
// equal to it on every key come before it and are skipped.
func (s *sorter) after(i int32, key []afterValue) bool {
	for ki := range s.keys {
		if c := s.cmpKey(i, &s.keys[ki], key[ki]); c != 0 {
			return c > 0
		}
	}
	return false
}

// sortValues renders document i's sort values the way SearchHit formats
// them.
func (s *sorter) sortValues(i int32) []any {
	out := make([]any, len(s.keys))
	for ki := range s.keys {
		k := &s.keys[ki]
		switch k.kind {
		case 0:
			out[ki] = int(s.docNumber(i))
		case Boolean:
			out[ki] = s.number(i, k) != 0
		case Date:
			out[ki] = s.number(i, k)
		default:
			if v, ok := s.keyword(i, k); ok {
				out[ki] = v
			}
		}
	}
	return out
}

// Run evaluates the request over src and returns the total, the page
// and the aggregations. Documents are scanned once; only the matches are
// kept, and only the from+size best of them are ordered.
func (r *Request) Run(src Source) Result {
	d := newDoc(r.s, src)
	n := src.Len()
	matches := make([]int32, 0, 64)
	if r.match == nil {
		matches = make([]int32, 0, n)
	}
	for i := range n {
		if r.match != nil {
			d.reset(i)
			if !r.match.match(d) {
				continue
			}
		}
		matches = append(matches, int32(i))
	}
	res := Result{Total: len(matches)}
	if r.aggs != nil {
		res.Aggs = r.runAggs(d, matches)
	}
	s := &sorter{d: d, keys: r.sorts}
	s.order, _ = src.(Orderer)
	if s.order != nil && slices.ContainsFunc(r.sorts, func(k sortKey) bool { return k.kind == 0 }) {
		s.rank = ranks(n, s.order)
	}
	if r.after != nil {
		kept := make([]int32, 0, len(matches))
		for _, i := range matches {
			if s.after(i, r.after) {
				kept = append(kept, i)
			}
		}
		matches = kept
	}
	window := r.from + r.size
	if r.size == 0 || r.from >= len(matches) {
		return res
	}
	if r.sorts == nil && s.order == nil {
		// Index order: matches are already in it.
		page := matches[r.from:min(window, len(matches))]
		res.Hits = make([]Hit, len(page))
		for j, i := range page {
			res.Hits[j].Doc = int(i)
		}
		return res
	}
	top := selectTop(matches, window, s.cmp)
	page := top[r.from:]
	res.Hits = make([]Hit, len(page))
	for j, i := range page {
		res.Hits[j].Doc = int(i)
		if r.sorts != nil {
			res.Hits[j].Sort = s.sortValues(i)
		}
	}
	return res
}

// ranks numbers n documents in index order.
func ranks(n int, o Orderer) []int32 {
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return o.Compare(int(a), int(b)) })
	rank := make([]int32, n)
	for r, i := range order {
		rank[i] = int32(r)
	}
	return rank
}

// selectTop returns the k smallest items of xs in order, reordering xs: a
// bounded max-heap keeps the k best seen so far, so a small page out of
// many matches costs one comparison for most of them.
func selectTop(xs []int32, k int, cmp func(a, b int32) int) []int32 {
	if k >= len(xs) {
		slices.SortFunc(xs, cmp)
		return xs
	}
	h := xs[:k]
	for i := k/2 - 1; i >= 0; i-- {
		siftDown(h, i, cmp)
	}
	for _, x := range xs[k:] {
		if cmp(x, h[0]) < 0 {
			h[0] = x
			siftDown(h, 0, cmp)
		}
	}
	slices.SortFunc(h, cmp)
	return h
}

// siftDown restores the max-heap property below i.
func siftDown(h []int32, i int, cmp func(a, b int32) int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		big := l
		if r := l + 1; r < len(h) && cmp(h[r], h[l]) > 0 {
			big = r
		}
		if cmp(h[big], h[i]) <= 0 {
			return
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}
