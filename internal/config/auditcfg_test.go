package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/esauth/esauth/internal/audit"
)

func loadAudit(t *testing.T, yaml string, overrides ...string) (Config, error) {
	t.Helper()
	s, err := loadYAML(t, yaml, overrides, nil)
	if err != nil {
		return Config{}, err
	}
	return s.Config()
}

func TestAuditDefaults(t *testing.T) {
	c, err := loadAudit(t, "")
	if err != nil {
		t.Fatal(err)
	}
	want := AuditConfig{Events: audit.DefaultEvents, EmitNodeID: true, EmitClusterUUID: true,
		MaxSize: 100 << 20, MaxFiles: 7, FlushInterval: time.Second}
	if diff := cmp.Diff(want, c.Audit); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if o := c.AuditOptions(audit.Node{NodeID: "n"}); o.Enabled {
		t.Error("the audit log is on by default; Elasticsearch's is off")
	}
}

func TestAuditSettings(t *testing.T) {
	c, err := loadAudit(t, `
xpack.security.audit:
  enabled: true
  logfile:
    events:
      include: [_all]
      exclude: [access_granted, Authentication_Success]
      emit_request_body: false
    emit_node_name: true
    emit_node_id: false
    emit_node_host_address: true
esauth.audit.max_size: 10mb
esauth.audit.max_files: 3
esauth.audit.flush_interval: 0
path.logs: /var/log/esauth
`)
	if err != nil {
		t.Fatal(err)
	}
	events, _ := audit.ParseEvents([]string{"_all"}, []string{"access_granted", "authentication_success"})
	want := AuditConfig{Enabled: true, Events: events, EmitNodeName: true, EmitClusterUUID: true, EmitHostAddress: true,
		MaxSize: 10 << 20, MaxFiles: 3}
	if diff := cmp.Diff(want, c.Audit); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	got := c.AuditOptions(audit.Node{ClusterName: "c", ClusterUUID: "u", NodeName: "n1", NodeID: "id", HostName: "h", HostIP: "10.0.0.1"})
	wantOpts := audit.Options{Enabled: true, Dir: "/var/log/esauth", Events: events,
		Node:    audit.Node{ClusterUUID: "u", NodeName: "n1", HostIP: "10.0.0.1"},
		MaxSize: 10 << 20, MaxFiles: 3}
	if diff := cmp.Diff(wantOpts, got); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}

	// -E takes the comma-separated form of a list.
	c, err = loadAudit(t, "", "xpack.security.audit.logfile.events.include=access_denied, security_config_change")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"access_denied", "security_config_change"}, c.Audit.Events.Names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestAuditSettingErrors(t *testing.T) {
	tests := []struct {
		override, want string
	}{
		{"xpack.security.audit.logfile.events.include=access_granted,authentication_sucess",
			"setting [xpack.security.audit.logfile.events.include]: invalid event name specified [authentication_sucess]"},
		{"xpack.security.audit.logfile.events.exclude=everything",
			"setting [xpack.security.audit.logfile.events.exclude]: invalid event name specified [everything]"},
		{"xpack.security.audit.logfile.events.include=access_granted,,access_denied",
			"setting [xpack.security.audit.logfile.events.include]: invalid event name specified []"},
		{"xpack.security.audit.logfile.events.emit_request_body=true",
			"setting [xpack.security.audit.logfile.events.emit_request_body]: esauth never writes request bodies to the audit log, because they can hold passwords; remove the setting or set it to [false]"},
		{"xpack.security.audit.enabled=yes",
			"setting [xpack.security.audit.enabled]: Failed to parse value [yes] as only [true] or [false] are allowed."},
		{"xpack.security.audit.logfile.emit_node_id=1",
			"setting [xpack.security.audit.logfile.emit_node_id]: Failed to parse value [1] as only [true] or [false] are allowed."},
		{"esauth.audit.max_size=100b", "failed to parse value [100b] for setting [esauth.audit.max_size], must be >= [1024b]"},
		{"esauth.audit.max_size=100", "failed to parse setting [esauth.audit.max_size] with value [100] as a size in bytes: unit is missing or unrecognized"},
		{"esauth.audit.max_files=0", "setting [esauth.audit.max_files]: [0] must be a whole number from 1 to 1000"},
		{"esauth.audit.flush_interval=-1", "setting [esauth.audit.flush_interval]: [-1] must be 0 (write every event at once) or a positive time"},
		{"esauth.audit.flush_interval=soon", "failed to parse setting [esauth.audit.flush_interval] with value [soon] as a time value: unit is missing or unrecognized"},
		{"xpack.security.audit.logfile.events.ignore_filters.p.users=x", "unknown setting [xpack.security.audit.logfile.events.ignore_filters.p.users]"},
	}
	for _, tt := range tests {
		_, err := loadAudit(t, "", tt.override)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("-E %s: error %v, want %q", tt.override, err, tt.want)
		}
	}
}

// TestAuditEndToEnd goes from settings to a line in path.logs, checking
// that the emit_* defaults hold: node id and cluster uuid, no names.
func TestAuditEndToEnd(t *testing.T) {
	logs := filepath.Join(t.TempDir(), "logs")
	c, err := loadAudit(t, "", "xpack.security.audit.enabled=true", "path.logs="+logs, "node.name=node-1")
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.Open(c.AuditOptions(audit.Node{ClusterName: c.ClusterName, ClusterUUID: "uuid", NodeName: c.NodeName, NodeID: "id"}))
	if err != nil {
		t.Fatal(err)
	}
	l.AuthenticationSuccess(audit.Request{ID: "r1"}, audit.Principal{Name: "elastic", Realm: "reserved"}) // not a default event
	l.AuthenticationFailed(audit.Request{ID: "r2"}, audit.Failure{Username: "elastic"})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(logs, audit.FileName))
	if err != nil {
		t.Fatal(err)
	}
	line := string(data)
	if strings.Count(line, "\n") != 1 || !strings.Contains(line, `"cluster.uuid":"uuid", "node.id":"id", "event.type":"rest", "event.action":"authentication_failed"`) ||
		strings.Contains(line, "node-1") || strings.Contains(line, "elasticsearch") {
		t.Errorf("log = %q", line)
	}
}
