package pattern

import (
	"fmt"
	"slices"
	"strconv"
)

// Limits for compiling one regular expression. Elasticsearch's own limit
// is Lucene's determinize work limit of 10,000; these are of the same
// order, so a pattern Elasticsearch accepts normally compiles here, and no
// pattern can make compilation slow or large.
const (
	maxNFAStates = 1 << 15
	maxNFAEdges  = 1 << 18
	maxDFAStates = 10_000  // complement, and the matching table
	maxDFACells  = 1 << 21 // states × classes of a matching table
	compileWork  = 1 << 22
	matchDFAWork = 1 << 21
)

// builder assembles epsilon-free fragments in one arena. The invariant:
// a state's accept flag is true exactly when it is in its fragment's
// accepts. Fragments are used once; repetition builds the subtree again.
type builder struct {
	edges  [][]edge
	accept []bool
	nedges int
	bg     *budget
}

type frag struct {
	start   int32
	accepts []int32
}

func (b *builder) state(acc bool) int32 {
	if len(b.accept) >= maxNFAStates {
		panic(tooComplex{})
	}
	b.edges = append(b.edges, nil)
	b.accept = append(b.accept, acc)
	return int32(len(b.accept) - 1)
}

func (b *builder) spend(n int) {
	b.nedges += n
	if b.nedges > maxNFAEdges || !b.bg.spend(n) {
		panic(tooComplex{})
	}
}

func (b *builder) edge(from int32, lo, hi rune, to int32) {
	b.spend(1)
	b.edges[from] = append(b.edges[from], edge{lo, hi, to})
}

func (b *builder) addEdges(to int32, es []edge) {
	b.spend(len(es))
	b.edges[to] = append(b.edges[to], es...)
}

// compileRegex compiles the body of a /regex/ pattern into a trimmed NFA.
func compileRegex(pattern, body string) (n *nfa, err error) {
	defer func() {
		switch r := recover().(type) {
		case nil:
		case syntaxError:
			n, err = nil, &Error{Pattern: pattern, Msg: r.msg}
		case tooComplex:
			n, err = nil, errTooComplex(pattern)
		default:
			panic(r)
		}
	}()
	root := parseRegex(body)
	if name, ok := firstNamed(root); ok {
		return nil, &Error{Pattern: pattern, Msg: "'" + name + "' not found"}
	}
	return buildNFA(root, &budget{work: compileWork}), nil
}

func errTooComplex(pattern string) *Error {
	return &Error{Pattern: pattern, Msg: fmt.Sprintf("pattern [%s] is too complex to evaluate", pattern), complex: true}
}

// buildNFA builds a subtree on its own, for the operations that need a
// finished automaton (complement, intersection).
func buildNFA(n *node, bg *budget) *nfa {
	b := &builder{bg: bg}
	f := b.build(n)
	return trim(b.edges, b.accept, f.start)
}

func (b *builder) build(n *node) frag {
	switch n.kind {
	case nUnion:
		fs := make([]frag, len(n.kids))
		for i, k := range n.kids {
			fs[i] = b.build(k)
		}
		return b.union(fs)
	case nConcat:
		f := b.build(n.kids[0])
		for _, k := range n.kids[1:] {
			f = b.concat(f, b.build(k))
		}
		return f
	case nInter:
		x, y := buildNFA(n.kids[0], b.bg), buildNFA(n.kids[1], b.bg)
		p, ok := intersect(x, y, maxNFAStates, b.bg)
		if !ok {
			panic(tooComplex{})
		}
		return b.copyIn(p)
	case nComplement:
		c, ok := complement(buildNFA(n.kids[0], b.bg), maxDFAStates, b.bg)
		if !ok {
			panic(tooComplex{})
		}
		return b.copyIn(c)
	case nOptional:
		return b.optional(b.build(n.kids[0]))
	case nStar:
		return b.optional(b.plus(b.build(n.kids[0])))
	case nRepeatMin:
		return b.repeatMin(n.kids[0], n.min)
	case nRepeatRange:
		return b.repeatRange(n.kids[0], n.min, n.max)
	case nSet:
		s, t := b.state(false), b.state(true)
		for _, r := range n.ranges {
			b.edge(s, r.lo, r.hi, t)
		}
		return frag{s, []int32{t}}
	case nEmpty:
		return frag{start: b.state(false)}
	case nString:
		s := b.state(len(n.str) == 0)
		cur := s
		for i, r := range n.str {
			t := b.state(i == len(n.str)-1)
			b.edge(cur, r, r, t)
			cur = t
		}
		return frag{s, []int32{cur}}
	case nAnyString:
		s := b.state(true)
		b.edge(s, 0, maxRune, s)
		return frag{s, []int32{s}}
	case nInterval:
		return b.interval(n.min, n.max, n.digits)
	}
	panic(fmt.Sprintf("pattern: unexpected node kind %d", n.kind))
}

// union: a new start state with the start edges of every alternative.
func (b *builder) union(fs []frag) frag {
	s := b.state(false)
	var accs []int32
	for _, f := range fs {
		b.addEdges(s, b.edges[f.start])
		b.accept[s] = b.accept[s] || b.accept[f.start]
		accs = append(accs, f.accepts...)
	}
	if b.accept[s] {
		accs = append(accs, s)
	}
	return frag{s, accs}
}

