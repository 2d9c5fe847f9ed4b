package pattern

import (
	"strings"
	"unicode/utf8"
)

// Markers in a parsed wildcard; real code points are never negative.
const (
	anyRune  rune = -1 // '?': exactly one code point
	starRune rune = -2 // '*': any run of code points, including none
)

// wildcardItems parses an Elasticsearch wildcard (Automatons.wildcard):
// '*' and '?' are special, '\' makes the next code point literal, and a
// trailing '\' is itself literal (Elasticsearch parses it leniently).
// Consecutive stars collapse into one.
func wildcardItems(p string) []rune {
	items := make([]rune, 0, len(p))
	for i := 0; i < len(p); {
		r, w := decode(p, i)
		i += w
		switch r {
		case '*':
			if n := len(items); n == 0 || items[n-1] != starRune {
				items = append(items, starRune)
			}
		case '?':
			items = append(items, anyRune)
		case '\\':
			if i < len(p) {
				r, w = decode(p, i)
				i += w
			}
			items = append(items, r)
		default:
			items = append(items, r)
		}
	}
	return items
}

// segment is the part of a wildcard between two stars.
type segment struct {
	lit  string // the text, when safe
	toks []rune // otherwise: its code points, with anyRune for '?'
	// safe: no '?' and no U+FFFD, so that comparing bytes is exact. (An
	// invalid byte in a name decodes to U+FFFD, which a byte comparison with
	// a literal U+FFFD would miss.)
	safe bool
}

func newSegment(toks []rune) segment {
	for _, t := range toks {
		if t == anyRune || t == utf8.RuneError {
			return segment{toks: toks}
		}
	}
	return segment{lit: string(toks), safe: true}
}

// prefix reports whether s starts with g, and how many bytes that takes.
func (g *segment) prefix(s string) (int, bool) {
	if g.safe {
		return len(g.lit), strings.HasPrefix(s, g.lit)
	}
	i := 0
	for _, t := range g.toks {
		if i >= len(s) {
			return 0, false
		}
		r, w := decode(s, i)
		if t != anyRune && t != r {
			return 0, false
		}
		i += w
	}
	return i, true
}

// suffix reports whether s ends with g, and where in s that ending starts.
// Decoding backwards splits invalid UTF-8 exactly as decoding forwards does.
func (g *segment) suffix(s string) (int, bool) {
	if g.safe {
		return len(s) - len(g.lit), strings.HasSuffix(s, g.lit)
	}
	j := len(s)
	for k := len(g.toks) - 1; k >= 0; k-- {
		if j == 0 {
			return 0, false
		}
		r, w := utf8.DecodeLastRuneInString(s[:j])
		if t := g.toks[k]; t != anyRune && t != r {
			return 0, false
		}
		j -= w
	}
	return j, true
}

// index finds the leftmost occurrence of g in s and returns where it ends.
func (g *segment) index(s string) (int, bool) {
	if g.safe {
		k := strings.Index(s, g.lit)
		return k + len(g.lit), k >= 0
	}
	for i := 0; ; {
		if n, ok := g.prefix(s[i:]); ok {
			return i + n, true
		}
		if i == len(s) {
			return 0, false
		}
		_, w := decode(s, i)
		i += w
	}
}

// wildcard matches without an automaton: the first segment is anchored at
// the start, the last at the end, and the ones between stars are found
// leftmost, which is optimal because a star can absorb anything. That is
// O(len(s)) for segments without '?' and O(len(s) × segment) with them;
// never exponential.
type wildcard struct {
	segs []segment
	star bool // at least one '*'; then len(segs) >= 2
}

func newWildcard(items []rune) wildcard {
	var w wildcard
	start := 0
	for i, it := range items {
		if it == starRune {
			w.star = true
			w.segs = append(w.segs, newSegment(items[start:i]))
			start = i + 1
		}
	}
	w.segs = append(w.segs, newSegment(items[start:]))
	return w
}

func (w *wildcard) match(s string) bool {
	first := &w.segs[0]
	i, ok := first.prefix(s)
	if !ok {
		return false
	}
	if !w.star {
		return i == len(s)
	}
	s = s[i:]
	j, ok := w.segs[len(w.segs)-1].suffix(s)
	if !ok {
		return false
	}
	s = s[:j]
	for k := 1; k < len(w.segs)-1; k++ {
		e, ok := w.segs[k].index(s)
		if !ok {
			return false
		}
		s = s[e:]
	}
	return true
}

// wildcardNFA builds the automaton of a parsed wildcard: one state per
// non-star item, and a self-loop on every code point where a star stands.
func wildcardNFA(items []rune) *nfa {
	n := &nfa{edges: [][]edge{nil}, accept: []bool{false}}
	cur := int32(0)
	for _, it := range items {
		if it == starRune {
			n.edges[cur] = append(n.edges[cur], edge{0, maxRune, cur})
			continue
		}
		n.edges = append(n.edges, nil)
		n.accept = append(n.accept, false)
		next := int32(len(n.accept) - 1)
		lo, hi := it, it
		if it == anyRune {
			lo, hi = 0, maxRune
		}
		n.edges[cur] = append(n.edges[cur], edge{lo, hi, next})
		cur = next
	}
	n.accept[cur] = true
	return finish(n)
}
