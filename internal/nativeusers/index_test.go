package nativeusers

import (
	"context"
	"slices"
	"testing"

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
