package rest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func testTrie(t *testing.T, routes ...[2]string) *Trie[string] {
	t.Helper()
	var tr Trie[string]
	for _, r := range routes {
		if err := tr.Add(r[0], r[1], r[0]+" "+r[1]); err != nil {
			t.Fatal(err)
		}
	}
	return &tr
}

func TestTrieLookup(t *testing.T) {
	tr := testTrie(t,
		[2]string{"GET", "/"},
		[2]string{"GET", "/_security/user"},
		[2]string{"GET", "/_security/user/{username}"},
		[2]string{"PUT", "/_security/user/{username}"},
		[2]string{"PUT", "/_security/user/_password"},
		[2]string{"POST", "/_security/user/_password"},
		[2]string{"PUT", "/_security/user/{username}/_password"},
		[2]string{"GET", "/_security/user/_privileges"},
		[2]string{"POST", "/_security/realm/{realms}/_clear_cache"},
		[2]string{"GET", "/{index}/_doc/{id}"},
		[2]string{"GET", "/{index}"},
		[2]string{"GET", "/_search"},
		[2]string{"GET", "/{index}/_search"},
		[2]string{"GET", "/_cat/indices"},
		[2]string{"GET", "/_cat/indices/{index}"},
		[2]string{"GET", "/_nodes/{node_id}/stats"},
		[2]string{"GET", "/_nodes/stats/{metric}"},
	)
	tests := []struct {
		method, path string
		want         string
		params       Params
		allowed      []string
	}{
		{"GET", "/", "GET /", nil, nil},
		{"GET", "", "GET /", nil, nil},
		{"GET", "/_security/user", "GET /_security/user", nil, nil},
		{"GET", "/_security/user/", "GET /_security/user", nil, nil}, // trailing "/" dropped, as Java's split does
		{"GET", "/_security/user/joe", "GET /_security/user/{username}", Params{{"username", "joe"}}, nil},
		{"GET", "/_security/user/a%2Fb", "GET /_security/user/{username}", Params{{"username", "a/b"}}, nil},
		{"GET", "/_security/user/j%C3%B6", "GET /_security/user/{username}", Params{{"username", "jö"}}, nil},
		// The literal wins over the capture...
		{"PUT", "/_security/user/_password", "PUT /_security/user/_password", nil, nil},
		{"GET", "/_security/user/_privileges", "GET /_security/user/_privileges", nil, nil},
		// ...and a literal that has a value hides the capture from the
		// other methods, as in Elasticsearch: a 405, not user "_password".
		{"GET", "/_security/user/_password", "", nil, []string{"POST", "PUT"}},
		{"PUT", "/_security/user/_privileges", "", nil, []string{"GET"}},
		{"PUT", "/_security/user/_password/_password", "PUT /_security/user/{username}/_password", Params{{"username", "_password"}}, nil},
		{"DELETE", "/_security/user/joe", "", nil, []string{"GET", "PUT"}},
		{"POST", "/_security/realm/*/_clear_cache", "POST /_security/realm/{realms}/_clear_cache", Params{{"realms", "*"}}, nil},
		{"GET", "/_search", "GET /_search", nil, nil},
		{"GET", "/logs/_search", "GET /{index}/_search", Params{{"index", "logs"}}, nil},
		{"GET", "/_security", "GET /{index}", Params{{"index", "_security"}}, nil},
		{"GET", "/logs/_doc/1", "GET /{index}/_doc/{id}", Params{{"index", "logs"}, {"id", "1"}}, nil},
		{"GET", "/_cat/indices/logs-*", "GET /_cat/indices/{index}", Params{{"index", "logs-*"}}, nil},
		// A capture in the middle needs the last mode.
		{"GET", "/_nodes/n1/stats", "GET /_nodes/{node_id}/stats", Params{{"node_id", "n1"}}, nil},
		{"GET", "/_nodes/stats/jvm", "GET /_nodes/stats/{metric}", Params{{"metric", "jvm"}}, nil},
		{"GET", "/no/such/path/here", "", nil, nil},
		{"GET", "/_security/user/%zz", "", nil, nil}, // cannot be unescaped
		{"PATCH", "/", "", nil, []string{"GET"}},
	}
	for _, tt := range tests {
		m := tr.Lookup(tt.method, tt.path)
		if m.Value != tt.want || m.Found != (tt.want != "") {
			t.Errorf("%s %s: found %v %q, want %q", tt.method, tt.path, m.Found, m.Value, tt.want)
		}
		if diff := cmp.Diff(tt.params, m.Params); diff != "" {
			t.Errorf("%s %s: params (-want +got):\n%s", tt.method, tt.path, diff)
		}
		if diff := cmp.Diff(tt.allowed, m.Allowed); diff != "" {
			t.Errorf("%s %s: allowed (-want +got):\n%s", tt.method, tt.path, diff)
		}
	}
}

// A literal branch that leads nowhere falls back to the capture at the
// same level, in the modes that allow captures.
func TestTrieBacktracks(t *testing.T) {
	tr := testTrie(t,
		[2]string{"GET", "/a/b/c"},
		[2]string{"GET", "/a/{x}/d"},
	)
	m := tr.Lookup("GET", "/a/b/d")
	if m.Value != "GET /a/{x}/d" || m.Params[0] != (Param{"x", "b"}) {
		t.Errorf("got %+v", m)
	}
	if m := tr.Lookup("GET", "/a/b/c"); m.Value != "GET /a/b/c" || len(m.Params) != 0 {
		t.Errorf("got %+v", m)
	}
}

func TestTrieAddErrors(t *testing.T) {
	var tr Trie[int]
	if err := tr.Add("GET", "/a/{x}", 1); err != nil {
		t.Fatal(err)
	}
	// Routes may name one position differently, as Elasticsearch's
	// /{index}/_rollover and the spec's /{alias}/_rollover do.
	if err := tr.Add("POST", "/a/{y}", 2); err != nil {
		t.Fatal(err)
	}
	if m := tr.Lookup("POST", "/a/b"); m.Params[0] != (Param{"y", "b"}) || m.Route != "/a/{y}" {
		t.Errorf("got %+v", m)
	}
	if m := tr.Lookup("GET", "/a/b"); m.Params[0] != (Param{"x", "b"}) || m.Route != "/a/{x}" {
		t.Errorf("got %+v", m)
	}
	if err := tr.Add("GET", "/a/{x}", 3); err == nil {
		t.Error("duplicate route accepted")
	}
}

func TestSplitPath(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"/", nil}, {"", nil}, {"//", nil}, {"/a", []string{"a"}}, {"/a/", []string{"a"}},
		{"//a", []string{"", "a"}}, {"/a//b", []string{"a", "", "b"}}, {"a/b", []string{"a", "b"}},
	} {
		if got := splitPath(tt.in, nil); !cmp.Equal(got, tt.want, cmpopts.EquateEmpty()) {
			t.Errorf("splitPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkTrieLookup(b *testing.B) {
	var tr Trie[int]
	for i, p := range []string{"/_security/_authenticate", "/_security/user", "/_security/user/{username}",
		"/_security/user/{username}/_password", "/{index}/_search", "/{index}/_doc/{id}", "/_search"} {
		_ = tr.Add("GET", p, i)
	}
	b.Run("literal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = tr.Lookup("GET", "/_security/_authenticate")
		}
	})
	b.Run("capture", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = tr.Lookup("GET", "/_security/user/joe")
		}
	})
	b.Run("two-captures", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = tr.Lookup("GET", "/logs-2026/_doc/abc")
		}
	})
}
