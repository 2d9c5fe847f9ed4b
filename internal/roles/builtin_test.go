package roles

import (
	"encoding/json"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/esauth/esauth/internal/eserr"
)

func TestBuiltin(t *testing.T) {
	b := Builtin()
	want := []string{"apm_system", "apm_user", "beats_admin", "beats_system", "data_frame_transforms_admin",
		"data_frame_transforms_user", "editor", "enrich_user", "ingest_admin", "kibana_admin", "kibana_system",
		"kibana_user", "logstash_admin", "logstash_system", "machine_learning_admin", "machine_learning_user",
		"monitoring_user", "remote_monitoring_agent", "remote_monitoring_collector", "reporting_user", "rollup_admin",
		"rollup_user", "snapshot_user", "superuser", "transform_admin", "transform_user", "transport_client", "viewer",
		"watcher_admin", "watcher_user"}
	if diff := cmp.Diff(want, sortedKeys(b)); diff != "" {
		t.Errorf("reserved roles (-want +got):\n%s", diff)
	}
	for name, d := range b {
		if d.Name != name {
			t.Errorf("%s: Name = %q", name, d.Name)
		}
		if !IsReserved(name) {
			t.Errorf("IsReserved(%q) = false", name)
		}
		var md map[string]any
		if err := json.Unmarshal(d.Metadata, &md); err != nil || md["_reserved"] != true {
			t.Errorf("%s: metadata %s lacks _reserved", name, d.Metadata)
		}
		// Every reserved role passes the checks a put-role body faces
		// (but for its reserved name and metadata): its privileges exist.
		var v eserr.Validator
		d.validateBody(&v, false)
		if err := v.Err(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		// And its rendering parses back to the same role.
		again, err := ParseDescriptor(name, d.storedJSON(), FromStore)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again.TransientMetadata = d.TransientMetadata
		want, _ := d.MarshalJSON()
		got, _ := again.MarshalJSON()
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s round trip (-want +got):\n%s", name, diff)
		}
	}
	for _, name := range []string{"", "Superuser", "my_role", "kibana"} {
		if IsReserved(name) {
			t.Errorf("IsReserved(%q) = true", name)
		}
	}
}

func TestBuiltinRendering(t *testing.T) {
	b := Builtin()
	tests := map[string]string{
		"superuser": `{"cluster":["all"],"indices":[{"names":["*"],"privileges":["all"],"allow_restricted_indices":false},` +
			`{"names":["*"],"privileges":["monitor","read","view_index_metadata","read_cross_cluster"],"allow_restricted_indices":true}],` +
			`"applications":[{"application":"*","privileges":["*"],"resources":["*"]}],"run_as":["*"],"metadata":{"_reserved":true},` +
			`"transient_metadata":{},"remote_indices":[{"names":["*"],"privileges":["all"],"allow_restricted_indices":false,"clusters":["*"]},` +
			`{"names":["*"],"privileges":["monitor","read","view_index_metadata","read_cross_cluster"],"allow_restricted_indices":true,"clusters":["*"]}]}`,
		"kibana_user": `{"cluster":[],"indices":[],"applications":[{"application":"kibana-.kibana","privileges":["all"],"resources":["*"]}],` +
			`"run_as":[],"metadata":{"_reserved":true,"_deprecated":true,"_deprecated_reason":"Please use the [kibana_admin] role instead"},` +
			`"transient_metadata":{"enabled":true}}`,
		"ingest_admin": `{"cluster":["manage_index_templates","manage_pipeline"],"indices":[],"applications":[],"run_as":[],` +
			`"metadata":{"_reserved":true},"transient_metadata":{"enabled":true}}`,
	}
	for name, want := range tests {
		got, _ := b[name].MarshalJSON()
		if diff := cmp.Diff(want, string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	ks := b["kibana_system"]
	if g, _ := json.Marshal(ks.Global); ks.Global == nil || len(ks.Indices) != 43 || len(ks.RemoteIndices) != 6 {
		t.Errorf("kibana_system: global %s, %d indices, %d remote", g, len(ks.Indices), len(ks.RemoteIndices))
	}
	got, _ := ks.MarshalJSON()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	if want := `{"application":{"manage":{"applications":["kibana-*"]}},"profile":{"write":{"applications":["kibana*"]}}}`; string(m["global"]) != want {
		t.Errorf("kibana_system global = %s, want %s", m["global"], want)
	}
}

func TestBuiltinIsFresh(t *testing.T) {
	a := Builtin()
	a["superuser"].Cluster[0] = "changed"
	delete(a, "viewer")
	b := Builtin()
	if b["superuser"].Cluster[0] != "all" || len(b) != 30 {
		t.Error("Builtin shares state between calls")
	}
	names := sortedKeys(b)
	if !sort.StringsAreSorted(names) {
		t.Error("sortedKeys")
	}
}
