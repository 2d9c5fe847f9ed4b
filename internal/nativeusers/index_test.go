package nativeusers

import (
	"context"
	"maps"
	"slices"
	"testing"
	"unsafe"

	"github.com/esauth/esauth/internal/user"
)

func TestIndexFollowsWrites(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	x := NewIndex(s)
	s.Changed = func(name string) {
		if err := x.Refresh(ctx, name); err != nil {
			t.Error(err)
		}
	}
	names := func() []string {
		us, err := x.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range us {
			out = append(out, u.Username+":"+map[bool]string{true: "on", false: "off"}[u.Enabled])
		}
		slices.Sort(out)
		return out
	}
	s.Put(ctx, user.User{Username: "a", Enabled: true}, "H")
	if got := names(); !slices.Equal(got, []string{"a:on"}) {
		t.Errorf("after first load: %v", got)
	}
	s.Put(ctx, user.User{Username: "b", Enabled: true}, "H")
	s.SetEnabled(ctx, "a", false)
	if got := names(); !slices.Equal(got, []string{"a:off", "b:on"}) {
		t.Errorf("after writes: %v", got)
	}
	s.Delete(ctx, "b")
	if got := names(); !slices.Equal(got, []string{"a:off"}) {
		t.Errorf("after delete: %v", got)
	}
}

// A list handed out by Users never changes under its reader: writes made
// after it wait for the next Users call, while writes between queries
// change the list in place (deletes move the last user into the gap).
func TestIndexSnapshotsStayStill(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	x := NewIndex(s)
	s.Changed = func(name string) {
		if err := x.Refresh(ctx, name); err != nil {
			t.Error(err)
		}
	}
	for _, n := range []string{"a", "b", "c", "d"} {
		s.Put(ctx, user.User{Username: n, Roles: []string{"viewer"}, Enabled: true}, "H")
	}
	first, err := x.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := slices.Clone(first)
	s.Delete(ctx, "a")
	s.Put(ctx, user.User{Username: "e", Enabled: true}, "H")
	s.SetEnabled(ctx, "c", false)
	if !slices.EqualFunc(first, before, func(a, b user.User) bool { return a.Username == b.Username && a.Enabled == b.Enabled }) {
		t.Fatalf("a handed-out list changed: %v", first)
	}
	second, _ := x.Users(ctx)
	got := map[string]bool{}
	for _, u := range second {
		got[u.Username] = u.Enabled
	}
	want := map[string]bool{"b": true, "c": false, "d": true, "e": true}
	if !maps.Equal(got, want) || len(second) != len(want) {
		t.Errorf("after pending writes: %v, want %v", got, want)
	}
	// Roles are shared strings: one copy per name however many users.
	for _, u := range second {
		if len(u.Roles) > 0 && unsafe.StringData(u.Roles[0]) != unsafe.StringData(x.roles["viewer"]) {
			t.Errorf("%s's role name is a copy, not the interned one", u.Username)
		}
	}
}
