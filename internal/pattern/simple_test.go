package pattern

import (
	"math/rand/v2"
	"testing"
)

func TestSimpleMatch(t *testing.T) {
	for _, c := range []matchCase{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything", true},
		{"**", "", true},
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"abc", "ABC", false},
		{"ab*", "ab", true},
		{"ab*", "abxyz", true},
		{"ab*", "a", false},
		{"*yz", "xyz", true},
		{"*yz", "yz", true},
		{"*yz", "z", false},
		{"*b*", "abc", true},
		{"*b*", "ac", false},
		{"a*c", "abc", true},
		{"a*c", "ac", true},
		{"a*c", "acb", false},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{"a*b*c*d", "aXbYcZd", true},
		{"a*b*c*d", "aXcYbZd", false},
		{"*a*b", "xaab", true},
		{"a**b", "ab", true},
		// Only '*' is special: no '?', no escapes.
		{"a?c", "abc", false},
		{"a?c", "a?c", true},
		{`a\*`, `a\xyz`, true},
		{`a\*`, `a*`, false},
		{"/a.*/", "/a.*/", true},
		{"/a.*/", "abc", false},
		{"é*", "éa", true},
	} {
		if got := SimpleMatch(c.p, c.s); got != c.want {
			t.Errorf("SimpleMatch(%q, %q) = %v, want %v", c.p, c.s, got, c.want)
		}
	}
}

// simpleRef is a plain backtracking matcher for '*'-only patterns.
func simpleRef(p, s string) bool {
	if p == "" {
		return s == ""
	}
	if p[0] == '*' {
		return simpleRef(p[1:], s) || (s != "" && simpleRef(p, s[1:]))
	}
	return s != "" && s[0] == p[0] && simpleRef(p[1:], s[1:])
}

func TestSimpleMatchDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	names := allStrings("ab*", 5)
	for range 300 {
		p := randomString(rng, "ab*", 6)
		for _, s := range names {
			if got, want := SimpleMatch(p, s), simpleRef(p, s); got != want {
				t.Fatalf("SimpleMatch(%q, %q) = %v, reference %v", p, s, got, want)
			}
		}
	}
}
