package nativeusers

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/user"
	"github.com/google/go-cmp/cmp"
)

func newStore(t testing.TB) (*Store, *[]string) {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := New(db)
	var changed []string
	s.Changed = func(name string) { changed = append(changed, name) }
	return s, &changed
}

func ptr(s string) *string { return &s }

func validationReason(err error) string {
	var e *eserr.Error
	if errors.As(err, &e) {
		return e.Type + ": " + e.Reason
	}
	return ""
}

func TestPutKeepsHashOnUpdate(t *testing.T) {
	ctx := context.Background()
	s, changed := newStore(t)
	u := user.User{Username: "joe", Roles: []string{"a"}, FullName: ptr("Joe"), Email: ptr("j@x"), Metadata: json.RawMessage(`{"k":1}`), Enabled: true}
	if _, err := s.Put(ctx, user.User{Username: "new", Enabled: true}, ""); validationReason(err) !=
		"validation_exception: Validation Failed: 1: password must be specified unless you are updating an existing user;" {
		t.Fatalf("create without hash: %v", err)
	}
	created, err := s.Put(ctx, u, "HASH1")
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	created, err = s.Put(ctx, user.User{Username: "joe", Roles: []string{}, Enabled: false}, "")
	if err != nil || created {
		t.Fatalf("update: %v %v", created, err)
	}
	acc, err := s.Get(ctx, "joe")
	if err != nil {
		t.Fatal(err)
	}
	want := Account{User: user.User{Username: "joe", Roles: []string{}, Metadata: user.EmptyMetadata}, PasswordHash: "HASH1"}
	if diff := cmp.Diff(want, acc); diff != "" {
		t.Errorf("after update (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"joe", "joe"}, *changed); diff != "" {
		t.Errorf("change notifications (-want +got):\n%s", diff)
	}
}

func TestNativeOperations(t *testing.T) {
	ctx := context.Background()
	s, changed := newStore(t)
	if err := s.ChangePassword(ctx, "joe", "H"); validationReason(err) != "validation_exception: Validation Failed: 1: user must exist in order to change password;" {
		t.Errorf("change password of missing user: %v", err)
	}
	if err := s.SetEnabled(ctx, "joe", true); validationReason(err) != "validation_exception: Validation Failed: 1: only existing users can be enabled;" {
		t.Errorf("enable missing: %v", err)
	}
	if err := s.SetEnabled(ctx, "joe", false); validationReason(err) != "validation_exception: Validation Failed: 1: only existing users can be disabled;" {
		t.Errorf("disable missing: %v", err)
	}
	if len(*changed) != 0 {
		t.Errorf("failed writes notified: %v", *changed)
	}
	if _, err := s.Put(ctx, user.User{Username: "joe", Enabled: true}, "H1"); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangePassword(ctx, "joe", "H2"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEnabled(ctx, "joe", false); err != nil {
		t.Fatal(err)
	}
	acc, _ := s.Get(ctx, "joe")
	if acc.PasswordHash != "H2" || acc.User.Enabled {
		t.Errorf("after change: %+v", acc)
	}
	var listed []string
	if err := s.List(ctx, func(u user.User) error { listed = append(listed, u.Username); return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"joe"}, listed); diff != "" {
		t.Error(diff)
	}
	if found, err := s.Delete(ctx, "joe"); !found || err != nil {
		t.Errorf("delete: %v %v", found, err)
	}
	if found, err := s.Delete(ctx, "joe"); found || err != nil {
		t.Errorf("delete again: %v %v", found, err)
	}
	if _, err := s.Get(ctx, "joe"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}
}

func TestReserved(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	st, err := s.GetReserved(ctx, "kibana_system")
	if err != nil || st != (Reserved{Enabled: true}) {
		t.Fatalf("unset reserved state: %+v %v", st, err)
	}
	if err := s.SetReservedEnabled(ctx, "kibana_system", false); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeReservedPassword(ctx, "kibana_system", "H"); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.GetReserved(ctx, "kibana_system"); st != (Reserved{PasswordHash: "H", Enabled: false}) {
		t.Errorf("reserved state: %+v", st)
	}
	calls := 0
	hash := func() (string, error) { calls++; return "BOOT", nil }
	if created, err := s.BootstrapReserved(ctx, "elastic", hash); !created || err != nil {
		t.Fatalf("bootstrap: %v %v", created, err)
	}
	if created, err := s.BootstrapReserved(ctx, "elastic", hash); created || err != nil {
		t.Fatalf("second bootstrap: %v %v", created, err)
	}
	if calls != 1 {
		t.Errorf("hash computed %d times, want once", calls)
	}
	if st, _ := s.GetReserved(ctx, "elastic"); st.PasswordHash != "BOOT" {
		t.Errorf("elastic: %+v", st)
	}
}
