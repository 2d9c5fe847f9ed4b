package authz

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/indices"
	"github.com/esauth/esauth/internal/roles"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func testMetadata(t *testing.T) func(context.Context, bool) (*indices.Metadata, error) {
	t.Helper()
	md, err := indices.NewMetadata([]indices.Abstraction{
		{Name: "logs-1", Kind: indices.KindIndex, Aliases: []string{"logs"}},
		{Name: "logs-2", Kind: indices.KindIndex, Aliases: []string{"logs"}},
		{Name: "logs", Kind: indices.KindAlias, Indices: []string{"logs-1", "logs-2"}},
		{Name: "payroll", Kind: indices.KindIndex},
		{Name: "hr", Kind: indices.KindIndex},
		{Name: ".security-7", Kind: indices.KindIndex, Hidden: true, System: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return func(context.Context, bool) (*indices.Metadata, error) { return md, nil }
}

// Index actions are decided as RBACEngine does: wildcards narrowed to the
// names the roles allow, explicit names authorized as written, a 403
// naming what is denied, and document or field security refused.
func TestAuthorizeIndices(t *testing.T) {
	a := New(roleSource{
		"web_reader": {Name: "web_reader", Indices: []roles.IndexPrivileges{{Names: []string{"logs-*"}, Privileges: []string{"read"}}}},
		"hr_dls":     {Name: "hr_dls", Indices: []roles.IndexPrivileges{{Names: []string{"hr"}, Privileges: []string{"read"}, Query: `{"term":{"x":1}}`}}},
		"writer":     {Name: "writer", Indices: []roles.IndexPrivileges{{Names: []string{"logs-*"}, Privileges: []string{"create_doc"}}}},
	}, Options{})
	md := testMetadata(t)
	const search = "indices:data/read/search"
	open := indices.StrictExpandOpen
	tests := []struct {
		name   string
		roles  []string
		action string
		req    IndexRequest
		want   indices.Resolution
		reason string
		status int
	}{
		{"wildcard narrowed", []string{"web_reader"}, search, IndexRequest{Expressions: []string{"*"}, Options: open},
			indices.Resolution{Names: []string{"logs-1", "logs-2"}}, "", 0},
		{"no index means all", []string{"web_reader"}, search, IndexRequest{Options: open},
			indices.Resolution{Names: []string{"logs-1", "logs-2"}}, "", 0},
		{"explicit allowed", []string{"web_reader"}, search, IndexRequest{Expressions: []string{"logs-9"}, Options: open},
			indices.Resolution{Names: []string{"logs-9"}}, "", 0},
		{"explicit denied", []string{"web_reader"}, search, IndexRequest{Expressions: []string{"logs-1", "payroll"}, Options: open}, indices.Resolution{},
			"action [indices:data/read/search] is unauthorized for user [bob] with effective roles [web_reader] on indices [payroll], this action is granted by the index privileges [read,all]", 403},
		{"explicit denied but ignored", []string{"web_reader"}, search,
			IndexRequest{Expressions: []string{"logs-1", "payroll"}, Options: indices.LenientExpandOpen},
			indices.Resolution{Names: []string{"logs-1"}}, "", 0},
		{"nothing left", []string{"web_reader"}, search, IndexRequest{Expressions: []string{"pay*"}, Options: open},
			indices.Resolution{NoIndices: true}, "", 0},
		{"no privilege anywhere", []string{"writer"}, search, IndexRequest{Expressions: []string{"logs-*"}, Options: open}, indices.Resolution{},
			"action [indices:data/read/search] is unauthorized for user [bob] with effective roles [writer] on indices [logs-*], this action is granted by the index privileges [read,all]", 403},
		{"no privilege, no index", []string{"writer"}, search, IndexRequest{Options: open}, indices.Resolution{},
			"action [indices:data/read/search] is unauthorized for user [bob] with effective roles [writer], this action is granted by the index privileges [read,all]", 403},
		{"document level security", []string{"hr_dls"}, search, IndexRequest{Expressions: []string{"hr"}, Options: open}, indices.Resolution{},
			"action [indices:data/read/search] on index [hr] is refused for user [bob]: its roles apply document level security there, which this gateway does not enforce", 403},
		{"single target", []string{"writer"}, "indices:data/write/index:op_type/create", IndexRequest{Expressions: []string{"logs-x"}, Single: true},
			indices.Resolution{Names: []string{"logs-x"}}, "", 0},
		{"single target, wildcard", []string{"writer"}, "indices:data/write/index:op_type/create", IndexRequest{Expressions: []string{"logs-*"}, Single: true}, indices.Resolution{},
			"the action indices:data/write/index:op_type/create does not support wildcards; the provided index expression(s) [logs-*] are not allowed", 400},
		{"name only", []string{"writer"}, "indices:data/write/bulk", IndexRequest{NameOnly: true}, indices.Resolution{}, "", 0},
		{"name only, denied", []string{"web_reader"}, "indices:data/write/bulk", IndexRequest{NameOnly: true}, indices.Resolution{},
			"action [indices:data/write/bulk] is unauthorized for user [bob] with effective roles [web_reader], this action is granted by the index privileges [create_doc,create,delete,index,write,all]", 403},
	}
	for _, tt := range tests {
		tt.req.Metadata, tt.req.Now = md, time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
		d, err := a.Authorize(context.Background(), principal("bob", "native", tt.roles...), Request{Action: tt.action, Index: &tt.req})
		if tt.reason == "" {
			if err != nil || !d.Granted() {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			if diff := cmp.Diff(tt.want, d.Indices(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
			continue
		}
		var e *eserr.Error
		if d.Granted() || !errors.As(err, &e) || e.Reason != tt.reason || e.Status != tt.status {
			t.Errorf("%s:\n got %v (granted %v)\nwant %d %s", tt.name, err, d.Granted(), tt.status, tt.reason)
		}
	}
}

// Items of a granted bulk are decided one by one through its decision.
func TestDecisionCheckIndex(t *testing.T) {
	a := New(roleSource{"writer": {Name: "writer", Indices: []roles.IndexPrivileges{{Names: []string{"logs-*"}, Privileges: []string{"create_doc"}}}}}, Options{})
	d, err := a.Authorize(context.Background(), principal("bob", "native", "writer"),
		Request{Action: "indices:data/write/bulk", Index: &IndexRequest{NameOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.CheckIndex("indices:data/write/index:op_type/create", "logs-1"); err != nil {
		t.Errorf("allowed item: %v", err)
	}
	err = d.CheckIndex("indices:data/write/index:op_type/index", "logs-1")
	if want := "action [indices:data/write/index:op_type/index] is unauthorized for user [bob] with effective roles [writer] on indices [logs-1], this action is granted by the index privileges [create,index,write,all]"; err == nil || err.Error() != "security_exception: "+want {
		t.Errorf("denied item: %v", err)
	}
	if (Decision{}).CheckIndex("indices:data/write/delete", "x") == nil {
		t.Error("a zero decision allowed an item")
	}
}
