package pattern

import (
	"strings"
	"testing"
	"time"
)

type matchCase struct {
	p, s string
	want bool
}

// checkMatch runs every matching path on one case: the compiled pattern,
// the package function, the pattern's automaton, and a one-pattern Set.
func checkMatch(t *testing.T, c matchCase) {
	t.Helper()
	p, err := Compile(c.p)
	if err != nil {
		t.Fatalf("Compile(%q): %v", c.p, err)
	}
	if got := p.Match(c.s); got != c.want {
		t.Errorf("Compile(%q).Match(%q) = %v, want %v", c.p, c.s, got, c.want)
	}
	if got := Match(c.p, c.s); got != c.want {
		t.Errorf("Match(%q, %q) = %v, want %v", c.p, c.s, got, c.want)
	}
	if got := p.Automaton().Match(c.s); got != c.want {
		t.Errorf("Automaton(%q).Match(%q) = %v, want %v", c.p, c.s, got, c.want)
	}
	set, err := NewSet(c.p)
	if err != nil {
		t.Fatalf("NewSet(%q): %v", c.p, err)
	}
	if got := set.Match(c.s); got != c.want {
		t.Errorf("NewSet(%q).Match(%q) = %v, want %v", c.p, c.s, got, c.want)
	}
}

func TestWildcardMatch(t *testing.T) {
	cases := []matchCase{
		// '*' alone, and the empty pattern.
		{"*", "", true},
		{"*", "anything at all", true},
		{"*", "é", true},
		{"", "", true},
		{"", "a", false},
		// Literals are exact and case-sensitive.
		{"logs", "logs", true},
		{"logs", "Logs", false},
		{"logs", "logs2", false},
		{"logs", "log", false},
		// Prefix, suffix, infix and several stars.
		{"logs-*", "logs-", true},
		{"logs-*", "logs-2024.01", true},
		{"logs-*", "logs", false},
		{"logs-*", "xlogs-1", false},
		{"*-prod", "web-prod", true},
		{"*-prod", "-prod", true},
		{"*-prod", "web-prod2", false},
		{"*err*", "an error", true},
		{"*err*", "er", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "a1b2c", true},
		{"a*b*c", "abcbc", true},
		{"a*b*c", "acb", false},
		{"a*b*c", "ab", false},
		{"ab*ba", "aba", false}, // prefix and suffix may not overlap
		{"ab*ba", "abba", true},
		{"a**b", "ab", true},
		{"*a", "a", true},
		{"*a", "ab", false},
		// '?' is exactly one code point, whatever its UTF-8 length.
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "abbc", false},
		{"a?c", "aéc", true},
		{"a?c", "a😀c", true},
		{"?", "é", true},
		{"?", "😀", true},
		{"?", "", false},
		{"??", "é", false}, // two bytes, one character
		{"??", "éé", true},
		{"*a?", "xab", true},
		{"*a?", "xa", false},
		{"*a?", "xa😀", true},
		{"*?*", "", false},
		{"*?*", "é", true},
		{"*a?c*", "xxabcxx", true},
		{"*a?c*", "xxacxx", false},
		{"?*?", "é😀", true},
		{"?*?", "é", false},
		{"é*ü", "é-ü", true},
		{"é*ü", "e-ü", false},
		// Escapes: the next character is literal; a trailing '\' is itself.
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{`a\*b`, "ab", false},
		{`\?`, "?", true},
		{`\?`, "a", false},
		{`a\\b`, `a\b`, true},
		{`a\b`, "ab", true},
		{`a\b`, `a\b`, false},
		{`\\*`, `\x`, true},
		{`\\*`, "x", false},
		{`a\`, `a\`, true},
		{`a\`, "a", false},
		{`\`, `\`, true},
		{`\é?`, "éx", true},
		{`\/logs`, "/logs", true}, // an escaped '/' does not start a regex
		{`*\*`, "a*", true},
		{`*\*`, "a", false},
		// Invalid UTF-8 decodes byte by byte to U+FFFD, in names and patterns.
		{"a?b", "a\xffb", true},
		{"a??b", "a\xe2\x82b", true},
		{"a?b", "a\xe2\x82b", false},
		{"a\uFFFDb", "a\xffb", true},
		{"a\uFFFD*", "a\xffxyz", true},
		{"*\uFFFD", "abc", false},
		{"a\xffb", "a\uFFFDb", true},
		{"*\xff", "a\xfe", true},
	}
	for _, c := range cases {
		checkMatch(t, c)
	}
}

// A backtracking matcher takes exponential time on these; segment
// matching is linear (or O(n·m) with '?').
func TestWildcardNoBacktracking(t *testing.T) {
	long := strings.Repeat("a", 200_000)
	cases := []matchCase{
		{strings.Repeat("a*", 12) + "b", long, false},
		{strings.Repeat("*a", 12) + "*b*", long, false},
		{strings.Repeat("*a?", 8) + "b", long, false},
		{strings.Repeat("a*", 12) + "a", long, true},
	}
	for _, c := range cases {
		done := make(chan bool, 1)
		p := MustCompile(c.p)
		go func() { done <- p.Match(c.s) }()
		select {
		case got := <-done:
			if got != c.want {
				t.Errorf("Match(%q, long) = %v, want %v", c.p, got, c.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Match(%q, %d×a) did not finish in 5s", c.p, len(c.s))
		}
	}
}

func TestLiteralAndEscape(t *testing.T) {
	for _, c := range []struct {
		p    string
		lit  string
		isIt bool
	}{
		{"logs", "logs", true},
		{`a\*b`, "a*b", true},
		{`a\b`, "ab", true},
		{"", "", true},
		{"a*", "", false},
		{"a?", "", false},
		{"/a/", "", false},
	} {
		lit, ok := MustCompile(c.p).Literal()
		if lit != c.lit || ok != c.isIt {
			t.Errorf("Literal(%q) = %q, %v; want %q, %v", c.p, lit, ok, c.lit, c.isIt)
		}
	}
	for _, name := range []string{"", "logs", "a*b?c\\", "/etc", "x/y", "*", "é?", "\\"} {
		p := MustCompile(Escape(name))
		if !p.Match(name) {
			t.Errorf("Escape(%q) = %q does not match the name", name, Escape(name))
		}
		if lit, ok := p.Literal(); !ok || lit != name {
			t.Errorf("Escape(%q) = %q: Literal() = %q, %v", name, Escape(name), lit, ok)
		}
	}
}
