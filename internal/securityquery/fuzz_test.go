package securityquery

import (
	"errors"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/xcontent"
)

// seeds are real bodies: the YAML REST test's, the documentation's and the
// shapes the tables above exercise.
var seeds = []string{
	``, `{}`, `{"query":{"match_all":{}}}`,
	`{"query":{"wildcard":{"roles":"test-role-*"}},"sort":[{"username":{"order":"desc"}}],"from":1,"size":1}`,
	`{"query":{"prefix":{"roles":"other"}},"sort":["username"],"search_after":["alice"],"size":3}`,
	`{"query":{"bool":{"must":[{"wildcard":{"email":"*example.com"}},{"term":{"enabled":true}}]}},"sort":[{"username":{"order":"desc"}}]}`,
	`{"query":{"bool":{"should":[{"match":{"full_name":"alice"}},{"match":{"email":{"query":"bob","fuzziness":"AUTO"}}}],"minimum_should_match":"1<-1","must_not":{"ids":{"values":["user-x"]}}}}}`,
	`{"query":{"simple_query_string":{"query":"+(ali* | \"bob builder\"~2) -ops fuzzy~1","fields":["user*","full_name^2"],"default_operator":"and","flags":"ALL"}}}`,
	`{"query":{"range":{"username":{"gte":"a","lt":"m"}}},"sort":["enabled",{"roles":{"mode":"max","missing":"_first"}},"_doc"],"search_after":[true,null,3]}`,
	`{"query":{"terms":{"roles":["admin",1,true]}},"from":"1","size":"2"}`,
	`{"query":{"exists":{"field":"email"}}}`,
	`{"query":{"foo":{}}}`, `{"query":{"bool":{"must":["x",{"match_all":{}}]}}}`, `[1]`, `{"a":`,
	`{"sort":[{"username":"asc"}]}`, `{"search_after":[]}`, `{"from":-1,"size":-1}`,
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	users := fixture()
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseUsers(body)
		if err != nil {
			var e *eserr.Error
			if !errors.As(err, &e) || e.Type == "" || e.Reason == "" || (e.Status != 400 && e.Status != 500) {
				t.Fatalf("Parse(%q) = %#v, want an Elasticsearch error", body, err)
			}
			return
		}
		res := r.Run(users)
		if res.Total > len(users) || len(res.Hits) > res.Total {
			t.Fatalf("Parse(%q): total %d, %d hits", body, res.Total, len(res.Hits))
		}
	})
}

// keySeeds are query API keys bodies: the YAML tests', the documentation's
// and every aggregation type.
var keySeeds = []string{
	``, `{}`, `{"query":{"wildcard":{"name":"user*"}},"sort":[{"creation":{"order":"desc"}}],"from":1,"size":1}`,
	`{"query":{"wildcard":{"name":"*key"}},"sort":["expiration","username"],"size":1,"search_after":["1700000000000","bob"]}`,
	`{"query":{"bool":{"must":[{"term":{"metadata.letter":"a"}},{"range":{"creation":{"gte":"now-1d/d","format":"epoch_millis"}}}],"filter":{"exists":{"field":"expiration"}}}}}`,
	`{"size":0,"aggs":{"my_buckets":{"composite":{"size":2,"after":{"k":"a"},"sources":[{"k":{"terms":{"field":"name","missing_bucket":true}}}]}}}}`,
	`{"aggs":{"t":{"terms":{"field":"username","size":3,"order":{"c":"desc"},"include":"a.*","missing":"x"},"aggs":{"c":{"cardinality":{"field":"name"}},"v":{"value_count":{"field":"metadata"}}}}}}`,
	`{"aggregations":{"r":{"date_range":{"field":"expiration","keyed":true,"time_zone":"+01:00","ranges":[{"to":"now"},{"from":"now","key":"later"}]}},"rg":{"range":{"field":"invalidated","ranges":[{"from":1}]}}}}`,
	`{"aggs":{"m":{"missing":{"field":"invalidation"}},"f":{"filter":{"term":{"invalidated":true}}},"fs":{"filters":{"other_bucket":true,"filters":{"a":{"match":{"name":"x"}}}}}}}`,
	`{"aggs":{"a":{"avg":{"field":"creation"}},"b":{"avg_bucket":{"buckets_path":"a"}}}}`,
	`{"query":{"simple_query_string":{"query":"alice* -bob","fields":["user*","metadata.*"]}},"sort":[{"metadata.team":{"missing":"_first"}},"_doc"]}`,
}

func FuzzParseAPIKeys(f *testing.F) {
	for _, s := range append(keySeeds, seeds...) {
		f.Add([]byte(s))
	}
	docs := keyFixture()
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := APIKeys.parseAt(body, now)
		if err != nil {
			var e *eserr.Error
			if !errors.As(err, &e) || e.Type == "" || e.Reason == "" || (e.Status != 400 && e.Status != 500) {
				t.Fatalf("Parse(%q) = %#v, want an Elasticsearch error", body, err)
			}
			return
		}
		res := r.Run(docs)
		if res.Total > len(docs) || len(res.Hits) > res.Total {
			t.Fatalf("Parse(%q): total %d, %d hits", body, res.Total, len(res.Hits))
		}
		if res.Aggs != nil {
			if _, err := xcontent.Marshal(res.Aggs.Object(true)); err != nil {
				t.Fatalf("Parse(%q): aggregations do not render: %v", body, err)
			}
		}
	})
}

func FuzzParseRoles(f *testing.F) {
	for _, s := range append([]string{`{"query":{"match_all":{}},"sort":["name"],"from":2}`,
		`{"query":{"bool":{"should":[{"term":{"applications.application":"kibana"}},{"match":{"description":"read logs"}}]}},"sort":[{"metadata.team":"desc"}]}`}, seeds...) {
		f.Add([]byte(s))
	}
	docs := roleFixture()
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := Roles.parseAt(body, now)
		if err != nil {
			var e *eserr.Error
			if !errors.As(err, &e) || e.Type == "" || e.Reason == "" || (e.Status != 400 && e.Status != 500) {
				t.Fatalf("Parse(%q) = %#v, want an Elasticsearch error", body, err)
			}
			return
		}
		if res := r.Run(docs); res.Total > len(docs) || len(res.Hits) > res.Total {
			t.Fatalf("Parse(%q): total %d, %d hits", body, res.Total, len(res.Hits))
		}
	})
}
