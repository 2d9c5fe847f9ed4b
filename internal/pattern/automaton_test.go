package pattern

import (
	"strings"
	"testing"
	"time"
)

func auto(t *testing.T, patterns ...string) *Automaton {
	t.Helper()
	s, err := NewSet(patterns...)
	if err != nil {
		t.Fatal(err)
	}
	return s.Automaton()
}

func TestSubset(t *testing.T) {
	star := MustCompile("*").Automaton()
	security := MustCompile(".security*").Automaton()
	notSecurity := Minus(star, security)
	for _, c := range []struct {
		name string
		a, b *Automaton
		want bool
	}{
		// A prefix comparison of the patterns gets these wrong.
		{"a?b does not cover a*b", auto(t, "a*b"), auto(t, "a?b"), false},
		{"a*b covers a?b", auto(t, "a?b"), auto(t, "a*b"), true},
		{"a*b covers ab", auto(t, "ab"), auto(t, "a*b"), true},
		{"a*b does not cover a", auto(t, "a"), auto(t, "a*b"), false},
		{"a*b*c covers a*c? no", auto(t, "a*c"), auto(t, "a*b*c"), false},
		{"a*c covers a*b*c", auto(t, "a*b*c"), auto(t, "a*c"), true},
		{"?* covers *?", auto(t, "*?"), auto(t, "?*"), true},
		{"* does not need ?*", auto(t, "*"), auto(t, "?*"), false},
		{"a* covers /a.*/", auto(t, "/a.*/"), auto(t, "a*"), true},
		{"/a.*/ covers a*", auto(t, "a*"), auto(t, "/a.*/"), true},
		{"a\\* is literal", auto(t, `a\*`), auto(t, "a?"), true},
		{"a? does not cover a\\*'s star pattern", auto(t, "a*"), auto(t, `a?`), false},
		{"ac|bc covers /[ab]c/", auto(t, "/[ab]c/"), auto(t, "ac", "bc"), true},
		{"/[ab]c/ covers ac|bc", auto(t, "ac", "bc"), auto(t, "/[ab]c/"), true},
		{"ac|bc does not cover /[abc]c/", auto(t, "/[abc]c/"), auto(t, "ac", "bc"), false},
		{"? is one code point", auto(t, "é"), auto(t, "?"), true},
		{"?? is not é", auto(t, "é"), auto(t, "??"), false},
		// Restricted indices, as _has_privileges asks.
		{"*-.security* covers itself", notSecurity, notSecurity, true},
		{"*-.security* does not cover *", star, notSecurity, false},
		{"* covers *-.security*", notSecurity, star, true},
		{"logs-* covers *-.security* no", notSecurity, auto(t, "logs-*"), false},
		{"*-.security* covers logs-*", auto(t, "logs-*"), notSecurity, true},
		{"*-.security* does not cover .sec*", auto(t, ".sec*"), notSecurity, false},
		{"role covers logs-2024-*", auto(t, "logs-2024-*"), auto(t, "logs-*", "metrics-*"), true},
		{"role does not cover log*", auto(t, "log*"), auto(t, "logs-*", "metrics-*"), false},
		{"union of three covers /[lm].*/ no", auto(t, "/[lm].*/"), auto(t, "l*", "me*", "mx*"), false},
		{"union covers /(l|m).*/", auto(t, "/(l|m).*/"), auto(t, "l*", "m*"), true},
		// Regex features.
		{"~(foo) excludes foo", auto(t, "foo"), auto(t, "/~(foo)/"), false},
		{"~(foo) covers fo*-foo", Minus(auto(t, "fo*"), auto(t, "foo")), auto(t, "/~(foo)/"), true},
		{"<1-10> covers <2-9>", auto(t, "/<2-9>/"), auto(t, "/<1-10>/"), true},
		{"<1-10> vs 1?", auto(t, "1?"), auto(t, "/<1-19>/"), false},
		{"@ covers everything", star, auto(t, "/@/"), true},
		{"# is covered by anything", auto(t, "/#/"), auto(t, "x"), true},
		{"empty union is covered", Union(), auto(t, "x"), true},
		{"nothing covers something but itself", auto(t, "x"), Union(), false},
		// logs-* ∩ *-prod: the two may share the '-', as in logs-prod.
		{"intersection", Intersect(auto(t, "logs-*"), auto(t, "*-prod")), auto(t, "logs-*-prod"), false},
		{"intersection 2", Intersect(auto(t, "logs-*"), auto(t, "*-prod")), auto(t, "logs-*-prod", "logs-prod"), true},
	} {
		got, decided := Subset(c.a, c.b)
		if !decided {
			t.Errorf("%s: undecided", c.name)
			continue
		}
		if got != c.want {
			t.Errorf("%s: Subset = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestIsEmpty(t *testing.T) {
	for _, c := range []struct {
		name string
		a    *Automaton
		want bool
	}{
		{"nil", nil, true},
		{"empty union", Union(), true},
		{"#", auto(t, "/#/"), true},
		{"a&b", auto(t, "/a&b/"), true},
		{"empty string", auto(t, ""), false},
		{"disjoint prefixes", Intersect(auto(t, "logs-*"), auto(t, "metrics-*")), true},
		{"overlapping", Intersect(auto(t, "logs-*"), auto(t, "*-2024")), false},
		{"x minus x", Minus(auto(t, "a*b"), auto(t, "a*b")), true},
		{"* minus *", Minus(auto(t, "*"), auto(t, "/@/")), true},
		{"~x and x", Intersect(auto(t, "/~(a*)/"), auto(t, "/a*/")), true},
		{"~x and wildcard x", Intersect(auto(t, "/~(a*)/"), auto(t, "a*")), false}, // "ab"
		{"long literal minus itself", Minus(auto(t, strings.Repeat("x", 5000)), auto(t, strings.Repeat("x", 5000))), true},
	} {
		got, decided := IsEmpty(c.a)
		if !decided || got != c.want {
			t.Errorf("%s: IsEmpty = %v, %v; want %v, true", c.name, got, decided, c.want)
		}
	}
}

// A search that would need an exponential number of states stops at the
// budget and says so, quickly.
func TestSubsetBudget(t *testing.T) {
	q := strings.Repeat("?", 16)
	a, b := auto(t, "*a"+q), auto(t, "*b"+q)
	start := time.Now()
	got, decided := Subset(a, b)
	if decided {
		t.Fatalf("Subset(*a%s, *b%s) = %v, decided; want undecided", q, q, got)
	}
	if got {
		t.Errorf("undecided Subset returned true")
	}
	if _, decided := IsEmpty(Minus(a, b)); decided {
		t.Errorf("IsEmpty decided")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("budget exhaustion took %v", d)
	}
	// Structure alone decides that an automaton, or a member of a union,
	// is covered by itself or the union.
	for _, c := range [][2]*Automaton{{a, a}, {a, Union(b, a)}, {Union(a, a), Union(b, a)}, {Union(), a}} {
		if got, decided := Subset(c[0], c[1]); !got || !decided {
			t.Errorf("Subset(a, a) = %v, %v", got, decided)
		}
	}
	// The same pattern compiled twice is recognised too.
	if got, decided := Subset(auto(t, "*a"+q), Union(b, auto(t, "*a"+q))); !got || !decided {
		t.Errorf("Subset(a, b|a) with a compiled twice = %v, %v", got, decided)
	}
	if got, decided := Subset(Union(a, b), a); decided {
		t.Errorf("Subset(a|b, a) = %v, decided", got)
	}
}

func TestAutomatonMatch(t *testing.T) {
	logs, prod := auto(t, "logs-*"), auto(t, "*-prod")
	for _, c := range []struct {
		a    *Automaton
		s    string
		want bool
	}{
		{Union(logs, prod), "logs-1", true},
		{Union(logs, prod), "x-prod", true},
		{Union(logs, prod), "x", false},
		{Intersect(logs, prod), "logs-prod", true},
		{Intersect(logs, prod), "logs-dev", false},
		{Minus(logs, prod), "logs-dev", true},
		{Minus(logs, prod), "logs-prod", false},
		{Union(), "", false},
		{nil, "", false},
	} {
		if got := c.a.Match(c.s); got != c.want {
			t.Errorf("Match(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}
