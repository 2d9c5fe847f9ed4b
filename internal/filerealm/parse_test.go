package filerealm

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseUsers(t *testing.T) {
	in := strings.Join([]string{
		"# a comment:with a colon",                  // 1
		"alice:$2a$05$abc",                          // 2
		"  bob:{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w=  ", // 3 trimmed
		"",                         // 4 blank: silently skipped
		":s3cr3t-a",                // 5 ':' first
		"carol:",                   // 6 ':' last
		"carol: ",                  // 7 trims to "carol:"
		"noseparator",              // 8
		"dave:pass:with:colons",    // 9 split at the first ':'
		"bad\x01name:s3cr3t-c",     // 10 invalid username
		"alice:s3cr3t-b",           // 11 duplicate: last wins
		"  # not a comment:x",      // 12 Elasticsearch tests '#' before trimming
		"erin: leading space kept", // 13
	}, "\r\n")
	users, problems, err := ParseUsers(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"alice":           "s3cr3t-b",
		"bob":             "{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w=",
		"dave":            "pass:with:colons",
		"# not a comment": "x",
		"erin":            " leading space kept",
	}
	if d := cmp.Diff(want, users); d != "" {
		t.Errorf("users (-want +got):\n%s", d)
	}
	var lines []int
	for _, p := range problems {
		lines = append(lines, p.Line)
		if p.File != "" {
			t.Errorf("ParseUsers set File %q", p.File)
		}
	}
	if d := cmp.Diff([]int{5, 6, 7, 8, 10, 11}, lines); d != "" {
		t.Errorf("problem lines (-want +got):\n%s", d)
	}
	for _, p := range problems {
		if strings.Contains(p.Msg, "s3cr3t") || strings.Contains(p.Msg, "bad") {
			t.Errorf("problem %q quotes the line", p)
		}
	}
}

func TestParseUsersLineEndings(t *testing.T) {
	users, problems, err := ParseUsers(strings.NewReader("a:1\rb:2\r\nc:3\nd:4"))
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if d := cmp.Diff(map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}, users); d != "" {
		t.Error(d)
	}
}

func TestParseUsersRoles(t *testing.T) {
	in := strings.Join([]string{
		"# roles",                       // 1
		"superuser:alice",               // 2
		"admin: bob , alice,carol\t,  ", // 3 spaces around commas, trailing comma
		"admin:alice",                   // 4 duplicate role for alice
		":alice",                        // 5 no role
		"viewer:",                       // 6 ':' last
		"viewer:   ",                    // 7 no users
		" viewer :dave",                 // 8 role trimmed
		"bad\x7frole:erin",              // 9 invalid role
		"ops:frank,,bad\x01user,gina",   // 10 empty and invalid user names
		"nocolon",                       // 11
		"",                              // 12
	}, "\n")
	roles, problems, err := ParseUsersRoles(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"alice": {"admin", "superuser"},
		"bob":   {"admin"},
		"carol": {"admin"},
		"dave":  {"viewer"},
		"frank": {"ops"},
		"gina":  {"ops"},
	}
	if d := cmp.Diff(want, roles); d != "" {
		t.Errorf("roles (-want +got):\n%s", d)
	}
	var lines []int
	for _, p := range problems {
		lines = append(lines, p.Line)
	}
	if d := cmp.Diff([]int{5, 6, 7, 9, 10, 10, 11}, lines); d != "" {
		t.Errorf("problem lines (-want +got):\n%s", d)
	}
}

func TestParseInvalidUTF8(t *testing.T) {
	if _, _, err := ParseUsers(strings.NewReader("a:b\nc:\xff\n")); !errors.Is(err, ErrInvalidUTF8) {
		t.Errorf("ParseUsers: %v", err)
	}
	if _, _, err := ParseUsersRoles(strings.NewReader("r:\xffa\n")); !errors.Is(err, ErrInvalidUTF8) {
		t.Errorf("ParseUsersRoles: %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	tab, problems, err := Load(dir)
	if err != nil || len(problems) > 0 {
		t.Fatalf("missing files: %v %v", err, problems)
	}
	if len(tab.Usernames()) != 0 {
		t.Fatal("users from missing files")
	}

	writeFile(t, dir, UsersFile, "alice:x\nbroken\n")
	tab, problems, err = Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"alice"}, tab.Usernames()); d != "" {
		t.Error(d)
	}
	if got := tab.Roles("alice"); got == nil || len(got) != 0 {
		t.Errorf("roles without users_roles = %#v, want empty non-nil", got)
	}
	want := []Problem{{File: filepath.Join(dir, UsersFile), Line: 2}}
	if len(problems) != 1 || problems[0].File != want[0].File || problems[0].Line != 2 {
		t.Errorf("problems = %v, want file %s line 2", problems, want[0].File)
	}
	if s := problems[0].String(); !strings.HasPrefix(s, want[0].File+":2: ") {
		t.Errorf("Problem.String() = %q", s)
	}

	writeFile(t, dir, UsersRolesFile, "r1:alice\n\n:bad\n")
	tab, problems, err = Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"r1"}, tab.Roles("alice")); d != "" {
		t.Error(d)
	}
	if len(problems) != 2 || problems[1].File != filepath.Join(dir, UsersRolesFile) || problems[1].Line != 3 {
		t.Errorf("problems = %v", problems)
	}

	// A file that exists but is not UTF-8 is an error, as is a directory.
	writeFile(t, dir, UsersRolesFile, "r1:\xff\n")
	if _, _, err := Load(dir); !errors.Is(err, ErrInvalidUTF8) {
		t.Errorf("Load with bad users_roles: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, UsersRolesFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, UsersRolesFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(dir); err == nil {
		t.Error("Load with a directory for users_roles: no error")
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
