package pattern

import (
	"cmp"
	"slices"
	"unicode"
	"unicode/utf8"
)

// maxRune is the largest code point; Lucene's "any character" covers 0..maxRune.
const maxRune = unicode.MaxRune

// edge is a transition on every code point in [lo, hi].
type edge struct {
	lo, hi rune
	to     int32
}

// nfa is an epsilon-free automaton over code points. State 0 is the start.
// Each state's edges are sorted by lo. Automata are never modified once
// finished, so they can be shared between patterns, sets and goroutines.
type nfa struct {
	edges  [][]edge
	accept []bool
	// univ marks accepting states with a self-loop on every code point:
	// whatever follows is accepted, so matching and searches can stop early.
	univ []bool
}

func (n *nfa) numStates() int { return len(n.accept) }

// budget bounds the work of one construction or search, so that no
// pattern can make it exponential. A unit is roughly one edge visited.
type budget struct{ work int }

func (b *budget) spend(n int) bool {
	b.work -= n
	return b.work >= 0
}

// decode returns the code point at s[i] and its width. Invalid UTF-8
// decodes one byte at a time to U+FFFD, as a Go range loop does.
func decode(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// finish sorts and merges each state's edges and marks universal states.
func finish(n *nfa) *nfa {
	n.univ = make([]bool, len(n.accept))
	for s, es := range n.edges {
		es = normalize(es)
		n.edges[s] = es
		if n.accept[s] {
			for _, e := range es {
				if e.lo == 0 && e.hi == maxRune && e.to == int32(s) {
					n.univ[s] = true
				}
			}
		}
	}
	return n
}

// normalize merges overlapping or adjacent ranges to the same target and
// sorts the result by lo.
func normalize(es []edge) []edge {
	if len(es) < 2 {
		return es
	}
	slices.SortFunc(es, func(a, b edge) int {
		if c := cmp.Compare(a.to, b.to); c != 0 {
			return c
		}
		return cmp.Compare(a.lo, b.lo)
	})
	out := es[:1]
	for _, e := range es[1:] {
		last := &out[len(out)-1]
		if e.to == last.to && e.lo <= last.hi+1 {
			last.hi = max(last.hi, e.hi)
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b edge) int {
		if c := cmp.Compare(a.lo, b.lo); c != 0 {
			return c
		}
		return cmp.Compare(a.to, b.to)
	})
	return slices.Clip(out)
}

// trim keeps the states that are reachable from start and can reach an
// accepting state, renumbers them with start as 0, and finishes the result.
// An empty language comes out as one rejecting state without edges.
func trim(edges [][]edge, accept []bool, start int32) *nfa {
	n := len(accept)
	reach := make([]bool, n)
	reach[start] = true
	stack := []int32{start}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, e := range edges[s] {
			if !reach[e.to] {
				reach[e.to] = true
				stack = append(stack, e.to)
			}
		}
	}
	// Reverse adjacency over reachable states, to find those that can
	// reach acceptance.
	rev := make([][]int32, n)
	for s := range n {
		if !reach[s] {
			continue
		}
		for _, e := range edges[s] {
			rev[e.to] = append(rev[e.to], int32(s))
		}
	}
	live := make([]bool, n)
	for s := range n {
		if reach[s] && accept[s] {
			live[s] = true
			stack = append(stack, int32(s))
		}
	}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range rev[s] {
			if !live[p] {
				live[p] = true
				stack = append(stack, p)
			}
		}
	}
	id := make([]int32, n)
	for i := range id {
		id[i] = -1
	}
	id[start] = 0
	next := int32(1)
	for s := range n {
		if int32(s) != start && live[s] {
			id[s] = next
			next++
		}
	}
	out := &nfa{edges: make([][]edge, next), accept: make([]bool, next)}
	for s := range n {
		ns := id[s]
		if ns < 0 {
			continue
		}
		out.accept[ns] = accept[s]
		var es []edge
		for _, e := range edges[s] {
			if live[e.to] {
				es = append(es, edge{e.lo, e.hi, id[e.to]})
			}
		}
		out.edges[ns] = es
	}
	return finish(out)
}

// sweeper enumerates, for a set of states, the maximal code-point
// intervals on which the set of successor states is constant. This is the
// finite alphabet of the lazy subset and product constructions: only the
// range boundaries of the states involved matter.
type sweeper struct {
	ev    []event
	count []int32 // per target state: how many active edges lead there
	inAct []bool
	act   []int32
	out   []int32
}

type event struct {
	at    rune
	to    int32
	delta int32
}

func newSweeper(states int) *sweeper {
	return &sweeper{count: make([]int32, states), inAct: make([]bool, states)}
}

// each calls fn for every interval of [0, maxRune] in order, with the sorted
// successors of states on it (empty for code points without transitions).
// targets is reused between calls. It returns the number of events examined
// (the work done) and false if fn stopped it.
func (sw *sweeper) each(g [][]edge, states []int32, fn func(lo, hi rune, targets []int32) bool) (int, bool) {
	sw.ev = sw.ev[:0]
	for _, s := range states {
		for _, e := range g[s] {
			sw.ev = append(sw.ev, event{e.lo, e.to, 1})
			if e.hi < maxRune {
				sw.ev = append(sw.ev, event{e.hi + 1, e.to, -1})
			}
		}
	}
	slices.SortFunc(sw.ev, func(a, b event) int { return cmp.Compare(a.at, b.at) })
	work := len(sw.ev) + 1
	ok := true
	prev := rune(0)
	for i := 0; i < len(sw.ev) && ok; {
		at := sw.ev[i].at
		if at > prev {
			ok = fn(prev, at-1, sw.snapshot())
			prev = at
		}
		for ; i < len(sw.ev) && sw.ev[i].at == at; i++ {
			e := sw.ev[i]
			sw.count[e.to] += e.delta
			if sw.count[e.to] > 0 && !sw.inAct[e.to] {
				sw.inAct[e.to] = true
				sw.act = append(sw.act, e.to)
			}
		}
	}
	if ok {
		ok = fn(prev, maxRune, sw.snapshot())
	}
	for _, t := range sw.act {
		sw.count[t] = 0
		sw.inAct[t] = false
	}
	sw.act = sw.act[:0]
	return work, ok
}

