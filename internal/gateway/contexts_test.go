package gateway

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/user"
)

func authAs(name string, r realm.Ref) authn.Authentication {
	p := realm.Principal{User: user.User{Username: name}, Realm: r}
	return authn.Authentication{Authenticating: p, Effective: p, Type: authn.TypeRealm}
}

// A context belongs to who opened it: same name and realm type (and realm
// name for realms other than file and native), until it expires.
func TestContextsBindToTheirOwner(t *testing.T) {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	c := &contexts{db: db, now: func() time.Time { return now }}
	ctx := context.Background()
	bob := authAs("bob", realm.DefaultNativeRef)
	if err := c.record(ctx, kindScroll, "scroll-1", bob, time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		auth authn.Authentication
		kind string
		want bool
	}{
		{"owner", bob, kindScroll, true},
		{"owner, native realm of another name", authAs("bob", realm.Ref{Name: "native2", Type: "native"}), kindScroll, true},
		{"same name, file realm", authAs("bob", realm.Ref{Name: "default_file", Type: "file"}), kindScroll, false},
		{"another user", authAs("alice", realm.DefaultNativeRef), kindScroll, false},
		{"another kind", bob, kindPIT, false},
		{"run as bob", authAs("proxy", realm.DefaultNativeRef).RunAs(bob.Effective), kindScroll, true},
	} {
		if got, err := c.owns(ctx, tt.kind, "scroll-1", tt.auth); err != nil || got != tt.want {
			t.Errorf("%s: %v %v, want %v", tt.name, got, err, tt.want)
		}
	}
	// The store keeps no id, only its digest.
	_ = db.List(ctx, store.SearchContexts, func(k string, _ []byte) error {
		if k == kindScroll+"/scroll-1" {
			t.Error("the id is a key")
		}
		return nil
	})
	now = now.Add(2*time.Minute + time.Second)
	if got, _ := c.owns(ctx, kindScroll, "scroll-1", bob); got {
		t.Error("an expired context still belongs to its owner")
	}
	_ = c.record(ctx, kindPIT, "pit-1", bob, time.Minute)
	now = now.Add(time.Hour)
	if err := c.sweep(ctx); err != nil {
		t.Fatal(err)
	}
	n := 0
	_ = db.List(ctx, store.SearchContexts, func(string, []byte) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d records left after the sweep", n)
	}
}
