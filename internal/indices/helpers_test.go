package indices

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/eserr"
)

// now is the fixed instant of every test: a Friday in ISO week 12.
var now = time.Date(2024, 3, 22, 15, 4, 5, 678_901_234, time.UTC)

// fixture is a cluster with every kind of abstraction the rules care
// about.
func fixture(t testing.TB) *Metadata {
	t.Helper()
	md, err := NewMetadata([]Abstraction{
		{Name: "logs-2024.03.21", Kind: KindIndex, Aliases: []string{"logs"}},
		{Name: "logs-2024.03.22", Kind: KindIndex, Aliases: []string{"logs"}},
		{Name: "logs-old", Kind: KindIndex, Closed: true, Aliases: []string{"old"}},
		{Name: "secret", Kind: KindIndex, Aliases: []string{".hidden-alias"}},
		{Name: ".hidden-idx", Kind: KindIndex, Hidden: true},
		{Name: "hidden-nodot", Kind: KindIndex, Hidden: true},
		{Name: ".security-7", Kind: KindIndex, Hidden: true, System: true},
		{Name: ".ds-metrics-2024.03.21-000001", Kind: KindIndex, Hidden: true, DataStream: "metrics"},
		{Name: ".ds-metrics-2024.03.22-000002", Kind: KindIndex, Hidden: true, DataStream: "metrics"},
		{Name: ".ds-.sysds-2024.03.22-000001", Kind: KindIndex, Hidden: true, System: true, DataStream: ".sysds"},
		{Name: "logs", Kind: KindAlias, Indices: []string{"logs-2024.03.21", "logs-2024.03.22"}},
		{Name: "old", Kind: KindAlias, Indices: []string{"logs-old"}},
		{Name: ".hidden-alias", Kind: KindAlias, Hidden: true, Indices: []string{"secret"}},
		{Name: "metrics", Kind: KindDataStream, Indices: []string{".ds-metrics-2024.03.21-000001", ".ds-metrics-2024.03.22-000002"}},
		{Name: ".sysds", Kind: KindDataStream, System: true, Indices: []string{".ds-.sysds-2024.03.22-000001"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return md
}

// allow grants the names matching any of the patterns ('*' only), as a
// role's index patterns would.
func allow(patterns ...string) func(string) bool {
	return func(name string) bool {
		for _, p := range patterns {
			if simpleMatch(p, name) {
				return true
			}
		}
		return false
	}
}

// esErr is the part of an error a client sees.
type esErr struct {
	Type, Reason string
	Status       int
	Cause        string // "type: reason" of caused_by
	Metadata     string // "k=v,k=v" in order
	Denied       bool   // wrapped as the cause of a 403
}

func describe(t *testing.T, err error) esErr {
	t.Helper()
	var out esErr
	var denied *DeniedError
	if errors.As(err, &denied) {
		out.Denied = true
	}
	var nf *IndexNotFoundError
	if errors.As(err, &nf) {
		var kv []string
		for _, f := range nf.Metadata() {
			kv = append(kv, f[0]+"="+f[1])
		}
		out.Metadata = strings.Join(kv, ",")
	}
	var e *eserr.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an eserr.Error", err, err)
	}
	out.Type, out.Reason, out.Status = e.Type, e.Reason, e.Status
	if e.CausedBy != nil {
		out.Cause = e.CausedBy.Type + ": " + e.CausedBy.Reason
	}
	return out
}

func params(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}
