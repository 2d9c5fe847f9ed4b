package server

import (
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
)

const appCheck = `{"application":[{"application":"kibana-.kibana","resources":["space:default"],"privileges":["ui:8.15.0:discover/show"]}]}`

// TestAppPrivilegesSurviveRestart: privileges put on the embedded store
// are there, and grant, after the node restarts.
func TestAppPrivilegesSurviveRestart(t *testing.T) {
	data := t.TempDir()
	a := startNodeWith(t, nodeOptions{data: data, elasticPassword: "elastic-pw"})
	a.expect(t, 200, "PUT", "/_security/privilege", admin, `{"kibana-.kibana":{"read":{"actions":["login:","ui:*:discover/show"],"metadata":{"k":"v"}}}}`)
	a.expect(t, 200, "PUT", "/_security/role/viewer_ui", admin, `{"applications":[{"application":"kibana-.kibana","privileges":["read"],"resources":["*"]}]}`)
	a.expect(t, 200, "PUT", "/_security/user/vic", admin, `{"password":"vic-pw-1","roles":["viewer_ui"]}`)
	a.stop()
	b := startNodeWith(t, nodeOptions{data: data, elasticPassword: "elastic-pw"})
	if _, got := b.call(t, "GET", "/_security/privilege/kibana-.kibana/read", admin, ""); got != `{"kibana-.kibana":{"read":{"application":"kibana-.kibana","name":"read","actions":["login:","ui:*:discover/show"],"metadata":{"k":"v"}}}}` {
		t.Errorf("after restart: %s", got)
	}
	if _, got := b.call(t, "POST", "/_security/user/_has_privileges", "vic:vic-pw-1", appCheck); !strings.Contains(got, `"has_all_requested":true`) {
		t.Errorf("has_privileges after restart: %s", got)
	}
}

// TestAppPrivilegesAcrossNodes: a privilege put on one node decides
// _has_privileges on another that had resolved the role without it, and
// its deletion there too.
func TestAppPrivilegesAcrossNodes(t *testing.T) {
	m := etcdtest.StartMember(t)
	settings := etcdSettings("/apppriv/", m)
	a := startNode(t, settings...)
	b := startNode(t, settings...)
	a.expect(t, 200, "PUT", "/_security/role/viewer_ui", admin, `{"applications":[{"application":"kibana-.kibana","privileges":["read"],"resources":["*"]}]}`)
	a.expect(t, 200, "PUT", "/_security/user/vic", admin, `{"password":"vic-pw-1","roles":["viewer_ui"]}`)
	held := func(n node) bool {
		code, body := n.call(t, "POST", "/_security/user/_has_privileges", "vic:vic-pw-1", appCheck)
		return code == 200 && strings.Contains(body, `"has_all_requested":true`)
	}
	waitUntil(t, 5*time.Second, func() bool { return b.status(t, "GET", "/_security/_authenticate", "vic:vic-pw-1", "") == 200 })
	if held(b) {
		t.Fatal("granted before the privilege exists")
	}
	a.expect(t, 200, "PUT", "/_security/privilege", admin, `{"kibana-.kibana":{"read":{"actions":["login:","ui:*:discover/show"]}}}`)
	waitUntil(t, 2*time.Second, func() bool { return held(b) })
	a.expect(t, 200, "DELETE", "/_security/privilege/kibana-.kibana/read", admin, "")
	waitUntil(t, 2*time.Second, func() bool { return !held(b) })
	// The clear-cache request answers for both nodes.
	if _, got := a.call(t, "POST", "/_security/privilege/*/_clear_cache", admin, ""); !strings.Contains(got, `"_nodes":{"total":2,"successful":2,"failed":0}`) {
		t.Errorf("clear cache: %s", got)
	}
}
