package authz

import (
	"context"
	"testing"

	"github.com/esauth/esauth/internal/apppriv"
	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/roles"
)

// fixedApps is a store of application privileges that changes only when
// a test replaces its snapshot.
type fixedApps struct{ snap *apppriv.Snapshot }

func (f *fixedApps) Snapshot(context.Context) (*apppriv.Snapshot, error) { return f.snap, nil }

func TestManageApplications(t *testing.T) {
	a := New(roleSource{
		"kibana_mgr": {Name: "kibana_mgr", Global: &roles.GlobalPrivileges{ManageApplications: []string{"kibana-*"}}},
		"all_apps":   {Name: "all_apps", Global: &roles.GlobalPrivileges{ManageApplications: []string{"*"}}},
		"two":        {Name: "two", Global: &roles.GlobalPrivileges{ManageApplications: []string{"kibana-*", "myapp"}}},
		"reader":     {Name: "reader", Cluster: []string{"read_security"}},
	}, Options{})
	const p = "cluster:admin/xpack/security/privilege/"
	tests := []struct {
		roles  []string
		action string
		apps   []string
		allow  bool
	}{
		{[]string{"kibana_mgr"}, p + "put", []string{"kibana-.kibana"}, true},
		{[]string{"kibana_mgr"}, p + "put", []string{"kibana-.kibana", "other"}, false},
		{[]string{"kibana_mgr"}, p + "put", []string{"other"}, false},
		{[]string{"kibana_mgr"}, p + "get", []string{"kibana-*"}, true},
		{[]string{"kibana_mgr"}, p + "get", []string{"*"}, false}, // every application
		{[]string{"kibana_mgr"}, p + "delete", []string{"kibana-x"}, true},
		{[]string{"kibana_mgr"}, p + "builtin/get", []string{"kibana-x"}, false},
		{[]string{"kibana_mgr"}, p + "put", nil, false}, // not an application request
		{[]string{"kibana_mgr"}, "cluster:admin/xpack/security/role/put", []string{"kibana-x"}, false},
		{[]string{"all_apps"}, p + "get", []string{"*"}, true},
		{[]string{"two"}, p + "put", []string{"kibana-x", "myapp"}, true},
		{[]string{"kibana_mgr", "reader"}, p + "get", []string{"other"}, true},
		{[]string{"kibana_mgr", "reader"}, p + "put", []string{"other"}, false},
		{[]string{"kibana_system"}, p + "put", []string{"kibana-.kibana"}, true},
		{[]string{"kibana_system"}, p + "put", []string{"fleet"}, false},
	}
	for _, tt := range tests {
		_, err := a.Authorize(context.Background(), principal("u", "native", tt.roles...), Request{Action: tt.action, Applications: tt.apps})
		if (err == nil) != tt.allow {
			t.Errorf("roles %v, %s on %v: %v, want allowed %v", tt.roles, tt.action, tt.apps, err, tt.allow)
		}
	}
}

func TestManageApplicationsLimitedByOwner(t *testing.T) {
	a := New(roleSource{}, Options{})
	mgr := map[string]roles.Descriptor{"m": {Name: "m", Global: &roles.GlobalPrivileges{ManageApplications: []string{"kibana-*"}}}}
	all := map[string]roles.Descriptor{"a": {Name: "a", Cluster: []string{"all"}}}
	none := map[string]roles.Descriptor{"n": {Name: "n", Cluster: []string{"monitor"}}}
	req := Request{Action: "cluster:admin/xpack/security/privilege/put", Applications: []string{"kibana-x"}}
	for _, tt := range []struct {
		name       string
		own, owner map[string]roles.Descriptor
		allow      bool
	}{
		{"key manages, owner all", mgr, all, true},
		{"key all, owner manages", all, mgr, true},
		{"key manages, owner monitor", mgr, none, false},
	} {
		_, err := a.Authorize(context.Background(), keyAuth("k-"+tt.name, tt.own, tt.owner), req)
		if (err == nil) != tt.allow {
			t.Errorf("%s: %v, want allowed %v", tt.name, err, tt.allow)
		}
	}
}

