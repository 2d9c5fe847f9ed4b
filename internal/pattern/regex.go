package pattern

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
)

// The regular expression syntax is Lucene's RegExp with the flags
// Elasticsearch passes (RegExp.ALL, plus DEPRECATED_COMPLEMENT on Lucene
// 10): intersection '&', complement '~', empty language '#', any string
// '@', numeric intervals <n-m> and named automata <name> (which always
// fail: Elasticsearch supplies none). Error texts are Lucene's, with
// positions counted in UTF-16 code units as Java does.

type nodeKind uint8

const (
	nUnion nodeKind = iota
	nConcat
	nInter
	nOptional
	nStar
	nRepeatMin   // at least min
	nRepeatRange // min to max
	nComplement
	nSet       // one code point from ranges
	nEmpty     // '#': no string at all
	nString    // str, possibly empty
	nAnyString // '@'
	nNamed     // <name>
	nInterval  // <min-max>, digits wide when digits > 0
)

type node struct {
	kind     nodeKind
	kids     []*node
	ranges   []rng
	str      []rune
	name     string
	min, max int
	digits   int
}

type rng struct{ lo, hi rune }

// maxDepth bounds nesting so that recursion stays shallow on hostile input.
const maxDepth = 1000

type parser struct {
	src   []rune
	u16   []int // UTF-16 offset of each rune, and of the end
	pos   int
	depth int
}

// syntaxError and tooComplex are panicked inside the compiler and
// recovered at its entry.
type syntaxError struct{ msg string }

type tooComplex struct{}

func (p *parser) fail(format string, args ...any) {
	panic(syntaxError{fmt.Sprintf(format, args...)})
}

// at is the current position as Lucene reports it.
func (p *parser) at() int { return p.u16[p.pos] }

func (p *parser) more() bool { return p.pos < len(p.src) }

func (p *parser) peek(set string) bool {
	return p.more() && strings.ContainsRune(set, p.src[p.pos])
}

func (p *parser) match(r rune) bool {
	if p.more() && p.src[p.pos] == r {
		p.pos++
		return true
	}
	return false
}

func (p *parser) next() rune {
	if !p.more() {
		p.fail("unexpected end-of-string")
	}
	p.pos++
	return p.src[p.pos-1]
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		panic(tooComplex{})
	}
}

// parseRegex parses s; it panics with syntaxError or tooComplex.
func parseRegex(s string) *node {
	p := &parser{src: []rune(s)}
	p.u16 = make([]int, len(p.src)+1)
	for i, r := range p.src {
		p.u16[i+1] = p.u16[i] + utf16.RuneLen(r)
	}
	if len(p.src) == 0 {
		return &node{kind: nString}
	}
	e := p.union()
	if p.more() {
		p.fail("end-of-string expected at position %d", p.at())
	}
	return e
}

func (p *parser) union() *node {
	e := p.inter()
	if !p.peek("|") {
		return e
	}
	u := &node{kind: nUnion, kids: []*node{e}}
	for p.match('|') {
		u.kids = append(u.kids, p.inter())
	}
	return u
}

func (p *parser) inter() *node {
	e := p.concat()
	for p.match('&') {
		e = &node{kind: nInter, kids: []*node{e, p.concat()}}
	}
	return e
}

func (p *parser) concat() *node {
	e := p.repeat()
	if !p.more() || p.peek(")|&") {
		return e
	}
	c := &node{kind: nConcat, kids: []*node{e}}
	for p.more() && !p.peek(")|&") {
		c.kids = append(c.kids, p.repeat())
	}
	return c
}

func (p *parser) repeat() *node {
	e := p.complement()
	for p.peek("?*+{") {
		switch {
		case p.match('?'):
			e = &node{kind: nOptional, kids: []*node{e}}
		case p.match('*'):
			e = &node{kind: nStar, kids: []*node{e}}
		case p.match('+'):
			e = &node{kind: nRepeatMin, kids: []*node{e}, min: 1}
		case p.match('{'):
			start := p.pos
			p.digits()
			if start == p.pos {
				p.fail("integer expected at position %d", p.at())
			}
			n := p.integer(start)
			m := -1
			if p.match(',') {
				start = p.pos
				p.digits()
				if start != p.pos {
					m = p.integer(start)
				}
			} else {
				m = n
			}
			if !p.match('}') {
				p.fail("expected '}' at position %d", p.at())
			}
			if m != -1 && n > m {
				p.fail("invalid repetition range(out of order): %d..%d", n, m)
			}
			if m == -1 {
				e = &node{kind: nRepeatMin, kids: []*node{e}, min: n}
			} else {
				e = &node{kind: nRepeatRange, kids: []*node{e}, min: n, max: m}
			}
		}
	}
	return e
}

func (p *parser) digits() {
	for p.peek("0123456789") {
		p.pos++
	}
}

// integer is Java's Integer.parseInt of the ASCII digits from start.
func (p *parser) integer(start int) int {
	s := string(p.src[start:p.pos])
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		p.fail("For input string: \"%s\"", s)
	}
	return int(v)
}

func (p *parser) complement() *node {
	if p.match('~') {
		p.enter()
		e := &node{kind: nComplement, kids: []*node{p.complement()}}
		p.depth--
		return e
	}
	return p.charClassExp()
}

func (p *parser) charClassExp() *node {
	if !p.match('[') {
		return p.simple()
	}
	negate := p.match('^')
	rs := p.charClass()
	for p.more() && !p.peek("]") {
		rs = append(rs, p.charClass()...)
	}
	rs = normalizeRanges(rs)
	if negate {
		rs = invertRanges(rs)
	}
	if !p.match(']') {
		p.fail("expected ']' at position %d", p.at())
	}
	return &node{kind: nSet, ranges: rs}
}

