package server_test

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

// admin_user of Elasticsearch's YAML test api_key/50_cross_cluster.yml:
// manage_security and nothing else.
const ccAdmin = "admin_user:x-pack-test-password"

func startCrossCluster(t *testing.T, settings ...string) *servertest.Server {
	t.Helper()
	s := servertest.Start(t, settings...)
	s.MustCall(t, 200, "PUT", "/_security/role/admin_role", servertest.Admin, `{"cluster":["manage_security"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/admin_user", servertest.Admin,
		`{"password":"x-pack-test-password","roles":["admin_role"],"full_name":"Admin user"}`)
	return s
}

type ccCreated struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Expiration int64  `json:"expiration"`
	APIKey     string `json:"api_key"`
	Encoded    string `json:"encoded"`
}

func createCrossClusterKey(t *testing.T, s *servertest.Server, auth, body string) ccCreated {
	t.Helper()
	var c ccCreated
	if err := json.Unmarshal([]byte(s.MustCall(t, 200, "POST", "/_security/cross_cluster/api_key", auth, body)), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// creationOf reads the creation time of the one key a get answered.
func creationOf(t *testing.T, body string) int64 {
	t.Helper()
	var g struct {
		APIKeys []struct {
			Creation int64 `json:"creation"`
		} `json:"api_keys"`
	}
	if err := json.Unmarshal([]byte(body), &g); err != nil || len(g.APIKeys) != 1 {
		t.Fatalf("get: %v %s", err, body)
	}
	return g.APIKeys[0].Creation
}

func ms(n int64) string { return strconv.FormatInt(n, 10) }

// "Test create a cross-cluster API key" of 50_cross_cluster.yml: the key,
// its refusal on the REST interface, and get's exact rendering.
func TestCrossClusterAPIKeyCreateYAML(t *testing.T) {
	s := startCrossCluster(t)
	k := createCrossClusterKey(t, s, ccAdmin, `
	  {
	    "name": "my-cc-api-key",
	    "expiration": "1d",
	    "access": {
	      "search": [
	        {
	          "names": ["logs*"],
	          "query": {
	            "term": { "category": "shared" }
	          },
	          "field_security": {
	            "grant": ["*"],
	            "except": ["private"]
	          }
	        }
	      ],
	      "replication": [
	        {
	          "names": ["archive"],
	          "allow_restricted_indices": false
	        }
	      ]
	    },
	    "metadata": {
	      "answer": 42,
	      "tag": "dev"
	    }
	  }`)
	if k.Name != "my-cc-api-key" || k.ID == "" || k.APIKey == "" || k.Expiration == 0 {
		t.Fatalf("create: %+v", k)
	}
	if want := base64.StdEncoding.EncodeToString([]byte(k.ID + ":" + k.APIKey)); k.Encoded != want {
		t.Errorf("encoded %s, want %s", k.Encoded, want)
	}

	// Authenticating with it on the REST interface fails, at once.
	r := keyCall(t, s, "GET", "/_security/_authenticate", k.Encoded, "")
	var e struct {
		Error struct{ Type, Reason string } `json:"error"`
	}
	_ = json.Unmarshal([]byte(r.Body), &e)
	if r.Status != 401 || e.Error.Type != "security_exception" ||
		e.Error.Reason != "authentication expected API key type of [rest], but API key ["+k.ID+"] has type [cross_cluster]" {
		t.Errorf("authenticate: %d %s", r.Status, r.Body)
	}

	got := s.MustCall(t, 200, "GET", "/_security/api_key?id="+k.ID+"&with_limited_by=true", ccAdmin, "")
	creation := creationOf(t, got)
	if k.Expiration-creation != 86_400_000 {
		t.Errorf("expiration %d is not a day after creation %d", k.Expiration, creation)
	}
	want := `{"api_keys":[{"id":"` + k.ID + `","name":"my-cc-api-key","type":"cross_cluster","creation":` + ms(creation) +
		`,"expiration":` + ms(k.Expiration) + `,"invalidated":false,"username":"admin_user","realm":"default_native","realm_type":"native",` +
		`"metadata":{"answer":42,"tag":"dev"},` +
		`"role_descriptors":{"cross_cluster":{"cluster":["cross_cluster_search","monitor_enrich","cross_cluster_replication"],"indices":[` +
		`{"names":["logs*"],"privileges":["read","read_cross_cluster","view_index_metadata"],"field_security":{"grant":["*"],"except":["private"]},"query":"{\"term\":{\"category\":\"shared\"}}","allow_restricted_indices":false},` +
		`{"names":["archive"],"privileges":["cross_cluster_replication","cross_cluster_replication_internal"],"allow_restricted_indices":false}],` +
		`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}},` +
		`"access":{"search":[{"names":["logs*"],"field_security":{"grant":["*"],"except":["private"]},"query":"{\"term\":{\"category\":\"shared\"}}","allow_restricted_indices":false}],` +
		`"replication":[{"names":["archive"],"allow_restricted_indices":false}]}}]}`
	if got != want {
		t.Errorf("get\ngot  %s\nwant %s", got, want)
	}
}

// "Test update a cross-cluster API Key" of 50_cross_cluster.yml.
func TestCrossClusterAPIKeyUpdateYAML(t *testing.T) {
	s := startCrossCluster(t)
	k := createCrossClusterKey(t, s, ccAdmin, `{"name":"my-cc-api-key","access":{"search":[{"names":["logs*"]}]},"metadata":{"tag":"dev"}}`)
	update := `{"access":{"replication":[{"names":["archive"]}]},"metadata":{"tag":"prod"}}`
	if got := s.MustCall(t, 200, "PUT", "/_security/cross_cluster/api_key/"+k.ID, ccAdmin, update); got != `{"updated":true}` {
		t.Errorf("update: %s", got)
	}
	got := s.MustCall(t, 200, "GET", "/_security/api_key?id="+k.ID+"&with_limited_by=true", ccAdmin, "")
	want := `{"api_keys":[{"id":"` + k.ID + `","name":"my-cc-api-key","type":"cross_cluster","creation":` + ms(creationOf(t, got)) +
		`,"invalidated":false,"username":"admin_user","realm":"default_native","realm_type":"native","metadata":{"tag":"prod"},` +
		`"role_descriptors":{"cross_cluster":{"cluster":["cross_cluster_replication"],"indices":[` +
		`{"names":["archive"],"privileges":["cross_cluster_replication","cross_cluster_replication_internal"],"allow_restricted_indices":false}],` +
		`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}},` +
		`"access":{"replication":[{"names":["archive"],"allow_restricted_indices":false}]}}]}`
	if got != want {
		t.Errorf("get\ngot  %s\nwant %s", got, want)
	}
	// No-op update.
	if got := s.MustCall(t, 200, "PUT", "/_security/cross_cluster/api_key/"+k.ID, ccAdmin, update); got != `{"updated":false}` {
		t.Errorf("noop update: %s", got)
	}
}

// "Test invalidate a cross-cluster API Key" of 50_cross_cluster.yml.
func TestCrossClusterAPIKeyInvalidateYAML(t *testing.T) {
	s := startCrossCluster(t)
	k := createCrossClusterKey(t, s, ccAdmin, `{"name":"my-cc-api-key","access":{"search":[{"names":["*"],"allow_restricted_indices":true}]}}`)
	got := s.MustCall(t, 200, "GET", "/_security/api_key?id="+k.ID, ccAdmin, "")
	want := `{"api_keys":[{"id":"` + k.ID + `","name":"my-cc-api-key","type":"cross_cluster","creation":` + ms(creationOf(t, got)) +
		`,"invalidated":false,"username":"admin_user","realm":"default_native","realm_type":"native","metadata":{},` +
		`"role_descriptors":{"cross_cluster":{"cluster":["cross_cluster_search","monitor_enrich"],"indices":[` +
		`{"names":["*"],"privileges":["read","read_cross_cluster","view_index_metadata"],"allow_restricted_indices":true}],` +
		`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}},` +
		`"access":{"search":[{"names":["*"],"allow_restricted_indices":true}]}}]}`
	if got != want {
		t.Errorf("get\ngot  %s\nwant %s", got, want)
	}
	got = s.MustCall(t, 200, "DELETE", "/_security/api_key", ccAdmin, `{"ids":["`+k.ID+`"]}`)
	if want := `{"invalidated_api_keys":["` + k.ID + `"],"previously_invalidated_api_keys":[],"error_count":0}`; got != want {
		t.Errorf("invalidate\ngot  %s\nwant %s", got, want)
	}
	if got := s.MustCall(t, 200, "GET", "/_security/api_key?id="+k.ID, ccAdmin, ""); !strings.Contains(got, `"invalidated":true`) {
		t.Errorf("after invalidation: %s", got)
	}
}

// Who may do what with cross-cluster keys: manage_security creates,
// updates and invalidates them; manage_api_key may neither create nor
// update them, and its invalidations skip them with an error.
func TestCrossClusterAPIKeyPrivileges(t *testing.T) {
	s := startCrossCluster(t)
	s.MustCall(t, 200, "PUT", "/_security/role/key_admin", servertest.Admin, `{"cluster":["manage_api_key"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/kate", servertest.Admin, `{"password":"kate-secret","roles":["key_admin"]}`)
	k := createCrossClusterKey(t, s, ccAdmin, `{"name":"cc","access":{"search":[{"names":["metrics"],"query":"{\"term\":{\"score\":42}}"}]}}`)
	restKey := createKey(t, s, ccAdmin, `{"name":"rest"}`)

	for _, tt := range []struct{ method, path, body, action string }{
		{"POST", "/_security/cross_cluster/api_key", `{"name":"x","access":{"search":[{"names":["a"]}]}}`, "create"},
		{"PUT", "/_security/cross_cluster/api_key/" + k.ID, `{"metadata":{}}`, "update"},
	} {
		r := s.Call(t, tt.method, tt.path, "kate:kate-secret", tt.body)
		want := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/cross_cluster/api_key/"+tt.action+
			"] is unauthorized for user [kate] with effective roles [key_admin], this action is granted by the cluster privileges [manage_security,all]", 403)
		if r.Status != 403 || r.Body != want {
			t.Errorf("%s with manage_api_key: %d %s\nwant %s", tt.action, r.Status, r.Body, want)
		}
	}

	// manage_api_key invalidates the REST key and skips the other.
	got := s.MustCall(t, 200, "DELETE", "/_security/api_key", "kate:kate-secret", `{"ids":["`+k.ID+`","`+restKey.ID+`"]}`)
	want := `{"invalidated_api_keys":["` + restKey.ID + `"],"previously_invalidated_api_keys":[],"error_count":1,"error_details":[` +
		`{"type":"security_exception","reason":"Cannot invalidate cross-cluster API key [` + k.ID + `]. This requires [manage_security] cluster privilege or higher"}]}`
	if got != want {
		t.Errorf("invalidate with manage_api_key\ngot  %s\nwant %s", got, want)
	}
	got = s.MustCall(t, 200, "DELETE", "/_security/api_key", "kate:kate-secret", `{"username":"admin_user"}`)
	if !strings.Contains(got, `"invalidated_api_keys":[],`) || !strings.Contains(got, `"error_count":1`) {
		t.Errorf("invalidate by username with manage_api_key: %s", got)
	}
	// manage_security invalidates it.
	got = s.MustCall(t, 200, "DELETE", "/_security/api_key", ccAdmin, `{"ids":["`+k.ID+`"]}`)
	if want := `{"invalidated_api_keys":["` + k.ID + `"],"previously_invalidated_api_keys":[],"error_count":0}`; got != want {
		t.Errorf("invalidate with manage_security\ngot  %s\nwant %s", got, want)
	}
}

// Each update API refuses the other's keys, an API key cannot create a
// cross-cluster key, and the bodies are checked as Elasticsearch checks
// them.
func TestCrossClusterAPIKeyRefusals(t *testing.T) {
	s := startCrossCluster(t)
	k := createCrossClusterKey(t, s, ccAdmin, `{"name":"cc","access":{"search":[{"names":["metrics"]}]}}`)
	restKey := createKey(t, s, ccAdmin, `{"name":"rest"}`)
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		reason                   string
	}{
		{"no body", "PUT", "/_security/cross_cluster/api_key/" + k.ID, ``, 400, "request body is required"},
		{"nothing to update", "PUT", "/_security/cross_cluster/api_key/" + k.ID, `{}`, 400,
			"Validation Failed: 1: must update either [access] or [metadata] for cross-cluster API keys;"},
		{"empty access", "PUT", "/_security/cross_cluster/api_key/" + k.ID, `{"access":{}}`, 400,
			"must specify non-empty access for either [search] or [replication]"},
		{"REST update of a cross-cluster key", "PUT", "/_security/api_key/" + k.ID, `{"metadata":{}}`, 400,
			"cannot update API key of type [cross_cluster] while expected type is [rest]"},
		{"cross-cluster update of a REST key", "PUT", "/_security/cross_cluster/api_key/" + restKey.ID, `{"metadata":{}}`, 400,
			"cannot update API key of type [rest] while expected type is [cross_cluster]"},
		{"no access", "POST", "/_security/cross_cluster/api_key", `{"name":"my-key"}`, 400, "Required [access]"},
		{"unknown key", "PUT", "/_security/cross_cluster/api_key/nosuchkey", `{"metadata":{}}`, 404,
			"no API key owned by requesting user found for ID [nosuchkey]"},
	} {
		r := s.Call(t, tt.method, tt.path, ccAdmin, tt.body)
		if r.Status != tt.status || !strings.Contains(r.Body, `"reason":`+strconv.Quote(tt.reason)) {
			t.Errorf("%s: %d %s", tt.name, r.Status, r.Body)
		}
	}
	got := s.MustCall(t, 200, "POST", "/_security/api_key/_bulk_update", ccAdmin, `{"ids":["`+k.ID+`"]}`)
	if want := `{"updated":[],"noops":[],"errors":{"count":1,"details":{"` + k.ID + `":{"type":"illegal_argument_exception","reason":"cannot update API key of type [cross_cluster] while expected type is [rest]"}}}}`; got != want {
		t.Errorf("bulk update\ngot  %s\nwant %s", got, want)
	}
	r := keyCall(t, s, "POST", "/_security/cross_cluster/api_key", restKey.Encoded, `{"name":"derived","access":{"replication":[{"names":["logs"]}]}}`)
	if want := servertest.ESError("illegal_argument_exception", "authentication via API key not supported: An API key cannot be used to create a cross-cluster API key", 400); r.Status != 400 || r.Body != want {
		t.Errorf("created by a key: %d %s\nwant %s", r.Status, r.Body, want)
	}
}

// Creating and updating a cross-cluster key are audited as Elasticsearch
// audits them, with the key's type.
func TestAuditOfCrossClusterKeys(t *testing.T) {
	s := startCrossCluster(t, "xpack.security.audit.enabled=true", "xpack.security.audit.logfile.events.include=security_config_change",
		"esauth.audit.flush_interval=0")
	k := createCrossClusterKey(t, s, ccAdmin, `{"name":"cc","expiration":"7d","access":{"replication":[{"names":["archive"]}]},"metadata":{"tag":"dev"}}`)
	s.MustCall(t, 200, "PUT", "/_security/cross_cluster/api_key/"+k.ID, ccAdmin, `{"metadata":{}}`)
	s.MustCall(t, 200, "PUT", "/_security/cross_cluster/api_key/"+k.ID, ccAdmin, `{"access":{"search":[{"names":["logs"]}]}}`)
	log := readAudit(t, s)
	for _, want := range []string{
		`"event.action":"create_apikey"`,
		`"create":{"apikey":{"id":"` + k.ID + `","name":"cc","type":"cross_cluster","expiration":"7d","role_descriptors":[{"cluster":["cross_cluster_replication"],"indices":[{"names":["archive"],"privileges":["cross_cluster_replication","cross_cluster_replication_internal"]}],"applications":[],"run_as":[]}],"metadata":{"tag":"dev"}}}`,
		`"event.action":"change_apikey"`,
		`"change":{"apikey":{"id":"` + k.ID + `","type":"cross_cluster","metadata":{},"expiration":null}}`,
		`"change":{"apikey":{"id":"` + k.ID + `","type":"cross_cluster","role_descriptors":[{"cluster":["cross_cluster_search","monitor_enrich"],"indices":[{"names":["logs"],"privileges":["read","read_cross_cluster","view_index_metadata"]}],"applications":[],"run_as":[]}],"expiration":null}}`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("audit log lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, k.APIKey) {
		t.Error("the secret reached the audit log")
	}
}

// The query API finds cross-cluster keys by type and renders them as get
// does.
func TestCrossClusterAPIKeyInQuery(t *testing.T) {
	s := startCrossCluster(t)
	k := createCrossClusterKey(t, s, ccAdmin, `{"name":"cc","access":{"search":[{"names":["metrics"]}]}}`)
	createKey(t, s, ccAdmin, `{"name":"rest"}`)
	got := s.MustCall(t, 200, "POST", "/_security/_query/api_key", ccAdmin, `{"query":{"term":{"type":"cross_cluster"}}}`)
	if !strings.HasPrefix(got, `{"total":1,"count":1,"api_keys":[{"id":"`+k.ID+`","name":"cc","type":"cross_cluster",`) ||
		!strings.Contains(got, `"access":{"search":[{"names":["metrics"],"allow_restricted_indices":false}]}}]}`) {
		t.Errorf("query: %s", got)
	}
}
