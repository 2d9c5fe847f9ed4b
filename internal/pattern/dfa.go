package pattern

import (
	"slices"
	"sync"
	"unicode/utf8"
)

// dfa is a deterministic automaton tabulated for matching: code points are
// mapped to classes (intervals no transition boundary falls inside) and
// next[state*nclass+class] is the following state, or -1 for reject.
// Matching walks the string once and never allocates.
type dfa struct {
	bounds []rune // class i starts at bounds[i]; bounds[0] == 0
	ascii  [utf8.RuneSelf]int32
	nclass int
	next   []int32
	accept []bool
	// final marks accepting states that every code point leads back to:
	// the rest of the input cannot change the answer.
	final []bool
}

// tabulate turns a deterministic automaton into a table, or returns false
// if the table would exceed maxCells entries.
func tabulate(d *nfa, maxCells int) (*dfa, bool) {
	bounds := []rune{0}
	for _, es := range d.edges {
		for _, e := range es {
			bounds = append(bounds, e.lo)
			if e.hi < maxRune {
				bounds = append(bounds, e.hi+1)
			}
		}
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	ns, nc := d.numStates(), len(bounds)
	if ns*nc > maxCells {
		return nil, false
	}
	t := &dfa{bounds: bounds, nclass: nc, next: make([]int32, ns*nc), accept: d.accept, final: make([]bool, ns)}
	for i := range t.next {
		t.next[i] = -1
	}
	for s, es := range d.edges {
		row := t.next[s*nc : (s+1)*nc]
		for _, e := range es {
			for c := t.class(e.lo); c < nc && t.bounds[c] <= e.hi; c++ {
				row[c] = e.to
			}
		}
		if d.accept[s] {
			t.final[s] = !slices.ContainsFunc(row, func(to int32) bool { return to != int32(s) })
		}
	}
	for b := range t.ascii {
		t.ascii[b] = int32(t.class(rune(b)))
	}
	return t, true
}

// class returns the class of r: the last bound not above it.
func (t *dfa) class(r rune) int {
	lo, hi := 0, len(t.bounds)
	for hi-lo > 1 {
		m := int(uint(lo+hi) >> 1)
		if t.bounds[m] <= r {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

func (t *dfa) match(s string) bool {
	st := int32(0)
	for i := 0; i < len(s); {
		if t.final[st] {
			return true
		}
		var c int
		if b := s[i]; b < utf8.RuneSelf {
			c = int(t.ascii[b])
			i++
		} else {
			r, w := utf8.DecodeRuneInString(s[i:])
			c = t.class(r)
			i += w
		}
		st = t.next[int(st)*t.nclass+c]
		if st < 0 {
			return false
		}
	}
	return t.accept[st]
}

// simulator matches with an automaton too large to determinize: it tracks
// the set of current states, so the cost is bounded by
// len(s) × (number of edges), without backtracking.
type simulator struct {
	n    *nfa
	pool sync.Pool // *scratch, so that matching does not allocate
}

type scratch struct {
	cur, nxt []int32
	mark     []uint32 // mark[s] == gen: s is already in nxt
	gen      uint32
}

func (m *simulator) match(s string) bool {
	sc, _ := m.pool.Get().(*scratch)
	if sc == nil {
		sc = &scratch{mark: make([]uint32, m.n.numStates())}
	}
	ok := m.run(sc, s)
	m.pool.Put(sc)
	return ok
}

func (m *simulator) run(sc *scratch, s string) bool {
	n := m.n
	cur := append(sc.cur[:0], 0)
	nxt := sc.nxt[:0]
	result, done := false, false
	for i := 0; i < len(s) && !done; {
		r, w := decode(s, i)
		i += w
		sc.gen++
		if sc.gen == 0 {
			clear(sc.mark)
			sc.gen = 1
		}
		nxt = nxt[:0]
		for _, st := range cur {
			if n.univ[st] {
				result, done = true, true
				break
			}
			for _, e := range n.edges[st] {
				if e.lo > r {
					break
				}
				if r <= e.hi && sc.mark[e.to] != sc.gen {
					sc.mark[e.to] = sc.gen
					nxt = append(nxt, e.to)
				}
			}
		}
		if done {
			break
		}
		cur, nxt = nxt, cur
		if len(cur) == 0 {
			done = true
		}
	}
	if !done {
		for _, st := range cur {
			result = result || n.accept[st]
		}
	}
	// Keep the (possibly grown) buffers for the next match.
	sc.cur, sc.nxt = cur, nxt
	return result
}
