package pattern

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// Differential tests: random small patterns over a tiny alphabet, checked
// against brute-force references on every string up to a length bound.

// refWildcard is a plain backtracking matcher, exponential but obviously
// right, working on code points.
func refWildcard(p, s []rune) bool {
	if len(p) == 0 {
		return len(s) == 0
	}
	switch p[0] {
	case '*':
		return refWildcard(p[1:], s) || (len(s) > 0 && refWildcard(p, s[1:]))
	case '?':
		return len(s) > 0 && refWildcard(p[1:], s[1:])
	case '\\':
		if len(p) > 1 {
			return len(s) > 0 && s[0] == p[1] && refWildcard(p[2:], s[1:])
		}
	}
	return len(s) > 0 && s[0] == p[0] && refWildcard(p[1:], s[1:])
}

func TestWildcardDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := allStrings(`aé*\`, 4)
	for range 600 {
		p := randomString(rng, `aé*?\`, 7)
		c := MustCompile(p)
		set, _ := NewSet(p, "zzz")
		sim := &simulator{n: c.auto.leaf}
		for _, s := range names {
			want := refWildcard([]rune(p), []rune(s))
			if c.Match(s) != want || c.Automaton().Match(s) != want || set.Match(s) != want || sim.match(s) != want {
				t.Fatalf("pattern %q on %q: Match %v, automaton %v, set %v, simulation %v; reference %v",
					p, s, c.Match(s), c.Automaton().Match(s), set.Match(s), sim.match(s), want)
			}
		}
	}
}

// rx is a random regular expression: its Lucene text, and its language
// computed by brute force over strings of at most maxLen symbols of
// rxAlphabet.
type rx struct {
	text  string
	lang  []bool
	exact bool // the language has no strings outside the alphabet or longer than maxLen
	long  int  // an upper bound on the length of its strings, when exact
}

const (
	rxAlphabet = "a1."
	maxLen     = 5
)

type universe struct {
	strs  []string
	index map[string]int
}

func newUniverse() *universe {
	u := &universe{strs: allStrings(rxAlphabet, maxLen), index: map[string]int{}}
	for i, s := range u.strs {
		u.index[s] = i
	}
	return u
}

func (u *universe) lang(f func(s string) bool) []bool {
	l := make([]bool, len(u.strs))
	for i, s := range u.strs {
		l[i] = f(s)
	}
	return l
}

func (u *universe) concat(x, y []bool) []bool {
	l := make([]bool, len(u.strs))
	for i, a := range u.strs {
		if !x[i] {
			continue
		}
		for j, b := range u.strs {
			if y[j] && len(a)+len(b) <= maxLen {
				l[u.index[a+b]] = true
			}
		}
	}
	return l
}

func combine(x, y []bool, f func(a, b bool) bool) []bool {
	l := make([]bool, len(x))
	for i := range x {
		l[i] = f(x[i], y[i])
	}
	return l
}

func (u *universe) star(x []bool) []bool {
	l := u.lang(func(s string) bool { return s == "" })
	for {
		next := combine(l, u.concat(l, x), func(a, b bool) bool { return a || b })
		if fmt.Sprint(next) == fmt.Sprint(l) {
			return l
		}
		l = next
	}
}

func (u *universe) repeat(x []bool, n int) []bool {
	l := u.lang(func(s string) bool { return s == "" })
	for range n {
		l = u.concat(l, x)
	}
	return l
}

// gen returns a random expression; with exactOnly it avoids everything
// whose language reaches beyond the alphabet or is infinite.
func (u *universe) gen(rng *rand.Rand, depth int, exactOnly bool) rx {
	leaf := func(text string, f func(string) bool, exact bool, long int) rx {
		return rx{text: text, lang: u.lang(f), exact: exact, long: long}
	}
	if depth == 0 || rng.IntN(3) == 0 {
		choice := rng.IntN(14)
		if exactOnly {
			choice = []int{0, 1, 2, 3, 4, 5}[rng.IntN(6)]
		}
		switch choice {
		case 0:
			c := string(rxAlphabet[rng.IntN(len(rxAlphabet))])
			text := map[string]string{"a": "a", "1": `\1`, ".": `\.`}[c]
			return leaf(text, func(s string) bool { return s == c }, true, 1)
		case 1:
			lit := randomString(rng, rxAlphabet, 3)
			return leaf(`"`+lit+`"`, func(s string) bool { return s == lit }, true, len(lit))
		case 2:
			return leaf("()", func(s string) bool { return s == "" }, true, 0)
		case 3:
			return leaf("#", func(string) bool { return false }, true, 0)
		case 4:
			return leaf("[a1]", func(s string) bool { return s == "a" || s == "1" }, true, 1)
		case 5:
			return leaf(`[\.a]`, func(s string) bool { return s == "a" || s == "." }, true, 1)
		case 6:
			return leaf(".", func(s string) bool { return len(s) == 1 }, false, 0)
		case 7:
			return leaf("@", func(string) bool { return true }, false, 0)
		case 8:
			return leaf("[^a]", func(s string) bool { return s == "1" || s == "." }, false, 0)
		case 9:
			return leaf("[0-9a-z]", func(s string) bool { return s == "1" || s == "a" }, false, 0)
		case 10:
			return leaf(`\d`, func(s string) bool { return s == "1" }, false, 0)
		case 11:
			return leaf(`\W`, func(s string) bool { return s == "." }, false, 0)
		case 12:
			return leaf("<1-11>", func(s string) bool { return intervalRef(s, 1, 11, 0) }, false, 0)
		default:
			return leaf("<01-11>", func(s string) bool { return intervalRef(s, 1, 11, 2) }, false, 0)
		}
	}
	x := u.gen(rng, depth-1, exactOnly)
	choice := rng.IntN(11)
	if exactOnly {
		choice = []int{0, 1, 2, 3, 4, 5}[rng.IntN(6)]
	}
	un := func(text string, l []bool, exact bool, long int) rx {
		return rx{text: text, lang: l, exact: exact, long: long}
	}
	switch choice {
	case 0, 1, 2:
		y := u.gen(rng, depth-1, exactOnly)
		ex := x.exact && y.exact
		switch choice {
		case 0:
			return un("("+x.text+")("+y.text+")", u.concat(x.lang, y.lang), ex, x.long+y.long)
		case 1:
			return un("(("+x.text+")|("+y.text+"))", combine(x.lang, y.lang, func(a, b bool) bool { return a || b }), ex, max(x.long, y.long))
		default:
			return un("(("+x.text+")&("+y.text+"))", combine(x.lang, y.lang, func(a, b bool) bool { return a && b }), ex, min(x.long, y.long))
		}
	case 3:
		return un("("+x.text+")?", combine(x.lang, u.lang(func(s string) bool { return s == "" }), func(a, b bool) bool { return a || b }), x.exact, x.long)
	case 4:
		n := rng.IntN(3)
		return un(fmt.Sprintf("(%s){%d}", x.text, n), u.repeat(x.lang, n), x.exact, n*x.long)
	case 5:
		n := rng.IntN(3)
		m := n + rng.IntN(3)
		l := u.repeat(x.lang, n)
		for k := n + 1; k <= m; k++ {
			l = combine(l, u.repeat(x.lang, k), func(a, b bool) bool { return a || b })
		}
		return un(fmt.Sprintf("(%s){%d,%d}", x.text, n, m), l, x.exact, m*x.long)
	case 6:
		return un("("+x.text+")*", u.star(x.lang), false, 0)
	case 7:
		return un("("+x.text+")+", u.concat(x.lang, u.star(x.lang)), false, 0)
	case 8:
		n := rng.IntN(3)
		return un(fmt.Sprintf("(%s){%d,}", x.text, n), u.concat(u.repeat(x.lang, n), u.star(x.lang)), false, 0)
	default:
		return un("~("+x.text+")", combine(x.lang, x.lang, func(a, _ bool) bool { return !a }), false, 0)
	}
}

func TestRegexDifferential(t *testing.T) {
	u := newUniverse()
	rng := rand.New(rand.NewPCG(3, 4))
	tooComplex := 0
	for range 400 {
		r := u.gen(rng, 4, false)
		p, err := Compile("/" + r.text + "/")
		if err != nil {
			if e, ok := err.(*Error); ok && e.TooComplex() {
				tooComplex++
				continue
			}
			t.Fatalf("Compile(/%s/): %v", r.text, err)
		}
		sim := &simulator{n: p.auto.leaf}
		for i, s := range u.strs {
			want := r.lang[i]
			if p.Match(s) != want || p.Automaton().Match(s) != want || sim.match(s) != want {
				t.Fatalf("/%s/ on %q: Match %v, automaton %v, simulation %v; reference %v",
					r.text, s, p.Match(s), p.Automaton().Match(s), sim.match(s), want)
			}
		}
	}
	if tooComplex > 20 {
		t.Errorf("%d of 400 random regexes were too complex", tooComplex)
	}
}

// subsetRef compares restricted languages; with exact languages it is the
// true answer, otherwise a witness it finds still refutes a subset.
func subsetRef(a, b []bool) (subset bool) {
	for i := range a {
		if a[i] && !b[i] {
			return false
		}
	}
	return true
}

func TestSubsetDifferential(t *testing.T) {
	u := newUniverse()
	rng := rand.New(rand.NewPCG(5, 6))
	compile := func(r rx) *Automaton {
		p, err := Compile("/" + r.text + "/")
		if err != nil {
			return nil
		}
		return p.Automaton()
	}
	exact, oneSided := 0, 0
	for range 1500 {
		exactOnly := rng.IntN(2) == 0
		x, y := u.gen(rng, 3, exactOnly), u.gen(rng, 3, exactOnly)
		a, b := compile(x), compile(y)
		if a == nil || b == nil {
			continue
		}
		got, decided := Subset(a, b)
		want := subsetRef(x.lang, y.lang)
		inter, interDecided := IsEmpty(Intersect(a, b))
		noCommon := subsetRef(x.lang, combine(y.lang, y.lang, func(v, _ bool) bool { return !v }))
		if x.exact && y.exact && x.long <= maxLen && y.long <= maxLen {
			exact++
			if !decided || got != want || !interDecided || inter != noCommon {
				t.Fatalf("/%s/ ⊆ /%s/: Subset %v (decided %v), reference %v; disjoint %v (%v), reference %v",
					x.text, y.text, got, decided, want, inter, interDecided, noCommon)
			}
			continue
		}
		oneSided++
		if (decided && got && !want) || (interDecided && inter && !noCommon) {
			t.Fatalf("/%s/ ⊆ /%s/: Subset %v, but the brute force found a counterexample; disjoint %v, reference %v",
				x.text, y.text, got, inter, noCommon)
		}
	}
	if exact < 300 || oneSided < 300 {
		t.Errorf("only %d exact and %d one-sided comparisons", exact, oneSided)
	}
}

// Wildcards without '*' over a two-letter alphabet: brute force over
// strings as long as the patterns is exact (a '?' facing a literal is
// refuted by the other letter).
func TestWildcardSubsetDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	strs := allStrings("ab", 5)
	lang := func(p string) []bool {
		l := make([]bool, len(strs))
		for i, s := range strs {
			l[i] = refWildcard([]rune(p), []rune(s))
		}
		return l
	}
	for range 3000 {
		alphabet := "ab?"
		withStar := rng.IntN(2) == 0
		if withStar {
			alphabet = "ab?*"
		}
		x, y := randomString(rng, alphabet, 5), randomString(rng, alphabet, 5)
		got, decided := Subset(MustCompile(x).Automaton(), MustCompile(y).Automaton())
		want := subsetRef(lang(x), lang(y))
		if !decided {
			t.Fatalf("%q ⊆ %q undecided", x, y)
		}
		if (!withStar && got != want) || (got && !want) {
			t.Fatalf("%q ⊆ %q: Subset %v, reference %v", x, y, got, want)
		}
	}
}

func TestSetDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	names := allStrings("ab-", 4)
	for range 300 {
		var ps []string
		for range 1 + rng.IntN(5) {
			if rng.IntN(4) == 0 {
				ps = append(ps, "/"+strings.NewReplacer("*", ".*", "?", ".").Replace(randomString(rng, "ab-*?", 5))+"/")
			} else {
				ps = append(ps, randomString(rng, "ab-*?", 5))
			}
		}
		set, err := NewSet(ps...)
		if err != nil {
			t.Fatalf("NewSet(%q): %v", ps, err)
		}
		auto := set.Automaton()
		for _, s := range names {
			want := false
			for _, p := range ps {
				want = want || Match(p, s)
			}
			if set.Match(s) != want || auto.Match(s) != want {
				t.Fatalf("set %q on %q: Match %v, automaton %v, want %v", ps, s, set.Match(s), auto.Match(s), want)
			}
		}
		for _, p := range ps {
			if got, decided := Subset(MustCompile(p).Automaton(), auto); !got || !decided {
				t.Fatalf("%q ⊆ set %q: %v, %v", p, ps, got, decided)
			}
		}
	}
}
