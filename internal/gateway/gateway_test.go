package gateway_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/fakecluster"
	"github.com/esauth/esauth/internal/server/servertest"
)

// setup starts a fake cluster with a few indices and an esauth gateway in
// front of it, with users of typical roles.
func setup(t *testing.T, settings ...string) (*servertest.Server, *fakecluster.Cluster) {
	t.Helper()
	fc := fakecluster.Start()
	t.Cleanup(fc.Close)
	for _, n := range []string{"logs-1", "logs-2", "payroll", "hr"} {
		fc.CreateIndex(n, fakecluster.IndexOpts{})
		fc.Put(n, "1", map[string]any{"msg": "in " + n})
	}
	s := servertest.Start(t, append([]string{"esauth.gateway.upstream=" + fc.URL()}, settings...)...)
	for _, r := range []struct{ name, body string }{
		{"web_reader", `{"indices":[{"names":["logs-*"],"privileges":["read"]}]}`},
		{"writer", `{"indices":[{"names":["logs-*"],"privileges":["index"]}]}`},
		{"creator", `{"indices":[{"names":["logs-*"],"privileges":["index","create_index"]}]}`},
		{"hr_dls", `{"indices":[{"names":["hr"],"privileges":["read"],"query":{"term":{"team":"a"}}}]}`},
		{"mon", `{"cluster":["monitor"]}`},
	} {
		s.MustCall(t, 200, "PUT", "/_security/role/"+r.name, servertest.Admin, r.body)
	}
	for _, u := range []struct{ name, roles string }{
		{"bob", `["web_reader"]`}, {"wendy", `["writer"]`}, {"carl", `["creator"]`}, {"hilda", `["hr_dls"]`}, {"mona", `["mon"]`},
	} {
		s.MustCall(t, 200, "PUT", "/_security/user/"+u.name, servertest.Admin, `{"password":"`+u.name+`-secret","roles":`+u.roles+`}`)
	}
	fc.Reset()
	return s, fc
}

func as(name string) string { return name + ":" + name + "-secret" }

// forwarded returns the paths (with queries) the cluster received, in order.
func forwarded(fc *fakecluster.Cluster) []string {
	var out []string
	for _, r := range fc.Requests() {
		if strings.HasPrefix(r.Path, "/_resolve/index") {
			continue // the gateway's own metadata reads
		}
		p := r.Method + " " + r.Path
		if r.RawQuery != "" {
			p += "?" + r.RawQuery
		}
		out = append(out, p)
	}
	return out
}

func denied(action, user, roles, indices, grantedBy string) string {
	s := "action [" + action + "] is unauthorized for user [" + user + "] with effective roles [" + roles + "]"
	if indices != "" {
		s += " on indices [" + indices + "]"
	}
	return servertest.ESError("security_exception", s+", this action is granted by the "+grantedBy, 403)
}

// Searches are narrowed to the indices the roles allow, explicit names are
// checked as written, and nothing denied reaches the cluster.
func TestSearchNarrowedToAuthorizedIndices(t *testing.T) {
	s, fc := setup(t)
	tests := []struct {
		path   string
		status int
		sent   string // what the cluster received, "" for nothing
		body   string // an exact answer, when the gateway writes it
	}{
		{"/logs-*/_search", 200, "GET /logs-1,logs-2/_search", ""},
		{"/_search", 200, "GET /logs-1,logs-2/_search", ""},
		{"/*/_search", 200, "GET /logs-1,logs-2/_search", ""},
		{"/logs-1/_search", 200, "GET /logs-1/_search", ""},
		{"/pay*/_search", 200, "GET /*,-*/_search", ""},
		{"/logs-1,payroll/_search?ignore_unavailable=true", 200, "GET /logs-1/_search?ignore_unavailable=true", ""},
		{"/payroll/_search", 403, "", denied("indices:data/read/search", "bob", "web_reader", "payroll", "index privileges [read,all]")},
		{"/logs-1,payroll/_search", 403, "", denied("indices:data/read/search", "bob", "web_reader", "payroll", "index privileges [read,all]")},
		// ?index= names the indices where the path has none, as in Elasticsearch.
		{"/_search?index=payroll", 403, "", denied("indices:data/read/search", "bob", "web_reader", "payroll", "index privileges [read,all]")},
		{"/_count", 200, "GET /logs-1,logs-2/_count", ""},
		{"/pay*/_search?allow_no_indices=false", 404, "", ""},
	}
	for _, tt := range tests {
		fc.Reset()
		r := s.Call(t, "GET", tt.path, as("bob"), "")
		if r.Status != tt.status || (tt.body != "" && r.Body != tt.body) {
			t.Errorf("GET %s: %d %s", tt.path, r.Status, r.Body)
		}
		got := strings.Join(forwarded(fc), "; ")
		if got != tt.sent {
			t.Errorf("GET %s: the cluster received %q, want %q", tt.path, got, tt.sent)
		}
		if tt.status == 200 && strings.Contains(r.Body, "payroll") {
			t.Errorf("GET %s: an unauthorized index in the answer: %s", tt.path, r.Body)
		}
	}
}

