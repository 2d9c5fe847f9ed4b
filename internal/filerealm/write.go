package filerealm

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/esauth/esauth/internal/user"
)

// File modes for files WriteUsers and WriteUsersRoles create. An existing
// file keeps its mode (and, where permitted, its owner and group), as
// Elasticsearch's SecurityFiles.writeFileAtomically does, so a packaged
// root:elasticsearch 0660 setup survives an edit. users holds password
// hashes, so it is created owner-only and never left world-accessible;
// users_roles holds only role membership, which is not secret and which
// operators commonly inspect, so it is created world-readable.
const (
	UsersFileMode      fs.FileMode = 0o600
	UsersRolesFileMode fs.FileMode = 0o644
)

// WriteUsers replaces dir/users with one "username:hash" line per user,
// sorted by name, as the elasticsearch-users tool writes it. It refuses
// entries that would not read back identically: invalid usernames, names
// containing ':' or starting with '#', and hashes that are empty, span
// lines or end in white space.
func WriteUsers(dir string, users map[string]string) error {
	data, err := formatUsers(users)
	if err != nil {
		return err
	}
	return writeAtomic(dir, UsersFile, data, UsersFileMode, true)
}

func formatUsers(users map[string]string) ([]byte, error) {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(users)) {
		if err := checkFileName(name, ":"); err != nil {
			return nil, err
		}
		if strings.HasPrefix(name, "#") {
			return nil, fmt.Errorf("filerealm: username [%s] cannot be stored in users: the line would be a comment", name)
		}
		hash := users[name]
		if hash == "" || strings.ContainsAny(hash, "\r\n") || hash[len(hash)-1] <= ' ' || !utf8.ValidString(hash) {
			// The hash is not quoted: it is a secret.
			return nil, fmt.Errorf("filerealm: the password hash of user [%s] is empty, spans lines, ends in white space or is not UTF-8", name)
		}
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(hash)
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// WriteUsersRoles replaces dir/users_roles. The input is user → roles; the
// file is role → users, one "role:user1,user2" line per role, roles and
// users sorted so that the output is stable. Users without roles do not
// appear. Role names must be valid and contain no ':' and not start with
// '#'; usernames must be valid and contain no ','.
func WriteUsersRoles(dir string, roles map[string][]string) error {
	data, err := formatUsersRoles(roles)
	if err != nil {
		return err
	}
	return writeAtomic(dir, UsersRolesFile, data, UsersRolesFileMode, false)
}

func formatUsersRoles(roles map[string][]string) ([]byte, error) {
	byRole := make(map[string][]string)
	for name, rs := range roles {
		if err := checkFileName(name, ","); err != nil {
			return nil, err
		}
		for _, role := range rs {
			if err := user.ValidateRoleName(role); err != nil {
				return nil, fmt.Errorf("filerealm: role [%s] of user [%s]: %w", role, name, err)
			}
			if strings.HasPrefix(role, "#") || strings.Contains(role, ":") {
				return nil, fmt.Errorf("filerealm: role [%s] of user [%s] cannot be stored in users_roles: it starts with '#' or contains ':'", role, name)
			}
			byRole[role] = append(byRole[role], name)
		}
	}
	var b strings.Builder
	for _, role := range slices.Sorted(maps.Keys(byRole)) {
		names := byRole[role]
		slices.Sort(names)
		b.WriteString(role)
		b.WriteByte(':')
		b.WriteString(strings.Join(slices.Compact(names), ","))
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// checkFileName validates a username and rejects the separator that would
// cut it short when the file is read back.
func checkFileName(name, sep string) error {
	if err := user.ValidateFileUsername(name); err != nil {
		return fmt.Errorf("filerealm: username [%s]: %w", name, err)
	}
	if strings.Contains(name, sep) {
		return fmt.Errorf("filerealm: username [%s] cannot be stored: it contains %q", name, sep)
	}
	return nil
}

// writeAtomic replaces dir/name so that a reader sees either the old or the
// new content, never a mix, and so that the new content survives a crash
// once writeAtomic returns: temp file in the same directory, fsync, rename,
// fsync of the directory. A symlink at dir/name is replaced by a regular
// file, as Elasticsearch's Files.move does.
func writeAtomic(dir, name string, data []byte, newMode fs.FileMode, secret bool) (err error) {
	target := filepath.Join(dir, name)
	mode := newMode
	old, statErr := os.Stat(target)
	switch {
	case statErr == nil:
		mode = old.Mode().Perm()
	case !errors.Is(statErr, fs.ErrNotExist):
		return fmt.Errorf("filerealm: %w", statErr)
	}
	if secret {
		mode &^= 0o007
	}
	// The watcher reads only the exact file names, so the temp file is
	// never mistaken for a half-written users file.
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return fmt.Errorf("filerealm: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("filerealm: writing %s: %w", tmp, err)
	}
	if err = f.Chmod(mode); err != nil {
		return fmt.Errorf("filerealm: %w", err)
	}
	if old != nil {
		copyOwner(f, old)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("filerealm: syncing %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("filerealm: closing %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, target); err != nil {
		return fmt.Errorf("filerealm: %w", err)
	}
	if err = syncDir(dir); err != nil {
		// The rename happened; only its durability is in doubt, and
		// removing tmp (already gone) is harmless.
		return fmt.Errorf("filerealm: syncing directory %s: %w", dir, err)
	}
	return nil
}
