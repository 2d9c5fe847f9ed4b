package securityquery

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/esauth/esauth/internal/eserr"
)

// matcher is a compiled query: what the shard's Lucene query would match.
type matcher interface {
	match(d *doc) bool
}

// doc is one document being evaluated. It caches the analysed text fields
// so that several clauses on one field analyse it once, and its buffers
// are reused from document to document.
type doc struct {
	s    *Schema
	src  Source
	i    int
	toks [][]token
	done []bool
	buf  []string
}

func newDoc(s *Schema, src Source) *doc {
	return &doc{s: s, src: src, toks: make([][]token, len(s.Fields)), done: make([]bool, len(s.Fields))}
}

func (d *doc) reset(i int) {
	d.i = i
	clear(d.done)
}

// positionIncrementGap is the gap Lucene leaves between the values of a
// multi-valued text field.
const positionIncrementGap = 100

// tokens returns the indexed tokens of a text field.
func (d *doc) tokens(f int) []token {
	if !d.done[f] {
		d.done[f] = true
		toks := d.toks[f][:0]
		an := d.s.analyzers[f]
		next := 0
		for _, v := range d.src.Strings(d.i, f, d.buf[:0]) {
			start := len(toks)
			toks = an.analyze(v, toks)
			for j := start; j < len(toks); j++ {
				toks[j].pos += next
			}
			if len(toks) > start {
				next = toks[len(toks)-1].pos + positionIncrementGap + 1
			}
		}
		d.toks[f] = toks
	}
	return d.toks[f]
}

// values returns the terms of a keyword field, or of a flattened field
// (all its leaves, or those of one key). The slice is reused by the next
// call.
func (d *doc) values(r fref) []string {
	if d.s.Fields[r.f].Kind == Flattened {
		d.buf = d.buf[:0]
		for _, l := range d.src.Leaves(d.i, r.f) {
			if !r.sub || l.Path == r.path {
				d.buf = append(d.buf, l.Value)
			}
		}
		return d.buf
	}
	d.buf = d.src.Strings(d.i, r.f, d.buf[:0])
	return d.buf
}

// boolTerm is the term Lucene indexes for a boolean.
func boolTerm(v bool) string {
	if v {
		return "T"
	}
	return "F"
}

// termPred tests one indexed term.
type termPred interface{ ok(term string) bool }

// mayHave is false when a text field certainly has no token p accepts,
// which saves analysing it.
func (d *doc) mayHave(f int, p any) bool {
	n, ok := p.(textNeedle)
	if !ok || d.done[f] {
		return true
	}
	vals := d.src.Strings(d.i, f, d.buf[:0])
	d.buf = vals
	ns := n.needles()
	if ns == nil {
		return len(vals) > 0
	}
	for _, v := range vals {
		if mayContain(v, ns) {
			return true
		}
	}
	return false
}

// textNeedle is implemented by predicates that can only accept a token of
// a text field if the field's raw value contains one of some strings (case
// aside): exact terms or a prefix. It lets most users skip analysis. A nil
// list means there are too many to be worth checking.
type textNeedle interface {
	needles() []string
}

// maxNeedles bounds the substring checks made before analysing a value.
const maxNeedles = 16

