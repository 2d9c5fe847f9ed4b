package pattern

import (
	"fmt"
	"strings"
	"testing"
)

func TestSetMatch(t *testing.T) {
	s, err := NewSet("exact", "logs-*", "logs-2024-*", "metrics-*", "*-prod", "a?c", "/re[0-9]+x/", `esc\*`, "x*y*z", "é*")
	if err != nil {
		t.Fatal(err)
	}
	if s.table == nil {
		t.Fatal("expected the remaining patterns to be tabulated")
	}
	for _, c := range []struct {
		name string
		want bool
	}{
		{"exact", true},
		{"exac", false},
		{"exactly", false},
		{"logs-", true},
		{"logs-1", true},
		{"logs", false},
		{"logt", false},
		{"metrics-x", true},
		{"metric", false},
		{"web-prod", true},
		{"web-prod-1", false},
		{"abc", true},
		{"aéc", true},
		{"ac", false},
		{"re12x", true},
		{"rex", false},
		{"esc*", true},
		{"escX", false},
		{"x-y-z", true},
		{"x-z", false},
		{"éa", true},
		{"", false},
		{"zzz", false},
	} {
		if got := s.Match(c.name); got != c.want {
			t.Errorf("Match(%q) = %v, want %v", c.name, got, c.want)
		}
		// The same answers one pattern at a time, and without the table.
		any := false
		for _, p := range s.pats {
			any = any || p.Match(c.name)
		}
		noTable := *s
		noTable.table = nil
		if any != c.want || noTable.Match(c.name) != c.want {
			t.Errorf("%q: patterns one by one = %v, set without table = %v, want %v", c.name, any, noTable.Match(c.name), c.want)
		}
	}
	if got := s.String(); !strings.HasPrefix(got, "exact|logs-*|") {
		t.Errorf("String() = %q", got)
	}
	if got := len(s.Patterns()); got != 10 {
		t.Errorf("Patterns() has %d", got)
	}
}

func TestSetSpecialCases(t *testing.T) {
	empty, err := NewSet()
	if err != nil || empty.Match("") || empty.Match("a") {
		t.Errorf("empty set: %v, matches something", err)
	}
	if e, _ := IsEmpty(empty.Automaton()); !e {
		t.Errorf("empty set automaton not empty")
	}
	all, _ := NewSet("logs", "*")
	if !all.Match("") || !all.Match("anything") {
		t.Errorf("set with * does not match everything")
	}
	// Prefixes covered by shorter ones are dropped; the rest still match.
	p, _ := NewSet("ab*", "a*", "abc*", "b*", "bcd*", "c-*")
	if got := fmt.Sprint(p.prefixes); got != "[a* b* c-*]" && got != "[a b c-]" {
		t.Errorf("prefixes = %v", got)
	}
	for name, want := range map[string]bool{"a": true, "abz": true, "bz": true, "c-": true, "c": false, "": false, "d": false} {
		if p.Match(name) != want {
			t.Errorf("prefix set Match(%q) != %v", name, want)
		}
	}
	if _, err := NewSet("ok", "/bad"); err == nil {
		t.Errorf("NewSet accepted an invalid pattern")
	}
}

// Patterns whose union does not determinize within the limits are
// matched one by one.
func TestSetWithoutTable(t *testing.T) {
	q := strings.Repeat("?", 14)
	s, err := NewSet("*a"+q, "*b"+q, "exact", "/.*c.{14}/")
	if err != nil {
		t.Fatal(err)
	}
	if s.table != nil {
		t.Fatal("expected no table")
	}
	for name, want := range map[string]bool{
		"a" + strings.Repeat("x", 14):    true,
		"xxb" + strings.Repeat("x", 14):  true,
		"c" + strings.Repeat("é", 14):    true,
		"a" + strings.Repeat("x", 13):    false,
		"exact":                          true,
		"d" + strings.Repeat("x", 14):    false,
		"ab" + strings.Repeat("x", 14):   true, // 'b' is 15th from the end
		"abc" + strings.Repeat("x", 14):  true,
		"cab" + strings.Repeat("x", 13):  true,
		"xyz" + strings.Repeat("x", 14):  false,
		"czzz" + strings.Repeat("x", 13): false,
	} {
		if got := s.Match(name); got != want {
			t.Errorf("Match(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	s := benchSet(t)
	names := benchNames()
	if n := testing.AllocsPerRun(100, func() {
		for _, name := range names {
			s.Match(name)
		}
	}); n != 0 {
		t.Errorf("Set.Match allocates %v times per run", n)
	}
	for _, p := range []string{"logs-*", "a*b?c*d", "/(foo|bar)[0-9]{2,3}/", "exact"} {
		c := MustCompile(p)
		if n := testing.AllocsPerRun(100, func() {
			for _, name := range names {
				c.Match(name)
			}
		}); n != 0 {
			t.Errorf("Pattern(%q).Match allocates %v times per run", p, n)
		}
	}
}

// benchPatterns is 50 patterns of mixed kinds, like a large role.
func benchPatterns() []string {
	var ps []string
	for i := range 20 {
		ps = append(ps, fmt.Sprintf("index-%02d", i)) // exact names
	}
	for i := range 15 {
		ps = append(ps, fmt.Sprintf("logs-app%02d-*", i)) // prefixes
	}
	for _, env := range []string{"prod", "staging", "dev", "qa", "perf"} {
		ps = append(ps, "*-"+env) // suffixes
	}
	ps = append(ps, "metrics-??-*", "traces-*-v?", "a?c-*", "*-2024.??.*", "tmp-?")
	ps = append(ps, "/audit-[0-9]{4}\\.[0-9]{2}/", "/(alerts|events)-.*-(eu|us)/", "/kibana_[a-z]+/")
	ps = append(ps, "*shared*", "team-*-data-*")
	return ps
}

func benchNames() []string {
	return []string{
		"index-07", "index-99", "logs-app03-2024.01.01", "logs-app99-x", "web-prod", "web-production",
		"metrics-eu-cpu", "traces-http-v2", "audit-2024.05", "audit-24.05", "events-x-eu", "kibana_foo",
		"a-shared-index", "team-a-data-b", "unrelated-index-name-that-is-rather-long", "",
	}
}

func benchSet(tb testing.TB) *Set {
	s, err := NewSet(benchPatterns()...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// Patterns and sets are shared between request goroutines; run under -race.
func TestConcurrentMatch(t *testing.T) {
	s := benchSet(t)
	sim := MustCompile("/.*a.{14}/") // matched by simulation, with pooled scratch space
	names := benchNames()
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 2000 {
				name := names[(i+g)%len(names)]
				s.Match(name)
				if sim.Match(name+"a"+strings.Repeat("x", 14)) != true {
					t.Error("simulation gave a wrong answer under concurrency")
					return
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
}
