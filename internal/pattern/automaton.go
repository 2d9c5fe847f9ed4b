package pattern

// Automaton is an immutable finite automaton over Unicode code points: the
// language of a pattern, or a union, intersection or difference of such
// languages. Operations build a small expression and cost nothing; the work
// happens lazily in Subset, IsEmpty and Match, by a product of subset
// constructions explored on the fly over the range boundaries of the
// automata involved, within a fixed budget. A nil *Automaton is the empty
// language.
type Automaton struct {
	op   opKind
	leaf *nfa
	src  string // the pattern a leaf was compiled from
	kids []*Automaton
}

type opKind uint8

const (
	opLeaf opKind = iota
	opUnion
	opInter
	opMinus
)

// Search limits: the states of the product that Subset and IsEmpty may
// visit, and the work (roughly, edges examined) they may spend.
const (
	maxProductStates = 10_000
	productWork      = 1 << 23
)

func leaf(n *nfa, src string) *Automaton { return &Automaton{op: opLeaf, leaf: n, src: src} }

// Union is the language of strings any of as accepts; with none, it is empty.
func Union(as ...*Automaton) *Automaton {
	u := &Automaton{op: opUnion}
	for _, a := range as {
		if a != nil && a.op == opUnion {
			u.kids = append(u.kids, a.kids...)
		} else if a != nil {
			u.kids = append(u.kids, a)
		}
	}
	if len(u.kids) == 1 {
		return u.kids[0]
	}
	return u
}

// Intersect is the language of strings both a and b accept.
func Intersect(a, b *Automaton) *Automaton {
	return &Automaton{op: opInter, kids: []*Automaton{a, b}}
}

// Minus is the language of strings a accepts and b does not.
func Minus(a, b *Automaton) *Automaton {
	return &Automaton{op: opMinus, kids: []*Automaton{a, b}}
}

// Subset reports whether every string a accepts, b accepts. decided is
// false when answering exceeded the search budget (hostile or huge
// patterns); callers must then treat the answer as "not a subset".
func Subset(a, b *Automaton) (subset, decided bool) {
	if covers(b, a) {
		return true, true
	}
	return IsEmpty(Minus(a, b))
}

// covers reports whether structure alone shows that b accepts everything
// a does: a is b (or compiled from the same pattern), or one of the
// alternatives of a union b, or a union of such. It saves searching the
// product of an automaton with itself, which can be as large as its
// determinization.
func covers(b, a *Automaton) bool {
	switch {
	case a == nil || same(a, b):
		return true
	case a.op == opUnion:
		for _, k := range a.kids {
			if !covers(b, k) {
				return false
			}
		}
		return true
	case b != nil && b.op == opUnion:
		for _, k := range b.kids {
			if same(a, k) {
				return true
			}
		}
	}
	return false
}

func same(a, b *Automaton) bool {
	return a == b || (a != nil && b != nil && a.op == opLeaf && b.op == opLeaf && (a.leaf == b.leaf || a.src == b.src))
}

// IsEmpty reports whether a accepts no string at all. decided is false
// when answering exceeded the search budget; callers must then fail closed.
func IsEmpty(a *Automaton) (empty, decided bool) {
	return newProduct(a).isEmpty(maxProductStates, productWork)
}

// Match reports whether a accepts s. It simulates the automata directly;
// it is meant for tests and rare checks, not for hot paths (use Pattern
// or Set there).
func (a *Automaton) Match(s string) bool {
	p := newProduct(a)
	set := p.starts
	var next []int32
	seen := make([]bool, len(p.accept))
	for i := 0; i < len(s); {
		if _, ever := p.classify(set); ever != triUnknown {
			return ever == triTrue
		}
		r, w := decode(s, i)
		i += w
		next = next[:0]
		for _, st := range set {
			for _, e := range p.g[st] {
				if e.lo <= r && r <= e.hi && !seen[e.to] {
					seen[e.to] = true
					next = append(next, e.to)
				}
			}
		}
		for _, st := range next {
			seen[st] = false
		}
		set = append(set[:0:0], next...)
	}
	now, _ := p.classify(set)
	return now
}

// tri is a Kleene truth value: what a state of the product will answer
// for every continuation, if that is already known.
type tri uint8

const (
	triUnknown tri = iota
	triFalse
	triTrue
)

// product is the disjoint union of the distinct leaf automata of an
// expression, with the expression compiled over leaf numbers. A state of
// the product is a sorted set of its states.
type product struct {
	g      [][]edge
	accept []bool
	univ   []bool
	leafOf []int32
	starts []int32
	root   *enode
	// Per-leaf scratch for classify.
	has, acc, uni []bool
	touched       []int32
}

type enode struct {
	op   opKind
	leaf int
	kids []*enode
}