// mayContain reports whether a text value can have a token containing one
// of the needles. It only answers "no" when that is certain: for an ASCII
// value (lowercasing non-ASCII characters can produce ASCII ones, the
// Kelvin sign for one) and ASCII needles.
func mayContain(value string, needles []string) bool {
	for i := 0; i < len(value); i++ {
		if value[i] >= utf8.RuneSelf {
			return true
		}
	}
	for _, n := range needles {
		if !isASCII(n) || containsFoldASCII(value, n) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// containsFoldASCII is strings.Contains ignoring ASCII case.
func containsFoldASCII(s, sub string) bool {
	if sub == "" {
		return true
	}
	first := lowerASCII(sub[0])
	for i := 0; i+len(sub) <= len(s); i++ {
		if lowerASCII(s[i]) != first {
			continue
		}
		j := 1
		for j < len(sub) && lowerASCII(s[i+j]) == lowerASCII(sub[j]) {
			j++
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// anyTerm reports whether some indexed term of a field satisfies p:
// Lucene's term-level queries see a field as its set of terms.
func (d *doc) anyTerm(r fref, p termPred) bool {
	switch d.s.Fields[r.f].Kind {
	case Text:
		if !d.mayHave(r.f, p) {
			return false
		}
		for _, t := range d.tokens(r.f) {
			if p.ok(t.term) {
				return true
			}
		}
	case Boolean:
		v, ok := d.src.Bool(d.i, r.f)
		return ok && p.ok(boolTerm(v))
	case Date:
		return false // points, not terms
	default:
		for _, v := range d.values(r) {
			if p.ok(v) {
				return true
			}
		}
	}
	return false
}

type matchAllMatcher struct{}

func (matchAllMatcher) match(*doc) bool { return true }

type matchNoneMatcher struct{}

func (matchNoneMatcher) match(*doc) bool { return false }

// boolMatcher is a Lucene BooleanQuery: every must (and filter) clause, no
// must_not clause, and at least msm should clauses, where msm 0 means one
// when there is no required clause. A query of only must_not clauses
// matches nothing.
type boolMatcher struct {
	must, mustNot, should []matcher
	msm                   int
}

func (b *boolMatcher) match(d *doc) bool {
	need := b.msm
	if need == 0 && len(b.must) == 0 {
		if len(b.should) == 0 {
			return false
		}
		need = 1
	}
	for _, m := range b.must {
		if !m.match(d) {
			return false
		}
	}
	for _, m := range b.mustNot {
		if m.match(d) {
			return false
		}
	}
	if need > len(b.should) {
		return false
	}
	for i, m := range b.should {
		if need == 0 {
			return true
		}
		if len(b.should)-i < need {
			return false
		}
		if m.match(d) {
			need--
		}
	}
	return need == 0
}

// termSet matches a field holding one of a set of terms.
type termSet struct {
	f     fref
	set   map[string]struct{}
	one   string // the term when there is exactly one
	terms []string
	ci    bool
}

func newTermSet(f fref, terms []string, ci bool) matcher {
	if len(terms) == 0 {
		return matchNoneMatcher{}
	}
	t := &termSet{f: f, ci: ci, terms: terms}
	if len(terms) == 1 {
		t.one = terms[0]
		return t
	}
	t.set = make(map[string]struct{}, len(terms))
	for _, s := range terms {
		t.set[s] = struct{}{}
	}
	return t
}

func (t *termSet) ok(term string) bool {
	if t.set == nil {
		if t.ci {
			return strings.EqualFold(term, t.one)
		}
		return term == t.one
	}
	if t.ci {
		for s := range t.set {
			if strings.EqualFold(term, s) {
				return true
			}
		}
		return false
	}
	_, ok := t.set[term]
	return ok
}

func (t *termSet) match(d *doc) bool { return d.anyTerm(t.f, t) }

func (t *termSet) needles() []string {
	if len(t.terms) > maxNeedles {
		return nil
	}
	return t.terms
}

// groupMatcher is a BooleanQuery over one field whose clauses are term or
// synonym queries, one per analysed position: with and, every group must
// have a term among the user's; otherwise at least msm (or one) of them.
// Terms are looked up in a map rather than tested clause by clause, so a
// long match query costs each user only as much as the user's own terms.
type groupMatcher struct {
	f      fref
	index  map[string][]int32 // term → the groups it belongs to
	groups int
	and    bool
	msm    int
	terms  []string
}

func newGroupMatcher(f fref, groups [][]string, and bool) *groupMatcher {
	g := &groupMatcher{f: f, index: map[string][]int32{}, groups: len(groups), and: and}
	for gi, terms := range groups {
		for _, t := range terms {
			ids := g.index[t]
			if len(ids) == 0 {
				g.terms = append(g.terms, t)
			}
			if len(ids) == 0 || ids[len(ids)-1] != int32(gi) {
				g.index[t] = append(ids, int32(gi))
			}
		}
	}
	return g
}

// optional is the number of should clauses minimum_should_match counts.
func (g *groupMatcher) optional() int {
	if g.and {
		return 0
	}
	return g.groups
}

func (g *groupMatcher) needles() []string {
	if len(g.terms) > maxNeedles {
		return nil
	}
	return g.terms
}

func (g *groupMatcher) match(d *doc) bool {
	need := g.msm
	if g.and {
		if need > 0 {
			return false // minimum_should_match over no should clause
		}
		need = g.groups
	} else if need == 0 {
		need = 1
	}
	if need > g.groups {
		return false
	}
	// Run only sees queries within maxClauseCount, so a bitmap on the
	// stack can record which groups matched.
	var seen [maxClauseCount / 64]uint64
	count := 0
	visit := func(term string) bool {
		for _, id := range g.index[term] {
			if w, b := id/64, uint64(1)<<(id%64); seen[w]&b == 0 {
				seen[w] |= b
				count++
			}
		}
		return count >= need
	}
	switch d.s.Fields[g.f.f].Kind {
	case Text:
		if !d.mayHave(g.f.f, g) {
			return false
		}
		for _, t := range d.tokens(g.f.f) {
			if visit(t.term) {
				return true
			}
		}
	case Boolean:
		v, ok := d.src.Bool(d.i, g.f.f)
		return ok && visit(boolTerm(v))
	case Date:
	default:
		for _, v := range d.values(g.f) {
			if visit(v) {
				return true
			}
		}
	}
	return false
}

type prefixMatcher struct {
	f      fref
	prefix string
	ci     bool
	needle [1]string // prefix, as textNeedle wants it
}

func newPrefix(f fref, prefix string, ci bool) *prefixMatcher {
	return &prefixMatcher{f: f, prefix: prefix, ci: ci, needle: [1]string{prefix}}
}

func (p *prefixMatcher) ok(term string) bool {
	if !p.ci {
		return strings.HasPrefix(term, p.prefix)
	}
	rest := term
	for _, pr := range p.prefix {
		r, n := utf8.DecodeRuneInString(rest)
		if n == 0 || !foldEq(r, pr) {
			return false
		}
		rest = rest[n:]
	}
	return true
}

func (p *prefixMatcher) match(d *doc) bool { return d.anyTerm(p.f, p) }

func (p *prefixMatcher) needles() []string { return p.needle[:] }

// foldEq compares two code points case-insensitively.
func foldEq(a, b rune) bool {
	if a == b {
		return true
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// wildcardMatcher is Lucene's WildcardQuery: '*' any run, '?' one code
// point, '\' escapes; the pattern must match the whole term.
type wildcardMatcher struct {
	f   fref
	pat []wtok
	ci  bool
}

type wtok struct {
	kind byte // 'l' literal, '?' one, '*' any
	r    rune
}

func newWildcard(f fref, pattern string, ci bool) *wildcardMatcher {
	w := &wildcardMatcher{f: f, ci: ci}
	for i := 0; i < len(pattern); {
		r, n := utf8.DecodeRuneInString(pattern[i:])
		i += n
		switch r {
		case '*':
			if len(w.pat) == 0 || w.pat[len(w.pat)-1].kind != '*' {
				w.pat = append(w.pat, wtok{kind: '*'})
			}
		case '?':
			w.pat = append(w.pat, wtok{kind: '?'})
		case '\\':
			if i < len(pattern) {
				r, n = utf8.DecodeRuneInString(pattern[i:])
				i += n
			}
			w.pat = append(w.pat, wtok{kind: 'l', r: r})
		default:
			w.pat = append(w.pat, wtok{kind: 'l', r: r})
		}
	}
	return w
}

// ok is the classic greedy match with backtracking to the last star.
func (w *wildcardMatcher) ok(term string) bool {
	p, s := 0, 0
	star, starS := -1, 0
	for s < len(term) {
		r, n := utf8.DecodeRuneInString(term[s:])
		if p < len(w.pat) {
			switch t := w.pat[p]; {
			case t.kind == '*':
				star, starS = p, s
				p++
				continue
			case t.kind == '?' || t.r == r || (w.ci && foldEq(t.r, r)):
				p++
				s += n
				continue
			}
		}
		if star < 0 {
			return false
		}
		_, n = utf8.DecodeRuneInString(term[starS:])
		starS += n
		p, s = star+1, starS
	}
	for p < len(w.pat) && w.pat[p].kind == '*' {
		p++
	}
	return p == len(w.pat)
}

func (w *wildcardMatcher) match(d *doc) bool { return d.anyTerm(w.f, w) }

// rangeMatcher is a TermRangeQuery: terms compare as UTF-8 bytes.
type rangeMatcher struct {
	f          fref
	lo, hi     *string
	incL, incU bool
}

func (r *rangeMatcher) ok(term string) bool {
	if r.lo != nil {
		if c := strings.Compare(term, *r.lo); c < 0 || (c == 0 && !r.incL) {
			return false
		}
	}
	if r.hi != nil {
		if c := strings.Compare(term, *r.hi); c > 0 || (c == 0 && !r.incU) {
			return false
		}
	}
	return true
}

func (r *rangeMatcher) match(d *doc) bool { return d.anyTerm(r.f, r) }

// fuzzyMatcher is Lucene's FuzzyQuery: the first prefix code points equal,
// the rest within edits (an adjacent transposition counting as one edit
// when transpositions are on).
type fuzzyMatcher struct {
	f              fref
	term           []rune
	edits, prefix  int
	transpositions bool
}

func (z *fuzzyMatcher) ok(term string) bool {
	var buf [64]rune
	t := buf[:0]
	for _, r := range term {
		t = append(t, r)
	}
	if len(t) < z.prefix || len(z.term) < z.prefix {
		return false
	}
	for i := 0; i < z.prefix; i++ {
		if t[i] != z.term[i] {
			return false
		}
	}
	return withinEdits(z.term[z.prefix:], t[z.prefix:], z.edits, z.transpositions)
}

func (z *fuzzyMatcher) match(d *doc) bool { return d.anyTerm(z.f, z) }

// withinEdits is the (optimal string alignment) edit distance bounded by k.
func withinEdits(a, b []rune, k int, transpositions bool) bool {
	if abs(len(a)-len(b)) > k {
		return false
	}
	n := len(b)
	var bufs [3][65]int
	var rows [3][]int
	for i := range rows {
		if n+1 <= len(bufs[i]) {
			rows[i] = bufs[i][:n+1]
		} else {
			rows[i] = make([]int, n+1)
		}
	}
	prev2, prev, cur := rows[0], rows[1], rows[2]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= n; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if transpositions && i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > k {
			return false
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[n] <= k
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

type existsMatcher struct{ f fref }

func (e existsMatcher) match(d *doc) bool {
	switch d.s.Fields[e.f.f].Kind {
	case Boolean:
		_, ok := d.src.Bool(d.i, e.f.f)
		return ok
	case Date:
		_, ok := d.src.Date(d.i, e.f.f)
		return ok
	case Text:
		d.buf = d.src.Strings(d.i, e.f.f, d.buf[:0])
		return len(d.buf) > 0
	}
	return len(d.values(e.f)) > 0
}

// boolRange matches a boolean field (indexed as 0 or 1) within [lo, hi];
// a term query is the range [v, v].
type boolRange struct {
	f      int
	lo, hi int64
}

func (e boolRange) match(d *doc) bool {
	b, ok := d.src.Bool(d.i, e.f)
	if !ok {
		return false
	}
	v := int64(0)
	if b {
		v = 1
	}
	return e.lo <= v && v <= e.hi
}

// dateRange matches a date field within [lo, hi] (epoch millis).
type dateRange struct {
	f      int
	lo, hi int64
}

func (e dateRange) match(d *doc) bool {
	v, ok := d.src.Date(d.i, e.f)
	return ok && e.lo <= v && v <= e.hi
}

// phraseMatcher is a (sloppy) PhraseQuery on a text field: groups[i] are
// the alternatives at relative position offs[i].
type phraseMatcher struct {
	f      fref
	groups [][]string
	offs   []int
	slop   int
}

func (ph *phraseMatcher) match(d *doc) bool {
	toks := d.tokens(ph.f.f)
	// Every query position needs its own position in the value.
	if len(toks) == 0 || ph.offs[len(ph.offs)-1]-ph.slop > toks[len(toks)-1].pos-toks[0].pos {
		return false
	}
	in := func(g []string, t string) bool {
		for _, s := range g {
			if s == t {
				return true
			}
		}
		return false
	}
	// Try each occurrence of the first group as the anchor, then pick for
	// every other group the occurrence closest to where it should be; the
	// phrase matches when the total displacement fits the slop.
	for _, a := range toks {
		if !in(ph.groups[0], a.term) {
			continue
		}
		base := a.pos - ph.offs[0]
		lo, hi := 0, 0
		ok := true
		for i := 1; i < len(ph.groups) && ok; i++ {
			want := base + ph.offs[i]
			best, found := 0, false
			for _, t := range toks {
				if in(ph.groups[i], t.term) {
					dlt := t.pos - want
					if !found || abs(dlt) < abs(best) {
						best, found = dlt, true
					}
				}
			}
			if !found {
				ok = false
				break
			}
			lo, hi = min(lo, best), max(hi, best)
		}
		if ok && hi-lo <= ph.slop {
			return true
		}
	}
	return false
}

// maxClauseCount stands in for Lucene's IndexSearcher.getMaxClauseCount,
// which Elasticsearch 8 sizes from the heap (never below 1024); 4096 is
// a common value. It bounds the work one user costs.
const maxClauseCount = 4096

// clauses counts a compiled query's leaf clauses the way Lucene's clause
// visitor does: a terms query is one clause, a match query one per
// position, a phrase one per term.
func clauses(m matcher) int {
	switch m := m.(type) {
	case *boolMatcher:
		n := 0
		for _, list := range [][]matcher{m.must, m.mustNot, m.should} {
			for _, c := range list {
				n += clauses(c)
			}
		}
		return n
	case anyMatcher:
		n := 0
		for _, c := range m {
			n += clauses(c)
		}
		return n
	case *groupMatcher:
		return m.groups
	case *phraseMatcher:
		return len(m.groups)
	case matchAllMatcher, matchNoneMatcher:
		return 0
	}
	return 1
}

// tooManyClauses is the shard's failure for an oversized query.
func tooManyClauses() *eserr.Error {
	return createQueryFailed(newErr("too_many_nested_clauses", 400,
		"Query contains too many nested clauses; maxClauseCount is set to "+strconv.Itoa(maxClauseCount)))
}

// compiler builds matchers for one schema, at one instant (date math's
// "now").
type compiler struct {
	s   *Schema
	now int64
}

// ref resolves a name translation has already accepted.
func (c *compiler) ref(name string) fref {
	r, _ := c.s.lookup(name)
	return r
}

// notTermField is the field types' refusal of prefix and wildcard queries
// on fields without terms.
func (c *compiler) notTermField(typ string, r fref) *eserr.Error {
	return queryShard("Can only use %s queries on keyword, text and wildcard fields - not on [%s] which is of type [%s]", typ, c.s.indexName(r), c.s.kind(r).typeName())
}

// notFuzzyField is the field types' refusal of fuzzy queries.
func (c *compiler) notFuzzyField(r fref) *eserr.Error {
	return eserr.IllegalArgument("Can only use fuzzy queries on keyword and text fields - not on [%s] which is of type [%s]", c.s.indexName(r), c.s.kind(r).typeName())
}

// hasTerms reports a field whose values are terms (keyword, text,
// flattened): what prefix, wildcard and fuzzy queries need.
func (c *compiler) hasTerms(r fref) bool {
	k := c.s.kind(r)
	return k != Boolean && k != Date
}

// compile builds the matcher for a translated query, failing where the
// shard would fail to create the Lucene query.
func (c *compiler) compile(q query) (matcher, *eserr.Error) {
	switch q := q.(type) {
	case matchAllQuery:
		return matchAllMatcher{}, nil
	case matchNoneQuery:
		return matchNoneMatcher{}, nil
	case *boolQuery:
		return c.compileBool(q)
	case idsQuery:
		// The ids are the documents' _id: the schema's prefix and the key.
		var keys []string
		for _, id := range q.ids {
			if key, ok := strings.CutPrefix(id, c.s.IDPrefix); ok {
				keys = append(keys, key)
			}
		}
		return newKeySet(keys), nil
	case termQuery:
		return c.compileTerms(c.ref(q.field), []scalar{q.value}, q.ci)
	case termsQuery:
		return c.compileTerms(c.ref(q.field), q.values, false)
	case existsQuery:
		return existsMatcher{c.ref(q.field)}, nil
	case prefixQuery:
		r := c.ref(q.field)
		if !c.hasTerms(r) {
			return nil, c.notTermField("prefix", r)
		}
		return newPrefix(r, q.value, q.ci), nil
	case wildcardQuery:
		r := c.ref(q.field)
		if !c.hasTerms(r) {
			return nil, c.notTermField("wildcard", r)
		}
		return newWildcard(r, q.value, q.ci), nil
	case rangeQuery:
		return c.compileRange(q)
	case matchQuery:
		return c.compileMatch(q)
	case sqsQuery:
		return c.compileSQS(q)
	}
	return matchNoneMatcher{}, nil
}

// keySet matches documents by key (an ids query).
type keySet map[string]struct{}

func newKeySet(keys []string) matcher {
	if len(keys) == 0 {
		return matchNoneMatcher{}
	}
	set := make(keySet, len(keys))
	for _, k := range keys {
		set[k] = struct{}{}
	}
	return set
}

func (k keySet) match(d *doc) bool {
	_, ok := k[d.src.Key(d.i)]
	return ok
}

// compileBool is BoolQueryBuilder.doToQuery: clauses are built in the
// order must, must_not, should, filter; no clause at all matches all, and
// only must_not clauses get a match-all added (adjust_pure_negative).
func (c *compiler) compileBool(q *boolQuery) (matcher, *eserr.Error) {
	b := &boolMatcher{}
	for _, part := range []struct {
		in  []query
		out *[]matcher
	}{{q.must, &b.must}, {q.mustNot, &b.mustNot}, {q.should, &b.should}, {q.filter, &b.must}} {
		for _, cl := range part.in {
			m, err := c.compile(cl)
			if err != nil {
				return nil, err
			}
			*part.out = append(*part.out, m)
		}
	}
	if len(b.must)+len(b.mustNot)+len(b.should) == 0 {
		return matchAllMatcher{}, nil
	}
	if q.msm != nil {
		n, err := minShouldMatch(len(b.should), *q.msm)
		if err != nil {
			return nil, createQueryFailed(err)
		}
		b.msm = n
	}
	if q.adjustPureNegative && len(b.must) == 0 && len(b.should) == 0 {
		b.must = []matcher{matchAllMatcher{}}
	}
	return b, nil
}

// parseBooleanTerm is BooleanFieldType.indexedValueForSearch.
func parseBooleanTerm(v scalar) (int64, *eserr.Error) {
	if v.kind == kBool {
		if v.b {
			return 1, nil
		}
		return 0, nil
	}
	switch s := v.javaString(); s {
	case "true":
		return 1, nil
	case "false":
		return 0, nil
	default:
		return 0, eserr.IllegalArgument("Can't parse boolean value [%s], expected [true] or [false]", s)
	}
}

// compileTerms builds term and terms queries: keyword and text fields
// compare the value's string form with their indexed terms (text is not
// analysed), the boolean field parses it, a date field parses each value
// as a one-value range (date math rounding down, then up).
func (c *compiler) compileTerms(r fref, values []scalar, ci bool) (matcher, *eserr.Error) {
	switch c.s.kind(r) {
	case Boolean:
		want := [2]bool{}
		for _, v := range values {
			b, err := parseBooleanTerm(v)
			if err != nil {
				return nil, createQueryFailed(err)
			}
			want[b] = true
		}
		switch {
		case want[0] && want[1]:
			return boolRange{r.f, 0, 1}, nil
		case want[1]:
			return boolRange{r.f, 1, 1}, nil
		case want[0]:
			return boolRange{r.f, 0, 0}, nil
		}
		return matchNoneMatcher{}, nil
	case Date:
		var alts anyMatcher
		for _, v := range values {
			lo, err := parseDate(v.javaString(), nil, nil, false, c.now)
			if err == nil {
				var hi int64
				hi, err = parseDate(v.javaString(), nil, nil, true, c.now)
				alts = append(alts, dateRange{r.f, lo, hi})
			}
			if err != nil {
				return nil, createQueryFailed(err)
			}
		}
		switch len(alts) {
		case 0:
			return matchNoneMatcher{}, nil
		case 1:
			return alts[0], nil
		}
		return alts, nil
	}
	terms := make([]string, 0, len(values))
	for _, v := range values {
		if v.kind == kObject || v.kind == kArray {
			continue // a map or list never equals an indexed term
		}
		terms = append(terms, v.javaString())
	}
	return newTermSet(r, terms, ci), nil
}

// compileRange is RangeQueryBuilder.doToQuery: no bounds is an exists
// query; keyword and text fields compare terms, the boolean field 0/1,
// date fields epoch millis (with the query's format and time zone).
func (c *compiler) compileRange(q rangeQuery) (matcher, *eserr.Error) {
	r := c.ref(q.field)
	if q.from == nil && q.to == nil {
		return existsMatcher{r}, nil
	}
	switch c.s.kind(r) {
	case Boolean:
		lo, hi := int64(0), int64(1)
		if q.from != nil {
			v, err := parseBooleanTerm(*q.from)
			if err != nil {
				return nil, createQueryFailed(err)
			}
			lo = v
			if !q.incL {
				lo++
			}
		}
		if q.to != nil {
			v, err := parseBooleanTerm(*q.to)
			if err != nil {
				return nil, createQueryFailed(err)
			}
			hi = v
			if !q.incU {
				hi--
			}
		}
		return boolRange{r.f, lo, hi}, nil
	case Date:
		return c.dateRangeQuery(r, q)
	}
	m := &rangeMatcher{f: r, incL: q.incL, incU: q.incU}
	if q.from != nil {
		s := q.from.javaString()
		m.lo = &s
	}
	if q.to != nil {
		s := q.to.javaString()
		m.hi = &s
	}
	return m, nil
}

// dateRangeQuery is DateFieldType.dateRangeQuery: an exclusive lower
// bound rounds up and moves one millisecond on, an inclusive upper bound
// rounds up.
func (c *compiler) dateRangeQuery(r fref, q rangeQuery) (matcher, *eserr.Error) {
	formats, err := dateFormats(q.format)
	if err != nil {
		return nil, createQueryFailed(err)
	}
	var zone *time.Location
	if q.timeZone != nil {
		zone = q.timeZone
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if q.from != nil {
		v, err := parseDate(q.from.javaString(), formats, zone, !q.incL, c.now)
		if err != nil {
			return nil, createQueryFailed(err)
		}
		lo = v
		if !q.incL {
			if lo == math.MaxInt64 {
				return matchNoneMatcher{}, nil
			}
			lo++
		}
	}
	if q.to != nil {
		v, err := parseDate(q.to.javaString(), formats, zone, q.incU, c.now)
		if err != nil {
			return nil, createQueryFailed(err)
		}
		hi = v
		if !q.incU {
			if hi == math.MinInt64 {
				return matchNoneMatcher{}, nil
			}
			hi--
		}
	}
	return dateRange{r.f, lo, hi}, nil
}

// compileMatch is MatchQueryParser for a "boolean" match query.
func (c *compiler) compileMatch(q matchQuery) (matcher, *eserr.Error) {
	f := c.ref(q.field)
	an := c.s.analyzer(f)
	if q.analyzer != "" {
		a, ok := analyzerByName(q.analyzer)
		if !ok {
			return nil, queryShard("[match] analyzer [%s] not found", q.analyzer)
		}
		an = a
	}
	lenient := func(err *eserr.Error) (matcher, *eserr.Error) {
		if q.lenient {
			return matchNoneMatcher{}, nil
		}
		return nil, createQueryFailed(err)
	}
	if !c.hasTerms(f) && an == anKeyword {
		if q.fuzziness != nil {
			return lenient(c.notFuzzyField(f))
		}
		m, err := c.compileTerms(f, []scalar{{kind: kString, s: q.text}}, false)
		if err != nil {
			return lenient(err.CausedBy)
		}
		return m, nil
	}
	toks := an.analyze(q.text, nil)
	if len(toks) == 0 {
		if q.zeroTermsAll {
			return matchAllMatcher{}, nil
		}
		return matchNoneMatcher{}, nil
	}
	positions := groupByPosition(toks)
	if q.fuzziness == nil {
		if len(positions) == 1 {
			return newTermSet(f, positions[0], false), nil
		}
		g := newGroupMatcher(f, positions, q.and)
		if q.msm != nil {
			n, err := minShouldMatch(g.optional(), *q.msm)
			if err != nil {
				return nil, createQueryFailed(err)
			}
			g.msm = n
		}
		return g, nil
	}
	var groups []matcher
	for _, g := range positions {
		groups = append(groups, termGroup(f, g, q.fuzziness, q.prefixLength, q.transpositions))
	}
	if len(groups) == 1 {
		return groups[0], nil
	}
	b := &boolMatcher{should: groups}
	if q.and {
		b.must, b.should = groups, nil
	}
	// Queries.maybeApplyMinimumShouldMatch counts should clauses only: with
	// "and" there are none, and any positive minimum matches nothing.
	if q.msm != nil {
		n, err := minShouldMatch(len(b.should), *q.msm)
		if err != nil {
			return nil, createQueryFailed(err)
		}
		b.msm = n
	}
	return b, nil
}

// groupByPosition splits analysed tokens into runs at the same position
// (the email analyzer's captures stack on their address): Lucene makes a
// synonym query of each run.
func groupByPosition(toks []token) [][]string {
	var out [][]string
	for i, t := range toks {
		if i == 0 || t.pos != toks[i-1].pos {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], t.term)
	}
	return out
}

// termGroup matches any of the terms at one position, fuzzily if asked.
func termGroup(f fref, terms []string, fz *fuzziness, prefix int, transpositions bool) matcher {
	if fz == nil {
		return newTermSet(f, terms, false)
	}
	var alts []matcher
	for _, t := range terms {
		alts = append(alts, newFuzzy(f, t, fz.distance(t), prefix, transpositions))
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return &boolMatcher{should: alts}
}

// newFuzzy is FuzzyQuery; with no edits, or a prefix as long as the term,
// it is a plain term query.
func newFuzzy(f fref, term string, edits, prefix int, transpositions bool) matcher {
	rs := []rune(term)
	if edits == 0 || prefix >= len(rs) {
		return newTermSet(f, []string{term}, false)
	}
	return &fuzzyMatcher{f: f, term: rs, edits: min(edits, 2), prefix: prefix, transpositions: transpositions}
}

// minShouldMatch is Queries.calculateMinShouldMatch.
func minShouldMatch(optional int, spec string) (int, *eserr.Error) {
	result := optional
	spec = strings.TrimFunc(spec, func(r rune) bool { return r <= ' ' })
	if strings.Contains(spec, "<") {
		spec = collapseAroundLess(spec)
		for _, s := range javaSplit(spec, " ") {
			parts := javaSplit(s, "<")
			if len(parts) == 0 {
				return 0, newErr("array_index_out_of_bounds_exception", 500, "Index 0 out of bounds for length 0")
			}
			upper, err := javaParseInt(parts[0])
			if err != nil {
				return 0, err
			}
			if optional <= int(upper) {
				return result, nil
			}
			if len(parts) < 2 {
				return 0, newErr("array_index_out_of_bounds_exception", 500, "Index 1 out of bounds for length 1")
			}
			if result, err = minShouldMatch(optional, parts[1]); err != nil {
				return 0, err
			}
		}
		return result, nil
	}
	if strings.Contains(spec, "%") {
		percent, err := javaParseInt(spec[:len(spec)-1])
		if err != nil {
			return 0, err
		}
		calc := float32(int32(result)*percent) * (1 / float32(100))
		if calc < 0 {
			result += int(int32(calc))
		} else {
			result = int(int32(calc))
		}
	} else {
		calc, err := javaParseInt(spec)
		if err != nil {
			return 0, err
		}
		if calc < 0 {
			result += int(calc)
		} else {
			result = int(calc)
		}
	}
	return max(result, 0), nil
}

// collapseAroundLess is the "(\s+<\s*)|(\s*<\s+)" → "<" replacement.
func collapseAroundLess(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '<' || isJavaSpace(s[i]) {
			j := i
			for j < len(s) && isJavaSpace(s[j]) {
				j++
			}
			if j < len(s) && s[j] == '<' {
				k := j + 1
				for k < len(s) && isJavaSpace(s[k]) {
					k++
				}
				if j > i || k > j+1 {
					b.WriteByte('<')
					i = k
					continue
				}
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isJavaSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// javaSplit is String.split with a literal separator: no match gives the
// whole string, and trailing empty strings are dropped (possibly all).
func javaSplit(s, sep string) []string {
	if !strings.Contains(s, sep) {
		return []string{s}
	}
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// javaParseInt is Integer.parseInt with its NumberFormatException.
func javaParseInt(s string) (int32, *eserr.Error) {
	v, ok := parseJavaInt(s)
	if !ok {
		return 0, newErr("number_format_exception", 400, `For input string: "`+s+`"`)
	}
	return v, nil
}
