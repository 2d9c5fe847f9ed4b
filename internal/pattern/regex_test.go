package pattern

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

func TestRegexMatch(t *testing.T) {
	cases := []matchCase{
		// Anchored at both ends.
		{"/logs-.*/", "logs-", true},
		{"/logs-.*/", "logs-2024", true},
		{"/logs-.*/", "xlogs-2024", false},
		{"/logs-.*/", "logs", false},
		{"/abc/", "ABC", false},
		{"//", "", true},
		{"//", "a", false},
		// Alternation, groups, repetition.
		{"/(foo|bar)[0-9]{2,3}/", "foo12", true},
		{"/(foo|bar)[0-9]{2,3}/", "bar123", true},
		{"/(foo|bar)[0-9]{2,3}/", "foo1", false},
		{"/(foo|bar)[0-9]{2,3}/", "foo1234", false},
		{"/(foo|bar)[0-9]{2,3}/", "baz12", false},
		{"/a+/", "", false},
		{"/a+/", "aaa", true},
		{"/a?/", "", true},
		{"/a?/", "aa", false},
		{"/a*/", "", true},
		{"/a{2}/", "aa", true},
		{"/a{2}/", "aaa", false},
		{"/a{2,}/", "a", false},
		{"/a{2,}/", "aaaaa", true},
		{"/a{0}/", "", true},
		{"/a{0}/", "a", false},
		{"/a{0,0}b/", "b", true},
		{"/(ab){1,2}/", "abab", true},
		{"/(ab){1,2}/", "aba", false},
		{"/a**/", "aaa", true},
		// Repeating what matches the empty string.
		{"/(a?){3,5}/", "", true},
		{"/(a?){3,5}/", "aaaaa", true},
		{"/(a?){3,5}/", "aaaaaa", false},
		{"/(a?){2,}/", "aaaaaa", true},
		{"/(a|()){2}b/", "ab", true},
		{"/(a?){1000}/", strings.Repeat("a", 1000), true}, // linear in size, as in Lucene
		{"/(a?){1000}/", strings.Repeat("a", 1001), false},
		{"/(a*b?){2}/", "aabaa", true},
		{"/(a*b?){2}/", "abab", true},
		{"/(a*b?){2}/", "ababa", false},
		{"/()/", "", true},
		{"/a()b/", "ab", true},
		// '.' is one code point.
		{"/./", "é", true},
		{"/./", "😀", true},
		{"/./", "ab", false},
		{"/é+/", "éé", true},
		// Classes.
		{"/[a-c]x/", "bx", true},
		{"/[a-c]x/", "dx", false},
		{"/[^a-c]x/", "dx", true},
		{"/[^a-c]x/", "éx", true},
		{"/[^a-c]x/", "ax", false},
		{"/[à-ÿ]/", "é", true},
		{"/[]a]/", "]", true},
		{"/[a^]/", "^", true},
		{`/[\d-z]/`, "-", true},
		{`/[\d-z]/`, "5", true},
		{`/[\d-z]/`, "y", false},
		{`/[a-\d]/`, "c", true}, // the end of a range is a plain character
		{`/[\]]/`, "]", true},
		// Predefined classes and escapes.
		{`/\d+/`, "0123", true},
		{`/\d+/`, "12a", false},
		{`/\D/`, "a", true},
		{`/\D/`, "1", false},
		{`/\w+/`, "a_Z9", true},
		{`/\w/`, "-", false},
		{`/\W/`, "-", true},
		{`/\s/`, "\t", true},
		{`/\s/`, "\f", false},
		{`/\S/`, " ", false},
		{`/a\.b/`, "a.b", true},
		{`/a\.b/`, "axb", false},
		{`/\\/`, `\`, true},
		{`/\1/`, "1", true},
		{`/\//`, "/", true},
		// Quoted strings: everything literal up to the next quote.
		{`/"a.b"/`, "a.b", true},
		{`/"a.b"/`, "axb", false},
		{`/"*"x/`, "*x", true},
		{`/""/`, "", true},
		// Lucene reads a character that starts nothing else as a literal.
		{"/)/", ")", true},
		{"/*/", "*", true},
		{"/(|a)/", "|a", true},
		{"/&a/", "&a", true},
		{"/{/", "{", true},
		// Complement (binds to the next atom), intersection, any string,
		// the empty language.
		{"/~(foo)/", "foo", false},
		{"/~(foo)/", "fo", true},
		{"/~(foo)/", "", true},
		{"/~(foo)/", "fooo", true},
		{"/~a/", "b", true},
		{"/~a/", "a", false},
		{"/~a*/", "", true},
		{"/~~a/", "a", true},
		{"/~~a/", "b", false},
		{"/.*&~(.*secret.*)/", "public", true},
		{"/.*&~(.*secret.*)/", "topsecret1", false},
		{"/[a-z]+&.*x.*/", "abxc", true},
		{"/[a-z]+&.*x.*/", "abc", false},
		{"/@/", "", true},
		{"/@/", "anything", true},
		{"/a@/", "abc", true},
		{"/#/", "", false},
		{"/#/", "#", false},
		{"/a|#/", "a", true},
		{`/\#/`, "#", true},
		{`/\@/`, "@", true},
		{`/\~/`, "~", true},
		// Numeric intervals.
		{"/<1-10>/", "1", true},
		{"/<1-10>/", "10", true},
		{"/<1-10>/", "010", true},
		{"/<1-10>/", "0", false},
		{"/<1-10>/", "11", false},
		{"/<1-10>/", "", false},
		{"/<01-10>/", "01", true},
		{"/<01-10>/", "1", false},
		{"/<10-1>/", "5", true},
		{"/node-<1-3>/", "node-2", true},
		{"/node-<1-3>/", "node-4", false},
	}
	for _, c := range cases {
		checkMatch(t, c)
	}
}

// intervalRef is the language of Lucene's makeDecimalInterval, stated
// directly.
func intervalRef(s string, min, max, digits int) bool {
	if s == "" || strings.Trim(s, "0123456789") != "" || (digits > 0 && len(s) != digits) {
		return false
	}
	v, err := strconv.Atoi(strings.TrimLeft(s, "0") + "0")
	if err != nil {
		return false
	}
	v /= 10
	return min <= v && v <= max
}

func TestIntervalBruteForce(t *testing.T) {
	var all []string
	var gen func(prefix string)
	gen = func(prefix string) {
		all = append(all, prefix)
		if len(prefix) < 4 {
			for c := '0'; c <= '9'; c++ {
				gen(prefix + string(c))
			}
		}
	}
	gen("")
	for _, c := range []struct {
		text             string
		min, max, digits int
	}{
		{"<1-10>", 1, 10, 0},
		{"<01-10>", 1, 10, 2},
		{"<0-0>", 0, 0, 1},
		{"<0-00>", 0, 0, 0},
		{"<5-1>", 1, 5, 1},
		{"<007-12>", 7, 12, 0},
		{"<0-999>", 0, 999, 0},
		{"<100-200>", 100, 200, 3},
		{"<5-200>", 5, 200, 0},
		{"<19-2>", 2, 19, 0},
		{"<0010-0100>", 10, 100, 4},
		{"<+3-5>", 3, 5, 0},  // Integer.parseInt accepts a plus sign
		{"<+3-+5>", 3, 5, 2}, // and the width counts it
		{"<١-٣>", 1, 3, 1},   // and digits of other scripts
		{"<3-１２>", 3, 12, 0}, // fullwidth
	} {
		p, err := Compile("/" + c.text + "/")
		if err != nil {
			t.Fatalf("%s: %v", c.text, err)
		}
		for _, s := range all {
			if got, want := p.Match(s), intervalRef(s, c.min, c.max, c.digits); got != want {
				t.Errorf("/%s/ on %q = %v, want %v", c.text, s, got, want)
			}
		}
	}
}

// javaDigit assumes Unicode's decimal digits come in runs of ten starting
// at zero; check that on the tables this Go release ships.
func TestJavaDigit(t *testing.T) {
	for _, g := range unicode.Nd.R16 {
		if g.Stride != 1 || (g.Hi-g.Lo+1)%10 != 0 {
			t.Fatalf("unicode.Nd range %#x-%#x stride %d is not runs of ten", g.Lo, g.Hi, g.Stride)
		}
	}
	for r, want := range map[rune]int{'0': 0, '7': 7, '٣': 3, '९': 9, '１': 1, 'a': -1, '+': -1, '𝟙': -1} {
		if got := javaDigit(r); got != want {
			t.Errorf("javaDigit(%q) = %d, want %d", r, got, want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	slash := func(p string) string {
		return "invalid pattern [" + p + "]. patterns starting with '/' indicate regular expression pattern and therefore" +
			" must also end with '/'. other patterns (those that do not start with '/') will be treated as simple wildcard patterns"
	}
	for _, c := range []struct{ p, msg string }{
		{"/", slash("/")},
		{"/abc", slash("/abc")},
		{`/abc\`, slash(`/abc\`)},
		{"/(/", "unexpected end-of-string"},
		{"/(a/", "expected ')' at position 2"},
		{"/a)/", "end-of-string expected at position 1"},
		{"/é)/", "end-of-string expected at position 1"},
		{"/😀)/", "end-of-string expected at position 2"}, // UTF-16 units, as in Java
		{"/[a/", "expected ']' at position 2"},
		{"/[^]/", "expected ']' at position 3"},
		{"/[b-a]/", "invalid range: from (98) cannot be > to (97)"},
		{"/[a-]/", "invalid range: from (97) cannot be > to (93)"},
		{"/a{/", "integer expected at position 2"},
		{"/a{2/", "expected '}' at position 3"},
		{"/a{2,x}/", "expected '}' at position 4"},
		{"/a{3,2}/", "invalid repetition range(out of order): 3..2"},
		{"/a{99999999999}/", `For input string: "99999999999"`},
		{`/\q/`, `invalid character class \113`},
		{`/\n/`, `invalid character class \110`},
		{`/[\t]/`, `invalid character class \116`},
		{`/\/`, "unexpected end-of-string"},
		{`/"abc/`, `expected '"' at position 4`},
		{"/<abc/", "expected '>' at position 4"},
		{"/<foo>/", "'foo' not found"},
		{"/a|<x>|<y>/", "'x' not found"},
		{"/<foo>(/", "unexpected end-of-string"}, // parsing errors come first
		{"/<1-x>/", "interval syntax error at position 4"},
		{"/<-5>/", "interval syntax error at position 3"},
		{"/<5->/", "interval syntax error at position 3"},
		{"/<1-2-3>/", "interval syntax error at position 6"},
		{"/<1-99999999999>/", "interval syntax error at position 14"},
		{"/~/", "unexpected end-of-string"},
		{"/a|/", "unexpected end-of-string"},
		{"/a&/", "unexpected end-of-string"},
	} {
		_, err := Compile(c.p)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Compile(%q) error = %v, want *Error %q", c.p, err, c.msg)
			continue
		}
		if e.Msg != c.msg || err.Error() != c.msg || e.Pattern != c.p || e.TooComplex() {
			t.Errorf("Compile(%q) = %q (pattern %q, too complex %v), want %q", c.p, err, e.Pattern, e.TooComplex(), c.msg)
		}
		if Match(c.p, "") || Match(c.p, "a") {
			t.Errorf("invalid pattern %q matched", c.p)
		}
		if _, err := NewSet("ok", c.p); err == nil {
			t.Errorf("NewSet with %q did not fail", c.p)
		}
	}
}

func TestTooComplex(t *testing.T) {
	for _, p := range []string{
		"/~(.*a.{20})/",     // complement needs 2^21 states
		"/~(.*a.{13})/",     // complement needs 2^14 states
		"/a{1000000}/",      // too many states
		"/(a|b){0,100000}/", // too many states
		"/" + strings.Repeat("(", 5000) + "a" + strings.Repeat(")", 5000) + "/",
		"/" + strings.Repeat("~", 5000) + "a/",
		"/(.*a.{200})&(.*b.{200})/", // product too large
	} {
		_, err := Compile(p)
		var e *Error
		if !errors.As(err, &e) || !e.TooComplex() {
			t.Errorf("Compile(%.40q) = %v, want a too-complex error", p, err)
			continue
		}
		if want := fmt.Sprintf("pattern [%s] is too complex to evaluate", p); e.Msg != want {
			t.Errorf("message %.60q", e.Msg)
		}
	}
	// Big but valid: no table, so matching simulates the automaton.
	p := MustCompile("/.*a.{14}/")
	if p.dfa != nil || p.sim == nil {
		t.Fatalf("/.*a.{14}/ was tabulated; the test needs the simulation path")
	}
	for _, c := range []matchCase{
		{"/.*a.{14}/", "a" + strings.Repeat("b", 14), true},
		{"/.*a.{14}/", "xxa" + strings.Repeat("b", 14), true},
		{"/.*a.{14}/", "a" + strings.Repeat("b", 13), false},
		{"/.*a.{14}/", "a" + strings.Repeat("b", 15), false},
		{"/.*a.{14}/", strings.Repeat("é", 100) + "a" + strings.Repeat("😀", 14), true},
	} {
		checkMatch(t, c)
	}
}
