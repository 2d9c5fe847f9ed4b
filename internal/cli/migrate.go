package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/filerealm"
	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/user"
)

const migrateUsage = `Copies file based users into the native realm

Usage: esauth migrate [--overwrite] [options]

Options
  --overwrite              replace native users of the same name, as PUT
                           /_security/user does (full name, email and
                           metadata are reset); without it they are skipped
` + commonOptions + `
Every user of the "users" file is created in the native realm with its
password hash and the roles "users_roles" gives it, so it logs in with the
same password. The node must be stopped: the command writes its store in
path.data directly. The users and users_roles files are not changed.
`

// migration outcomes, as printed.
const (
	outcomeCreated     = "created"
	outcomeOverwritten = "overwritten"
	outcomeSkipped     = "skipped"
)

// Migrate is "esauth migrate".
func Migrate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, stdin, stdout, stderr, migrateUsage, func(e *env) error {
		f := newFlags("migrate")
		var overwrite bool
		f.boolVar(&overwrite, "overwrite")
		pos, err := f.parse(args)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return fail(exitUsage, "Unexpected argument [%s]", pos[0])
		}
		cfg, err := f.settings()
		if err != nil {
			return err
		}
		t, err := loadFileRealm(cfg, e.stderr)
		if err != nil {
			return err
		}
		names := t.Usernames()
		if len(names) == 0 {
			fmt.Fprintln(e.stdout, "No users found")
			return nil
		}
		db, err := openStore(e.ctx, cfg)
		if errors.Is(err, boltstore.ErrInUse) {
			return fail(exitTempFailure, "The store [%s] is in use by a running esauth node. "+
				"Stop the node, then run esauth migrate again to copy %d file based users (%s)",
				absPath(storePath(cfg)), len(names), strings.Join(names, ", "))
		}
		if err != nil {
			return err
		}
		defer db.Close()
		return migrate(e, cfg, t, nativeusers.New(db), overwrite)
	})
}

func migrate(e *env, cfg config.Config, t *filerealm.Table, users *nativeusers.Store, overwrite bool) error {
	count := map[string]int{}
	invalid := 0
	for _, name := range t.Usernames() {
		hash, _ := t.Hash(name)
		if reason := unmigratable(cfg, name, hash, t.Roles(name)); reason != "" {
			fmt.Fprintf(e.stdout, "%s: %s (%s)\n", name, outcomeSkipped, reason)
			count[outcomeSkipped]++
			invalid++
			continue
		}
		_, err := users.Get(e.ctx, name)
		exists := err == nil
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fail(exitIOError, "reading native user [%s]: %v", name, err)
		}
		if exists && !overwrite {
			fmt.Fprintf(e.stdout, "%s: %s (a native user of that name exists; --overwrite replaces it)\n", name, outcomeSkipped)
			count[outcomeSkipped]++
			continue
		}
		u := user.User{Username: name, Roles: t.Roles(name), Metadata: user.EmptyMetadata, Enabled: true}
		if _, err := users.Put(e.ctx, u, hash); err != nil {
			if e.ctx.Err() != nil {
				return interrupted()
			}
			return fail(exitIOError, "writing native user [%s]: %v", name, err)
		}
		outcome := outcomeCreated
		if exists {
			outcome = outcomeOverwritten
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", name, outcome)
		count[outcome]++
	}
	fmt.Fprintf(e.stdout, "%d file based users: %d created, %d overwritten, %d skipped\n",
		len(t.Usernames()), count[outcomeCreated], count[outcomeOverwritten], count[outcomeSkipped])
	if invalid > 0 {
		return fail(exitDataError, "%d file based users could not be migrated", invalid)
	}
	return nil
}

// unmigratable says why a file user cannot become a native user, applying
// the checks PUT /_security/user makes (in its words), or "" if it can.
// The reason for a hash never quotes it: a users-file "hash" that is not a
// hash is a clear-text password.
func unmigratable(cfg config.Config, name, hash string, roles []string) string {
	if name == cfg.Anonymous.Username {
		return fmt.Sprintf("user [%s] is anonymous and cannot be modified via the API", name)
	}
	if _, ok := user.LookupBuiltin(name); ok && cfg.ReservedRealmEnabled {
		return fmt.Sprintf("user [%s] is reserved and only the password can be changed", name)
	}
	if user.IsInternal(name) {
		return fmt.Sprintf("user [%s] is internal", name)
	}
	if err := user.ValidateUsername(name); err != nil {
		return err.Error()
	}
	for _, r := range roles {
		if err := user.ValidateRoleName(r); err != nil {
			return err.Error()
		}
	}
	if passhash.ValidateStoredHash(hash, cfg.PasswordHasher) != nil {
		return "its password hash is not a bcrypt or PBKDF2 hash, which the native realm requires"
	}
	return ""
}
