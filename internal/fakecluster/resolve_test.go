package fakecluster

import (
	"testing"
	"time"
)

func TestResolveIndex(t *testing.T) {
	const (
		logs1   = `{"name":"logs-1","aliases":["logs"],"attributes":["open"]}`
		logs2   = `{"name":"logs-2","aliases":["logs"],"attributes":["open"]}`
		single  = `{"name":"single","aliases":["one"],"attributes":["open"]}`
		backing = `{"name":".ds-metrics-2026.01.01-000001","attributes":["hidden","open"],"data_stream":"metrics"}`
		hidden  = `{"name":".hidden-1","attributes":["hidden","open"]}`
		sys     = `{"name":".sys","attributes":["hidden","open","system"]}`
		closed  = `{"name":"closed-1","attributes":["closed"]}`
		aliases = `[{"name":"logs","indices":["logs-1","logs-2"]},{"name":"one","indices":["single"]}]`
		streams = `[{"name":"metrics","backing_indices":[".ds-metrics-2026.01.01-000001"],"timestamp_field":"@timestamp"}]`
		empty   = `{"indices":[],"aliases":[],"data_streams":[]}`
	)
	cases := []struct {
		path   string
		status int
		want   string
	}{
		{"*", 200, `{"indices":[` + logs1 + `,` + logs2 + `,` + single + `],"aliases":` + aliases + `,"data_streams":` + streams + `}`},
		{"_all", 200, `{"indices":[` + logs1 + `,` + logs2 + `,` + single + `],"aliases":` + aliases + `,"data_streams":` + streams + `}`},
		{"*?expand_wildcards=all", 200, `{"indices":[` + backing + `,` + hidden + `,` + sys + `,` + closed + `,` + logs1 + `,` + logs2 + `,` + single +
			`],"aliases":` + aliases + `,"data_streams":` + streams + `}`},
		{"*?expand_wildcards=open,hidden", 200, `{"indices":[` + backing + `,` + hidden + `,` + sys + `,` + logs1 + `,` + logs2 + `,` + single +
			`],"aliases":` + aliases + `,"data_streams":` + streams + `}`},
		{"*?expand_wildcards=closed", 200, `{"indices":[` + closed + `],"aliases":` + aliases + `,"data_streams":` + streams + `}`},
		{"closed-1,.hidden-1", 200, `{"indices":[` + hidden + `,` + closed + `],"aliases":[],"data_streams":[]}`},
		{".h*", 200, `{"indices":[` + hidden + `],"aliases":[],"data_streams":[]}`},
		{"logs", 200, `{"indices":[],"aliases":[{"name":"logs","indices":["logs-1","logs-2"]}],"data_streams":[]}`},
		{"metrics", 200, `{"indices":[],"aliases":[],"data_streams":` + streams + `}`},
		{"*,-logs*", 200, `{"indices":[` + single + `],"aliases":[{"name":"one","indices":["single"]}],"data_streams":` + streams + `}`},
		{"missing?ignore_unavailable=true", 200, empty},
		{"nope*", 200, empty},
		{"missing", 404, `{"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [missing]",` +
			`"resource.type":"index_or_alias","resource.id":"missing","index_uuid":"_na_","index":"missing"}],` +
			`"type":"index_not_found_exception","reason":"no such index [missing]",` +
			`"resource.type":"index_or_alias","resource.id":"missing","index_uuid":"_na_","index":"missing"},"status":404}`},
		{"nope*?allow_no_indices=false", 404, ""},
		{"*?expand_wildcards=none", 404, ""},
	}
	c := fixture(t)
	for _, tc := range cases {
		a := do(t, c, "GET", "/_resolve/index/"+tc.path, "")
		if a.status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.path, a.status, tc.status, a.body)
			continue
		}
		if tc.want != "" && string(a.body) != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.path, a.body, tc.want)
		}
	}
}

func TestResolveFollowsAliasChanges(t *testing.T) {
	c := fixture(t)
	do(t, c, "POST", "/_aliases", `{"actions":[{"add":{"indices":["logs-1","single"],"alias":"mixed"}},{"remove":{"index":"logs-2","alias":"logs"}}]}`)
	a := do(t, c, "GET", "/_resolve/index/mixed,logs", "")
	want := `{"indices":[],"aliases":[{"name":"logs","indices":["logs-1"]},{"name":"mixed","indices":["logs-1","single"]}],"data_streams":[]}`
	if string(a.body) != want {
		t.Errorf("got %s\nwant %s", a.body, want)
	}
	do(t, c, "POST", "/_aliases", `{"actions":[{"remove_index":{"index":"single"}}]}`)
	if a := do(t, c, "GET", "/_resolve/index/single", ""); a.status != 404 {
		t.Errorf("remove_index left the index: %d %s", a.status, a.body)
	}
}

func TestDateMath(t *testing.T) {
	at := time.Date(2026, 3, 22, 23, 30, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"plain":                               "plain",
		"<logs-{now/d}>":                      "logs-2026.03.22",
		"<logs-{now/M{yyyy.MM}}>":             "logs-2026.03",
		"<logs-{now-1d/d}>":                   "logs-2026.03.21",
		"<logs-{now+1h/d{yyyy-MM-dd}}>":       "logs-2026-03-23",
		"<logs-{now/w}>":                      "logs-2026.03.16",
		`<\{static\}-{now/y{yyyy}}>`:          "{static}-2026",
		"<logs-{now/d{yyyy.MM.dd|UTC}}-tail>": "logs-2026.03.22-tail",
		"<broken-{now/q}>":                    "<broken-{now/q}>",
		"<unclosed-{now>":                     "<unclosed-{now>",
	} {
		if got := resolveDateMathAt(in, at); got != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
}

func TestDateMathOverHTTP(t *testing.T) {
	c := fixture(t)
	day := func() string { return "dm-" + time.Now().UTC().Format("2006.01.02") }
	before := day()
	got := str(t, do(t, c, "PUT", "/%3Cdm-%7Bnow%2Fd%7D%3E/_doc/1", `{"a":1}`), "_index")
	if after := day(); got != before && got != after {
		t.Errorf("date-math write went to %s, want %s", got, before)
	}
}

func TestSimpleMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a*", "abc", true}, {"*c", "abc", true}, {"a*c", "abc", true},
		{"a*b*c", "axxbyyc", true}, {"a*b*c", "acb", false}, {"abc", "abc", true}, {"abc", "abd", false},
		{"a*a", "a", false}, {"*-1", "logs-1", true}, {"logs-*", "logs", false},
	} {
		if got := simpleMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("simpleMatch(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}
