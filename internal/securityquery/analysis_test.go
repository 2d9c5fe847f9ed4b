package securityquery

import (
	"math/rand/v2"
	"testing"

	"github.com/esauth/esauth/internal/pattern"
	"github.com/google/go-cmp/cmp"
)

func terms(a analyzer, s string) []string {
	out := []string{}
	for _, t := range a.analyze(s, nil) {
		out = append(out, t.term)
	}
	return out
}

func TestAnalyzers(t *testing.T) {
	tests := []struct {
		a    analyzer
		in   string
		want []string
	}{
		{anStandard, "Jean-Luc O'Neil", []string{"jean", "luc", "o'neil"}},
		{anStandard, "john.doe@example.com", []string{"john.doe", "example.com"}},
		{anStandard, "3.14 and 1,000 ab12", []string{"3.14", "and", "1,000", "ab12"}},
		{anStandard, "foo_bar ___ a:b U.S.A.", []string{"foo_bar", "a:b", "u.s.a"}},
		{anStandard, "日本語 ÉCOLE", []string{"日", "本", "語", "école"}},
		{anStandard, "", []string{}},
		{anEmail, "John.Doe@Example.com", []string{"john.doe@example.com", "john.doe", "example.com", "john", "doe", "example", "com"}},
		{anEmail, "user@localhost", []string{"user", "localhost"}},
		{anEmail, "Contact: bob@x.org now", []string{"contact", "bob@x.org", "bob", "x.org", "x", "org", "now"}},
		{anEmail, "a1b2@host9.io", []string{"a1b2@host9.io", "a1b2", "host9.io", "a", "b", "host", "io", "1", "2", "9"}},
		{anKeyword, "Dev Ops", []string{"Dev Ops"}},
		{anWhitespace, " Dev  Ops ", []string{"Dev", "Ops"}},
		{anSimple, "Dev-Ops2x", []string{"dev", "ops", "x"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, terms(tt.a, tt.in)); diff != "" {
			t.Errorf("analyze(%d, %q) (-want +got):\n%s", tt.a, tt.in, diff)
		}
	}
}

func TestEmailTokensSharePosition(t *testing.T) {
	toks := anEmail.analyze("a@b.io c", nil)
	got := groupByPosition(toks)
	want := [][]string{{"a@b.io", "a", "b.io", "b", "io"}, {"c"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

func TestJavaNumber(t *testing.T) {
	for lit, want := range map[string]string{
		"1": "1", "-0": "0", "1.50": "1.5", "100.0": "100.0", "1e2": "100.0", "1e7": "1.0E7",
		"0.0001": "1.0E-4", "0.001": "0.001", "123456789012": "123456789012",
		"123456789012345678901234567890": "123456789012345678901234567890", "1e400": "Infinity",
	} {
		if got := javaNumber(lit); got != want {
			t.Errorf("javaNumber(%s) = %s, want %s", lit, got, want)
		}
	}
}

func TestSuggest(t *testing.T) {
	for _, tt := range []struct {
		in   string
		cand []string
		want string
	}{
		{"quer", Users.payloadFields(), " did you mean [query]?"},
		{"form", Users.payloadFields(), ""},
		{"searchafter", Users.payloadFields(), " did you mean [search_after]?"},
		{"musts", boolFields, " did you mean any of [must, mustNot]?"},
		{"zzz", Users.payloadFields(), ""},
	} {
		if got := didYouMean(tt.in, tt.cand); got != tt.want {
			t.Errorf("didYouMean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMinShouldMatch(t *testing.T) {
	for _, tt := range []struct {
		n    int
		spec string
		want int
		err  string
	}{
		{3, "2", 2, ""}, {3, "-1", 2, ""}, {3, "75%", 2, ""}, {3, "-25%", 3, ""}, {3, "5", 5, ""},
		{3, "-5", 0, ""}, {3, "3<90%", 3, ""}, {4, "3<-1", 3, ""}, {10, "2<-25% 9<-3", 7, ""},
		{3, " 2 ", 2, ""}, {3, "2 < -1", 2, ""},
		{3, "x", 0, `For input string: "x"`}, {3, "", 0, `For input string: ""`}, {3, "%", 0, `For input string: ""`},
	} {
		got, err := minShouldMatch(tt.n, tt.spec)
		switch {
		case tt.err != "" && (err == nil || err.Reason != tt.err):
			t.Errorf("minShouldMatch(%d, %q) error %v, want %q", tt.n, tt.spec, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("minShouldMatch(%d, %q) = %d, %v, want %d", tt.n, tt.spec, got, err, tt.want)
		}
	}
}

func TestSimpleMatch(t *testing.T) {
	for _, tt := range []struct {
		p, s string
		want bool
	}{
		{"*", "username", true}, {"user*", "username", true}, {"*name", "full_name", true},
		{"*_*", "full_name", true}, {"*_*", "email", false}, {"e*l", "email", true}, {"e*x", "email", false},
	} {
		if got := pattern.SimpleMatch(tt.p, tt.s); got != tt.want {
			t.Errorf("simpleMatch(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
}

func TestWithinEdits(t *testing.T) {
	for _, tt := range []struct {
		a, b  string
		k     int
		trans bool
		want  bool
	}{
		{"alice", "alice", 0, true, true},
		{"alice", "alise", 1, true, true},
		{"alice", "aliec", 1, true, true},
		{"alice", "aliec", 1, false, false},
		{"alice", "aliec", 2, false, true},
		{"alice", "al", 2, true, false},
		{"", "ab", 2, true, true},
	} {
		if got := withinEdits([]rune(tt.a), []rune(tt.b), tt.k, tt.trans); got != tt.want {
			t.Errorf("withinEdits(%q, %q, %d, %v) = %v", tt.a, tt.b, tt.k, tt.trans, got)
		}
	}
}

// luceneClosing is SimpleQueryParser.consumeSubQuery's scan for the ')'
// matching the '(' at p, or -1.
func luceneClosing(data []rune, p int) int {
	precedence, escaped := 1, false
	for i := p + 1; i < len(data); i++ {
		if !escaped {
			switch data[i] {
			case '\\':
				escaped = true
				continue
			case '(':
				precedence++
			case ')':
				if precedence--; precedence == 0 {
					return i
				}
			}
		}
		escaped = false
	}
	return -1
}

func TestMatchParensAgreesWithLucene(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune(`()\a"`)
	for range 20000 {
		data := make([]rune, rng.IntN(14))
		for i := range data {
			data[i] = alphabet[rng.IntN(len(alphabet))]
		}
		b := &sqsBuilder{flags: -1}
		b.matchParens(data)
		for p := 0; p < len(data); p++ {
			if data[p] == '\\' {
				p++ // an escaped character is never a subquery's start
				continue
			}
			if data[p] == '(' {
				if got, want := int(b.closing[p]), luceneClosing(data, p); got != want {
					t.Fatalf("%q at %d: closing %d, Lucene %d", string(data), p, got, want)
				}
			}
		}
	}
}