// Nothing reaches the cluster before authentication, and the caller's
// credentials never do.
func TestAuthenticationFirstCredentialsNeverForwarded(t *testing.T) {
	s, fc := setup(t)
	for _, auth := range []string{"", "bob:wrong-password"} {
		if r := s.Call(t, "GET", "/logs-1/_search", auth, ""); r.Status != 401 {
			t.Errorf("auth %q: %d %s", auth, r.Status, r.Body)
		}
	}
	if got := forwarded(fc); len(got) != 0 {
		t.Errorf("forwarded before authentication: %v", got)
	}
	req, _ := http.NewRequest("GET", s.URL+"/logs-1/_search", nil)
	req.Header.Set("Authorization", "Basic "+servertest.B64(as("bob")))
	req.Header.Set("X-Opaque-Id", "op-1")
	if r := s.Do(t, req); r.Status != 200 || r.Header.Get("X-Opaque-Id") != "op-1" {
		t.Fatalf("search: %d %s", r.Status, r.Body)
	}
	for _, r := range fc.Requests() {
		if r.Header.Get("Authorization") != "" || r.Header.Get("Es-Security-Runas-User") != "" {
			t.Errorf("%s %s reached the cluster with the caller's credentials", r.Method, r.Path)
		}
	}
}

// Cluster APIs need cluster privileges; the security API stays local.
func TestClusterAndLocalRoutes(t *testing.T) {
	s, fc := setup(t)
	r := s.Call(t, "GET", "/_cluster/health", as("bob"), "")
	if r.Status != 403 || !strings.Contains(r.Body, "action [cluster:monitor/health] is unauthorized for user [bob]") {
		t.Errorf("health as bob: %d %s", r.Status, r.Body)
	}
	s.MustCall(t, 200, "GET", "/_cluster/health", as("mona"), "")
	if body := s.MustCall(t, 200, "GET", "/", as("mona"), ""); !strings.Contains(body, "You Know, for Search") {
		t.Errorf("GET /: %s", body)
	}
	fc.Reset()
	s.MustCall(t, 200, "GET", "/_security/_authenticate", as("bob"), "")
	s.MustCall(t, 400, "GET", "/_security/no_such_api", servertest.Admin, "")
	if got := forwarded(fc); len(got) != 0 {
		t.Errorf("the security API reached the cluster: %v", got)
	}
}

// Single-document writes: the item's action on its index, auto_create for
// an index that does not exist yet.
func TestDocumentWrites(t *testing.T) {
	s, fc := setup(t)
	s.MustCall(t, 201, "PUT", "/logs-1/_doc/2", as("wendy"), `{"msg":"hello"}`)
	r := s.Call(t, "PUT", "/payroll/_doc/2", as("wendy"), `{"msg":"hello"}`)
	if want := denied("indices:data/write/index:op_type/index", "wendy", "writer", "payroll", "index privileges [create,index,write,all]"); r.Status != 403 || r.Body != want {
		t.Errorf("write to payroll: %d %s\nwant %s", r.Status, r.Body, want)
	}
	r = s.Call(t, "PUT", "/logs-3/_doc/1", as("wendy"), `{"msg":"hello"}`)
	if want := denied("indices:admin/auto_create", "wendy", "writer", "logs-3", "index privileges [auto_configure,create_index,manage,all]"); r.Status != 403 || r.Body != want {
		t.Errorf("auto create without the privilege: %d %s", r.Status, r.Body)
	}
	s.MustCall(t, 201, "PUT", "/logs-3/_doc/1", as("carl"), `{"msg":"hello"}`)
	if _, ok := fc.Doc("logs-3", "1"); !ok {
		t.Error("the allowed write did not reach the cluster")
	}
	if _, ok := fc.Doc("payroll", "2"); ok {
		t.Error("the denied write reached the cluster")
	}
}