func (p *parser) charClass() []rng {
	if rs, ok := p.predefined(); ok {
		return rs
	}
	c := p.charExp()
	if p.match('-') {
		d := p.charExp()
		if c > d {
			p.fail("invalid range: from (%d) cannot be > to (%d)", c, d)
		}
		return []rng{{c, d}}
	}
	return []rng{{c, c}}
}

// predefined follows Lucene's matchPredefinedCharacterClass: after '\',
// d D s S w W are classes, '\' is itself, other ASCII letters are errors,
// and anything else is left (with the backslash consumed) for charExp.
func (p *parser) predefined() ([]rng, bool) {
	if !p.match('\\') {
		return nil, false
	}
	switch {
	case p.peek("dDwWsS"):
		return classRanges(p.next()), true
	case p.peek("\\"):
		c := p.next()
		return []rng{{c, c}}, true
	case p.peek("abcefghijklmnopqrtuvxyz") || p.peek("ABCEFGHIJKLMNOPQRTUVXYZ"):
		// Lucene appends the code point as an int, hence the number.
		p.fail("invalid character class \\%d", p.next())
	}
	return nil, false
}

func classRanges(c rune) []rng {
	var rs []rng
	switch c {
	case 'd', 'D':
		rs = []rng{{'0', '9'}}
	case 's', 'S':
		rs = []rng{{'\t', '\n'}, {'\r', '\r'}, {' ', ' '}}
	case 'w', 'W':
		rs = []rng{{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}
	}
	if unicode.IsUpper(c) {
		rs = invertRanges(rs)
	}
	return rs
}

func (p *parser) charExp() rune {
	p.match('\\')
	return p.next()
}

func (p *parser) simple() *node {
	switch {
	case p.match('.'):
		return &node{kind: nSet, ranges: []rng{{0, maxRune}}}
	case p.match('#'):
		return &node{kind: nEmpty}
	case p.match('@'):
		return &node{kind: nAnyString}
	case p.match('"'):
		start := p.pos
		for p.more() && !p.peek(`"`) {
			p.pos++
		}
		if !p.match('"') {
			p.fail("expected '\"' at position %d", p.at())
		}
		return &node{kind: nString, str: p.src[start : p.pos-1]}
	case p.match('('):
		if p.match(')') {
			return &node{kind: nString}
		}
		p.enter()
		e := p.union()
		p.depth--
		if !p.match(')') {
			p.fail("expected ')' at position %d", p.at())
		}
		return e
	case p.match('<'):
		return p.angle()
	}
	if rs, ok := p.predefined(); ok {
		return &node{kind: nSet, ranges: rs}
	}
	c := p.charExp()
	return &node{kind: nSet, ranges: []rng{{c, c}}}
}

// angle parses what follows '<': a numeric interval or an automaton name.
func (p *parser) angle() *node {
	start := p.pos
	for p.more() && !p.peek(">") {
		p.pos++
	}
	if !p.match('>') {
		p.fail("expected '>' at position %d", p.at())
	}
	s := p.src[start : p.pos-1]
	i := slices.Index(s, '-')
	if i == -1 {
		return &node{kind: nNamed, name: string(s)}
	}
	bad := func() { p.fail("interval syntax error at position %d", p.u16[p.pos-1]) }
	if i == 0 || i == len(s)-1 || slices.Contains(s[i+1:], '-') {
		bad()
	}
	smin, smax := s[:i], s[i+1:]
	lo, ok1 := javaParseInt(smin)
	hi, ok2 := javaParseInt(smax)
	if !ok1 || !ok2 {
		bad()
	}
	digits := 0
	if len(smin) == len(smax) {
		digits = len(smin)
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	return &node{kind: nInterval, min: lo, max: hi, digits: digits}
}

// javaParseInt is Integer.parseInt as the interval syntax uses it: an
// optional '+', then decimal digits of any script in the Basic
// Multilingual Plane (Character.digit), within int range.
func javaParseInt(s []rune) (int, bool) {
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	v := 0
	for _, r := range s {
		d := javaDigit(r)
		if d < 0 {
			return 0, false
		}
		v = v*10 + d
		if v > 1<<31-1 {
			return 0, false
		}
	}
	return v, true
}

// javaDigit is Character.digit(c, 10) for a UTF-16 char.
func javaDigit(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	if r > 0xFFFF {
		return -1 // a surrogate pair: two chars, neither a digit
	}
	// Unicode encodes decimal digits in runs of ten, zero first.
	for _, g := range unicode.Nd.R16 {
		if rune(g.Lo) <= r && r <= rune(g.Hi) {
			return int(r-rune(g.Lo)) % 10
		}
	}
	return -1
}

// normalizeRanges sorts ranges and merges overlapping or adjacent ones.
func normalizeRanges(rs []rng) []rng {
	slices.SortFunc(rs, func(a, b rng) int { return int(a.lo - b.lo) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

// invertRanges returns the code points not in the normalized ranges rs.
func invertRanges(rs []rng) []rng {
	var out []rng
	next := rune(0)
	for _, r := range rs {
		if r.lo > next {
			out = append(out, rng{next, r.lo - 1})
		}
		next = r.hi + 1
	}
	if next <= maxRune {
		out = append(out, rng{next, maxRune})
	}
	return out
}

// firstNamed returns the first automaton name in evaluation order: Lucene
// reports "'name' not found" only once parsing succeeded.
func firstNamed(n *node) (string, bool) {
	if n.kind == nNamed {
		return n.name, true
	}
	for _, k := range n.kids {
		if name, ok := firstNamed(k); ok {
			return name, true
		}
	}
	return "", false
}
