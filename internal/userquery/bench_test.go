package userquery

import (
	"testing"
)

// BenchmarkRun runs the API's typical requests over 100,000 users.
func BenchmarkRun(b *testing.B) {
	users := generate(100_000)
	for _, bc := range []struct{ name, body string }{
		{"prefix_username", `{"query":{"prefix":{"username":"user0123"}}}`},
		{"wildcard_roles", `{"query":{"wildcard":{"roles":"test-role-*"}}}`},
		{"sorted_search_after", `{"query":{"term":{"enabled":true}},"sort":[{"roles":{"order":"desc"}},"username"],"search_after":["test-role-1","user050000"],"size":10}`},
		{"match_all_size_10", `{"size":10}`},
		{"match_full_name", `{"query":{"match":{"full_name":"number 4242"}}}`},
		{"sqs_all_fields", `{"query":{"simple_query_string":{"query":"user01* +admin"}}}`},
	} {
		r, err := Parse([]byte(bc.body))
		if err != nil {
			b.Fatalf("%s: %v", bc.name, err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Run(users)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	body := []byte(seeds[7])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}
