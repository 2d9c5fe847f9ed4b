package authz

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/user"
)

// principal is a user authenticated by a realm of realmType.
func principal(name, realmType string, roles ...string) authn.Authentication {
	p := realm.Principal{User: user.User{Username: name, Roles: roles}, Realm: realm.Ref{Name: realmType, Type: realmType}}
	return authn.Authentication{Authenticating: p, Effective: p, Type: authn.TypeRealm}
}

// roleSource adds test roles to the built-in ones.
type roleSource map[string]roles.Descriptor

func (s roleSource) Roles(ctx context.Context, names []string) (map[string]roles.Descriptor, error) {
	out := map[string]roles.Descriptor{}
	builtin := roles.Builtin()
	for _, n := range names {
		if r, ok := s[n]; ok {
			out[n] = r
		} else if r, ok := builtin[n]; ok {
			out[n] = r
		}
	}
	return out, nil
}

func TestAuthorize(t *testing.T) {
	a := New(roleSource{
		"monitor_only":  {Name: "monitor_only", Cluster: []string{"monitor"}},
		"reader":        {Name: "reader", Cluster: []string{"read_security"}},
		"manager":       {Name: "manager", Cluster: []string{"manage"}},
		"pattern":       {Name: "pattern", Cluster: []string{"cluster:admin/xpack/security/user/*"}},
		"nothing":       {Name: "nothing", Cluster: []string{"none"}},
		"unknown_priv":  {Name: "unknown_priv", Cluster: []string{"no_such_privilege"}},
		"security_mgmt": {Name: "security_mgmt", Cluster: []string{"manage_security"}},
	}, Options{AnonymousAuthzException: true})
	const (
		put    = "cluster:admin/xpack/security/user/put"
		get    = "cluster:admin/xpack/security/user/get"
		health = "cluster:monitor/health"
	)
	tests := []struct {
		p      authn.Authentication
		action string
		target string
		allow  bool
	}{
		{principal("su", "native", "superuser"), put, "", true},
		{principal("m", "native", "monitor_only"), health, "", true},
		{principal("m", "native", "monitor_only"), put, "", false},
		{principal("r", "native", "reader"), get, "", true},
		{principal("r", "native", "reader"), put, "", false},
		{principal("mg", "native", "manager"), health, "", true},
		{principal("mg", "native", "manager"), get, "", false}, // manage excludes security
		{principal("pt", "native", "pattern"), put, "", true},
		{principal("pt", "native", "pattern"), health, "", false},
		{principal("n", "native", "nothing"), health, "", false},
		{principal("u", "native", "unknown_priv"), health, "", false},
		{principal("s", "native", "security_mgmt"), put, "", true},
		{principal("s", "native", "security_mgmt"), health, "", false},
		{principal("k", "reserved", "kibana_system"), health, "", true},
		{principal("k", "reserved", "kibana_system"), put, "", false},
		// Anyone may authenticate and change their own password...
		{principal("n", "native"), ActionAuthenticate, "", true},
		{principal("n", "native"), ActionChangePassword, "n", true},
		{principal("e", "reserved"), ActionChangePassword, "e", true},
		// ...but not another user's, nor from a realm other than native/reserved.
		{principal("n", "native"), ActionChangePassword, "other", false},
		{principal("f", "file"), ActionChangePassword, "f", false},
	}
	for _, tt := range tests {
		d, err := a.Authorize(context.Background(), tt.p, Request{Action: tt.action, Target: tt.target})
		if (err == nil) != tt.allow || d.Granted() != tt.allow {
			t.Errorf("%s%v %s on %q: err=%v granted=%v, want allowed=%v", tt.p.User().Username, tt.p.User().Roles, tt.action, tt.target, err, d.Granted(), tt.allow)
		}
		var e *eserr.Error
		if err != nil && (!errors.As(err, &e) || e.Status != 403 || e.Type != "security_exception") {
			t.Errorf("denial is not a 403 security_exception: %v", err)
		}
	}
}

func TestDenialMessage(t *testing.T) {
	a := New(roleSource{}, Options{AnonymousAuthzException: true})
	tests := []struct {
		p          authn.Authentication
		action     string
		wantReason string
	}{
		{principal("bob", "native", "viewer", "zeta", "alpha", "viewer"), "cluster:admin/xpack/security/user/put",
			"action [cluster:admin/xpack/security/user/put] is unauthorized for user [bob] with effective roles [viewer] (assigned roles [alpha,zeta] were not found), this action is granted by the cluster privileges [manage_security,all]"},
		{principal("bob", "native"), "cluster:admin/xpack/security/user/get",
			"action [cluster:admin/xpack/security/user/get] is unauthorized for user [bob] with effective roles [], this action is granted by the cluster privileges [read_security,manage_security,all]"},
		{principal("bob", "native", "editor", "apm_system"), "cluster:admin/xpack/security/realm/cache/clear",
			"action [cluster:admin/xpack/security/realm/cache/clear] is unauthorized for user [bob] with effective roles [apm_system,editor], this action is granted by the cluster privileges [manage_security,all]"},
		{principal("bob", "native"), "cluster:monitor/main",
			"action [cluster:monitor/main] is unauthorized for user [bob] with effective roles [], this action is granted by the cluster privileges [monitor,manage,all]"},
		// A request on the caller's own keys: manage_own_api_key would do.
		{principal("bob", "native"), "own:cluster:admin/xpack/security/api_key/create",
			"action [cluster:admin/xpack/security/api_key/create] is unauthorized for user [bob] with effective roles [], this action is granted by the cluster privileges [manage_own_api_key,manage_api_key,manage_security,all]"},
		// On others' keys it would not, and is not named (11_invalidation.yml).
		{principal("bob", "native"), "cluster:admin/xpack/security/api_key/invalidate",
			"action [cluster:admin/xpack/security/api_key/invalidate] is unauthorized for user [bob] with effective roles [], this action is granted by the cluster privileges [manage_api_key,manage_security,all]"},
	}
	for _, tt := range tests {
		action, own := strings.CutPrefix(tt.action, "own:")
		_, err := a.Authorize(context.Background(), tt.p, Request{Action: action, OwnAPIKeys: own})
		var e *eserr.Error
		if !errors.As(err, &e) || e.Reason != tt.wantReason {
			t.Errorf("%s:\n got %v\nwant %s", tt.action, err, tt.wantReason)
		}
	}
}

