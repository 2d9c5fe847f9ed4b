package filerealm

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriteUsersRoundTrip(t *testing.T) {
	dir := t.TempDir()
	users := map[string]string{
		"zed":          "$2a$05$zxnP0vdREMxnEpkLCDI2OuSaSk/QEKA2.A42iOpI6U2u.RLLOWm1e",
		"alice":        "{PBKDF2}1000$32yPZSShxuKYAl47ip0g6VwbFrD8tvFJuQCoRPGhXC8=$cXAE1BkBXRmkv7pQA7fw4TZ1+rFWS2/nZGeA3kL1Eu8=",
		"with space":   "plain text",
		"_underscore!": "a:b:c",
	}
	if err := WriteUsers(dir, users); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, UsersFile))
	if err != nil {
		t.Fatal(err)
	}
	want := "_underscore!:a:b:c\n" +
		"alice:" + users["alice"] + "\n" +
		"with space:plain text\n" +
		"zed:" + users["zed"] + "\n"
	if string(raw) != want {
		t.Errorf("file:\n%s\nwant:\n%s", raw, want)
	}
	tab, problems, err := Load(dir)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if d := cmp.Diff(users, tab.PasswordHashes()); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	assertNoTempFiles(t, dir)

	// Rewriting replaces the whole content.
	if err := WriteUsers(dir, map[string]string{"only": "x"}); err != nil {
		t.Fatal(err)
	}
	tab, _, _ = Load(dir)
	if d := cmp.Diff([]string{"only"}, tab.Usernames()); d != "" {
		t.Error(d)
	}
}

func TestWriteUsersRolesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	in := map[string][]string{
		"alice": {"superuser", "admin", "admin"},
		"bob":   {"admin"},
		"carol": {},
		"dave":  {"role with space", "kibana_admin"},
	}
	if err := WriteUsersRoles(dir, in); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, UsersRolesFile))
	if err != nil {
		t.Fatal(err)
	}
	want := "admin:alice,bob\nkibana_admin:dave\nrole with space:dave\nsuperuser:alice\n"
	if string(raw) != want {
		t.Errorf("file:\n%s\nwant:\n%s", raw, want)
	}
	tab, problems, err := Load(dir)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	wantRoles := map[string][]string{
		"alice": {"admin", "superuser"},
		"bob":   {"admin"},
		"dave":  {"kibana_admin", "role with space"},
	}
	if d := cmp.Diff(wantRoles, tab.UserRoles()); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	assertNoTempFiles(t, dir)
}

func TestWriteRejects(t *testing.T) {
	dir := t.TempDir()
	for name, users := range map[string]map[string]string{
		"empty name":     {"": "x"},
		"colon in name":  {"a:b": "x"},
		"comment name":   {"#a": "x"},
		"non-ASCII name": {"é": "x"},
		"empty hash":     {"a": ""},
		"newline hash":   {"a": "x\ny:z"},
		"trailing space": {"a": "x "},
	} {
		if err := WriteUsers(dir, users); err == nil {
			t.Errorf("%s: WriteUsers accepted %q", name, users)
		}
	}
	for name, roles := range map[string]map[string][]string{
		"comma in name": {"a,b": {"r"}},
		"colon in role": {"a": {"r:s"}},
		"comment role":  {"a": {"#r"}},
		"invalid role":  {"a": {" r"}},
		"invalid user":  {" a": {"r"}},
		"too long role": {"a": {strings.Repeat("r", 508)}},
	} {
		if err := WriteUsersRoles(dir, roles); err == nil {
			t.Errorf("%s: WriteUsersRoles accepted %q", name, roles)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("rejected writes left files: %v", ents)
	}
	if err := WriteUsers(dir, map[string]string{"secret-user": "s3cr3t hash "}); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error quotes the hash: %v", err)
	}
}

func TestWriteModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes")
	}
	dir := t.TempDir()
	if err := WriteUsers(dir, map[string]string{"a": "x"}); err != nil {
		t.Fatal(err)
	}
	if err := WriteUsersRoles(dir, map[string][]string{"a": {"r"}}); err != nil {
		t.Fatal(err)
	}
	assertMode(t, filepath.Join(dir, UsersFile), UsersFileMode)
	assertMode(t, filepath.Join(dir, UsersRolesFile), UsersRolesFileMode)

	// Existing modes are kept (a packaged 0660 file stays group-readable),
	// except that users never stays world-accessible.
	for name, mode := range map[string]fs.FileMode{UsersFile: 0o664, UsersRolesFile: 0o640} {
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteUsers(dir, map[string]string{"a": "y"}); err != nil {
		t.Fatal(err)
	}
	if err := WriteUsersRoles(dir, map[string][]string{"a": {"s"}}); err != nil {
		t.Fatal(err)
	}
	assertMode(t, filepath.Join(dir, UsersFile), 0o660)
	assertMode(t, filepath.Join(dir, UsersRolesFile), 0o640)
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", filepath.Base(path), got, want)
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != UsersFile && e.Name() != UsersRolesFile {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
