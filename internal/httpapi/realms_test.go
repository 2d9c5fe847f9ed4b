package httpapi

import (
	"context"
	"testing"

	"github.com/esauth/esauth/internal/realm"
	"github.com/google/go-cmp/cmp"
)

// recordingRealm records cache invalidations and authenticates no one.
type recordingRealm struct {
	ref    realm.Ref
	events *[]string
}

func (r recordingRealm) Ref() realm.Ref { return r.ref }
func (r recordingRealm) Authenticate(context.Context, string, string) (realm.Principal, realm.Outcome, error) {
	return realm.Principal{}, realm.Continue, nil
}
func (r recordingRealm) Invalidate(u string) { *r.events = append(*r.events, r.ref.Name+":"+u) }
func (r recordingRealm) InvalidateAll()      { *r.events = append(*r.events, r.ref.Name+":*") }

func TestClearRealmCache(t *testing.T) {
	s := newTestServer(t)
	var events []string
	s.api.Node.ID = "node-id-1"
	s.api.AllRealms = []realm.Realm{
		recordingRealm{realm.ReservedRef, &events},
		recordingRealm{realm.Ref{Name: "default_file", Type: "file"}, &events},
		recordingRealm{realm.DefaultNativeRef, &events},
	}
	cleared := `{"_nodes":{"total":1,"successful":1,"failed":0},"cluster_name":"test-cluster","nodes":{"node-id-1":{"name":"node-1"}}}`
	tests := []struct {
		path, want string
		events     []string
	}{
		{"/_security/realm/_all/_clear_cache", cleared, []string{"reserved:*", "default_file:*", "default_native:*"}},
		{"/_security/realm/*/_clear_cache?usernames=a,b", cleared, []string{"reserved:a", "reserved:b", "default_file:a", "default_file:b", "default_native:a", "default_native:b"}},
		{"/_security/realm/default_native/_clear_cache", cleared, []string{"default_native:*"}},
		{"/_security/realm/default_file,reserved/_clear_cache?usernames=joe", cleared, []string{"default_file:joe", "reserved:joe"}},
		{"/_xpack/security/realm/default_native/_clear_cache?usernames=_all", cleared, []string{"default_native:*"}},
		{"/_security/realm/ldap1/_clear_cache", `{"_nodes":{"total":1,"successful":0,"failed":1,"failures":[{"type":"failed_node_exception","reason":"Failed node [node-id-1]","node_id":"node-id-1","caused_by":{"type":"illegal_argument_exception","reason":"could not find active realm [ldap1]"}}]},"cluster_name":"test-cluster","nodes":{}}`, nil},
	}
	for _, tt := range tests {
		events = nil
		if got := s.mustCall(t, 200, "POST", tt.path, admin, ""); got != tt.want {
			t.Errorf("POST %s:\n got %s\nwant %s", tt.path, got, tt.want)
		}
		if diff := cmp.Diff(tt.events, events); diff != "" {
			t.Errorf("POST %s invalidations (-want +got):\n%s", tt.path, diff)
		}
	}
	s.mustCall(t, 200, "PUT", "/_security/user/mon", admin, `{"password":"mon-secret","roles":["remote_monitoring_collector"]}`)
	r := s.call(t, "POST", "/_security/realm/_all/_clear_cache", "mon:mon-secret", "")
	want := esError("security_exception", "action [cluster:admin/xpack/security/realm/cache/clear] is unauthorized for user [mon] with effective roles [remote_monitoring_collector], this action is granted by the cluster privileges [manage_security,all]", 403)
	if r.status != 403 || r.body != want {
		t.Errorf("unprivileged clear: %d %s", r.status, r.body)
	}
}