// Run-as is decided with the authenticating user's run_as privileges,
// then the action with the roles of the user it runs as.
func TestAuthorizeRunAs(t *testing.T) {
	a := New(roleSource{
		"proxy":  {Name: "proxy", RunAs: []string{"bob", "team-*"}},
		"reader": {Name: "reader", Cluster: []string{"read_security"}},
	}, Options{AnonymousAuthzException: true})
	proxy := principal("proxy", "native", "proxy")
	as := func(name string, roles ...string) authn.Authentication {
		return proxy.RunAs(realm.Principal{User: user.User{Username: name, Roles: roles}, Realm: realm.DefaultNativeRef})
	}
	get := "cluster:admin/xpack/security/user/get"
	tests := []struct {
		auth    authn.Authentication
		action  string
		runAs   RunAs
		granted bool
		reason  string
	}{
		{as("bob", "reader"), get, RunAsGranted, true, ""},
		{as("team-a", "reader"), get, RunAsGranted, true, ""},
		{as("bob"), get, RunAsGranted, false,
			"action [" + get + "] is unauthorized for user [proxy] run as [bob] with effective roles [], this action is granted by the cluster privileges [read_security,manage_security,all]"},
		{as("alice", "reader"), get, RunAsDenied, false,
			"action [" + get + "] is unauthorized for user [proxy] with effective roles [proxy], because user [proxy] is unauthorized to run as [alice]"},
		// _authenticate needs no privilege, but the run-as is checked.
		{as("alice"), ActionAuthenticate, RunAsDenied, false,
			"action [" + ActionAuthenticate + "] is unauthorized for user [proxy] with effective roles [proxy], because user [proxy] is unauthorized to run as [alice]"},
		// A user no realm found has no realm: refused, even if named.
		{proxy.RunAs(realm.Principal{User: user.User{Username: "bob"}}), get, RunAsDenied, false,
			"action [" + get + "] is unauthorized for user [proxy] with effective roles [proxy], because user [proxy] is unauthorized to run as [bob]"},
	}
	for _, tt := range tests {
		d, err := a.Authorize(context.Background(), tt.auth, Request{Action: tt.action})
		if d.Granted() != tt.granted || d.RunAs() != tt.runAs {
			t.Errorf("as %s: granted %v run-as %v (%v), want %v %v", tt.auth.User().Username, d.Granted(), d.RunAs(), err, tt.granted, tt.runAs)
		}
		var e *eserr.Error
		if tt.reason != "" && (!errors.As(err, &e) || e.Reason != tt.reason || e.Status != 403) {
			t.Errorf("as %s:\n got %v\nwant %s", tt.auth.User().Username, err, tt.reason)
		}
	}
}

// The "granted by" list of index actions follows Elasticsearch's order
// (IndexPrivilege.findPrivilegesThatGrant, es-gateway.md §2.4, the first
// four asserted in AuthorizationServiceTests).
func TestIndexDenialGrantedBy(t *testing.T) {
	a := New(roleSource{}, Options{})
	set, err := a.sets.get(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for action, want := range map[string]string{
		"indices:data/read/search":                "[read,all]",
		"indices:data/write/index:op_type/create": "[create_doc,create,index,write,all]",
		"indices:data/write/index:op_type/index":  "[create,index,write,all]",
		"indices:data/write/delete":               "[delete,write,all]",
		"indices:data/write/bulk":                 "[create_doc,create,delete,index,write,all]",
		"indices:data/write/update":               "[index,write,all]",
		"indices:admin/create":                    "[create_index,manage,all]",
		"indices:admin/auto_create":               "[auto_configure,create_index,manage,all]",
		"indices:admin/refresh":                   "[maintenance,manage,all]",
		"indices:admin/get":                       "[view_index_metadata,manage,all]",
		"indices:data/read/field_caps":            "[view_index_metadata,manage,read,all]",
		"indices:admin/aliases":                   "[manage,all]",
		"indices:admin/rollover":                  "[manage_follow_index,manage,all]",
	} {
		err := a.indexDenial(principal("bob", "native", "reader"), set, action, []string{"secret"}, false)
		if !strings.Contains(err.Error(), " on indices [secret], this action is granted by the index privileges "+want) {
			t.Errorf("%s: %v\nwant granted by %s", action, err, want)
		}
	}
	err = a.indexDenial(principal("bob", "native"), set, "indices:data/read/search", []string{"a", ".security-7", "b"}, false)
	if !strings.Contains(err.Error(), "on indices [a,b] and restricted indices [.security-7], this") {
		t.Errorf("restricted: %v", err)
	}
}
