package filerealm

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// The file names inside the configuration directory.
const (
	UsersFile      = "users"
	UsersRolesFile = "users_roles"
)

// maxFileSize bounds what one poll reads into memory. Real files are a few
// kilobytes; a runaway file is treated as unreadable instead.
const maxFileSize = 64 << 20

// Table is one consistent view of both files: the users with their hashes
// and the user → roles mapping. It is never modified after it is built, so
// it can be shared by any number of readers.
type Table struct {
	users map[string]string   // username → hash
	roles map[string][]string // username → sorted roles
	state state               // what the files held when this table was built
}

// Hash returns the stored password hash of a user of the users file.
func (t *Table) Hash(username string) (string, bool) {
	h, ok := t.users[username]
	return h, ok
}

// Roles returns a copy of the roles users_roles gives username; never nil.
// Roles of names absent from the users file are kept, as Elasticsearch
// keeps them, but no user can authenticate with them.
func (t *Table) Roles(username string) []string {
	return append([]string{}, t.roles[username]...)
}

// Usernames returns the users of the users file, sorted.
func (t *Table) Usernames() []string {
	return slices.Sorted(maps.Keys(t.users))
}

// PasswordHashes returns a copy of the username → hash map, the input
// WriteUsers takes.
func (t *Table) PasswordHashes() map[string]string {
	return maps.Clone(t.users)
}

// UserRoles returns a copy of the user → roles map, the input
// WriteUsersRoles takes.
func (t *Table) UserRoles() map[string][]string {
	m := make(map[string][]string, len(t.roles))
	for u, rs := range t.roles {
		m[u] = slices.Clone(rs)
	}
	return m
}

// equal reports whether two tables would authenticate and authorize alike;
// the file state is deliberately ignored (a comment edit changes nothing).
func (t *Table) equal(o *Table) bool {
	return maps.Equal(t.users, o.users) && maps.EqualFunc(t.roles, o.roles, slices.Equal[[]string])
}

// fileState fingerprints one file as a poll saw it. It is comparable, so
// two observations are the same exactly when the file content (or its
// absence, or the reason it could not be read) is the same.
type fileState struct {
	exists bool
	sum    [sha256.Size]byte
	err    string
}

// state fingerprints both files.
type state struct {
	users, roles fileState
}

// observation is what one read of a file produced: the fingerprint and the
// bytes it was computed from, so that the table built later is exactly the
// content that was seen to be stable.
type observation struct {
	path  string
	state fileState
	data  []byte
}

// observe reads one file. A missing file is a valid state (no entries);
// anything else that prevents reading is recorded in state.err.
func observe(path string) observation {
	o := observation{path: path}
	data, err := readRegular(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		o.state = fileState{exists: true, err: err.Error()}
	default:
		o.state = fileState{exists: true, sum: sha256.Sum256(data)}
		o.data = data
	}
	return o
}

// readRegular refuses anything but a regular file, so that a FIFO or device
// put in place of a file cannot block the watcher.
func readRegular(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxFileSize)
	}
	return data, nil
}

// build parses two observations into a table. A file that could not be
// read or decoded contributes nothing and yields an error; Elasticsearch
// does the same ("skipping/removing all users"). The other file still
// counts.
func build(users, roles observation) (*Table, []Problem, []error) {
	t := &Table{
		users: map[string]string{},
		roles: map[string][]string{},
		state: state{users: users.state, roles: roles.state},
	}
	var problems []Problem
	var errs []error
	if users.state.err != "" {
		errs = append(errs, fmt.Errorf("could not read users file: %s", users.state.err))
	} else if users.state.exists {
		u, ps, err := parseUsers(users.data)
		if err != nil {
			errs = append(errs, fmt.Errorf("could not read users file %s: %w", users.path, err))
		} else {
			t.users = u
		}
		problems = append(problems, withFile(ps, users.path)...)
	}
	if roles.state.err != "" {
		errs = append(errs, fmt.Errorf("could not read users_roles file: %s", roles.state.err))
	} else if roles.state.exists {
		r, ps, err := parseUsersRoles(roles.data)
		if err != nil {
			errs = append(errs, fmt.Errorf("could not read users_roles file %s: %w", roles.path, err))
		} else {
			t.roles = r
		}
		problems = append(problems, withFile(ps, roles.path)...)
	}
	return t, problems, errs
}

func withFile(ps []Problem, path string) []Problem {
	for i := range ps {
		ps[i].File = path
	}
	return ps
}

// Load reads dir/users and dir/users_roles. A missing file means no users
// or no roles and is not an error; a file that exists but cannot be read,
// or is not UTF-8, is. Skipped lines come back as problems naming the file
// and line.
func Load(dir string) (*Table, []Problem, error) {
	t, problems, errs := load(dir)
	if len(errs) > 0 {
		return nil, problems, errors.Join(errs...)
	}
	return t, problems, nil
}

func load(dir string) (*Table, []Problem, []error) {
	return build(observe(filepath.Join(dir, UsersFile)), observe(filepath.Join(dir, UsersRolesFile)))
}
