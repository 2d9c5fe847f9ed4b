package indices

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const resolveAll = `{
  "indices": [
    {"name": ".ds-metrics-2024.03.22-000001", "attributes": ["hidden", "open"], "data_stream": "metrics"},
    {"name": ".hidden-idx", "attributes": ["hidden", "open"]},
    {"name": ".security-7", "aliases": [".security"], "attributes": ["hidden", "open", "system"]},
    {"name": "cold", "attributes": ["closed", "frozen"]},
    {"name": "logs-1", "aliases": ["logs", "logs-hidden"], "attributes": ["open"]},
    {"name": "remote:logs-1", "attributes": ["open"]}
  ],
  "aliases": [
    {"name": ".security", "indices": [".security-7"]},
    {"name": "logs", "indices": ["logs-1"]},
    {"name": "logs-hidden", "indices": ["logs-1"]}
  ],
  "data_streams": [
    {"name": "metrics", "backing_indices": [".ds-metrics-2024.03.22-000001"], "timestamp_field": "@timestamp"},
    {"name": "traces", "backing_indices": [".ds-traces-000001"], "timestamp_field": "@timestamp"}
  ]
}`

// resolveVisible is the same cluster with expand_wildcards=open,closed:
// the hidden alias is missing.
const resolveVisible = `{
  "indices": [{"name": "cold", "attributes": ["closed", "frozen"]}, {"name": "logs-1", "aliases": ["logs", "logs-hidden"], "attributes": ["open"]}],
  "aliases": [{"name": "logs", "indices": ["logs-1"]}],
  "data_streams": [{"name": "metrics", "backing_indices": [".ds-metrics-2024.03.22-000001"], "timestamp_field": "@timestamp"}, {"name": "traces", "backing_indices": [".ds-traces-000001"], "timestamp_field": "@timestamp"}]
}`

func TestParseResolveIndex(t *testing.T) {
	md, err := ParseResolveIndex([]byte(resolveAll))
	if err != nil {
		t.Fatal(err)
	}
	want := []Abstraction{
		{Name: ".ds-metrics-2024.03.22-000001", Kind: KindIndex, Hidden: true, DataStream: "metrics"},
		{Name: ".hidden-idx", Kind: KindIndex, Hidden: true},
		{Name: ".security", Kind: KindAlias, Indices: []string{".security-7"}},
		{Name: ".security-7", Kind: KindIndex, Hidden: true, System: true, Aliases: []string{".security"}},
		{Name: "cold", Kind: KindIndex, Closed: true, Frozen: true},
		{Name: "logs", Kind: KindAlias, Indices: []string{"logs-1"}},
		{Name: "logs-1", Kind: KindIndex, Aliases: []string{"logs", "logs-hidden"}},
		{Name: "logs-hidden", Kind: KindAlias, Indices: []string{"logs-1"}},
		{Name: "metrics", Kind: KindDataStream, Indices: []string{".ds-metrics-2024.03.22-000001"}},
		{Name: "traces", Kind: KindDataStream, Indices: []string{".ds-traces-000001"}},
	}
	if diff := cmp.Diff(want, md.All(), cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if md.Len() != len(want) {
		t.Fatalf("Len = %d", md.Len())
	}
	if _, ok := md.Lookup("remote:logs-1"); ok {
		t.Fatal("remote results must be skipped")
	}
	a, ok := md.Lookup("logs")
	if !ok || a.Kind != KindAlias || a.Kind.String() != "alias" {
		t.Fatalf("Lookup(logs) = %+v, %v", a, ok)
	}
	a.Indices[0] = "changed"
	if b, _ := md.Lookup("logs"); b.Indices[0] != "logs-1" {
		t.Fatal("Lookup must not share its slices")
	}

	// A backing index resolves through its data stream.
	res, err := Resolve([]string{".ds-*"}, StrictExpandOpen, md, allow("metrics"), now)
	if err != nil || !cmp.Equal(res.Names, []string{".ds-metrics-2024.03.22-000001"}) {
		t.Fatalf("Resolve(.ds-*) = %+v, %v", res, err)
	}

	// Hidden aliases are learned from a second listing.
	visible, err := ParseResolveIndex([]byte(resolveVisible))
	if err != nil {
		t.Fatal(err)
	}
	hidden := md.HideAbsent(visible)
	for name, want := range map[string]bool{"logs": false, "logs-hidden": true, ".security": true, "metrics": false, "logs-1": false} {
		if a, _ := hidden.Lookup(name); a.Hidden != want {
			t.Errorf("HideAbsent: %s hidden = %v, want %v", name, a.Hidden, want)
		}
	}
	if a, _ := md.Lookup("logs-hidden"); a.Hidden {
		t.Error("HideAbsent must not change the original")
	}
	res, err = Resolve([]string{"logs*"}, StrictExpandOpen, hidden, allow("*"), now)
	if err != nil || !cmp.Equal(res.Names, []string{"logs", "logs-1"}) {
		t.Fatalf("Resolve(logs*) = %+v, %v", res, err)
	}
	if a, _ := md.HideAbsent(nil).Lookup("logs"); !a.Hidden {
		t.Error("HideAbsent(nil) hides every alias and data stream")
	}
}

func TestMetadataErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		abs  []Abstraction
		want string
	}{
		{"duplicate", []Abstraction{{Name: "a", Kind: KindIndex}, {Name: "a", Kind: KindAlias}}, `the name "a" is used twice`},
		{"no kind", []Abstraction{{Name: "a"}}, `"a" has no kind`},
		{"two data streams", []Abstraction{
			{Name: "b", Kind: KindIndex, DataStream: "d1"},
			{Name: "d1", Kind: KindDataStream}, {Name: "d2", Kind: KindDataStream, Indices: []string{"b"}},
		}, `"b" backs both "d1" and "d2"`},
	} {
		if _, err := NewMetadata(tc.abs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := ParseResolveIndex([]byte(`{"indices": 3}`)); err == nil {
		t.Error("bad JSON must fail")
	}
	var nilMD *Metadata
	if _, ok := nilMD.Lookup("x"); ok || nilMD.Len() != 0 || nilMD.All() != nil {
		t.Error("a nil Metadata is empty")
	}
	if KindDataStream.String() != "data_stream" || KindIndex.String() != "index" || Kind(9).String() != "Kind(9)" {
		t.Error("Kind.String")
	}
}

func TestAuthorized(t *testing.T) {
	md := fixture(t)
	for _, tc := range []struct {
		name    string
		allowed []string
		want    bool
	}{
		{".ds-metrics-2024.03.21-000001", []string{"metrics"}, true},
		{".ds-metrics-2024.03.21-000001", []string{".ds-*"}, true},
		{".ds-metrics-2024.03.21-000001", []string{"logs-*"}, false},
		{"logs", []string{"logs-*"}, false}, // an alias by its own name only
		{"missing", []string{"miss*"}, true},
		{"metrics", []string{".ds-*"}, false},
	} {
		if got := md.Authorized(tc.name, allow(tc.allowed...)); got != tc.want {
			t.Errorf("Authorized(%s) with %v = %v", tc.name, tc.allowed, got)
		}
	}
	var nilMD *Metadata
	if !nilMD.Authorized("x", allow("x")) || nilMD.Authorized("x", allow("y")) {
		t.Error("a nil Metadata checks by name")
	}
}