func TestHasApplicationPrivileges(t *testing.T) {
	stored := []apppriv.Descriptor{
		{Application: "kibana-.kibana", Name: "all", Actions: []string{"login:", "ui:*", "saved_object:*"}},
		{Application: "kibana-.kibana", Name: "read", Actions: []string{"login:", "ui:*:discover/show"}},
	}
	apps := &fixedApps{}
	a := New(roleSource{
		"kibana_all":   {Name: "kibana_all", Applications: []roles.ApplicationPrivileges{{Application: "kibana-.kibana", Privileges: []string{"all"}, Resources: []string{"*"}}}},
		"kibana_read":  {Name: "kibana_read", Applications: []roles.ApplicationPrivileges{{Application: "kibana-.kibana", Privileges: []string{"read"}, Resources: []string{"space:a"}}}},
		"kibana_read2": {Name: "kibana_read2", Applications: []roles.ApplicationPrivileges{{Application: "kibana-.kibana", Privileges: []string{"read"}, Resources: []string{"space:b"}}}},
		"myapp_read":   {Name: "myapp_read", Applications: []roles.ApplicationPrivileges{{Application: "myapp", Privileges: []string{"read"}, Resources: []string{"*"}}}},
		"myapp_write":  {Name: "myapp_write", Applications: []roles.ApplicationPrivileges{{Application: "myapp", Privileges: []string{"write"}, Resources: []string{"*"}}}},
		"myapp_rw":     {Name: "myapp_rw", Applications: []roles.ApplicationPrivileges{{Application: "myapp", Privileges: []string{"read", "write"}, Resources: []string{"*"}}}},
		"kibana_any":   {Name: "kibana_any", Applications: []roles.ApplicationPrivileges{{Application: "kibana-*", Privileges: []string{"read"}, Resources: []string{"*"}}}},
	}, Options{Applications: apps})
	check := func(roleNames []string, app, resource, priv string) bool {
		t.Helper()
		ans, err := a.HasPrivileges(context.Background(), principal("u", "native", roleNames...),
			Check{Application: []ApplicationCheck{{Application: app, Resources: []string{resource}, Privileges: []string{priv}}}})
		if err != nil {
			t.Fatal(err)
		}
		return ans.Application[0].Resources[0].Verdicts[0].Held
	}
	tests := []struct {
		roles                    []string
		app, resource, privilege string
		want                     bool
	}{
		{[]string{"kibana_all"}, "kibana-.kibana", "space:default", "ui:8.15.0:discover/show", true},
		{[]string{"kibana_all"}, "kibana-.kibana", "space:default", "read", true},
		{[]string{"kibana_all"}, "kibana-.kibana", "space:default", "api:x", false},
		{[]string{"kibana_read"}, "kibana-.kibana", "space:a", "ui:8.15.0:discover/show", true},
		{[]string{"kibana_read"}, "kibana-.kibana", "space:a", "ui:8.15.0:dashboard/show", false},
		{[]string{"kibana_read"}, "kibana-.kibana", "space:b", "login:", false},
		{[]string{"kibana_read", "kibana_read2"}, "kibana-.kibana", "space:?", "login:", false},
		{[]string{"kibana_read", "kibana_read2"}, "kibana-.kibana", "space:b", "login:", true},
		{[]string{"kibana_read", "kibana_read2"}, "kibana-.kibana", "/space:[ab]/", "login:", true},
		// No stored "read" for myapp: only the same name set grants it.
		{[]string{"myapp_read"}, "myapp", "x", "read", true},
		{[]string{"myapp_rw"}, "myapp", "x", "read", false},
		// Roles' entries with the same application and resources merge
		// their names, as CompositeRolesStore does.
		{[]string{"myapp_read", "myapp_write"}, "myapp", "x", "read", false},
		{[]string{"kibana_any"}, "kibana-.kibana", "space:x", "ui:8.15.0:discover/show", true},
		{[]string{"superuser"}, "anyapp", "anything", "whatever", true},
	}
	apps.snap = apppriv.NewSnapshot(stored)
	for _, tt := range tests {
		if got := check(tt.roles, tt.app, tt.resource, tt.privilege); got != tt.want {
			t.Errorf("roles %v, %s %s on %s: %v, want %v", tt.roles, tt.app, tt.privilege, tt.resource, got, tt.want)
		}
	}
	// A new snapshot is what the next check resolves against.
	if !check([]string{"kibana_read"}, "kibana-.kibana", "space:a", "ui:8.15.0:discover/show") {
		t.Fatal("precondition")
	}
	apps.snap = apppriv.NewSnapshot(stored[:1])
	if check([]string{"kibana_read"}, "kibana-.kibana", "space:a", "ui:8.15.0:discover/show") {
		t.Error("a removed privilege still granted its actions")
	}
}

func TestHasApplicationPrivilegesOfAPIKey(t *testing.T) {
	a := New(roleSource{}, Options{Applications: &fixedApps{}})
	read := map[string]roles.Descriptor{"r": {Name: "r", Applications: []roles.ApplicationPrivileges{{Application: "myapp", Privileges: []string{"data:read/*"}, Resources: []string{"*"}}}}}
	all := map[string]roles.Descriptor{"a": {Name: "a", Applications: []roles.ApplicationPrivileges{{Application: "myapp", Privileges: []string{"data:*"}, Resources: []string{"*"}}}}}
	for _, tt := range []struct {
		auth authn.Authentication
		priv string
		want bool
	}{
		{keyAuth("k1", all, read), "data:read/x", true},
		{keyAuth("k2", all, read), "data:write/x", false},
		{keyAuth("k3", read, all), "data:write/x", false},
	} {
		ans, err := a.HasPrivileges(context.Background(), tt.auth, Check{Application: []ApplicationCheck{{Application: "myapp", Resources: []string{"r"}, Privileges: []string{tt.priv}}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := ans.Application[0].Resources[0].Verdicts[0].Held; got != tt.want {
			t.Errorf("%s: %v, want %v", tt.priv, got, tt.want)
		}
	}
}
