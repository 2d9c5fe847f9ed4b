package serviceaccount

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestCreatedJSON(t *testing.T) {
	f := newFixture(t, "")
	c, err := f.svc.CreateToken(context.Background(), "elastic", "fleet-server", "token1", creator)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"created":true,"token":{"name":"token1","value":"` + c.Value() + `"}}`
	if got := appendJSON(t, c); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v", c, c, c)} {
		if strings.Contains(s, c.Value()) {
			t.Errorf("printing the answer shows the token: %s", s)
		}
	}
}

func TestDeletedJSON(t *testing.T) {
	for _, tt := range []struct {
		d      Deleted
		want   string
		status int
	}{{Deleted{Found: true}, `{"found":true}`, 200}, {Deleted{}, `{"found":false}`, 404}} {
		if got := appendJSON(t, tt.d); got != tt.want || tt.d.Status() != tt.status {
			t.Errorf("%+v: %s %d", tt.d, got, tt.d.Status())
		}
	}
}

func TestCredentialsJSON(t *testing.T) {
	for _, tt := range []struct {
		name  string
		c     Credentials
		count int
		want  string
	}{
		{"nothing", Credentials{Principal: "elastic/foo", Nodes: []NodeTokens{{Node: "node0"}}}, 0,
			`{"service_account":"elastic/foo","count":0,"tokens":{},"nodes_credentials":{"_nodes":{"total":1,"successful":1,"failed":0},"file_tokens":{}}}`},
		// The shape of GetServiceAccountCredentialsResponse (es-api-keys.md §5.2):
		// a file token on two nodes counts once.
		{"the documented example", Credentials{
			Principal:   "elastic/fleet-server",
			IndexTokens: []string{"token42", "token1"},
			Nodes:       []NodeTokens{{Node: "node1", Tokens: []string{"my-token"}}, {Node: "node0", Tokens: []string{"my-token"}}, {Node: "node2"}},
		}, 3, `{"service_account":"elastic/fleet-server","count":3,"tokens":{"token1":{},"token42":{}},` +
			`"nodes_credentials":{"_nodes":{"total":3,"successful":3,"failed":0},"file_tokens":{"my-token":{"nodes":["node0","node1"]}}}}`},
		{"a node failed", Credentials{
			Principal: "elastic/kibana",
			Nodes:     []NodeTokens{{Node: "node0", Tokens: []string{"b", "a"}}},
			Failures:  []NodeFailure{{NodeID: "xyz", Type: "receive_timeout_transport_exception", Reason: "[n1] timed out"}},
		}, 2, `{"service_account":"elastic/kibana","count":2,"tokens":{},"nodes_credentials":{"_nodes":{"total":2,"successful":1,"failed":1,` +
			`"failures":[{"type":"failed_node_exception","reason":"Failed node [xyz]","node_id":"xyz",` +
			`"caused_by":{"type":"receive_timeout_transport_exception","reason":"[n1] timed out"}}]},` +
			`"file_tokens":{"a":{"nodes":["node0"]},"b":{"nodes":["node0"]}}}}`},
	} {
		if got := appendJSON(t, tt.c); got != tt.want {
			t.Errorf("%s:\n%s\nwant\n%s", tt.name, got, tt.want)
		}
		if tt.c.Count() != tt.count {
			t.Errorf("%s: Count() = %d, want %d", tt.name, tt.c.Count(), tt.count)
		}
	}
}

// TestCredentials is ServiceAccountIT.testGetServiceAccountCredentials on
// one node.
func TestCredentials(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, fleetFile)
	get := func() string {
		t.Helper()
		c, err := f.svc.Credentials(ctx, "elastic", "fleet-server", "node0")
		if err != nil {
			t.Fatal(err)
		}
		return appendJSON(t, c)
	}
	nodes := `"nodes_credentials":{"_nodes":{"total":1,"successful":1,"failed":0},"file_tokens":{"token1":{"nodes":["node0"]}}}}`
	if got, want := get(), `{"service_account":"elastic/fleet-server","count":1,"tokens":{},`+nodes; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	f.create(t, "fleet-server", "api-token-2")
	f.create(t, "fleet-server", "api-token-1")
	f.create(t, "kibana", "not-mine")
	if got, want := get(), `{"service_account":"elastic/fleet-server","count":3,"tokens":{"api-token-1":{},"api-token-2":{}},`+nodes; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if _, err := f.svc.DeleteToken(ctx, "elastic", "fleet-server", "api-token-2"); err != nil {
		t.Fatal(err)
	}
	if got, want := get(), `{"service_account":"elastic/fleet-server","count":2,"tokens":{"api-token-1":{}},`+nodes; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	// File token names come sorted.
	writeFile(t, f.dir, "elastic/kibana/b:"+esHash+"\nelastic/kibana/a:"+esHash+"\n"+fleetFile)
	f.reload(t)
	if got := fmt.Sprint(f.svc.FileTokenNames("elastic/kibana")); got != "[a b]" {
		t.Errorf("FileTokenNames = %s", got)
	}
	// An account that does not exist has no tokens; no error.
	c, err := f.svc.Credentials(ctx, "elastic", "foo", "node0")
	if err != nil || appendJSON(t, c) != `{"service_account":"elastic/foo","count":0,"tokens":{},`+
		`"nodes_credentials":{"_nodes":{"total":1,"successful":1,"failed":0},"file_tokens":{}}}` {
		t.Errorf("unknown account: %v %v", appendJSON(t, c), err)
	}
}

// TestAuthenticateJSON is the _authenticate answer of ServiceAccountIT's
// AUTHENTICATE_RESPONSE, for a file and a store token.
func TestAuthenticateJSON(t *testing.T) {
	f := newFixture(t, fleetFile)
	value := f.create(t, "fleet-server", "api-token-1")
	for _, tt := range []struct{ bearer, name, source string }{
		{esValidToken, "token1", "file"},
		{value, "api-token-1", "index"},
	} {
		p, err := f.svc.Authenticate(context.Background(), tt.bearer)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"username":"elastic/fleet-server","roles":[],"full_name":"Service account - elastic/fleet-server","email":null,` +
			`"token":{"name":"` + tt.name + `","type":"_service_account_` + tt.source + `"},` +
			`"metadata":{"_elastic_service_account":true},"enabled":true,` +
			`"authentication_realm":{"name":"_service_account","type":"_service_account"},` +
			`"lookup_realm":{"name":"_service_account","type":"_service_account"},"authentication_type":"token"}`
		if got := appendJSON(t, p); got != want {
			t.Errorf("%s:\n%s\nwant\n%s", tt.source, got, want)
		}
		if p.TokenType() != "_service_account_"+tt.source || p.User().Username != "elastic/fleet-server" {
			t.Errorf("%s: %s %s", tt.source, p.TokenType(), p.User().Username)
		}
		if r := p.Account.Role(); r.Name != "elastic/fleet-server" || r.Cluster[2] != "read_fleet_secrets" {
			t.Errorf("role %s %v", r.Name, r.Cluster)
		}
	}
	// A name that needs escaping is escaped.
	p := Principal{Account: fleet, TokenName: `a"b`, Source: SourceFile}
	if got := appendJSON(t, p); !strings.Contains(got, `"token":{"name":"a\"b","type":"_service_account_file"}`) {
		t.Errorf("escaping: %s", got)
	}
}