// Document level security cannot be enforced by the gateway: refused.
func TestDocumentSecurityRefused(t *testing.T) {
	s, fc := setup(t)
	r := s.Call(t, "GET", "/hr/_search", as("hilda"), "")
	if r.Status != 403 || !strings.Contains(r.Body, "its roles apply document level security there, which this gateway does not enforce") {
		t.Errorf("DLS search: %d %s", r.Status, r.Body)
	}
	if got := forwarded(fc); len(got) != 0 {
		t.Errorf("forwarded: %v", got)
	}
}

// A scroll belongs to who opened it.
func TestScrollOwnership(t *testing.T) {
	s, _ := setup(t)
	s.MustCall(t, 200, "PUT", "/_security/user/bob2", servertest.Admin, `{"password":"bob2-secret","roles":["web_reader"]}`)
	body := s.MustCall(t, 200, "GET", "/logs-*/_search?scroll=1m&size=1", as("bob"), "")
	i := strings.Index(body, `"_scroll_id":"`)
	if i < 0 {
		t.Fatalf("no scroll id: %s", body)
	}
	id := body[i+len(`"_scroll_id":"`):]
	id = id[:strings.IndexByte(id, '"')]
	s.MustCall(t, 200, "POST", "/_search/scroll", as("bob"), `{"scroll":"1m","scroll_id":"`+id+`"}`)
	r := s.Call(t, "POST", "/_search/scroll", as("bob2"), `{"scroll":"1m","scroll_id":"`+id+`"}`)
	if r.Status != 404 || !strings.Contains(r.Body, "search_context_missing_exception") {
		t.Errorf("another user's scroll: %d %s", r.Status, r.Body)
	}
}

// Requests esauth cannot classify, and indices hidden in query text, are
// forwarded only for users who may do everything.
func TestUnclassifiedAndQueryText(t *testing.T) {
	s, fc := setup(t)
	r := s.Call(t, "GET", "/_no_such_api/x", as("bob"), "")
	if r.Status != 403 || !strings.Contains(r.Body, "esauth cannot tell what this request touches") {
		t.Errorf("unclassified as bob: %d %s", r.Status, r.Body)
	}
	r = s.Call(t, "POST", "/_sql", as("bob"), `{"query":"SELECT * FROM payroll"}`)
	if r.Status != 403 || !strings.Contains(r.Body, "esauth cannot tell which indices this query reads") {
		t.Errorf("sql as bob: %d %s", r.Status, r.Body)
	}
	if got := forwarded(fc); len(got) != 0 {
		t.Errorf("forwarded: %v", got)
	}
	s.Call(t, "GET", "/_no_such_api/x", servertest.Admin, "")
	if got := forwarded(fc); len(got) != 1 || got[0] != "GET /_no_such_api/x" {
		t.Errorf("superuser's unclassified request: %v", got)
	}
	// esauth's own and the security API's paths are never forwarded, not
	// even for a superuser.
	fc.Reset()
	for _, p := range []string{"/_esauth/x", "/_security/no_such_api", "/_xpack/security/x"} {
		if r := s.Call(t, "GET", p, servertest.Admin, ""); r.Status != 400 || !strings.Contains(r.Body, "no handler found") {
			t.Errorf("GET %s: %d %s", p, r.Status, r.Body)
		}
	}
	if got := forwarded(fc); len(got) != 0 {
		t.Errorf("forwarded: %v", got)
	}
}