func newProduct(a *Automaton) *product {
	p := &product{}
	index := map[*nfa]int{}
	var compile func(a *Automaton) *enode
	compile = func(a *Automaton) *enode {
		if a == nil {
			return &enode{op: opUnion}
		}
		if a.op != opLeaf {
			e := &enode{op: a.op}
			for _, k := range a.kids {
				e.kids = append(e.kids, compile(k))
			}
			return e
		}
		i, ok := index[a.leaf]
		if !ok {
			i = len(index)
			index[a.leaf] = i
			base := int32(len(p.accept))
			p.starts = append(p.starts, base)
			for s, es := range a.leaf.edges {
				shifted := make([]edge, len(es))
				for j, e := range es {
					shifted[j] = edge{e.lo, e.hi, e.to + base}
				}
				p.g = append(p.g, shifted)
				p.accept = append(p.accept, a.leaf.accept[s])
				p.univ = append(p.univ, a.leaf.univ[s])
				p.leafOf = append(p.leafOf, int32(i))
			}
		}
		return &enode{op: opLeaf, leaf: i}
	}
	p.root = compile(a)
	n := len(index)
	p.has, p.acc, p.uni = make([]bool, n), make([]bool, n), make([]bool, n)
	return p
}

// classify evaluates the expression on a product state: whether it
// accepts now, and whether every continuation is already decided.
func (p *product) classify(set []int32) (now bool, ever tri) {
	for _, s := range set {
		l := p.leafOf[s]
		if !p.has[l] {
			p.has[l] = true
			p.touched = append(p.touched, l)
		}
		p.acc[l] = p.acc[l] || p.accept[s]
		p.uni[l] = p.uni[l] || p.univ[s]
	}
	now, ever = p.evalNow(p.root), p.evalEver(p.root)
	for _, l := range p.touched {
		p.has[l], p.acc[l], p.uni[l] = false, false, false
	}
	p.touched = p.touched[:0]
	return now, ever
}

func (p *product) evalNow(e *enode) bool {
	switch e.op {
	case opLeaf:
		return p.acc[e.leaf]
	case opUnion:
		for _, k := range e.kids {
			if p.evalNow(k) {
				return true
			}
		}
		return false
	case opInter:
		return p.evalNow(e.kids[0]) && p.evalNow(e.kids[1])
	default:
		return p.evalNow(e.kids[0]) && !p.evalNow(e.kids[1])
	}
}

// evalEver is evalNow in Kleene logic over what each leaf will do from
// here on: reject everything (no state left), accept everything (a
// universal state), or unknown.
func (p *product) evalEver(e *enode) tri {
	switch e.op {
	case opLeaf:
		switch {
		case p.uni[e.leaf]:
			return triTrue
		case !p.has[e.leaf]:
			return triFalse
		}
		return triUnknown
	case opUnion:
		out := triFalse
		for _, k := range e.kids {
			switch p.evalEver(k) {
			case triTrue:
				return triTrue
			case triUnknown:
				out = triUnknown
			}
		}
		return out
	case opInter:
		return and(p.evalEver(e.kids[0]), p.evalEver(e.kids[1]))
	default:
		return and(p.evalEver(e.kids[0]), not(p.evalEver(e.kids[1])))
	}
}

func and(a, b tri) tri {
	switch {
	case a == triFalse || b == triFalse:
		return triFalse
	case a == triTrue && b == triTrue:
		return triTrue
	}
	return triUnknown
}

func not(a tri) tri {
	switch a {
	case triTrue:
		return triFalse
	case triFalse:
		return triTrue
	}
	return triUnknown
}

// isEmpty searches the product breadth-first for an accepting state,
// skipping states whose future is already decided to be rejection.
func (p *product) isEmpty(maxStates, work int) (empty, decided bool) {
	if now, ever := p.classify(p.starts); now {
		return false, true
	} else if ever == triFalse {
		return true, true
	}
	bg := &budget{work: work}
	seen := map[string]struct{}{setKey(p.starts): {}}
	queue := [][]int32{p.starts}
	sw := newSweeper(len(p.accept))
	found, over := false, false
	for qi := 0; qi < len(queue) && !found && !over; qi++ {
		w, _ := sw.each(p.g, queue[qi], func(_, _ rune, targets []int32) bool {
			if !bg.spend(len(targets) + 1) {
				over = true
				return false
			}
			k := setKey(targets)
			if _, ok := seen[k]; ok {
				return true
			}
			if len(seen) >= maxStates {
				over = true
				return false
			}
			seen[k] = struct{}{}
			now, ever := p.classify(targets)
			if now {
				found = true
				return false
			}
			if ever != triFalse {
				queue = append(queue, append([]int32(nil), targets...))
			}
			return true
		})
		if !bg.spend(w) {
			over = true
		}
	}
	switch {
	case found:
		return false, true
	case over:
		return false, false
	}
	return true, true
}
