package pattern

import (
	"errors"
	"testing"
	"time"
)

// slow is far above what any input should take; it catches exponential
// behaviour, not ordinary slowness.
const slow = 3 * time.Second

func FuzzCompile(f *testing.F) {
	for _, seed := range [][2]string{
		{"*", "anything"}, {"", ""}, {"logs-*", "logs-1"}, {"a?c", "aéc"}, {`a\*b`, "a*b"}, {`\`, `\`},
		{"a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, {"*a????????????", "ab"},
		{"/logs-.*/", "logs-x"}, {"/(foo|bar)[0-9]{2,3}/", "bar123"}, {"/[^a-c]x/", "dx"},
		{`/"a.b"\.c/`, "a.b.c"}, {"/~(foo)/", "fo"}, {"/.*&~(.*secret.*)/", "public"},
		{"/<1-10>/", "010"}, {"/@/", ""}, {"/#/", ""}, {`/\d\w\s\D\W\S/`, "1a b-x"},
		{"/(a|b){2,}c?/", "abab"}, {"/~(.*a.{20})/", "a"}, {"/a{1000}/", "a"}, {"/<foo>/", "x"},
		{"/[b-a]/", "a"}, {"/(/", ""}, {"/", ""}, {"/abc", "abc"}, {"a\xffb", "a\xfeb"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, p, s string) {
		if len(p) > 300 || len(s) > 2000 {
			t.Skip()
		}
		start := time.Now()
		c, err := Compile(p)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Msg == "" {
				t.Fatalf("Compile(%q): error %v is not an *Error with a message", p, err)
			}
			if Match(p, s) {
				t.Fatalf("invalid pattern %q matched %q", p, s)
			}
			return
		}
		got := c.Match(s)
		if c.String() != p {
			t.Fatalf("String() = %q, want %q", c.String(), p)
		}
		// Every matching path agrees: table or segments, simulation of
		// the automaton, and the automaton expression.
		if sim := (&simulator{n: c.auto.leaf}); sim.match(s) != got {
			t.Fatalf("%q on %q: Match %v, simulation %v", p, s, got, !got)
		}
		if c.Automaton().Match(s) != got {
			t.Fatalf("%q on %q: Match %v, automaton %v", p, s, got, !got)
		}
		if time.Since(start) > slow {
			t.Fatalf("compiling and matching %q took %v", p, time.Since(start))
		}
		start = time.Now()
		if ok, decided := Subset(c.Automaton(), c.Automaton()); !ok || !decided {
			t.Fatalf("%q not a subset of itself", p)
		}
		if !MustCompile(Escape(s)).Match(s) {
			t.Fatalf("Escape(%q) = %q does not match it", s, Escape(s))
		}
		if got {
			// s is in the language, so the language is not empty, and the
			// escaped literal s is a subset of it.
			if empty, decided := IsEmpty(c.Automaton()); empty && decided {
				t.Fatalf("%q matches %q but its automaton is empty", p, s)
			}
			if ok, decided := Subset(MustCompile(Escape(s)).Automaton(), c.Automaton()); decided && !ok {
				t.Fatalf("%q matches %q but does not cover it", p, s)
			}
		}
		if time.Since(start) > slow {
			t.Fatalf("searches on %q took %v", p, time.Since(start))
		}
	})
}

func FuzzMatch(f *testing.F) {
	for _, seed := range [][4]string{
		{"logs-*", "metrics-*", "exact", "logs-1"},
		{"*-prod", "a?c", "/re[0-9]+x/", "re12x"},
		{"x*y*z", "é*", "*", ""},
		{"ab*", "a*", "abc*", "abd"},
		{`esc\*`, "/~(a.*)/", "b?", "esc*"},
		{"*a??????????????", "*b??????????????", "/.*c.{14}/", "c12345678901234"},
		{"/<1-10>/", "/@/", "/#/", "7"},
		{"a\uFFFD*", "\xff", "?", "a\xff"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, p1, p2, p3, name string) {
		if len(p1)+len(p2)+len(p3) > 300 || len(name) > 1000 {
			t.Skip()
		}
		var valid []string
		var pats []*Pattern
		for _, p := range []string{p1, p2, p3} {
			if c, err := Compile(p); err == nil {
				valid = append(valid, p)
				pats = append(pats, c)
			}
		}
		set, err := NewSet(valid...)
		if err != nil {
			t.Fatalf("NewSet(%q): %v", valid, err)
		}
		want := false
		for _, c := range pats {
			want = want || c.Match(name)
		}
		if got := set.Match(name); got != want {
			t.Fatalf("set %q on %q = %v, patterns one by one %v", valid, name, got, want)
		}
		noTable := *set
		noTable.table = nil
		if got := noTable.Match(name); got != want {
			t.Fatalf("set %q without table on %q = %v, want %v", valid, name, got, want)
		}
		start := time.Now()
		auto := set.Automaton()
		for _, c := range pats {
			if ok, decided := Subset(c.Automaton(), auto); decided && !ok {
				t.Fatalf("%q is not a subset of the set %q", c, valid)
			}
		}
		if len(pats) > 0 {
			// p ∩ p is p, but only a search (not structure) can tell.
			a := pats[0].Automaton()
			if ok, decided := Subset(Intersect(a, a), auto); decided && !ok {
				t.Fatalf("%q is not a subset of the set %q", pats[0], valid)
			}
		}
		if time.Since(start) > slow {
			t.Fatalf("searches on %q took %v", valid, time.Since(start))
		}
	})
}
