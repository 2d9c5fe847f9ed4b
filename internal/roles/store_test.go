package roles

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/esauth/esauth/internal/store/boltstore"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	b, err := boltstore.Open(filepath.Join(t.TempDir(), "esauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return NewStore(b)
}

func render(t *testing.T, ds []Descriptor) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range ds {
		b, _ := d.MarshalJSON()
		out[d.Name] = string(b)
	}
	return out
}

func TestStoreCRUD(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var changed []string
	s.Changed = func(name string) { changed = append(changed, name) }

	admin, err := ParseDescriptor("my_admin_role", []byte(myAdminRoleBody), FromAPI)
	if err != nil {
		t.Fatal(err)
	}
	created, err := s.Put(ctx, admin)
	if err != nil || !created {
		t.Fatalf("Put new = %v, %v; want created", created, err)
	}
	other, _ := ParseDescriptor("other", []byte(`{"cluster":["monitor"]}`), FromAPI)
	if _, err := s.Put(ctx, other); err != nil {
		t.Fatal(err)
	}

	got, err := s.Get(ctx, "my_admin_role", "missing", "my_admin_role")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"my_admin_role": myAdminRoleGet}, render(t, got)); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
	if got, _ := s.Get(ctx, "missing"); len(got) != 0 {
		t.Errorf("Get(missing) = %v", got)
	}

	// Replacing reports created=false and keeps nothing of the old role.
	replacement, _ := ParseDescriptor("my_admin_role", []byte(`{"run_as":["x"]}`), FromAPI)
	if created, err := s.Put(ctx, replacement); err != nil || created {
		t.Fatalf("Put again = %v, %v; want updated", created, err)
	}
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"my_admin_role": `{"cluster":[],"indices":[],"applications":[],"run_as":["x"],"metadata":{},"transient_metadata":{"enabled":true}}`,
		"other":         `{"cluster":["monitor"],"indices":[],"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`,
	}
	if diff := cmp.Diff(want, render(t, list)); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	if list[0].Name != "my_admin_role" || list[1].Name != "other" {
		t.Errorf("List order: %s, %s", list[0].Name, list[1].Name)
	}

	if found, err := s.Delete(ctx, "other"); err != nil || !found {
		t.Fatalf("Delete = %v, %v", found, err)
	}
	if found, err := s.Delete(ctx, "other"); err != nil || found {
		t.Fatalf("Delete again = %v, %v; want not found", found, err)
	}
	if found, err := s.Delete(ctx, "superuser"); found ||
		esError(err) != "illegal_argument_exception: role [superuser] is reserved and cannot be deleted" {
		t.Fatalf("Delete(superuser) = %v, %s", found, esError(err))
	}
	if diff := cmp.Diff([]string{"my_admin_role", "other", "my_admin_role", "other"}, changed); diff != "" {
		t.Errorf("Changed calls (-want +got):\n%s", diff)
	}
	if _, err := s.Put(ctx, Descriptor{}); err == nil {
		t.Error("Put without a name succeeded")
	}
}

func TestStorePersists(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "esauth.db")
	b, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := ParseDescriptor("my_admin_role", []byte(myAdminRoleBody), FromAPI)
	if _, err := NewStore(b).Put(ctx, admin); err != nil {
		t.Fatal(err)
	}
	b.Close()
	b, err = boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := NewStore(b).Get(ctx, "my_admin_role")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"my_admin_role": myAdminRoleGet}, render(t, got)); diff != "" {
		t.Errorf("after reopening (-want +got):\n%s", diff)
	}
}
