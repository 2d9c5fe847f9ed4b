package pattern

import (
	"slices"
	"strings"
)

// Set is the union of many patterns, compiled for matching on a hot path
// such as authorizing index names on every request: exact names in a map,
// patterns like "logs-*" by prefix, and the rest by one deterministic
// automaton (or, when that would be too large, one by one). Match never
// allocates. A Set is immutable and safe for concurrent use.
type Set struct {
	src      []string
	pats     []*Pattern
	all      bool
	exact    map[string]struct{}
	prefixes []string   // sorted; none is a prefix of another
	table    *dfa       // the remaining patterns together, if not too large
	rest     []*Pattern // the remaining patterns, matched one by one without a table
}

// NewSet compiles the union of patterns. It fails on the first pattern
// that does not compile. An empty set matches nothing.
func NewSet(patterns ...string) (*Set, error) {
	s := &Set{src: slices.Clone(patterns)}
	var autos []*nfa
	for _, p := range patterns {
		c, err := Compile(p)
		if err != nil {
			return nil, err
		}
		s.pats = append(s.pats, c)
		switch prefix, ok := c.prefix(); {
		case c.kind == kindLiteral:
			if s.exact == nil {
				s.exact = map[string]struct{}{}
			}
			s.exact[c.lit] = struct{}{}
		case ok && prefix == "":
			s.all = true
		case ok:
			s.prefixes = append(s.prefixes, prefix)
		default:
			s.rest = append(s.rest, c)
			autos = append(autos, c.auto.leaf)
		}
	}
	slices.Sort(s.prefixes)
	kept := s.prefixes[:0]
	for _, p := range s.prefixes {
		// Sorted, a prefix comes right before the strings it covers.
		if n := len(kept); n == 0 || !strings.HasPrefix(p, kept[n-1]) {
			kept = append(kept, p)
		}
	}
	s.prefixes = kept
	if len(autos) > 0 {
		s.table = matchTable(union(autos))
	}
	return s, nil
}

// prefix reports whether the pattern is a literal followed by one '*'.
func (p *Pattern) prefix() (string, bool) {
	w := &p.wc
	if p.kind != kindWildcard || len(w.segs) != 2 || !w.segs[0].safe || !w.segs[1].safe || w.segs[1].lit != "" {
		return "", false
	}
	return w.segs[0].lit, true
}

// Match reports whether name matches any pattern of the set.
func (s *Set) Match(name string) bool {
	if s.all {
		return true
	}
	if _, ok := s.exact[name]; ok {
		return true
	}
	if len(s.prefixes) > 0 && s.hasPrefix(name) {
		return true
	}
	if s.table != nil {
		return s.table.match(name)
	}
	for _, p := range s.rest {
		if p.Match(name) {
			return true
		}
	}
	return false
}

// hasPrefix finds the last prefix not above name: if any prefix of the
// (prefix-free) list is a prefix of name, it is that one.
func (s *Set) hasPrefix(name string) bool {
	lo, hi := 0, len(s.prefixes)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.prefixes[m] <= name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo > 0 && strings.HasPrefix(name, s.prefixes[lo-1])
}

// Automaton returns the union of the patterns' languages.
func (s *Set) Automaton() *Automaton {
	as := make([]*Automaton, len(s.pats))
	for i, p := range s.pats {
		as[i] = p.auto
	}
	return Union(as...)
}

// Patterns returns the patterns the set was built from.
func (s *Set) Patterns() []string { return slices.Clone(s.src) }

// String joins the patterns with '|', as Elasticsearch describes a
// StringMatcher.
func (s *Set) String() string { return strings.Join(s.src, "|") }
