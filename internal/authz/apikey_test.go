package authz

import (
	"context"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/indices"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/user"
)

// keyAuth is an authentication by API key id of owner.
func keyAuth(id string, own, limitedBy map[string]roles.Descriptor) authn.Authentication {
	list := func(m map[string]roles.Descriptor) []roles.Descriptor {
		var out []roles.Descriptor
		for _, d := range m {
			out = append(out, d)
		}
		return out
	}
	p := realm.Principal{User: user.User{Username: "owner", Roles: []string{}}, Realm: realm.Ref{Name: "_es_api_key", Type: "_es_api_key"}}
	return authn.Authentication{Authenticating: p, Effective: p, Type: authn.TypeAPIKey,
		APIKey: &authn.APIKey{ID: id, Name: "k", Roles: list(own), LimitedBy: list(limitedBy), Digest: id}}
}

func indexRole(name string, privs []string, names ...string) roles.Descriptor {
	return roles.Descriptor{Name: name, Indices: []roles.IndexPrivileges{{Names: names, Privileges: privs}}}
}

// An API key may do only what both its own descriptors and its owner's
// snapshot allow (Elasticsearch's LimitedRole); with no descriptors of its
// own, the snapshot alone applies; a derived key (both empty) nothing.
// The cases of api_key/10_basic.yml's "has privileges" test are here.
func TestAPIKeyPrivilegesIntersect(t *testing.T) {
	a := New(roleSource{}, Options{})
	ownerAll := map[string]roles.Descriptor{"owner_role": {Name: "owner_role", Cluster: []string{"all"},
		Indices: []roles.IndexPrivileges{{Names: []string{"*"}, Privileges: []string{"all"}}}}}
	ownerLogs := map[string]roles.Descriptor{"owner_role": indexRole("owner_role", []string{"read"}, "logs-*")}
	keyAB := map[string]roles.Descriptor{
		"a": indexRole("a", []string{"read"}, "index-a"),
		"b": indexRole("b", []string{"all"}, "index-b", "logs-1"),
		"m": {Name: "m", Cluster: []string{"monitor"}},
	}
	const (
		search = "indices:data/read/search"
		write  = "indices:data/write/index:op_type/index"
		health = "cluster:monitor/health"
	)
	md := func(context.Context, bool) (*indices.Metadata, error) {
		return indices.NewMetadata([]indices.Abstraction{
			{Name: "index-a", Kind: indices.KindIndex}, {Name: "index-b", Kind: indices.KindIndex},
			{Name: "logs-1", Kind: indices.KindIndex}, {Name: "other", Kind: indices.KindIndex},
		})
	}
	tests := []struct {
		name   string
		auth   authn.Authentication
		action string
		index  string // "" for a cluster action
		reason string // "" when allowed
	}{
		{"key read within owner's all", keyAuth("k1", keyAB, ownerAll), search, "index-a", ""},
		{"key lacks write on index-a", keyAuth("k1", keyAB, ownerAll), write, "index-a",
			"action [indices:data/write/index:op_type/index] is unauthorized for API key id [k1] of user [owner] on indices [index-a], this action is granted by the index privileges [create,index,write,all]"},
		{"key's all on index-b", keyAuth("k1", keyAB, ownerAll), write, "index-b", ""},
		{"nothing outside the key", keyAuth("k1", keyAB, ownerAll), search, "other",
			"action [indices:data/read/search] is unauthorized for API key id [k1] of user [owner] on indices [other], this action is granted by the index privileges [read,all]"},
		{"cluster: both allow", keyAuth("k1", keyAB, ownerAll), health, "", ""},
		{"cluster: the key allows, its owner not", keyAuth("k2", keyAB, ownerLogs), health, "",
			"action [cluster:monitor/health] is unauthorized for API key id [k2] of user [owner], this action is granted by the cluster privileges [monitor,manage,all]"},
		{"key asks for more than its owner", keyAuth("k2", keyAB, ownerLogs), write, "logs-1",
			"action [indices:data/write/index:op_type/index] is unauthorized for API key id [k2] of user [owner] on indices [logs-1], this action is granted by the index privileges [create,index,write,all]"},
		{"both allow read", keyAuth("k2", keyAB, ownerLogs), search, "logs-1", ""},
		{"owner lacks index-a", keyAuth("k2", keyAB, ownerLogs), search, "index-a",
			"action [indices:data/read/search] is unauthorized for API key id [k2] of user [owner] on indices [index-a], this action is granted by the index privileges [read,all]"},
		{"no own descriptors: the snapshot", keyAuth("k3", nil, ownerAll), health, "", ""},
		{"no own descriptors: the snapshot's indices", keyAuth("k3", nil, ownerLogs), search, "logs-1", ""},
		{"derived key: nothing", keyAuth("k4", nil, map[string]roles.Descriptor{}), search, "logs-1",
			"action [indices:data/read/search] is unauthorized for API key id [k4] of user [owner] on indices [logs-1], this action is granted by the index privileges [read,all]"},
	}
	for _, tt := range tests {
		req := Request{Action: tt.action}
		if tt.index != "" {
			req.Index = &IndexRequest{Expressions: []string{tt.index}, Options: indices.StrictExpandOpen, Metadata: md}
		}
		_, err := a.Authorize(context.Background(), tt.auth, req)
		switch {
		case tt.reason == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.reason != "" && (err == nil || !strings.Contains(err.Error(), tt.reason)):
			t.Errorf("%s: %v\nwant %s", tt.name, err, tt.reason)
		}
	}

	// A wildcard is narrowed to what both allow.
	d, err := a.Authorize(context.Background(), keyAuth("k2", keyAB, ownerLogs),
		Request{Action: search, Index: &IndexRequest{Expressions: []string{"*"}, Options: indices.StrictExpandOpen, Metadata: md}})
	if err != nil || strings.Join(d.Indices().Names, ",") != "logs-1" {
		t.Errorf("a wildcard for k2: %v %v", d.Indices().Names, err)
	}
	// A key given every index reads no more than its owner may.
	wide := map[string]roles.Descriptor{"w": indexRole("w", []string{"all"}, "*")}
	d, err = a.Authorize(context.Background(), keyAuth("k5", wide, ownerLogs),
		Request{Action: search, Index: &IndexRequest{Expressions: []string{"logs-1"}, Options: indices.StrictExpandOpen, Metadata: md}})
	if err != nil || d.MayReadAll(search) || d.Covers(search, "index-*") || !d.Covers(search, "logs-*") || len(d.WildcardPatterns(search)) != 0 {
		t.Errorf("k5: %v, reads all %v, covers index-* %v, covers logs-* %v, patterns %v", err, d.MayReadAll(search), d.Covers(search, "index-*"), d.Covers(search, "logs-*"), d.WildcardPatterns(search))
	}
	// _has_privileges answers for both sets.
	ans, err := a.HasPrivileges(context.Background(), keyAuth("k1", keyAB, ownerAll), Check{
		Cluster: []string{"monitor"},
		Index:   []IndexCheck{{Names: []string{"index-a", "index-b", "*"}, Privileges: []string{"read", "write"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range ans.Cluster {
		got = append(got, v.Privilege+"="+boolKey(v.Held))
	}
	for _, r := range ans.Index {
		for _, v := range r.Verdicts {
			got = append(got, r.Resource+":"+v.Privilege+"="+boolKey(v.Held))
		}
	}
	want := "monitor=1 index-a:read=1 index-a:write=0 index-b:read=1 index-b:write=1 *:read=0 *:write=0"
	if g := strings.Join(got, " "); ans.All || g != want {
		t.Errorf("has_privileges: %s\nwant %s", g, want)
	}
	ans, err = a.HasPrivileges(context.Background(), keyAuth("k2", keyAB, ownerLogs), Check{
		Cluster: []string{"monitor"}, Index: []IndexCheck{{Names: []string{"logs-1"}, Privileges: []string{"read", "write"}}}})
	if err != nil || ans.All || ans.Cluster[0].Held || !ans.Index[0].Verdicts[0].Held || ans.Index[0].Verdicts[1].Held {
		t.Errorf("has_privileges of k2: %+v %v", ans, err)
	}
	// Get user privileges has no single answer for a key with descriptors.
	if _, err := a.Privileges(context.Background(), keyAuth("k1", keyAB, ownerAll)); err == nil || !strings.Contains(err.Error(), "Cannot retrieve privileges for API keys with assigned role descriptors") {
		t.Errorf("privileges of a limited key: %v", err)
	}
}

// manage_own_api_key grants the API key actions only on the caller's own
// keys, which the route says it touches; manage_api_key on any.
func TestManageOwnAPIKey(t *testing.T) {
	a := New(roleSource{
		"own":    {Name: "own", Cluster: []string{"manage_own_api_key"}},
		"admin":  {Name: "admin", Cluster: []string{"manage_api_key"}},
		"reader": {Name: "reader", Cluster: []string{"read_security"}},
	}, Options{})
	const get, create = "cluster:admin/xpack/security/api_key/get", "cluster:admin/xpack/security/api_key/create"
	tests := []struct {
		role   string
		action string
		own    bool
		allow  bool
	}{
		{"own", get, true, true},
		{"own", create, true, true},
		{"own", get, false, false},
		{"own", "cluster:monitor/health", true, false},
		{"admin", get, false, true},
		{"reader", get, false, true},
		{"reader", create, true, false},
	}
	for _, tt := range tests {
		_, err := a.Authorize(context.Background(), principal("u", "native", tt.role), Request{Action: tt.action, OwnAPIKeys: tt.own})
		if (err == nil) != tt.allow {
			t.Errorf("%s %s own=%v: %v", tt.role, tt.action, tt.own, err)
		}
	}
	// A key's own manage_own_api_key needs its owner's too.
	k := keyAuth("k6", map[string]roles.Descriptor{"o": {Name: "o", Cluster: []string{"manage_own_api_key"}}},
		map[string]roles.Descriptor{"m": {Name: "m", Cluster: []string{"monitor"}}})
	if _, err := a.Authorize(context.Background(), k, Request{Action: get, OwnAPIKeys: true}); err == nil {
		t.Error("a key's manage_own_api_key outgrew its owner's roles")
	}
}