// The audit log names the indices of index actions: the granted names, or
// the expressions of a refused request, as Elasticsearch's does.
func TestAuditNamesIndices(t *testing.T) {
	s, _ := setup(t, "xpack.security.audit.enabled=true", "xpack.security.audit.logfile.events.include=access_granted,access_denied")
	s.MustCall(t, 200, "GET", "/logs-*/_search", as("bob"), "")
	s.MustCall(t, 403, "GET", "/payroll/_search", as("bob"), "")
	want := []string{
		`"event.action":"access_granted", "authentication.type":"REALM", "user.name":"bob"`,
		`"action":"indices:data/read/search", "request.name":"SearchRequest", "indices":["logs-1","logs-2"]`,
		`"event.action":"access_denied", "authentication.type":"REALM", "user.name":"bob"`,
		`"action":"indices:data/read/search", "request.name":"SearchRequest", "indices":["payroll"]`,
	}
	var log string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		raw, _ := os.ReadFile(filepath.Join(s.LogsDir, "esauth_audit.json"))
		if log = string(raw); strings.Contains(log, `"indices":["payroll"]`) {
			break
		}
	}
	for _, w := range want {
		if !strings.Contains(log, w) {
			t.Errorf("audit log lacks %s:\n%s", w, log)
		}
	}
}

// A request run as another user is decided with that user's roles, and
// the run-as header never reaches the cluster.
func TestRunAsThroughTheGateway(t *testing.T) {
	s, fc := setup(t)
	call := func(path string) servertest.Reply {
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		req.Header.Set("Authorization", "Basic "+servertest.B64(servertest.Admin))
		req.Header.Set("es-security-runas-user", "bob")
		return s.Do(t, req)
	}
	if r := call("/*/_search"); r.Status != 200 {
		t.Fatalf("search run as bob: %d %s", r.Status, r.Body)
	}
	if got := forwarded(fc); len(got) != 1 || got[0] != "GET /logs-1,logs-2/_search" {
		t.Errorf("forwarded %v", got)
	}
	r := call("/payroll/_search")
	if want := "action [indices:data/read/search] is unauthorized for user [elastic] run as [bob] with effective roles [web_reader] on indices [payroll]"; r.Status != 403 || !strings.Contains(r.Body, want) {
		t.Errorf("payroll run as bob: %d %s\nwant %s", r.Status, r.Body, want)
	}
	for _, r := range fc.Requests() {
		if r.Header.Get("Es-Security-Runas-User") != "" {
			t.Errorf("%s %s reached the cluster with the run-as header", r.Method, r.Path)
		}
	}
}

// Through the gateway, an API key limited to reading logs-* reads them
// and is refused a write, in Elasticsearch's words for a key.
func TestAPIKeyThroughTheGateway(t *testing.T) {
	s, fc := setup(t)
	body := s.MustCall(t, 200, "POST", "/_security/api_key", servertest.Admin,
		`{"name":"reader","role_descriptors":{"r":{"indices":[{"names":["logs-*"],"privileges":["read"]}]}}}`)
	var k struct{ ID, Encoded string }
	if err := json.Unmarshal([]byte(body), &k); err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) servertest.Reply {
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "ApiKey "+k.Encoded)
		return s.Do(t, req)
	}
	if r := call("GET", "/*/_search", ""); r.Status != 200 {
		t.Fatalf("search: %d %s", r.Status, r.Body)
	}
	if got := forwarded(fc); len(got) != 1 || got[0] != "GET /logs-1,logs-2/_search" {
		t.Errorf("forwarded %v", got)
	}
	r := call("PUT", "/logs-1/_doc/9", `{"x":1}`)
	// The key may write nowhere, so the name-only check of the
	// coordinating action refuses it before any index is looked at.
	want := "action [indices:data/write/index] is unauthorized for API key id [" + k.ID + "] of user [elastic], this action is granted by the index privileges [create_doc,create,index,write,all]"
	if r.Status != 403 || !strings.Contains(r.Body, want) {
		t.Errorf("write with a read key: %d %s\nwant %s", r.Status, r.Body, want)
	}
	if _, ok := fc.Doc("logs-1", "9"); ok {
		t.Error("the refused write reached the cluster")
	}
	for _, r := range fc.Requests() {
		if r.Header.Get("Authorization") != "" {
			t.Error("the key reached the cluster")
		}
	}
}
