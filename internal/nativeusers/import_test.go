package nativeusers

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/user"
)

// Import writes users in batches through a real bbolt file; they read back
// as Put would have stored them, and a batch with an existing user writes
// nothing.
func TestImport(t *testing.T) {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "esauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := New(db)
	var changed int
	s.Changed = func(string) { changed++ }
	var accounts []Account
	for i := range 25000 {
		accounts = append(accounts, Account{User: user.User{Username: fmt.Sprintf("u%05d", i), Roles: []string{"viewer"}, Enabled: true},
			PasswordHash: "$2a$04$abcdefghijklmnopqrstuu5Zs3e2cC4z6B8jV2O7yqyTz2Z1Lm1Nq"})
	}
	if err := s.Import(t.Context(), accounts); err != nil {
		t.Fatal(err)
	}
	if changed != 25000 {
		t.Errorf("Changed called %d times, want 25000", changed)
	}
	got, err := s.Get(t.Context(), "u24999")
	if err != nil {
		t.Fatal(err)
	}
	if got.PasswordHash != accounts[24999].PasswordHash || !got.User.Enabled || string(got.User.Metadata) != "{}" {
		t.Errorf("imported user reads back as %+v", got)
	}
	n := 0
	if err := s.List(t.Context(), func(user.User) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 25000 {
		t.Errorf("List saw %d users, want 25000", n)
	}
	err = s.Import(t.Context(), []Account{{User: user.User{Username: "fresh", Enabled: true}, PasswordHash: "x"}, accounts[0]})
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("importing an existing user: %v, want ErrExists", err)
	}
	if _, err := s.Get(t.Context(), "fresh"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the failed batch left a user behind: %v", err)
	}
}
