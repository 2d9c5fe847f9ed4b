package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/user"
)

// commonOptions documents the options every command takes.
const commonOptions = `  --config FILE            settings file (elasticsearch.yml format); its
                           directory is the configuration directory unless
                           path.conf is set
  -E name=value            a setting, overriding the file (repeatable)
  -h, --help               show this help
`

const usersUsage = `Manages file based users (the users and users_roles files of the
configuration directory), as elasticsearch-users does.

Usage: esauth users COMMAND [options]

Commands
--------
useradd - Adds a file user
userdel - Deletes a file based user
passwd - Changes the password of an existing file based user
roles - Edit roles of an existing user
list - List existing file based users and their corresponding roles

Run "esauth users COMMAND --help" for the options of a command.
`

const useraddUsage = `Adds a file user

Usage: esauth users useradd USERNAME [-p PASSWORD] [-r ROLE[,ROLE...]] [options]

Options
  -p, --password PASSWORD  the user password; without it, the password is
                           prompted for twice (read as one line from a pipe)
  -r, --roles ROLES        comma-separated list of the roles of the user
` + commonOptions + `
Adds a file based user. The user will be added to the "users" file and its
roles will be added to the "users_roles" file in the configuration
directory. The password is hashed with
xpack.security.authc.password_hashing.algorithm.
`

const userdelUsage = `Deletes a file based user

Usage: esauth users userdel USERNAME [options]

Options
` + commonOptions + `
Removes an existing file based user. The user will be removed from the
"users" file and its roles will be removed from the "users_roles" file in
the configuration directory.
`

const passwdUsage = `Changes the password of an existing file based user

Usage: esauth users passwd USERNAME [-p PASSWORD] [options]

Options
  -p, --password PASSWORD  the new password; without it, the password is
                           prompted for twice (read as one line from a pipe)
` + commonOptions + `
The passwd command changes passwords for file based users. The tool
prompts twice for a replacement password. The second entry is compared
against the first and both are required to match in order for the
password to be changed.
`

const rolesUsage = `Edit roles of an existing user

Usage: esauth users roles USERNAME [-a ROLE[,ROLE...]] [-r ROLE[,ROLE...]] [options]

Options
  -a, --add ROLES          adds supplied roles to the specified user
  -r, --remove ROLES       remove supplied roles from the specified user
` + commonOptions + `
The roles command allows editing roles for file based users.
You can also list a user's roles by omitting the -a and -r
parameters.
`

const listUsage = `List existing file based users and their corresponding roles

Usage: esauth users list [USERNAME] [options]

Options
` + commonOptions + `
Prints one "name : role1,role2" line per user (never a password hash).
Roles that are neither built in nor in roles.yml are marked with *.
`

// Users is "esauth users": Elasticsearch's elasticsearch-users tool for
// the file realm.
func Users(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	type sub struct {
		usage string
		run   func(*env, []string) error
	}
	subs := map[string]sub{
		"useradd": {useraddUsage, useradd},
		"userdel": {userdelUsage, userdel},
		"passwd":  {passwdUsage, passwd},
		"roles":   {rolesUsage, roles},
		"list":    {listUsage, list},
	}
	if len(args) > 0 {
		if s, ok := subs[args[0]]; ok {
			return run(ctx, stdin, stdout, stderr, s.usage, func(e *env) error { return s.run(e, args[1:]) })
		}
	}
	return run(ctx, stdin, stdout, stderr, usersUsage, func(*env) error {
		switch {
		case len(args) == 0:
			return fail(exitUsage, "Missing command")
		case args[0] == "-h" || args[0] == "--help" || args[0] == "-help":
			return errHelp
		}
		return fail(exitUsage, "Unknown command [%s]", args[0])
	})
}

// parseUserCommand is the common start of the subcommands that act on one
// user: options, settings, then the username argument.
func (f *flags) parseUserCommand(args []string) (config.Config, string, error) {
	pos, err := f.parse(args)
	if err != nil {
		return config.Config{}, "", err
	}
	cfg, err := f.settings()
	if err != nil {
		return config.Config{}, "", err
	}
	name, err := parseUsername(pos, cfg)
	return cfg, name, err
}

func useradd(e *env, args []string) error {
	f := newFlags("useradd")
	var password, roleList string
	f.stringVar(&password, "p", "password")
	f.stringVar(&roleList, "r", "roles")
	cfg, name, err := f.parseUserCommand(args)
	if err != nil {
		return err
	}
	if err := checkStorable(name, roleList != ""); err != nil {
		return err
	}
	hash, err := newPasswordHash(e, cfg, password, f.isSet("p", "password"))
	if err != nil {
		return err
	}
	roles, err := parseRoles(roleList, cfg, e.stderr)
	if err != nil {
		return err
	}
	t, err := loadFileRealm(cfg, e.stderr)
	if err != nil {
		return err
	}
	if _, ok := t.Hash(name); ok {
		return fail(exitCodeError, "User [%s] already exists", name)
	}
	users := t.PasswordHashes()
	users[name] = hash
	if err := writeUsers(cfg.ConfigDir, users); err != nil {
		return err
	}
	if len(roles) > 0 {
		userRoles := t.UserRoles()
		userRoles[name] = roles
		return writeUsersRoles(cfg.ConfigDir, userRoles)
	}
	return nil
}

