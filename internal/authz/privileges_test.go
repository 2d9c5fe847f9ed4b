package authz

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/google/go-cmp/cmp"
)

func testRoles() roleSource {
	return roleSource{
		"logs_reader": {Name: "logs_reader", Cluster: []string{"monitor"},
			Indices: []roles.IndexPrivileges{{Names: []string{"logs-*"}, Privileges: []string{"read", "view_index_metadata"}}}},
		"logs_writer": {Name: "logs_writer",
			Indices: []roles.IndexPrivileges{{Names: []string{"logs-*"}, Privileges: []string{"write"}}, {Names: []string{"metrics"}, Privileges: []string{"all"}}}},
		"app_user": {Name: "app_user",
			Applications: []roles.ApplicationPrivileges{{Application: "inventory", Privileges: []string{"read"}, Resources: []string{"product/*"}}}},
	}
}

func TestHasPrivileges(t *testing.T) {
	a := New(testRoles(), Options{})
	p := principal("rdeniro", "native", "logs_reader", "logs_writer", "app_user")
	ans, err := a.HasPrivileges(context.Background(), p, Check{
		Cluster: []string{"monitor", "manage", "cluster:monitor/health", "none"},
		Index: []IndexCheck{
			{Names: []string{"logs-2026", "logs-*", "metrics", "other"}, Privileges: []string{"read", "write", "index", "all"}},
		},
		Application: []ApplicationCheck{{Application: "inventory", Privileges: []string{"read", "write"}, Resources: []string{"product/1852563", "order/1"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Answer{
		All:     false,
		Cluster: []Verdict{{"monitor", true}, {"manage", false}, {"cluster:monitor/health", true}, {"none", true}},
		Index: []ResourceVerdicts{
			{"logs-2026", []Verdict{{"read", true}, {"write", true}, {"index", true}, {"all", false}}},
			{"logs-*", []Verdict{{"read", true}, {"write", true}, {"index", true}, {"all", false}}},
			{"metrics", []Verdict{{"read", true}, {"write", true}, {"index", true}, {"all", true}}},
			{"other", []Verdict{{"read", false}, {"write", false}, {"index", false}, {"all", false}}},
		},
		Application: []AppVerdicts{{"inventory", []ResourceVerdicts{
			{"product/1852563", []Verdict{{"read", true}, {"write", false}}},
			{"order/1", []Verdict{{"read", false}, {"write", false}}},
		}}},
	}
	if diff := cmp.Diff(want, ans); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	// Superuser holds everything but restricted indices need a role that allows them.
	su := principal("su", "reserved", "superuser")
	ans, _ = a.HasPrivileges(context.Background(), su, Check{Cluster: []string{"all"},
		Index: []IndexCheck{{Names: []string{"*"}, Privileges: []string{"all"}}}})
	if !ans.All {
		t.Errorf("superuser lacks something: %+v", ans)
	}
}

func TestUserPrivileges(t *testing.T) {
	a := New(testRoles(), Options{})
	got, err := a.Privileges(context.Background(), principal("rdeniro", "native", "logs_writer", "logs_reader", "ghost"))
	if err != nil {
		t.Fatal(err)
	}
	want := UserPrivileges{
		Cluster: []string{"monitor"},
		Indices: []IndexGrant{
			{Names: []string{"logs-*"}, Privileges: []string{"read", "view_index_metadata", "write"}},
			{Names: []string{"metrics"}, Privileges: []string{"all"}},
		},
		RunAs: []string{},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("privileges (-want +got):\n%s", diff)
	}
}

func TestSourceOrderAndCache(t *testing.T) {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	native := roles.NewStore(db)
	src := NewSource(nil, native)
	if _, err := native.Put(ctx, roles.Descriptor{Name: "mine", Cluster: []string{"monitor"}}); err != nil {
		t.Fatal(err)
	}
	got, err := src.Roles(ctx, []string{"superuser", "mine", "ghost"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["superuser"].Cluster[0] != "all" || got["mine"].Cluster[0] != "monitor" {
		t.Fatalf("roles: %+v", got)
	}
	// A native write is not seen until the role is invalidated...
	if _, err := native.Put(ctx, roles.Descriptor{Name: "mine", Cluster: []string{"manage"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := native.Put(ctx, roles.Descriptor{Name: "ghost", Cluster: []string{"none"}}); err != nil {
		t.Fatal(err)
	}
	got, _ = src.Roles(ctx, []string{"mine", "ghost"})
	if got["mine"].Cluster[0] != "monitor" || len(got) != 1 {
		t.Errorf("cached: %+v", got)
	}
	// ...which the server does on every write.
	src.Invalidate("mine")
	src.InvalidateAll()
	got, _ = src.Roles(ctx, []string{"mine", "ghost"})
	if got["mine"].Cluster[0] != "manage" || len(got) != 2 {
		t.Errorf("after invalidation: %+v", got)
	}
}
