package audit_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/user"
)

// esFieldOrder is the field order of Elasticsearch 8's audit appender
// pattern (x-pack/plugin/security/src/main/config/log4j2.properties), with
// esauth's one extension last.
var esFieldOrder = []string{
	"type", "timestamp", "cluster.name", "cluster.uuid", "node.name", "node.id", "host.name", "host.ip",
	"event.type", "event.action", "authentication.type", "user.name", "user.run_by.name", "user.run_as.name",
	"user.realm", "user.realm_domain", "user.run_by.realm", "user.run_by.realm_domain", "user.run_as.realm",
	"user.run_as.realm_domain", "user.roles", "apikey.id", "apikey.name", "authentication.token.name",
	"authentication.token.type", "cross_cluster_access", "origin.type", "origin.address", "realm", "realm_domain",
	"url.path", "url.query", "request.method", "request.body", "request.id", "action", "request.name", "indices",
	"opaque_id", "trace.id", "x_forwarded_for", "transport.profile", "rule", "put", "delete", "change", "create",
	"invalidate", "esauth.locked_out",
}

// fixedTime renders as 2026-01-02T03:04:05,678+0200.
func fixedTime() time.Time {
	return time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.FixedZone("", 2*3600))
}

// open opens a logger writing to a fresh directory, every event written
// through, with the node fields Elasticsearch emits by default.
func open(t *testing.T, events audit.EventSet) (*audit.Logger, string) {
	t.Helper()
	dir := t.TempDir()
	l, err := audit.Open(audit.Options{
		Enabled: true, Dir: dir, Events: events,
		Node: audit.Node{ClusterUUID: "Ga7bLoZ7QmWx3EN2tLb8gA", NodeID: "0RMNyghkQYCc_gVd1G6tZQ"},
		Now:  fixedTime,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, dir
}

// readLines closes l and returns the lines of the active log file.
func readLines(t *testing.T, l *audit.Logger, dir string) []string {
	t.Helper()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, audit.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Fatalf("log does not end with a newline: %q", data)
	}
	s := strings.TrimSuffix(string(data), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// keysInOrder returns the top-level keys of a JSON object in the order
// they appear.
func keysInOrder(t *testing.T, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %q", line)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
	}
	return keys
}

// checkOrder fails unless line's keys are all known to Elasticsearch's
// pattern and appear in its order.
func checkOrder(t *testing.T, line string) {
	t.Helper()
	pos := map[string]int{}
	for i, k := range esFieldOrder {
		pos[k] = i
	}
	last := -1
	for _, k := range keysInOrder(t, line) {
		p, ok := pos[k]
		if !ok {
			t.Errorf("field %q is not in Elasticsearch's audit pattern: %s", k, line)
			continue
		}
		if p <= last {
			t.Errorf("field %q out of Elasticsearch's order: %s", k, line)
		}
		last = p
	}
}

func decode(t *testing.T, line string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	return m
}

func ptr(s string) *string { return &s }

func TestEventLines(t *testing.T) {
	rest := audit.Request{ID: "nHV3UMOoSiu-TaSPWCfxGg", Method: "POST", Path: "/twitter/_search", Query: "pretty", RemoteAddr: "[::1]:51014"}
	elastic := audit.Principal{Name: "elastic", Realm: "reserved", Roles: []string{"superuser"}}
	user1 := audit.Principal{Name: "user1", Realm: "default_native", Roles: []string{"test_role"}}
	anonymous := audit.Principal{Name: "_anonymous", Realm: "__anonymous", Roles: []string{"viewer"}, Type: audit.Anonymous}
	traced := audit.Request{ID: "yKOgWn2CRQCKYgZRz3phJw", Method: "GET", Path: "/_cluster/health", RemoteAddr: "127.0.0.1:53214",
		OpaqueID: "job-7", TraceID: "0af7651916cd43dd8448eb211c80319c", ForwardedFor: "203.0.113.9, 10.0.0.1"}
	change := audit.Request{ID: "VIiSvhp4Riim_tpkQCVSQA", Method: "PUT", Path: "/_security/user/user1", RemoteAddr: "127.0.0.1:1"}
	testRole := roles.Descriptor{Cluster: []string{"all"}, Indices: []roles.IndexPrivileges{
		{Names: []string{"apm*"}, Privileges: []string{"all"}, FieldSecurity: &roles.FieldSecurity{Grant: []string{"granted"}}, Query: `{"term": {"service.name": "bar"}}`},
		{Names: []string{"apm-all*"}, Privileges: []string{"all"}, Query: `{"term": {"service.name": "bar2"}}`},
	}}
	fullRole := roles.Descriptor{
		Cluster: []string{"manage_security"},
		Global:  &roles.GlobalPrivileges{ManageApplications: []string{"kibana-*"}},
		Indices: []roles.IndexPrivileges{
			{Names: []string{"logs-*"}, Privileges: []string{"read"}, FieldSecurity: &roles.FieldSecurity{Grant: []string{"*"}}},
			{Names: []string{".security"}, Privileges: []string{"read"}, AllowRestrictedIndices: true,
				FieldSecurity: &roles.FieldSecurity{Grant: []string{"*"}, Except: []string{"secret"}}},
		},
		Applications:      []roles.ApplicationPrivileges{{Application: "kibana-.kibana", Privileges: []string{"read"}, Resources: []string{"*"}}},
		RunAs:             []string{"other"},
		Metadata:          json.RawMessage(`{"version": 1,` + "\n" + `"tags":["a"]}`),
		TransientMetadata: json.RawMessage(`{"enabled":true}`),
		Description:       "not audited by Elasticsearch",
	}
	const head = `{"type":"audit", "timestamp":"2026-01-02T03:04:05,678+0200", "cluster.uuid":"Ga7bLoZ7QmWx3EN2tLb8gA", "node.id":"0RMNyghkQYCc_gVd1G6tZQ", `
	tests := []struct {
		name string
		log  func(*audit.Logger)
		want string
	}{
		{
			name: "authentication_success",
			log:  func(l *audit.Logger) { l.AuthenticationSuccess(rest, elastic) },
			want: head + `"event.type":"rest", "event.action":"authentication_success", "authentication.type":"REALM", "user.name":"elastic", "user.realm":"reserved", "origin.type":"rest", "origin.address":"[::1]:51014", "realm":"reserved", "url.path":"/twitter/_search", "url.query":"pretty", "request.method":"POST", "request.id":"nHV3UMOoSiu-TaSPWCfxGg"}`,
		},
		{
			name: "authentication_failed with a user name",
			log:  func(l *audit.Logger) { l.AuthenticationFailed(rest, audit.Failure{Username: "elastic"}) },
			want: head + `"event.type":"rest", "event.action":"authentication_failed", "user.name":"elastic", "origin.type":"rest", "origin.address":"[::1]:51014", "url.path":"/twitter/_search", "url.query":"pretty", "request.method":"POST", "request.id":"nHV3UMOoSiu-TaSPWCfxGg"}`,
		},
		{
			name: "authentication_failed without credentials that could be read",
			log:  func(l *audit.Logger) { l.AuthenticationFailed(rest, audit.Failure{}) },
			want: head + `"event.type":"rest", "event.action":"authentication_failed", "origin.type":"rest", "origin.address":"[::1]:51014", "url.path":"/twitter/_search", "url.query":"pretty", "request.method":"POST", "request.id":"nHV3UMOoSiu-TaSPWCfxGg"}`,
		},
		{
			name: "authentication_failed when locked out",
			log: func(l *audit.Logger) {
				l.AuthenticationFailed(rest, audit.Failure{Username: "jacknich", LockedOut: true})
			},
			want: head + `"event.type":"rest", "event.action":"authentication_failed", "user.name":"jacknich", "origin.type":"rest", "origin.address":"[::1]:51014", "url.path":"/twitter/_search", "url.query":"pretty", "request.method":"POST", "request.id":"nHV3UMOoSiu-TaSPWCfxGg", "esauth.locked_out":true}`,
		},
		{
			name: "anonymous_access_denied",
			log:  func(l *audit.Logger) { l.AnonymousAccessDenied(rest) },
			want: head + `"event.type":"rest", "event.action":"anonymous_access_denied", "origin.type":"rest", "origin.address":"[::1]:51014", "url.path":"/twitter/_search", "url.query":"pretty", "request.method":"POST", "request.id":"nHV3UMOoSiu-TaSPWCfxGg"}`,
		},
		{
			name: "access_granted",
			log:  func(l *audit.Logger) { l.AccessGranted(rest, user1, "cluster:admin/xpack/security/user/put") },
			want: head + `"event.type":"transport", "event.action":"access_granted", "authentication.type":"REALM", "user.name":"user1", "user.realm":"default_native", "user.roles":["test_role"], "origin.type":"rest", "origin.address":"[::1]:51014", "request.id":"nHV3UMOoSiu-TaSPWCfxGg", "action":"cluster:admin/xpack/security/user/put", "request.name":"PutUserRequest"}`,
		},
		{
			name: "access_denied, anonymous, with the request's tracing headers",
			log:  func(l *audit.Logger) { l.AccessDenied(traced, anonymous, "cluster:monitor/health") },
			want: head + `"event.type":"transport", "event.action":"access_denied", "authentication.type":"ANONYMOUS", "user.name":"_anonymous", "user.realm":"__anonymous", "user.roles":["viewer"], "origin.type":"rest", "origin.address":"127.0.0.1:53214", "request.id":"yKOgWn2CRQCKYgZRz3phJw", "action":"cluster:monitor/health", "request.name":"ClusterHealthRequest", "opaque_id":"job-7", "trace.id":"0af7651916cd43dd8448eb211c80319c", "x_forwarded_for":"203.0.113.9, 10.0.0.1"}`,
		},
		{
			name: "access_denied for a user without roles and an action Elasticsearch names no request for",
			log: func(l *audit.Logger) {
				l.AccessDenied(rest, audit.Principal{Name: "bob", Realm: "default_file"}, "cluster:admin/xpack/security/api_key/create")
			},
			want: head + `"event.type":"transport", "event.action":"access_denied", "authentication.type":"REALM", "user.name":"bob", "user.realm":"default_file", "user.roles":[], "origin.type":"rest", "origin.address":"[::1]:51014", "request.id":"nHV3UMOoSiu-TaSPWCfxGg", "action":"cluster:admin/xpack/security/api_key/create"}`,
		},
		{
			name: "put_user",
			log: func(l *audit.Logger) {
				l.SecurityConfigChange(change, audit.PutUserChange(user.User{Username: "user1", Roles: []string{"admin", "other_role1"},
					FullName: ptr("Jack Sparrow"), Email: ptr("jack@blackpearl.com"), Metadata: json.RawMessage(`{ "cunning" : 10 }`)}, true))
			},
			want: head + `"event.type":"security_config_change", "event.action":"put_user", "request.id":"VIiSvhp4Riim_tpkQCVSQA", "put":{"user":{"name":"user1","enabled":false,"roles":["admin","other_role1"],"full_name":"Jack Sparrow","email":"jack@blackpearl.com","has_password":true,"metadata":{"cunning":10}}}}`,
		},
		{
			name: "put_user without a password, optional fields or metadata",
			log: func(l *audit.Logger) {
				l.SecurityConfigChange(change, audit.PutUserChange(user.User{Username: "user1", Enabled: true, Metadata: user.EmptyMetadata}, false))
			},
			want: head + `"event.type":"security_config_change", "event.action":"put_user", "request.id":"VIiSvhp4Riim_tpkQCVSQA", "put":{"user":{"name":"user1","enabled":true,"roles":[],"has_password":false}}}`,
		},
		{
			name: "delete_user",
			log:  func(l *audit.Logger) { l.SecurityConfigChange(change, audit.DeleteUserChange("jacknich")) },
			want: head + `"event.type":"security_config_change", "event.action":"delete_user", "request.id":"VIiSvhp4Riim_tpkQCVSQA", "delete":{"user":{"name":"jacknich"}}}`,
		},
		{
			name: "change_password",
			log:  func(l *audit.Logger) { l.SecurityConfigChange(change, audit.PasswordChange("user1")) },
			want: head + `"event.type":"security_config_change", "event.action":"change_password", "request.id":"VIiSvhp4Riim_tpkQCVSQA", "change":{"password":{"user":{"name":"user1"}}}}`,
		},
		{
			name: "change_enable_user",
			log:  func(l *audit.Logger) { l.SecurityConfigChange(change, audit.EnabledChange("user1", true)) },
			want: head + `"event.type":"security_config_change", "event.action":"change_enable_user", "request.id":"VIiSvhp4Riim_tpkQCVSQA", "change":{"enable":{"user":{"name":"user1"}}}}`,
		},
		{
			name: "change_disable_user",
			log:  func(l *audit.Logger) { l.SecurityConfigChange(change, audit.EnabledChange("user1", false)) },
			want: head + `"event.type":"security_config_change", "event.action":"change_disable_user", "request.id":"VIiSvhp4Riim_tpkQCVSQA", "change":{"disable":{"user":{"name":"user1"}}}}`,
		},
		{
			name: "put_role as in Elasticsearch's example",
			log:  func(l *audit.Logger) { l.SecurityConfigChange(change, audit.PutRoleChange("test_role", testRole)) },
			want: head + `"event.type":"security_config_change", "event.action":"put_role", "request.id":"VIiSvhp4Riim_tpkQCVSQA", "put":{"role":{"name":"test_role","role_descriptor":{"cluster":["all"],"indices":[{"names":["apm*"],"privileges":["all"],"field_security":{"grant":["granted"]},"query":"{\"term\": {\"service.name\": \"bar\"}}"},{"names":["apm-all*"],"privileges":["all"],"query":"{\"term\": {\"service.name\": \"bar2\"}}"}],"applications":[],"run_as":[]}}}}`,
		},
		{
			name: "put_role with every field",
			log:  func(l *audit.Logger) { l.SecurityConfigChange(change, audit.PutRoleChange("full", fullRole)) },
			want: head + `"event.type":"security_config_change", "event.action":"put_role", "request.id":"VIiSvhp4Riim_tpkQCVSQA", "put":{"role":{"name":"full","role_descriptor":{"cluster":["manage_security"],"global":{"application":{"manage":{"applications":["kibana-*"]}},"profile":{}},"indices":[{"names":["logs-*"],"privileges":["read"]},{"names":[".security"],"privileges":["read"],"field_security":{"grant":["*"],"except":["secret"]},"allow_restricted_indices":true}],"applications":[{"application":"kibana-.kibana","privileges":["read"],"resources":["*"]}],"run_as":["other"],"metadata":{"version":1,"tags":["a"]}}}}}`,
		},
		{
			name: "delete_role",
			log:  func(l *audit.Logger) { l.SecurityConfigChange(change, audit.DeleteRoleChange("my_admin_role")) },
			want: head + `"event.type":"security_config_change", "event.action":"delete_role", "request.id":"VIiSvhp4Riim_tpkQCVSQA", "delete":{"role":{"name":"my_admin_role"}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, dir := open(t, audit.AllEvents)
			tt.log(l)
			lines := readLines(t, l, dir)
			if len(lines) != 1 {
				t.Fatalf("got %d lines, want 1: %q", len(lines), lines)
			}
			got := lines[0]
			if diff := cmp.Diff(decode(t, tt.want), decode(t, got)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if got != tt.want {
				t.Errorf("line\n got %s\nwant %s", got, tt.want)
			}
			checkOrder(t, got)
		})
	}
}

// TestNodeFields checks every node field, and their place before the
// event's own fields.
func TestNodeFields(t *testing.T) {
	dir := t.TempDir()
	l, err := audit.Open(audit.Options{Enabled: true, Dir: dir, Events: audit.AllEvents, Now: fixedTime,
		Node: audit.Node{ClusterName: "prod", ClusterUUID: "u", NodeName: "node-1", NodeID: "n", HostName: "es1.example.com", HostIP: "10.0.0.5"}})
	if err != nil {
		t.Fatal(err)
	}
	l.SecurityConfigChange(audit.Request{ID: "r"}, audit.DeleteRoleChange("x"))
	lines := readLines(t, l, dir)
	want := `{"type":"audit", "timestamp":"2026-01-02T03:04:05,678+0200", "cluster.name":"prod", "cluster.uuid":"u", "node.name":"node-1", "node.id":"n", "host.name":"es1.example.com", "host.ip":"10.0.0.5", "event.type":"security_config_change", "event.action":"delete_role", "request.id":"r", "delete":{"role":{"name":"x"}}}`
	if len(lines) != 1 || lines[0] != want {
		t.Errorf("got %q\nwant %q", lines, want)
	}
	checkOrder(t, want)
}

// TestEscaping feeds names no JSON string may hold raw and checks that
// every event stays one valid line that decodes to what was given.
func TestEscaping(t *testing.T) {
	l, dir := open(t, audit.AllEvents)
	name := "a\"b\\c\nd\re\tf\x01g\u2028h\xffi é"
	l.AuthenticationFailed(audit.Request{ID: "1", Path: "/_security/user/" + name}, audit.Failure{Username: name})
	l.SecurityConfigChange(audit.Request{ID: "2"}, audit.PutUserChange(user.User{Username: name, Roles: []string{name}, FullName: ptr(name)}, false))
	lines := readLines(t, l, dir)
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2: %q", len(lines), lines)
	}
	want := strings.ToValidUTF8(name, "\uFFFD")
	if got := decode(t, lines[0])["user.name"]; got != want {
		t.Errorf("user.name = %q, want %q", got, want)
	}
	put := decode(t, lines[1])["put"].(map[string]any)["user"].(map[string]any)
	if put["name"] != want || put["full_name"] != want || put["roles"].([]any)[0] != want {
		t.Errorf("put = %q, want every field %q", put, want)
	}
	if !strings.Contains(lines[0], `a\"b\\c\nd\re\tf\u0001g`) {
		t.Errorf("escapes differ from log4j's JSON encoder: %s", lines[0])
	}
}

func TestEventFilter(t *testing.T) {
	all := func(l *audit.Logger) {
		r := audit.Request{ID: "x"}
		p := audit.Principal{Name: "u", Realm: "default_native"}
		l.AuthenticationSuccess(r, p)
		l.AuthenticationFailed(r, audit.Failure{Username: "u"})
		l.AnonymousAccessDenied(r)
		l.AccessGranted(r, p, "cluster:monitor/main")
		l.AccessDenied(r, p, "cluster:monitor/main")
		l.SecurityConfigChange(r, audit.DeleteUserChange("u"))
	}
	every := []string{"authentication_success", "authentication_failed", "anonymous_access_denied", "access_granted", "access_denied", "delete_user"}
	tests := []struct {
		name             string
		include, exclude []string
		want             []string
	}{
		{"Elasticsearch's default leaves out authentication_success", nil, nil, every[1:]},
		{"_all", []string{"_all"}, nil, every},
		{"_all less some", []string{"_all"}, []string{"access_granted", "authentication_success"},
			[]string{"authentication_failed", "anonymous_access_denied", "access_denied", "delete_user"}},
		{"only config changes", []string{"security_config_change"}, nil, []string{"delete_user"}},
		{"everything excluded", []string{"access_denied"}, []string{"_all"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := audit.DefaultEvents
			if tt.include != nil || tt.exclude != nil {
				var err error
				if events, err = audit.ParseEvents(tt.include, tt.exclude); err != nil {
					t.Fatal(err)
				}
			}
			l, dir := open(t, events)
			all(l)
			var got []string
			for _, line := range readLines(t, l, dir) {
				got = append(got, decode(t, line)["event.action"].(string))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events written (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseEvents(t *testing.T) {
	got, err := audit.ParseEvents([]string{" Access_Granted", "SECURITY_CONFIG_CHANGE "}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"access_granted", "security_config_change"}, got.Names()); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	// Elasticsearch's DEFAULT_EVENT_INCLUDES, in AuditLevel order.
	wantDefault := []string{"anonymous_access_denied", "authentication_failed", "access_granted", "access_denied",
		"tampered_request", "connection_denied", "security_config_change", "run_as_granted", "run_as_denied"}
	if diff := cmp.Diff(wantDefault, audit.DefaultEvents.Names()); diff != "" {
		t.Errorf("default events (-want +got):\n%s", diff)
	}
	if n := len(audit.AllEvents.Names()); n != 13 {
		t.Errorf("_all has %d events, Elasticsearch has 13", n)
	}
	for _, bad := range [][2][]string{{{"access_granted", "authentication_sucess"}, nil}, {nil, {"authentication_sucess"}}} {
		_, err := audit.ParseEvents(bad[0], bad[1])
		if err == nil || err.Error() != "invalid event name specified [authentication_sucess]" {
			t.Errorf("ParseEvents(%q, %q) error = %v", bad[0], bad[1], err)
		}
		if !errors.Is(err, audit.ErrInvalidEvent) {
			t.Errorf("error %v does not wrap ErrInvalidEvent", err)
		}
	}
}

func TestFromHTTP(t *testing.T) {
	r := httptest.NewRequest("PUT", "/_security/user/jack%20n?pretty&refresh=true", nil)
	r.RemoteAddr = "[::1]:52434"
	r.Header.Set("X-Opaque-Id", "op-1")
	r.Header.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	want := audit.Request{ID: "id", Method: "PUT", Path: "/_security/user/jack%20n", Query: "pretty&refresh=true", RemoteAddr: "[::1]:52434",
		OpaqueID: "op-1", TraceID: "0af7651916cd43dd8448eb211c80319c", ForwardedFor: "203.0.113.9"}
	if diff := cmp.Diff(want, audit.FromHTTP(r, "id")); diff != "" {
		t.Errorf("FromHTTP (-want +got):\n%s", diff)
	}
	for uri, want := range map[string][2]string{
		"/a":       {"/a", ""},
		"/a?":      {"/a", ""},
		"/a?b#c":   {"/a", "b"},
		"/a#c?d":   {"/a", ""},
		"/a?b?c=d": {"/a", "b?c=d"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RequestURI = uri
		r.Header.Set("Traceparent", "garbage")
		got := audit.FromHTTP(r, "")
		if got.Path != want[0] || got.Query != want[1] || got.TraceID != "" {
			t.Errorf("%q: path %q query %q trace %q, want %q %q and no trace", uri, got.Path, got.Query, got.TraceID, want[0], want[1])
		}
	}
}

// TestNilLogger checks the disabled logger: Open with Enabled false gives
// nil, and every method on it is safe.
func TestNilLogger(t *testing.T) {
	dir := t.TempDir()
	l, err := audit.Open(audit.Options{Enabled: false, Dir: filepath.Join(dir, "logs"), Events: audit.AllEvents})
	if err != nil || l != nil {
		t.Fatalf("Open disabled = %v, %v; want nil, nil", l, err)
	}
	logEverything(l)
	if err := l.Flush(); err != nil {
		t.Error(err)
	}
	if err := l.Close(); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "logs")); !os.IsNotExist(err) {
		t.Errorf("a disabled logger created its directory: %v", err)
	}
}

// TestNoSecretFields walks the types the HTTP layer fills and fails if
// one can carry a password, a hash or a request body: the only field
// allowed to mention a password is the has_password flag.
func TestNoSecretFields(t *testing.T) {
	for _, v := range []any{audit.Request{}, audit.Principal{}, audit.Failure{}, audit.Node{}, audit.Change{}} {
		checkNoSecrets(t, reflect.TypeOf(v), "")
	}
}

// logEverything calls every event method once.
func logEverything(l *audit.Logger) {
	r := audit.Request{ID: "x", Method: "GET", Path: "/", RemoteAddr: "127.0.0.1:1"}
	p := audit.Principal{Name: "u", Realm: "default_native", Roles: []string{"r"}}
	l.AuthenticationSuccess(r, p)
	l.AuthenticationFailed(r, audit.Failure{Username: "u", LockedOut: true})
	l.AnonymousAccessDenied(r)
	l.AccessGranted(r, p, "cluster:monitor/main")
	l.AccessDenied(r, p, "cluster:monitor/main")
	l.SecurityConfigChange(r, audit.DeleteUserChange("u"))
}

// scanLines returns every line of the files, failing on any that is not a
// whole JSON object.
func scanLines(t *testing.T, paths ...string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			out = append(out, decode(t, sc.Text()))
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			t.Errorf("%s ends in a partial line", p)
		}
	}
	return out
}
