package pattern

import "strings"

// Pattern is a compiled Elasticsearch pattern, as roles use it for index
// names, cluster action names, application names, privileges and
// resources, and run_as users (Automatons.pattern):
//
//   - A pattern that starts with '/' is a Lucene regular expression and
//     must also end with '/'. It must match the whole name.
//   - Any other pattern is a wildcard: '*' matches any run of characters
//     (including none), '?' exactly one character, '\' makes the next
//     character literal (a trailing '\' is literal), and everything else
//     matches itself, case-sensitively.
//
// Characters are Unicode code points; in a name that is not valid UTF-8
// each invalid byte counts as one U+FFFD, as in a Go range loop.
//
// A Pattern is immutable and safe for concurrent use.
type Pattern struct {
	src  string
	kind kind
	lit  string   // kindLiteral
	wc   wildcard // kindWildcard
	dfa  *dfa     // kindRegex, when small enough to tabulate
	sim  *simulator
	auto *Automaton
}

type kind uint8

const (
	kindLiteral  kind = iota // no wildcard: compare bytes
	kindWildcard             // matched segment by segment
	kindRegex                // matched by automaton
)

// Error is a pattern that does not compile. Its text is Elasticsearch's
// (or Lucene's) for the same mistake; for patterns beyond this package's
// size limits, where Elasticsearch would report its own limit, it is
// "pattern [...] is too complex to evaluate".
type Error struct {
	Pattern string
	Msg     string
	complex bool
}

func (e *Error) Error() string { return e.Msg }

// TooComplex reports whether the pattern is valid but exceeded a size or
// work limit (for instance a complement that cannot be determinized within
// 10,000 states).
func (e *Error) TooComplex() bool { return e.complex }

// Compile parses an Elasticsearch pattern (wildcard or /regex/).
func Compile(p string) (*Pattern, error) {
	if strings.HasPrefix(p, "/") {
		if len(p) == 1 || !strings.HasSuffix(p, "/") {
			return nil, &Error{Pattern: p, Msg: "invalid pattern [" + p + "]. patterns starting with '/' indicate regular expression pattern" +
				" and therefore must also end with '/'. other patterns (those that do not start with '/') will be treated as simple wildcard patterns"}
		}
		n, err := compileRegex(p, p[1:len(p)-1])
		if err != nil {
			return nil, err
		}
		pat := &Pattern{src: p, kind: kindRegex, auto: leaf(n, p)}
		pat.dfa = matchTable(n)
		if pat.dfa == nil {
			pat.sim = &simulator{n: n}
		}
		return pat, nil
	}
	items := wildcardItems(p)
	pat := &Pattern{src: p, kind: kindWildcard, wc: newWildcard(items), auto: leaf(wildcardNFA(items), p)}
	if !pat.wc.star && pat.wc.segs[0].safe {
		pat.kind, pat.lit, pat.wc = kindLiteral, pat.wc.segs[0].lit, wildcard{}
	}
	return pat, nil
}

// matchTable determinizes and tabulates n for matching, or returns nil
// when that would be too large; matching then simulates n instead.
func matchTable(n *nfa) *dfa {
	d, ok := determinize(n, maxDFAStates, false, &budget{work: matchDFAWork})
	if !ok {
		return nil
	}
	t, _ := tabulate(d, maxDFACells)
	return t
}

// MustCompile is Compile for patterns known to be valid; it panics on error.
func MustCompile(p string) *Pattern {
	c, err := Compile(p)
	if err != nil {
		panic("pattern: " + err.Error())
	}
	return c
}

// Match reports whether s matches pattern p; an invalid pattern matches
// nothing. It compiles p on every call: compile once to match repeatedly.
func Match(p, s string) bool {
	c, err := Compile(p)
	return err == nil && c.Match(s)
}

// Match reports whether the whole of s matches the pattern.
func (p *Pattern) Match(s string) bool {
	switch p.kind {
	case kindLiteral:
		return s == p.lit
	case kindWildcard:
		return p.wc.match(s)
	}
	if p.dfa != nil {
		return p.dfa.match(s)
	}
	return p.sim.match(s)
}

// String returns the pattern as given to Compile.
func (p *Pattern) String() string { return p.src }

// Literal returns the one name the pattern matches when it has no
// wildcard: "a\*b" gives "a*b". (A pattern with U+FFFD is not literal:
// U+FFFD also matches invalid bytes.)
func (p *Pattern) Literal() (string, bool) {
	return p.lit, p.kind == kindLiteral
}

// IsRegex reports whether the pattern is a /regular expression/.
func (p *Pattern) IsRegex() bool { return p.kind == kindRegex }

// Automaton returns the language of the pattern, for Union, Intersect,
// Minus, Subset and IsEmpty.
func (p *Pattern) Automaton() *Automaton { return p.auto }

// Escape returns a wildcard pattern that matches exactly name: it escapes
// '*', '?' and '\', and a leading '/' that would make it a regex.
func Escape(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '*' || c == '?' || c == '\\' || (i == 0 && c == '/') {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
