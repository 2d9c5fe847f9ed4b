package authz

import (
	"context"
	"testing"

	"github.com/esauth/esauth/internal/roles"
)

// What roles give on one index for one action, as IndicesPermission
// decides it: groups must grant the action and cover the name; restricted
// names need allow_restricted_indices; DLS and FLS hold only when every
// group that grants the action has them.
func TestIndexAccess(t *testing.T) {
	a := New(roleSource{
		"logs":   {Name: "logs", Indices: []roles.IndexPrivileges{{Names: []string{"logs-*"}, Privileges: []string{"read"}}}},
		"dls":    {Name: "dls", Indices: []roles.IndexPrivileges{{Names: []string{"logs-*", "hr"}, Privileges: []string{"read"}, Query: `{"term":{"team":"a"}}`}}},
		"fls":    {Name: "fls", Indices: []roles.IndexPrivileges{{Names: []string{"hr"}, Privileges: []string{"read"}, FieldSecurity: &roles.FieldSecurity{Grant: []string{"name"}}}}},
		"flsall": {Name: "flsall", Indices: []roles.IndexPrivileges{{Names: []string{"pub"}, Privileges: []string{"read"}, FieldSecurity: &roles.FieldSecurity{Grant: []string{"*"}}}}},
		"writer": {Name: "writer", Indices: []roles.IndexPrivileges{{Names: []string{"/metrics-[0-9]+/"}, Privileges: []string{"create_doc", "indices:admin/refresh"}}}},
		"all":    {Name: "all", Indices: []roles.IndexPrivileges{{Names: []string{"*"}, Privileges: []string{"all"}}}},
	}, Options{})
	const search = "indices:data/read/search"
	tests := []struct {
		roles        []string
		action, name string
		want         access
	}{
		{[]string{"logs"}, search, "logs-1", access{allowed: true}},
		{[]string{"logs"}, search, "other", access{}},
		{[]string{"logs"}, "indices:data/write/index:op_type/index", "logs-1", access{}},
		{[]string{"dls"}, search, "logs-1", access{allowed: true, dls: true}},
		{[]string{"dls", "logs"}, search, "logs-1", access{allowed: true}}, // one role without DLS lifts it
		{[]string{"dls", "fls"}, search, "hr", access{allowed: true}},      // each lifts the other's
		{[]string{"fls"}, search, "hr", access{allowed: true, fls: true}},
		{[]string{"flsall"}, search, "pub", access{allowed: true}}, // every field granted: no restriction
		{[]string{"writer"}, "indices:data/write/index:op_type/create", "metrics-1", access{allowed: true}},
		{[]string{"writer"}, "indices:data/write/index:op_type/index", "metrics-1", access{}},
		{[]string{"writer"}, "indices:admin/refresh", "metrics-22", access{allowed: true}},
		{[]string{"writer"}, "indices:admin/refresh", "metrics-x", access{}},
		{[]string{"all"}, search, ".security-7", access{}}, // restricted
		{[]string{"all"}, search, "anything", access{allowed: true}},
	}
	for _, tt := range tests {
		set, err := a.sets.get(context.Background(), tt.roles)
		if err != nil {
			t.Fatal(err)
		}
		if got := set.indexAccess(tt.action, tt.name); got != tt.want {
			t.Errorf("%v: %s on %s = %+v, want %+v", tt.roles, tt.action, tt.name, got, tt.want)
		}
	}
	set, _ := a.sets.get(context.Background(), []string{"writer"})
	if !set.grantsIndexAction("indices:data/write/bulk") || set.grantsIndexAction(search) {
		t.Error("grantsIndexAction")
	}
}
