package securityapi_test

import (
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/server/servertest"
	"github.com/esauth/esauth/internal/store"
)

// Clearing a realm's cache makes it check the store again: the test
// changes joe's password behind the node's back (no eviction), sees the
// cached old password still accepted, and clears caches by realm and by
// user until it is not.
func TestClearRealmCache(t *testing.T) {
	var raw store.Store
	s := servertest.StartWith(t, servertest.Options{WrapStore: func(db store.Store) store.Store { raw = db; return db }})
	id := s.Node.Self().ID
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":[]}`)
	h, _ := passhash.Resolve("bcrypt4")
	behind := func(pw string) {
		t.Helper()
		hash, _ := h.Hash(pw)
		// A store of its own has no Changed hook: nothing is evicted.
		if err := nativeusers.New(raw).ChangePassword(t.Context(), "joe", hash); err != nil {
			t.Fatal(err)
		}
	}
	cleared := `{"_nodes":{"total":1,"successful":1,"failed":0},"cluster_name":"elasticsearch","nodes":{"` + id + `":{"name":"`
	tests := []struct {
		path    string
		evicted bool
	}{
		{"/_security/realm/default_file/_clear_cache", false},
		{"/_security/realm/reserved,default_file/_clear_cache?usernames=joe", false},
		{"/_security/realm/*/_clear_cache?usernames=ann,bob", false},
		{"/_security/realm/default_native/_clear_cache?usernames=ann,joe", true},
		{"/_security/realm/default_native/_clear_cache", true},
		{"/_security/realm/_all/_clear_cache", true},
		{"/_security/realm/*/_clear_cache?usernames=joe", true},
		{"/_xpack/security/realm/default_native/_clear_cache?usernames=_all", true},
	}
	for i, tt := range tests {
		old := "joe-secret-" + string(rune('a'+i))
		behind(old)
		s.MustCall(t, 200, "GET", "/_security/_authenticate", "joe:"+old, "") // now cached
		behind(old + "-new")
		if got := s.MustCall(t, 200, "POST", tt.path, servertest.Admin, ""); !strings.HasPrefix(got, cleared) {
			t.Errorf("POST %s:\n got %s\nwant %s...", tt.path, got, cleared)
		}
		want := 200
		if tt.evicted {
			want = 401
		}
		if r := s.Call(t, "GET", "/_security/_authenticate", "joe:"+old, ""); r.Status != want {
			t.Errorf("after POST %s the old cached password gets %d, want %d", tt.path, r.Status, want)
		}
	}
	want := `{"_nodes":{"total":1,"successful":0,"failed":1,"failures":[{"type":"failed_node_exception","reason":"Failed node [` + id + `]","node_id":"` + id +
		`","caused_by":{"type":"illegal_argument_exception","reason":"could not find active realm [ldap1]"}}]},"cluster_name":"elasticsearch","nodes":{}}`
	if got := s.MustCall(t, 200, "POST", "/_security/realm/ldap1/_clear_cache", servertest.Admin, ""); got != want {
		t.Errorf("unknown realm:\n got %s\nwant %s", got, want)
	}
	s.MustCall(t, 200, "PUT", "/_security/user/mon", servertest.Admin, `{"password":"mon-secret","roles":["remote_monitoring_collector"]}`)
	r := s.Call(t, "POST", "/_security/realm/_all/_clear_cache", "mon:mon-secret", "")
	wantDenied := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/realm/cache/clear] is unauthorized for user [mon] with effective roles [remote_monitoring_collector], this action is granted by the cluster privileges [manage_security,all]", 403)
	if r.Status != 403 || r.Body != wantDenied {
		t.Errorf("unprivileged clear: %d %s", r.Status, r.Body)
	}
}

// Clearing the roles cache makes the node read roles again: the test
// changes a role behind the node's back (no eviction), sees the cached
// role still decide, and clears by name and for all until it does not.
func TestClearRolesCache(t *testing.T) {
	var raw store.Store
	s := servertest.StartWith(t, servertest.Options{WrapStore: func(db store.Store) store.Store { raw = db; return db }})
	s.MustCall(t, 200, "PUT", "/_security/user/mo", servertest.Admin, `{"password":"mo-secret","roles":["ops"]}`)
	behind := func(cluster string) {
		t.Helper()
		// A roles store of its own has no Changed hook: nothing is evicted.
		if _, err := roles.NewStore(raw).Put(t.Context(), roles.Descriptor{Name: "ops", Cluster: []string{cluster}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/_security/role/ops/_clear_cache", "/_security/role/_all/_clear_cache", "/_security/role/*/_clear_cache"} {
		behind("monitor")
		s.MustCall(t, 200, "POST", path, servertest.Admin, "")
		s.MustCall(t, 200, "GET", "/_cluster/health", "mo:mo-secret", "") // cached: monitor
		behind("none")
		s.MustCall(t, 200, "GET", "/_cluster/health", "mo:mo-secret", "") // still the cached role
		s.MustCall(t, 200, "POST", "/_security/role/other/_clear_cache", servertest.Admin, "")
		s.MustCall(t, 200, "GET", "/_cluster/health", "mo:mo-secret", "") // another role was cleared
		s.MustCall(t, 200, "POST", path, servertest.Admin, "")
		s.MustCall(t, 403, "GET", "/_cluster/health", "mo:mo-secret", "")
	}
}
