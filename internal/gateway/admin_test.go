package gateway_test

import (
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

// A point in time belongs to who opened it.
func TestPointInTimeOwnership(t *testing.T) {
	s, _ := setup(t)
	s.MustCall(t, 200, "PUT", "/_security/user/bob2", servertest.Admin, `{"password":"bob2-secret","roles":["web_reader"]}`)
	body := s.MustCall(t, 200, "POST", "/logs-*/_pit?keep_alive=1m", as("bob"), "")
	i := strings.Index(body, `"id":"`)
	if i < 0 {
		t.Fatalf("no id: %s", body)
	}
	id := body[i+len(`"id":"`):]
	id = id[:strings.IndexByte(id, '"')]
	search := `{"pit":{"id":"` + id + `","keep_alive":"1m"}}`
	s.MustCall(t, 200, "POST", "/_search", as("bob"), search)
	if r := s.Call(t, "POST", "/_search", as("bob2"), search); r.Status != 404 {
		t.Errorf("another user's point in time: %d %s", r.Status, r.Body)
	}
	if r := s.Call(t, "DELETE", "/_pit", as("bob2"), `{"id":"`+id+`"}`); r.Status != 404 {
		t.Errorf("another user closed it: %d %s", r.Status, r.Body)
	}
	s.MustCall(t, 200, "DELETE", "/_pit", as("bob"), `{"id":"`+id+`"}`)
}

// Aliases need indices:admin/aliases on the index and the alias, and may
// not allow more than the index does (es-gateway.md §3.5).
func TestAliasEscalationGuard(t *testing.T) {
	s, fc := setup(t)
	s.MustCall(t, 200, "PUT", "/_security/role/logs_admin", servertest.Admin, `{"indices":[{"names":["logs-*"],"privileges":["manage"]},{"names":["admin-*"],"privileges":["all"]}]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/lara", servertest.Admin, `{"password":"lara-secret","roles":["logs_admin"]}`)
	fc.Reset()
	s.MustCall(t, 200, "POST", "/_aliases", "lara:lara-secret", `{"actions":[{"add":{"index":"logs-1","alias":"logs-current"}}]}`)
	r := s.Call(t, "POST", "/_aliases", "lara:lara-secret", `{"actions":[{"add":{"index":"logs-1","alias":"admin-view"}}]}`)
	if r.Status != 403 || !strings.Contains(r.Body, "Adding an alias is not allowed when the alias has more permissions than any of the indices") {
		t.Errorf("escalating alias: %d %s", r.Status, r.Body)
	}
	r = s.Call(t, "POST", "/_aliases", "lara:lara-secret", `{"actions":[{"add":{"index":"payroll","alias":"logs-pay"}}]}`)
	if r.Status != 403 || !strings.Contains(r.Body, "on indices [payroll]") {
		t.Errorf("alias on an unauthorized index: %d %s", r.Status, r.Body)
	}
	r = s.Call(t, "PUT", "/logs-1/_alias/admin-x", "lara:lara-secret", "")
	if r.Status != 403 {
		t.Errorf("escalating alias by path: %d %s", r.Status, r.Body)
	}
	if got := forwarded(fc); len(got) != 1 || got[0] != "POST /_aliases" {
		t.Errorf("forwarded: %v", got)
	}
}

// A reindex reads its source as a search and writes its destination as
// bulk items would.
func TestReindex(t *testing.T) {
	s, fc := setup(t)
	s.MustCall(t, 200, "PUT", "/_security/role/copier", servertest.Admin,
		`{"indices":[{"names":["logs-*"],"privileges":["read"]},{"names":["copy-*"],"privileges":["write","create_index"]}]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/cora", servertest.Admin, `{"password":"cora-secret","roles":["copier"]}`)
	fc.Reset()
	s.Call(t, "POST", "/_reindex", "cora:cora-secret", `{"source":{"index":"*"},"dest":{"index":"copy-1"}}`)
	reqs := fc.Requests()
	var sent string
	for _, r := range reqs {
		if r.Path == "/_reindex" {
			sent = string(r.Body)
		}
	}
	if !strings.Contains(sent, `"index":["logs-1","logs-2"]`) || strings.Contains(sent, "payroll") {
		t.Errorf("the cluster received %s", sent)
	}
	for _, body := range []string{
		`{"source":{"index":"payroll"},"dest":{"index":"copy-1"}}`,
		`{"source":{"index":"logs-1"},"dest":{"index":"payroll"}}`,
		`{"source":{"index":"logs-1","remote":{"host":"http://other:9200"}},"dest":{"index":"copy-1"}}`,
	} {
		fc.Reset()
		if r := s.Call(t, "POST", "/_reindex", "cora:cora-secret", body); r.Status != 403 {
			t.Errorf("%s: %d %s", body, r.Status, r.Body)
		}
		if got := forwarded(fc); len(got) != 0 {
			t.Errorf("%s forwarded %v", body, got)
		}
	}
}