func userdel(e *env, args []string) error {
	f := newFlags("userdel")
	cfg, name, err := f.parseUserCommand(args)
	if err != nil {
		return err
	}
	t, err := loadFileRealm(cfg, e.stderr)
	if err != nil {
		return err
	}
	if _, ok := t.Hash(name); !ok {
		return fail(exitNoUser, "User [%s] doesn't exist", name)
	}
	users := t.PasswordHashes()
	delete(users, name)
	if err := writeUsers(cfg.ConfigDir, users); err != nil {
		return err
	}
	userRoles := t.UserRoles()
	if _, ok := userRoles[name]; ok {
		delete(userRoles, name)
		return writeUsersRoles(cfg.ConfigDir, userRoles)
	}
	return nil
}

func passwd(e *env, args []string) error {
	f := newFlags("passwd")
	var password string
	f.stringVar(&password, "p", "password")
	cfg, name, err := f.parseUserCommand(args)
	if err != nil {
		return err
	}
	// Elasticsearch's order: the password is read and checked before the
	// files are, so a bad password is reported first.
	hash, err := newPasswordHash(e, cfg, password, f.isSet("p", "password"))
	if err != nil {
		return err
	}
	t, err := loadFileRealm(cfg, e.stderr)
	if err != nil {
		return err
	}
	if _, ok := t.Hash(name); !ok {
		return fail(exitNoUser, "User [%s] doesn't exist", name)
	}
	users := t.PasswordHashes()
	users[name] = hash
	return writeUsers(cfg.ConfigDir, users)
}

func roles(e *env, args []string) error {
	f := newFlags("roles")
	var addList, removeList string
	f.stringVar(&addList, "a", "add")
	f.stringVar(&removeList, "r", "remove")
	cfg, name, err := f.parseUserCommand(args)
	if err != nil {
		return err
	}
	add, err := parseRoles(addList, cfg, e.stderr)
	if err != nil {
		return err
	}
	remove, err := parseRoles(removeList, cfg, e.stderr)
	if err != nil {
		return err
	}
	if len(add) == 0 && len(remove) == 0 {
		return listUsers(e, cfg, name)
	}
	if err := checkStorable(name, len(add) > 0); err != nil {
		return err
	}
	t, err := loadFileRealm(cfg, e.stderr)
	if err != nil {
		return err
	}
	if _, ok := t.Hash(name); !ok {
		return fail(exitNoUser, "User [%s] doesn't exist", name)
	}
	// Current roles, then the added ones, without the removed ones and
	// without repeats (UsersTool's LinkedHashSet).
	var next []string
	for _, r := range append(t.Roles(name), add...) {
		if !slices.Contains(remove, r) && !slices.Contains(next, r) {
			next = append(next, r)
		}
	}
	userRoles := t.UserRoles()
	if len(next) == 0 {
		delete(userRoles, name)
	} else {
		userRoles[name] = next
	}
	return writeUsersRoles(cfg.ConfigDir, userRoles)
}

func list(e *env, args []string) error {
	f := newFlags("list")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return fail(exitUsage, "Expected a single username argument, found extra: [%s]", strings.Join(pos, ", "))
	}
	cfg, err := f.settings()
	if err != nil {
		return err
	}
	name := ""
	if len(pos) == 1 {
		name = pos[0]
	}
	return listUsers(e, cfg, name)
}

// listUsers is UsersTool.listUsersAndRoles: one "name : roles" line per
// user ("-" for none), roles unknown to esauth marked with "*" and
// explained once at the end. Without a name it lists every user of either
// file, sorted (Elasticsearch prints them in hash order).
func listUsers(e *env, cfg config.Config, name string) error {
	t, err := loadFileRealm(cfg, e.stderr)
	if err != nil {
		return err
	}
	known := knownRoles(cfg)
	anyUnknown := false
	line := func(n string) {
		roles := t.Roles(n)
		if len(roles) == 0 {
			fmt.Fprintf(e.stdout, "%-15s: -\n", n)
			return
		}
		for i, r := range roles {
			if !known[r] {
				roles[i] = r + "*"
				anyUnknown = true
			}
		}
		fmt.Fprintf(e.stdout, "%-15s: %s\n", n, strings.Join(roles, ","))
	}
	if name != "" {
		if _, ok := t.Hash(name); !ok {
			return fail(exitNoUser, "User [%s] doesn't exist", name)
		}
		line(name)
	} else {
		names := map[string]bool{}
		for _, n := range t.Usernames() {
			names[n] = true
		}
		for n := range t.UserRoles() {
			names[n] = true
		}
		if len(names) == 0 {
			fmt.Fprintln(e.stdout, "No users found")
			return nil
		}
		for _, n := range slices.Sorted(maps.Keys(names)) {
			line(n)
		}
	}
	if anyUnknown {
		fmt.Fprintf(e.stdout, "\n [*]   Role is not in the [%s] file. If the role has been created using the API, please disregard this message.\n",
			absPath(filepath.Join(cfg.ConfigDir, rolesFile)))
	}
	return nil
}

// newPasswordHash is UsersTool.getPasswordHash: the password from -p, or
// read (twice on a terminal), checked, and hashed with the configured
// algorithm.
func newPasswordHash(e *env, cfg config.Config, given string, isGiven bool) (string, error) {
	password := given
	if !isGiven {
		var err error
		if password, err = e.console.readSecret("Enter new password: "); err != nil {
			return "", err
		}
	}
	if err := user.ValidatePassword(password); err != nil {
		return "", fail(exitDataError, "Invalid password...%v", err)
	}
	if !isGiven && e.console.tty {
		retyped, err := e.console.readSecret("Retype new password: ")
		if err != nil {
			return "", err
		}
		if retyped != password {
			return "", fail(exitDataError, "Password mismatch")
		}
	}
	hash, err := cfg.PasswordHasher.Hash(password)
	if err != nil {
		return "", fail(exitDataError, "Error storing the password for the new user")
	}
	return hash, nil
}
