package indices

import (
	"fmt"
	"testing"

	"github.com/esauth/esauth/internal/pattern"
)

// bigMetadata is 5,000 indices: 4,000 daily logs-* indices spread over
// four services, 1,000 others, and a few aliases.
func bigMetadata(b *testing.B) *Metadata {
	b.Helper()
	var abs []Abstraction
	for i := range 4000 {
		abs = append(abs, Abstraction{Name: fmt.Sprintf("logs-svc%d-%06d", i%4, i), Kind: KindIndex})
	}
	for i := range 1000 {
		abs = append(abs, Abstraction{Name: fmt.Sprintf("metrics-%06d", i), Kind: KindIndex, Hidden: i%10 == 0})
	}
	abs = append(abs, Abstraction{Name: "logs", Kind: KindAlias, Indices: []string{"logs-svc0-000000"}})
	md, err := NewMetadata(abs)
	if err != nil {
		b.Fatal(err)
	}
	return md
}

// BenchmarkResolve is Resolve of logs-* against 5,000 indices with a role
// pattern as the predicate (logs-svc0-*, logs-svc1-*): half of the 4,000
// candidates are allowed.
func BenchmarkResolve(b *testing.B) {
	md := bigMetadata(b)
	set, err := pattern.NewSet("logs-svc0-*", "logs-svc1-*")
	if err != nil {
		b.Fatal(err)
	}
	for _, exprs := range [][]string{{"logs-*"}, {"*"}, {"logs-*", "-logs-svc0-*"}, {"logs-svc0-000000", "secret"}} {
		b.Run(fmt.Sprint(exprs), func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				res, err := Resolve(exprs, StrictExpandOpen, md, set.Match, now)
				if err != nil {
					b.Fatal(err)
				}
				n = len(res.Names)
			}
			b.ReportMetric(float64(n), "names")
		})
	}
}

func BenchmarkResolveDateMath(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ResolveDateMath("<logs-{now/d{yyyy.MM.dd|Europe/Paris}}>", now); err != nil {
			b.Fatal(err)
		}
	}
}
