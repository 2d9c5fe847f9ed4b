package authz

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/store"
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

// pausingStore holds the first read of a role until released, so a test
// can put a write between the read and the caching of its result.
type pausingStore struct {
	store.Store
	once            sync.Once
	reading, resume chan struct{}
}

func (p *pausingStore) Get(ctx context.Context, c store.Collection, key string) ([]byte, error) {
	v, err := p.Store.Get(ctx, c, key)
	if c == store.Roles {
		p.once.Do(func() {
			close(p.reading)
			<-p.resume
		})
	}
	return v, err
}

// An invalidation that lands while a role is being read wins: the stale
// read is not cached (review finding 2).
func TestSourceInvalidationDuringLoad(t *testing.T) {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	ps := &pausingStore{Store: db, reading: make(chan struct{}), resume: make(chan struct{})}
	native := roles.NewStore(ps)
	src := NewSource(nil, native)
	native.Changed = src.Invalidate
	if _, err := roles.NewStore(db).Put(ctx, roles.Descriptor{Name: "ops", Cluster: []string{"all"}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan map[string]roles.Descriptor)
	go func() {
		got, _ := src.Roles(ctx, []string{"ops"})
		done <- got
	}()
	<-ps.reading // the old role has been read, not yet cached
	if _, err := native.Put(ctx, roles.Descriptor{Name: "ops", Cluster: []string{"none"}}); err != nil {
		t.Fatal(err)
	}
	close(ps.resume)
	<-done
	got, err := src.Roles(ctx, []string{"ops"})
	if err != nil {
		t.Fatal(err)
	}
	if c := got["ops"].Cluster; len(c) != 1 || c[0] != "none" {
		t.Errorf("after the write, the source serves %v", c)
	}
}

// Even a lost invalidation ends after MaxRoleAge.
func TestSourceMaxAge(t *testing.T) {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	native := roles.NewStore(db) // no Changed hook: invalidations are lost
	src := NewSource(nil, native)
	now := time.Now()
	src.now = func() time.Time { return now }
	if _, err := native.Put(ctx, roles.Descriptor{Name: "ops", Cluster: []string{"all"}}); err != nil {
		t.Fatal(err)
	}
	_, _ = src.Roles(ctx, []string{"ops"})
	if _, err := native.Put(ctx, roles.Descriptor{Name: "ops", Cluster: []string{"none"}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := src.Roles(ctx, []string{"ops"}); got["ops"].Cluster[0] != "all" {
		t.Fatalf("not cached: %v", got)
	}
	now = now.Add(MaxRoleAge)
	if got, _ := src.Roles(ctx, []string{"ops"}); got["ops"].Cluster[0] != "none" {
		t.Errorf("after MaxRoleAge the source still serves %v", got["ops"].Cluster)
	}
}

// _has_privileges answers exactly for ?, * and /regex/ names, and for
// restricted indices as Elasticsearch's automata do (review §13; the
// allow_restricted_indices of the check used to be ignored).
func TestHasIndexPrivilegesPatterns(t *testing.T) {
	a := New(roleSource{
		"q":     {Name: "q", Indices: []roles.IndexPrivileges{{Names: []string{"a?b"}, Privileges: []string{"read"}}}},
		"re":    {Name: "re", Indices: []roles.IndexPrivileges{{Names: []string{"/logs-[0-9]+/"}, Privileges: []string{"read"}}}},
		"all":   {Name: "all", Indices: []roles.IndexPrivileges{{Names: []string{"*"}, Privileges: []string{"all"}}}},
		"allr":  {Name: "allr", Indices: []roles.IndexPrivileges{{Names: []string{"*"}, Privileges: []string{"all"}, AllowRestrictedIndices: true}}},
		"split": {Name: "split", Indices: []roles.IndexPrivileges{{Names: []string{"x-*"}, Privileges: []string{"read"}}, {Names: []string{"x-*"}, Privileges: []string{"write"}}}},
	}, Options{})
	tests := []struct {
		roles           []string
		name, priv      string
		allowRestricted bool
		want            bool
	}{
		{[]string{"q"}, "a?b", "read", false, true},
		{[]string{"q"}, "axb", "read", false, true},
		{[]string{"q"}, "a*b", "read", false, false}, // a?b does not cover a*b
		{[]string{"q"}, "axxb", "read", false, false},
		{[]string{"q"}, "axb", "write", false, false},
		{[]string{"re"}, "logs-2026", "read", false, true},
		{[]string{"re"}, "logs-*", "read", false, false},
		{[]string{"re"}, "/logs-[0-9]{4}/", "read", false, true},
		{[]string{"re"}, "logs-abc", "read", false, false},
		{[]string{"all"}, "*", "all", false, true},
		{[]string{"all"}, "*", "all", true, false}, // the role leaves restricted indices out
		{[]string{"all"}, ".security-7", "read", false, false},
		{[]string{"all"}, ".security*", "read", false, true}, // nothing left to ask about
		{[]string{"allr"}, "*", "all", true, true},
		{[]string{"allr"}, ".security-7", "read", false, true},
		{[]string{"split"}, "x-1", "read", false, true},
		{[]string{"split"}, "x-*", "index", false, true}, // two groups together grant write
		{[]string{"split"}, "x-*", "indices:data/write/index", false, true},
		{[]string{"split"}, "x-*", "manage", false, false},
	}
	for _, tt := range tests {
		ans, err := a.HasPrivileges(context.Background(), principal("u", "native", tt.roles...),
			Check{Index: []IndexCheck{{Names: []string{tt.name}, Privileges: []string{tt.priv}, AllowRestrictedIndices: tt.allowRestricted}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := ans.Index[0].Verdicts[0].Held; got != tt.want {
			t.Errorf("roles %v, %s on %s (allow_restricted_indices %v): %v, want %v", tt.roles, tt.priv, tt.name, tt.allowRestricted, got, tt.want)
		}
	}
}
