package pipeline_test

import (
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

func TestFilterPathOverHTTP(t *testing.T) {
	s := servertest.Start(t)
	if got := s.MustCall(t, 200, "GET", "/_cluster/health?filter_path=status,number_of_nodes", servertest.Admin, ""); got != `{"status":"green","number_of_nodes":1}` {
		t.Errorf("health: %s", got)
	}
	if got := s.MustCall(t, 200, "GET", "/_security/user?filter_path=elastic.roles,kibana.enabled&pretty", servertest.Admin, ""); got != "{\n  \"elastic\" : {\n    \"roles\" : [\n      \"superuser\"\n    ]\n  },\n  \"kibana\" : {\n    \"enabled\" : true\n  }\n}\n" {
		t.Errorf("users: %q", got)
	}
	// Errors are not filtered, as in Elasticsearch.
	if r := s.Call(t, "GET", "/_security/user?filter_path=status&bogus", servertest.Admin, ""); r.Status != 400 || r.Body == `{"status":400}` {
		t.Errorf("error filtered: %s", r.Body)
	}
}
