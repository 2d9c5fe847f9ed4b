package audit_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/random"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/user"
)

// hotPathCalls makes every call the HTTP layer makes, with realistic
// arguments, including building the Request from nothing but strings.
func hotPathCalls(l *audit.Logger, change audit.Change) func() {
	return func() {
		r := audit.Request{ID: "nHV3UMOoSiu-TaSPWCfxGg", Method: "GET", Path: "/_cluster/health", Query: "pretty", RemoteAddr: "127.0.0.1:53214"}
		p := audit.Principal{Name: "jacknich", Realm: "default_native", Roles: []string{"remote_monitoring_collector"}}
		l.AuthenticationSuccess(r, p)
		l.AuthenticationFailed(r, audit.Failure{Username: "jacknich", LockedOut: true})
		l.AnonymousAccessDenied(r)
		l.AccessGranted(r, p, "cluster:monitor/health")
		l.AccessDenied(r, p, "cluster:monitor/health")
		l.SecurityConfigChange(r, change)
	}
}

func putUser() audit.Change {
	name := "Jack Nicholson"
	return audit.PutUserChange(user.User{Username: "jacknich", Roles: []string{"remote_monitoring_collector"}, FullName: &name,
		Enabled: true, Metadata: json.RawMessage(`{"intelligence":7}`)}, true)
}

// TestDisabledLoggerAllocatesNothing is the promise a disabled audit log
// makes to the request path.
func TestDisabledLoggerAllocatesNothing(t *testing.T) {
	var disabled *audit.Logger
	if n := testing.AllocsPerRun(1000, hotPathCalls(disabled, putUser())); n != 0 {
		t.Errorf("disabled logger: %v allocations per request, want 0", n)
	}
	// A logger whose event set excludes everything is just as cheap.
	l, _ := open(t, 0)
	if n := testing.AllocsPerRun(1000, hotPathCalls(l, putUser())); n != 0 {
		t.Errorf("logger with no events: %v allocations per request, want 0", n)
	}
}

// TestEnabledLoggerAllocatesNothing: a request event (not a config change,
// whose metadata is compacted) is rendered into a pooled buffer.
func TestEnabledLoggerAllocatesNothing(t *testing.T) {
	l, _ := open(t, audit.AllEvents)
	r := audit.Request{ID: "nHV3UMOoSiu-TaSPWCfxGg", Method: "GET", Path: "/_cluster/health", RemoteAddr: "127.0.0.1:53214"}
	p := audit.Principal{Name: "jacknich", Realm: "default_native", Roles: []string{"remote_monitoring_collector"}}
	l.AccessGranted(r, p, "cluster:monitor/health") // fills the pool
	if n := testing.AllocsPerRun(1000, func() { l.AccessGranted(r, p, "cluster:monitor/health") }); n > 0.01 {
		t.Errorf("enabled access_granted: %v allocations per event, want 0", n)
	}
}

func BenchmarkDisabled(b *testing.B) {
	calls := hotPathCalls(nil, putUser())
	b.ReportAllocs()
	for b.Loop() {
		calls()
	}
}

// BenchmarkAccessGranted measures one enabled event as a request pays for
// it: rendered, and written to the buffer under the mutex.
func BenchmarkAccessGranted(b *testing.B) {
	l, err := audit.Open(audit.Options{Enabled: true, Dir: b.TempDir(), Events: audit.AllEvents, MaxSize: 100 << 20, MaxFiles: 2,
		FlushInterval: time.Second, Node: audit.Node{ClusterUUID: "Ga7bLoZ7QmWx3EN2tLb8gA", NodeID: "0RMNyghkQYCc_gVd1G6tZQ"}})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	r := audit.Request{ID: "nHV3UMOoSiu-TaSPWCfxGg", Method: "GET", Path: "/_cluster/health", Query: "pretty", RemoteAddr: "127.0.0.1:53214"}
	p := audit.Principal{Name: "jacknich", Realm: "default_native", Roles: []string{"remote_monitoring_collector"}}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.AccessGranted(r, p, "cluster:monitor/health")
		}
	})
}

func BenchmarkPutRole(b *testing.B) {
	l, err := audit.Open(audit.Options{Enabled: true, Dir: b.TempDir(), Events: audit.AllEvents, MaxSize: 100 << 20, MaxFiles: 2,
		FlushInterval: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	c := audit.PutRoleChange("r", roles.Descriptor{Cluster: []string{"monitor"}, Indices: []roles.IndexPrivileges{{Names: []string{"logs-*"}, Privileges: []string{"read"}}},
		Metadata: json.RawMessage(`{"owner":"ops"}`)})
	b.ReportAllocs()
	for b.Loop() {
		l.SecurityConfigChange(audit.Request{ID: "x"}, c)
	}
}

func BenchmarkFromHTTPAndRequestID(b *testing.B) {
	r := newHTTPRequest()
	b.ReportAllocs()
	for b.Loop() {
		_ = audit.FromHTTP(r, random.ID())
	}
}