// concat: every accepting state of f continues as g's start would.
func (b *builder) concat(f, g frag) frag {
	gEmpty := b.accept[g.start]
	for _, a := range f.accepts {
		b.addEdges(a, b.edges[g.start])
		b.accept[a] = gEmpty
	}
	// Fragments are consumed by the operations on them, so their accepts
	// lists can be extended in place (cloning them made nested
	// repetitions quadratic).
	accs := g.accepts
	if gEmpty {
		accs = append(accs, f.accepts...)
	}
	return frag{f.start, accs}
}

// plus: every accepting state may also start over.
func (b *builder) plus(f frag) frag {
	again := slices.Clone(b.edges[f.start])
	for _, a := range f.accepts {
		if a != f.start {
			b.addEdges(a, again)
		}
	}
	return f
}

func (b *builder) optional(f frag) frag {
	if b.accept[f.start] {
		return f
	}
	s := b.state(true)
	b.addEdges(s, b.edges[f.start])
	return frag{s, append(f.accepts, s)}
}

func (b *builder) emptyString() frag {
	s := b.state(true)
	return frag{s, []int32{s}}
}

// repeatMin is e{min,}: min-1 copies, then one that may repeat.
func (b *builder) repeatMin(e *node, min int) frag {
	f := b.build(e)
	if min == 0 || b.accept[f.start] {
		// With the empty string in e, e{min,} is e*.
		return b.optional(b.plus(f))
	}
	if min == 1 {
		return b.plus(f)
	}
	for i := 2; i < min; i++ {
		f = b.concat(f, b.build(e))
	}
	return b.concat(f, b.plus(b.build(e)))
}

// repeatRange is e{min,max}: min copies, then max-min nested optional ones,
// (e(e(e)?)?)?, which keeps the edge count linear.
func (b *builder) repeatRange(e *node, min, max int) frag {
	if max == 0 {
		return b.emptyString()
	}
	first := b.build(e)
	if b.accept[first.start] {
		// With the empty string in e, e{min,max} is e'{0,max} for e' = e
		// without it; repeating e itself would give every copy's start the
		// edges of all the copies after it (quadratic in max).
		t := b.optional(b.nonEmpty(first))
		for i := 1; i < max; i++ {
			t = b.optional(b.concat(b.nonEmpty(b.build(e)), t))
		}
		return t
	}
	f, have := first, true
	if min == 0 {
		have = false
	}
	for i := 1; i < min; i++ {
		f = b.concat(f, b.build(e))
	}
	if max > min {
		var t frag
		if min == 0 {
			t = b.optional(first)
		} else {
			t = b.optional(b.build(e))
		}
		for i := min + 1; i < max; i++ {
			t = b.optional(b.concat(b.build(e), t))
		}
		f = b.append(f, have, t)
	}
	return f
}

// nonEmpty is f without the empty string: a fresh rejecting start with the
// same edges (the old start may still be re-entered through loops).
func (b *builder) nonEmpty(f frag) frag {
	s := b.state(false)
	b.addEdges(s, b.edges[f.start])
	return frag{s, f.accepts}
}

func (b *builder) append(f frag, have bool, g frag) frag {
	if !have {
		return g
	}
	return b.concat(f, g)
}

// copyIn copies a finished automaton into the arena.
func (b *builder) copyIn(n *nfa) frag {
	base := int32(len(b.accept))
	var accs []int32
	for s := range n.accept {
		b.state(n.accept[s])
		if n.accept[s] {
			accs = append(accs, base+int32(s))
		}
	}
	for s, es := range n.edges {
		for _, e := range es {
			b.edge(base+int32(s), e.lo, e.hi, base+e.to)
		}
	}
	return frag{base, accs}
}

// interval builds Lucene's makeDecimalInterval: with digits > 0, strings of
// exactly that many digits whose value is in [min, max]; otherwise any
// non-empty digit string whose value is in [min, max] (leading zeros
// allowed).
func (b *builder) interval(min, max, digits int) frag {
	d := digits
	if d == 0 {
		d = len(strconv.Itoa(max))
	}
	x := fmt.Sprintf("%0*d", d, min)
	y := fmt.Sprintf("%0*d", d, max)
	// A state is a position plus whether the digits so far equal x's
	// (the lower bound still binds) and y's (the upper bound still binds).
	type key struct {
		i      int
		lo, hi bool
	}
	ids := map[key]int32{}
	var accs []int32
	var get func(k key) int32
	get = func(k key) int32 {
		if id, ok := ids[k]; ok {
			return id
		}
		id := b.state(k.i == d)
		ids[k] = id
		if k.i == d {
			accs = append(accs, id)
			return id
		}
		lo, hi := byte('0'), byte('9')
		if k.lo {
			lo = x[k.i]
		}
		if k.hi {
			hi = y[k.i]
		}
		succ := func(c byte) key { return key{k.i + 1, k.lo && c == x[k.i], k.hi && c == y[k.i]} }
		for c := lo; c <= hi; {
			e := c
			for e < hi && succ(e+1) == succ(c) {
				e++
			}
			b.edge(id, rune(c), rune(e), get(succ(c)))
			c = e + 1
		}
		return id
	}
	root := get(key{0, true, true})
	if digits > 0 {
		return frag{root, accs}
	}
	// Leading zeros: a new start that loops on '0' and may continue from
	// any state reached by zeros alone before the last digit.
	s := b.state(false)
	b.edge(s, '0', '0', s)
	for i, st := 0, root; i < d && st >= 0; i++ {
		b.addEdges(s, b.edges[st])
		next := int32(-1)
		for _, e := range b.edges[st] {
			if e.lo <= '0' && '0' <= e.hi {
				next = e.to
			}
		}
		st = next
	}
	return frag{s, accs}
}
