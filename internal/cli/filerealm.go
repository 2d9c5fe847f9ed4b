package cli

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/filerealm"
	rolesdef "github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/user"
)

// rolesFile is Elasticsearch's file of role definitions; the users tool
// reads only its role names, to tell which roles are known.
const rolesFile = "roles.yml"

// absPath is path made absolute for messages, as Elasticsearch prints its
// configuration files; on failure the path is shown as given.
func absPath(path string) string {
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}

// loadFileRealm reads users and users_roles from the configuration
// directory. esauth ships no empty users files, so missing files are
// empty; a missing directory, though, means a wrong --config or
// path.conf, and gets Elasticsearch's "is missing" error rather than files
// written where no node will read them. Skipped lines are reported as
// warnings: a command that rewrites the files drops them.
func loadFileRealm(cfg config.Config, stderr io.Writer) (*filerealm.Table, error) {
	fi, err := os.Stat(cfg.ConfigDir)
	if err != nil || !fi.IsDir() {
		return nil, fail(exitConfig, "Configuration file [%s] is missing", absPath(filepath.Join(cfg.ConfigDir, filerealm.UsersFile)))
	}
	t, problems, err := filerealm.Load(cfg.ConfigDir)
	for _, p := range problems {
		// Problems never quote the line, which may hold a hash.
		fmt.Fprintf(stderr, "Warning: %s\n", p)
	}
	if err != nil {
		return nil, fail(exitIOError, "%v", err)
	}
	return t, nil
}

// writeUsers and writeUsersRoles wrap filerealm's atomic writers with the
// exit code of a failed write.
func writeUsers(dir string, users map[string]string) error {
	if err := filerealm.WriteUsers(dir, users); err != nil {
		return fail(exitIOError, "%v", err)
	}
	return nil
}

func writeUsersRoles(dir string, roles map[string][]string) error {
	if err := filerealm.WriteUsersRoles(dir, roles); err != nil {
		return fail(exitIOError, "%v", err)
	}
	return nil
}

// parseUsername is UsersTool.parseUsername: exactly one name, valid for
// the file realm, and not a reserved name while the reserved realm is on.
func parseUsername(args []string, cfg config.Config) (string, error) {
	switch {
	case len(args) == 0:
		return "", fail(exitUsage, "Missing username argument")
	case len(args) > 1:
		return "", fail(exitUsage, "Expected a single username argument, found extra: [%s]", strings.Join(args, ", "))
	}
	name := args[0]
	if err := validateFileUsername(name, cfg); err != nil {
		return "", fail(exitDataError, "Invalid username [%s]... %v", name, err)
	}
	return name, nil
}

// validateFileUsername is Validation.Users.validateUsername with
// allowReserved = !reserved_realm.enabled.
func validateFileUsername(name string, cfg config.Config) error {
	if err := user.ValidateFileUsername(name); err != nil {
		return err
	}
	if isReservedName(name, cfg) {
		return fmt.Errorf("Username [%s] is reserved and may not be used.", name)
	}
	return nil
}

// isReservedName is ClientReservedRealm.isReserved: the built-in users
// while the reserved realm is enabled, and the anonymous user's name
// (the configured one and the default) always. Elasticsearch applies it to
// file users only while the reserved realm is enabled.
func isReservedName(name string, cfg config.Config) bool {
	if !cfg.ReservedRealmEnabled {
		return false
	}
	if _, ok := user.LookupBuiltin(name); ok {
		return true
	}
	return name == cfg.Anonymous.Username || name == user.DefaultAnonymousName
}

// checkStorable refuses names that the users files cannot hold although
// they are valid user names: the file format has no quoting, so ':' would
// cut the users line short, ',' the users_roles line, and a leading '#'
// would make the line a comment. Elasticsearch writes such lines anyway
// and then cannot read them back.
func checkStorable(name string, withRoles bool) error {
	switch {
	case strings.Contains(name, ":"), strings.HasPrefix(name, "#"):
		return fail(exitDataError, "Invalid username [%s]... Usernames in the users file cannot contain ':' or start with '#'.", name)
	case withRoles && strings.Contains(name, ","):
		return fail(exitDataError, "Invalid username [%s]... Usernames with roles cannot contain ',', which separates the users of a users_roles line.", name)
	}
	return nil
}

// parseRoles is UsersTool.parseRoles: a comma-separated list (split as
// Java's String.split does, dropping trailing empty parts), each role
// valid, unknown roles warned about on stderr.
func parseRoles(s string, cfg config.Config, stderr io.Writer) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	roles := strings.Split(s, ",")
	for len(roles) > 0 && roles[len(roles)-1] == "" {
		roles = roles[:len(roles)-1]
	}
	for _, r := range roles {
		if err := user.ValidateRoleName(r); err != nil {
			return nil, fail(exitDataError, "Invalid role [%s]... %v", r, err)
		}
		if strings.Contains(r, ":") || strings.HasPrefix(r, "#") {
			return nil, fail(exitDataError, "Invalid role [%s]... Roles in the users_roles file cannot contain ':' or start with '#'.", r)
		}
	}
	known := knownRoles(cfg)
	var unknown []string
	for _, r := range roles {
		if !known[r] && !slices.Contains(unknown, r) {
			unknown = append(unknown, r)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		fmt.Fprintf(stderr, "Warning: The following roles [%s] are not in the [%s] file. "+
			"Make sure the names are correct. If the names are correct and the roles were created using the API please "+
			"disregard this message. Nonetheless the user will still be associated with all specified roles\n",
			strings.Join(unknown, ","), absPath(filepath.Join(cfg.ConfigDir, rolesFile)))
		fmt.Fprintf(stderr, "Known roles: [%s]\n", strings.Join(slices.Sorted(maps.Keys(known)), ", "))
	}
	return roles, nil
}

// knownRoles is what the users tool checks roles against: the built-in
// roles and the role names of roles.yml (FileRolesStore.parseFileForRoleNames).
func knownRoles(cfg config.Config) map[string]bool {
	known := map[string]bool{}
	for name := range rolesdef.Builtin() {
		known[name] = true
	}
	for _, name := range roleNamesInFile(filepath.Join(cfg.ConfigDir, rolesFile)) {
		known[name] = true
	}
	return known
}

// roleNamesInFile returns the top-level keys of roles.yml. A missing or
// unparsable file has no names: the list only decides which roles get a
// warning, so it must never stop the command.
func roleNamesInFile(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	var names []string
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		names = append(names, m.Content[i].Value)
	}
	return names
}
