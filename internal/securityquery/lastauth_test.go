package securityquery

import (
	"slices"
	"testing"
)

// last_authenticated is esauth's own date field of query users: range,
// exists and sort read the times RunWithLast is given, a user without a
// time has no value, and patterns never name the field.
func TestUsersLastAuthenticated(t *testing.T) {
	const now = int64(1_800_000_000_000)
	const day = int64(24 * 3600 * 1000)
	times := map[string]int64{"alice": now - 40*day, "bob": now - 2*day, "dave": now - 31*day}
	calls := 0
	last := func(name string) (int64, bool) {
		calls++
		ms, ok := times[name]
		return ms, ok
	}
	notSeen30 := `{"bool":{"should":[{"range":{"last_authenticated":{"lt":"now-30d"}}},` +
		`{"bool":{"must_not":{"exists":{"field":"last_authenticated"}}}}],"minimum_should_match":1}}`
	for _, tt := range []struct {
		name, body string
		want       []string
	}{
		{"range", `{"query":{"range":{"last_authenticated":{"lt":"now-30d"}}},"sort":["username"]}`, []string{"alice", "dave"}},
		{"exists", `{"query":{"exists":{"field":"last_authenticated"}},"sort":["username"]}`, []string{"alice", "bob", "dave"}},
		{"not seen for 30 days, never seen included", `{"query":` + notSeen30 + `,"sort":["username"]}`, []string{"Zed", "alice", "carol", "dave", "eve"}},
		{"with a search", `{"query":{"bool":{"filter":[` + notSeen30 + `,{"term":{"roles":"admin"}}]}},"sort":["username"]}`, []string{"alice", "dave"}},
		{"sort, missing last", `{"sort":["last_authenticated","username"]}`, []string{"alice", "dave", "bob", "Zed", "carol", "eve"}},
		// "*" names Elasticsearch's fields only: alice's time, searched
		// on every field, matches nobody.
		{"pattern", `{"query":{"simple_query_string":{"query":"1796544000000"}}}`, []string{}},
		{"by name", `{"query":{"simple_query_string":{"query":"1796544000000","fields":["last_authenticated"]}}}`, []string{"alice"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Users.parseAt([]byte(tt.body), now)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, h := range (&UserRequest{r}).RunWithLast(fixture(), last).Hits {
				got = append(got, h.User.Username)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// Run: nobody has a time, and a query not on the field reads none.
	r, err := Users.parseAt([]byte(`{"query":`+notSeen30+`}`), now)
	if err != nil {
		t.Fatal(err)
	}
	if res := (&UserRequest{r}).Run(fixture()); res.Total != len(fixture()) {
		t.Errorf("Run: %d users not seen, want all %d", res.Total, len(fixture()))
	}
	calls = 0
	r, err = Users.parseAt([]byte(`{"query":{"term":{"roles":"admin"}},"sort":["username"]}`), now)
	if err != nil {
		t.Fatal(err)
	}
	(&UserRequest{r}).RunWithLast(fixture(), last)
	if calls != 0 {
		t.Errorf("a query not on last_authenticated read %d times", calls)
	}
}
