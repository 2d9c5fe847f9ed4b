package userquery

import (
	"errors"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
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
		r, err := Parse(body)
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
