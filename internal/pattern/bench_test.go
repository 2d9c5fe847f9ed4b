package pattern

import (
	"strings"
	"testing"
)

func BenchmarkSetMatch(b *testing.B) {
	s := benchSet(b)
	names := benchNames()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.Match(names[i%len(names)])
	}
}

func BenchmarkPatternMatch(b *testing.B) {
	long := strings.Repeat("a", 1000)
	for _, c := range []struct{ name, p, s string }{
		{"literal", "logs-2024.01.01", "logs-2024.01.01"},
		{"prefix", "logs-*", "logs-2024.01.01"},
		{"stars", "logs-*-prod-*", "logs-app-prod-2024"},
		{"question", "logs-????.??.*", "logs-2024.01.01"},
		{"regex", "/(alerts|events)-.*-(eu|us)/", "events-2024-01-eu"},
		{"regexNoTable", "/.*a.{14}/", "xxxxxxxxxxa12345678901234"},
		{"hostile1000", "*a*a*a*a*a*a*a*c*b", long + "b"},
	} {
		p := MustCompile(c.p)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Match(c.s)
			}
		})
	}
}

func BenchmarkNewSet(b *testing.B) {
	ps := benchPatterns()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewSet(ps...); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSubset(b *testing.B) {
	role := benchSet(b).Automaton()
	asked := Minus(MustCompile("logs-app0*").Automaton(), MustCompile(".security*").Automaton())
	b.ReportAllocs()
	for b.Loop() {
		Subset(asked, role)
	}
}