func (sw *sweeper) snapshot() []int32 {
	kept := sw.act[:0]
	for _, t := range sw.act {
		if sw.count[t] > 0 {
			kept = append(kept, t)
		} else {
			sw.inAct[t] = false
		}
	}
	sw.act = kept
	sw.out = append(sw.out[:0], kept...)
	slices.Sort(sw.out)
	return sw.out
}

// setKey encodes a sorted state set as a map key.
func setKey(set []int32) string {
	b := make([]byte, 0, 4*len(set))
	for _, s := range set {
		b = append(b, byte(s), byte(s>>8), byte(s>>16), byte(s>>24))
	}
	return string(b)
}

// determinize is the subset construction. It gives up (false) past
// maxStates states or when bg runs out. With complete, code points without
// a transition lead to a rejecting sink, so the result is total (as
// complement needs).
func determinize(n *nfa, maxStates int, complete bool, bg *budget) (*nfa, bool) {
	index := map[string]int32{}
	var sets [][]int32
	out := &nfa{}
	add := func(set []int32) int32 {
		k := setKey(set)
		if id, ok := index[k]; ok {
			return id
		}
		if len(sets) >= maxStates {
			return -1
		}
		id := int32(len(sets))
		index[k] = id
		sets = append(sets, slices.Clone(set))
		acc := false
		for _, s := range set {
			acc = acc || n.accept[s]
		}
		out.edges = append(out.edges, nil)
		out.accept = append(out.accept, acc)
		return id
	}
	add([]int32{0})
	sw := newSweeper(n.numStates())
	for i := 0; i < len(sets); i++ {
		failed := false
		work, _ := sw.each(n.edges, sets[i], func(lo, hi rune, targets []int32) bool {
			if len(targets) == 0 && !complete {
				return true
			}
			if !bg.spend(len(targets) + 1) {
				failed = true
				return false
			}
			to := add(targets)
			if to < 0 {
				failed = true
				return false
			}
			es := out.edges[i]
			if k := len(es) - 1; k >= 0 && es[k].to == to && es[k].hi+1 == lo {
				es[k].hi = hi
			} else {
				es = append(es, edge{lo, hi, to})
			}
			out.edges[i] = es
			return true
		})
		if failed || !bg.spend(work) {
			return nil, false
		}
	}
	return finish(out), true
}

// complement returns an automaton for every string n rejects, or false if
// n cannot be determinized within the limits.
func complement(n *nfa, maxStates int, bg *budget) (*nfa, bool) {
	d, ok := determinize(n, maxStates, true, bg)
	if !ok {
		return nil, false
	}
	for i := range d.accept {
		d.accept[i] = !d.accept[i]
	}
	return trim(d.edges, d.accept, 0), true
}

// intersect is the product construction; it needs no determinization.
func intersect(a, b *nfa, maxStates int, bg *budget) (*nfa, bool) {
	type pair struct{ p, q int32 }
	index := map[pair]int32{}
	var pairs []pair
	var edges [][]edge
	var accept []bool
	add := func(k pair) int32 {
		if id, ok := index[k]; ok {
			return id
		}
		if len(pairs) >= maxStates {
			return -1
		}
		id := int32(len(pairs))
		index[k] = id
		pairs = append(pairs, k)
		edges = append(edges, nil)
		accept = append(accept, a.accept[k.p] && b.accept[k.q])
		return id
	}
	add(pair{0, 0})
	for i := 0; i < len(pairs); i++ {
		k := pairs[i]
		ea, eb := a.edges[k.p], b.edges[k.q]
		if !bg.spend(len(ea)*len(eb) + 1) {
			return nil, false
		}
		for _, x := range ea {
			for _, y := range eb {
				lo, hi := max(x.lo, y.lo), min(x.hi, y.hi)
				if lo > hi {
					continue
				}
				to := add(pair{x.to, y.to})
				if to < 0 {
					return nil, false
				}
				edges[i] = append(edges[i], edge{lo, hi, to})
			}
		}
	}
	return trim(edges, accept, 0), true
}

// union returns an automaton for the union of ns: a new start state with
// the start edges of each, followed by copies of all their states.
func union(ns []*nfa) *nfa {
	total := 1
	for _, n := range ns {
		total += n.numStates()
	}
	edges := make([][]edge, 1, total)
	accept := make([]bool, 1, total)
	for _, n := range ns {
		base := int32(len(accept))
		for s, es := range n.edges {
			shifted := make([]edge, len(es))
			for i, e := range es {
				shifted[i] = edge{e.lo, e.hi, e.to + base}
			}
			edges = append(edges, shifted)
			accept = append(accept, n.accept[s])
		}
		edges[0] = append(edges[0], edges[base]...)
		accept[0] = accept[0] || n.accept[0]
	}
	return trim(edges, accept, 0)
}
