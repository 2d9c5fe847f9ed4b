package securityquery

import (
	"fmt"
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
		r, err := ParseUsers([]byte(bc.body))
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
		if _, err := ParseUsers(body); err != nil {
			b.Fatal(err)
		}
	}
}

// generateKeys makes n API keys: a few owners and realms, a third with an
// expiration, every tenth invalidated, metadata on most.
func generateKeys(n int) APIKeyDocs {
	users := []string{"alice", "bob", "carol", "dave", "eve"}
	out := make(APIKeyDocs, n)
	for i := range out {
		k := APIKeyDoc{ID: fmt.Sprintf("key%06d", i), Name: ptr(fmt.Sprintf("key-%d-%s", i, users[i%5])), Creation: int64(1_700_000_000_000 + i*1000),
			Username: users[i%len(users)], Realm: "native1", Invalidated: i%10 == 0}
		if i%3 == 0 {
			k.Expiration = i64(k.Creation + 86_400_000)
		}
		if i%4 != 0 {
			k.Metadata = FlattenJSON([]byte(fmt.Sprintf(`{"env":"%s","team":{"id":%d}}`, []string{"prod", "dev", "test"}[i%3], i%17)))
		}
		out[i] = k
	}
	return out
}

// BenchmarkAPIKeys runs typical query API keys requests over 10,000 keys.
func BenchmarkAPIKeys(b *testing.B) {
	keys := generateKeys(10_000)
	for _, bc := range []struct{ name, body string }{
		{"match_all_size_10", `{"size":10}`},
		{"owner_term_sorted", `{"query":{"term":{"username":"alice"}},"sort":[{"creation":{"order":"desc"}}]}`},
		{"active_range_page", `{"query":{"bool":{"must_not":{"term":{"invalidated":true}},"filter":{"range":{"creation":{"gte":1700005000000}}}}},"sort":["expiration","name"],"from":100,"size":20}`},
		{"metadata_wildcard", `{"query":{"wildcard":{"name":"key-1*"}}}`},
		{"aggs_terms_composite", `{"size":0,"aggs":{"u":{"terms":{"field":"username"},"aggs":{"e":{"terms":{"field":"metadata.env"}}}},"c":{"composite":{"sources":[{"t":{"terms":{"field":"metadata.team.id"}}}]}},"m":{"missing":{"field":"expiration"}}}}`},
	} {
		r, err := APIKeys.parseAt([]byte(bc.body), now)
		if err != nil {
			b.Fatalf("%s: %v", bc.name, err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Run(keys)
			}
		})
	}
}
