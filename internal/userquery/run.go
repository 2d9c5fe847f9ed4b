package userquery

import (
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/user"
)

// Hit is one user of the page, with its sort values in the shape
// Elasticsearch renders as "_sort" (nil when the request has no sort):
// a string for username and roles (nil for a user without roles), a bool
// for enabled, an int for _doc.
type Hit struct {
	User user.User
	Sort []any
}

// Result is the answer: the number of matching users and the page.
type Result struct {
	Total int
	Hits  []Hit
}

// sortKey is a built field sort.
type sortKey struct {
	f            field
	desc         bool
	useMax       bool    // multi-valued roles: MIN or MAX mode
	missingFirst bool    // missing: "_first"
	missing      *string // a custom missing value for a keyword field
}

// build is FieldSortBuilder.build on the shard.
func (s rawSort) build() (sortKey, *eserr.Error) {
	if s.field == "_doc" {
		return sortKey{f: fDoc, desc: s.desc}, nil
	}
	k := sortKey{f: mustField(s.field), desc: s.desc, useMax: s.desc}
	switch s.mode {
	case "min":
		k.useMax = false
	case "max":
		k.useMax = true
	case "sum", "avg", "median":
		if k.f != fEnabled {
			return k, queryShard("we only support AVG, MEDIAN and SUM on number based fields")
		}
	}
	if s.missing != nil {
		switch m := s.missing.javaString(); m {
		case "_last":
		case "_first":
			k.missingFirst = true
		default:
			k.missing = &m
		}
	}
	return k, nil
}

// afterValue is a search_after value converted for its sort field.
type afterValue struct {
	missing bool
	s       string
	n       int64
}

// convertAfter is SearchAfterBuilder.buildFieldDoc.
func convertAfter(keys []sortKey, values []scalar) ([]afterValue, *eserr.Error) {
	if len(keys) == 0 {
		return nil, eserr.IllegalArgument("Sort must contain at least one field.")
	}
	if len(keys) != len(values) {
		return nil, eserr.IllegalArgument("search_after has %d value(s) but sort has %d.", len(values), len(keys))
	}
	out := make([]afterValue, len(keys))
	for i, k := range keys {
		v := values[i]
		switch k.f {
		case fDoc:
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
		case fEnabled:
			if v.kind == kNull {
				return nil, newErr("null_pointer_exception", 500, `Cannot invoke "java.lang.Long.longValue()" because "value" is null`)
			}
			if v.kind == kNumber && classify(v.s) != numBigInteger {
				out[i].n = javaLongValue(v.s)
				continue
			}
			switch s := v.javaString(); s {
			case "true":
				out[i].n = 1
			case "false":
				out[i].n = 0
			default:
				return nil, eserr.IllegalArgument("Cannot parse boolean [%s], expected either [true] or [false]", s)
			}
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

// sorter compares users by the request's sort, then by document order,
// which here is username order.
type sorter struct {
	users []user.User
	keys  []sortKey
	rank  []int32 // document number by username order, for _doc
}

// keyword returns the value a keyword sort uses: the username, or the
// smallest or largest role; ok is false when the user has none.
func (s *sorter) keyword(u *user.User, k *sortKey) (string, bool) {
	if k.f == fUsername {
		return u.Username, true
	}
	if len(u.Roles) == 0 {
		if k.missing != nil {
			return *k.missing, true
		}
		return "", false
	}
	v := u.Roles[0]
	for _, r := range u.Roles[1:] {
		if (k.useMax && r > v) || (!k.useMax && r < v) {
			v = r
		}
	}
	return v, true
}

func (s *sorter) number(i int32, k *sortKey) int64 {
	if k.f == fDoc {
		return int64(s.rank[i])
	}
	if s.users[i].Enabled {
		return 1
	}
	return 0
}

// cmpKey compares user i with a value on one key, in sort order. Missing
// values go last (or first) whatever the order.
func (s *sorter) cmpKey(i int32, k *sortKey, v afterValue) int {
	if k.f == fEnabled || k.f == fDoc {
		c := cmpInt(s.number(i, k), v.n)
		if k.desc {
			return -c
		}
		return c
	}
	a, ok := s.keyword(&s.users[i], k)
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

// value is user i's sort value on a key, as an afterValue.
func (s *sorter) value(i int32, k *sortKey) afterValue {
	if k.f == fEnabled || k.f == fDoc {
		return afterValue{n: s.number(i, k)}
	}
	v, ok := s.keyword(&s.users[i], k)
	return afterValue{s: v, missing: !ok}
}

func (s *sorter) cmp(a, b int32) int {
	for ki := range s.keys {
		k := &s.keys[ki]
		if c := s.cmpKey(a, k, s.value(b, k)); c != 0 {
			return c
		}
	}
	return strings.Compare(s.users[a].Username, s.users[b].Username)
}

// after reports whether user i sorts strictly after the search_after key:
// Lucene puts the key's document at Integer.MAX_VALUE, so users equal to
// it on every key come before it and are skipped.
func (s *sorter) after(i int32, key []afterValue) bool {
	for ki := range s.keys {
		if c := s.cmpKey(i, &s.keys[ki], key[ki]); c != 0 {
			return c > 0
		}
	}
	return false
}

// sortValues renders user i's sort values the way SearchHit formats them.
func (s *sorter) sortValues(i int32) []any {
	out := make([]any, len(s.keys))
	for ki := range s.keys {
		k := &s.keys[ki]
		switch k.f {
		case fDoc:
			out[ki] = int(s.rank[i])
		case fEnabled:
			out[ki] = s.users[i].Enabled
		default:
			if v, ok := s.keyword(&s.users[i], k); ok {
				out[ki] = v
			}
		}
	}
	return out
}

// Run evaluates the request over users (in any order) and returns the
// total and the page. Users are scanned once; only the matches are kept,
// and only the from+size best of them are ordered.
func (r *Request) Run(users []user.User) Result {
	var d doc
	matches := make([]int32, 0, 64)
	if r.match == nil {
		matches = make([]int32, 0, len(users))
	}
	for i := range users {
		if r.match != nil {
			d.reset(&users[i])
			if !r.match.match(&d) {
				continue
			}
		}
		matches = append(matches, int32(i))
	}
	res := Result{Total: len(matches)}
	s := &sorter{users: users, keys: r.sorts}
	for _, k := range r.sorts {
		if k.f == fDoc {
			s.rank = docRanks(users)
			break
		}
	}
	if r.after != nil {
		kept := matches[:0]
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
	top := selectTop(matches, window, s.cmp)
	page := top[r.from:]
	res.Hits = make([]Hit, len(page))
	for j, i := range page {
		res.Hits[j].User = users[i]
		if r.sorts != nil {
			res.Hits[j].Sort = s.sortValues(i)
		}
	}
	return res
}

// docRanks numbers the users in username order, standing in for Lucene's
// document numbers in a _doc sort.
func docRanks(users []user.User) []int32 {
	order := make([]int32, len(users))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(users[a].Username, users[b].Username) })
	rank := make([]int32, len(users))
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
