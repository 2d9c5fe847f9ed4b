package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/filerealm"
	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/random"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/user"
)

// generatedPasswordLength is the length of the passwords reset-password
// generates, as elasticsearch-reset-password's.
const generatedPasswordLength = 20

const resetPasswordUsage = `Resets the password of users in the native realm and built-in users.

Usage: esauth reset-password -u USERNAME [-a | -i] [-b] [-f] [--url URL] [options]

Options
  -u, --username NAME      the username of the user whose password will be
                           reset
  -a, --auto               generate a 20-character password and print it
                           (the default)
  -i, --interactive        prompt for the new password (twice, without echo,
                           on a terminal; one line from a pipe)
  -b, --batch              do not ask for confirmation
  -f, --force              run even if the cluster health is RED
  --url URL                the URL where the esauth node listens (default
                           http://<http.host>:<first port of http.port>)
  -s, --silent             print only the generated password
  -v, --verbose            report each attempt while waiting for the node
` + commonOptions + `
With a shared store (esauth.store.type: etcd), or with the node stopped,
the new password is written to the store directly; running nodes follow
it. With the embedded store of a running node (the file is then locked), or
with --url, the tool does what elasticsearch-reset-password does: it adds a
temporary superuser to the file realm, waits up to 15 seconds for the node
to load it, changes the password through the API as that user, and removes
the temporary user in every case. That needs the file realm enabled.
`

type resetOptions struct {
	username                 string
	auto, interactive, batch bool
	force, silent, verbose   bool
	url                      string
}

// ResetPassword is "esauth reset-password", elasticsearch-reset-password.
func ResetPassword(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, stdin, stdout, stderr, resetPasswordUsage, func(e *env) error {
		f := newFlags("reset-password")
		var o resetOptions
		f.stringVar(&o.username, "u", "username")
		f.boolVar(&o.auto, "a", "auto")
		f.boolVar(&o.interactive, "i", "interactive")
		f.boolVar(&o.batch, "b", "batch")
		f.boolVar(&o.force, "f", "force")
		f.stringVar(&o.url, "url")
		f.boolVar(&o.silent, "s", "silent")
		f.boolVar(&o.verbose, "v", "verbose")
		pos, err := f.parse(args)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			// Not quoted: the stray argument may well be a password.
			return fail(exitUsage, "Unexpected argument: the options take no arguments besides their values")
		}
		if o.username == "" {
			return fail(exitUsage, "Missing required option(s) [u/username]")
		}
		if o.interactive && o.auto {
			return fail(exitUsage, "You can only run the tool in one of [auto] or [interactive] modes")
		}
		cfg, err := f.settings()
		if err != nil {
			return err
		}
		if o.url != "" {
			// Checked now, not after the questions.
			if _, err := nodeURL(cfg, o.url); err != nil {
				return err
			}
		}
		// Unlike Elasticsearch, ask before anything is changed: no
		// temporary superuser waits in the users file while the operator
		// answers.
		if !o.batch {
			if err := confirmReset(e, o); err != nil {
				return err
			}
		}
		password := random.Password(generatedPasswordLength)
		if o.interactive {
			if password, err = promptForPassword(e, o.username); err != nil {
				return err
			}
		}
		if o.url == "" {
			db, err := openExistingStore(e.ctx, cfg)
			switch {
			case err == nil:
				// A close error cannot undo the change: bbolt has
				// fsynced it when ChangePassword returns.
				defer db.Close()
				err = resetInStore(e, cfg, nativeusers.New(db), o.username, password)
				if err != nil {
					return err
				}
				reportReset(e, o, password)
				return nil
			case !errors.Is(err, boltstore.ErrInUse):
				return err
			}
			// The node is running: go through its API.
		}
		if err := resetThroughNode(e, cfg, o, password); err != nil {
			return err
		}
		reportReset(e, o, password)
		return nil
	})
}

// confirmReset asks Elasticsearch's question; "no" ends the tool with exit
// code 0, as there.
func confirmReset(e *env, o resetOptions) error {
	if o.interactive {
		fmt.Fprintf(e.stderr, "This tool will reset the password of the [%s] user.\n", o.username)
		fmt.Fprintln(e.stderr, "You will be prompted to enter the password.")
	} else {
		fmt.Fprintf(e.stderr, "This tool will reset the password of the [%s] user to an autogenerated value.\n", o.username)
		fmt.Fprintln(e.stderr, "The password will be printed in the console.")
	}
	yes, err := e.console.promptYesNo("Please confirm that you would like to continue")
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stderr)
	if !yes {
		return fail(exitOK, "User cancelled operation")
	}
	return nil
}

// promptForPassword is ResetPasswordTool.promptForPassword: it asks until
// a valid password is entered the same way twice (once from a pipe).
func promptForPassword(e *env, name string) (string, error) {
	for {
		p1, err := e.console.readSecret("Enter password for [" + name + "]: ")
		if err != nil {
			return "", err
		}
		if err := user.ValidatePassword(p1); err != nil {
			fmt.Fprintln(e.stderr, err)
			fmt.Fprintln(e.stderr, "Try again.")
			continue
		}
		if e.console.tty {
			p2, err := e.console.readSecret("Re-enter password for [" + name + "]: ")
			if err != nil {
				return "", err
			}
			if p1 != p2 {
				fmt.Fprintln(e.stderr, "Passwords do not match.")
				fmt.Fprintln(e.stderr, "Try again.")
				continue
			}
		}
		return p1, nil
	}
}

// reportReset prints Elasticsearch's success message; a generated password
// is printed because nobody else knows it (alone with --silent, for
// scripts).
func reportReset(e *env, o resetOptions, password string) {
	if !o.silent {
		fmt.Fprintf(e.stdout, "Password for the [%s] user successfully reset.\n", o.username)
	}
	if o.interactive {
		return
	}
	if !o.silent {
		fmt.Fprint(e.stdout, "New value: ")
	}
	fmt.Fprintln(e.stdout, password)
}

// openExistingStore opens the store only if it exists: a missing one
// means a wrong path.data far more often than a node never started, and
// creating it would set a password nobody will ever use.
func openExistingStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	if _, err := os.Stat(storePath(cfg)); cfg.Store.Type == config.StoreBolt && errors.Is(err, fs.ErrNotExist) {
		return nil, fail(exitNoInput, "There is no esauth store at [%s]: check path.data (and --config), or start the node once to create it",
			absPath(storePath(cfg)))
	}
	return openStore(ctx, cfg)
}

// resetFailed is Elasticsearch's message for a password change the node
// refused, with the node's reason.
func resetFailed(name, reason string) error {
	return fail(exitTempFailure, "Failed to reset password for the [%s] user. Cause was %s", name, reason)
}

// resetInStore changes the password in the store of a stopped node, making
// the checks the change-password API makes so that the outcome and the
// reason are the ones the running node would give.
func resetInStore(e *env, cfg config.Config, users *nativeusers.Store, name, password string) error {
	if name == cfg.Anonymous.Username {
		return resetFailed(name, fmt.Sprintf("user [%s] is anonymous and cannot be modified via the API", name))
	}
	_, reserved := user.LookupBuiltin(name)
	reserved = reserved && cfg.ReservedRealmEnabled
	if !reserved && fileRealmEnabled(cfg) {
		_, err := users.Get(e.ctx, name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			// A file user is changed with "esauth users passwd"; the
			// node refuses it with this message.
			if t, _, lerr := filerealm.Load(cfg.ConfigDir); lerr == nil {
				if _, ok := t.Hash(name); ok {
					return resetFailed(name, eserr.Validation(fmt.Sprintf("user [%s] is file-based and cannot be managed via this API.", name)).Reason)
				}
			}
		case err != nil:
			return fail(exitIOError, "reading user [%s]: %v", name, err)
		}
	}
	hash, err := cfg.PasswordHasher.Hash(password)
	if err != nil {
		return fail(exitDataError, "Error hashing the password")
	}
	if reserved {
		err = users.ChangeReservedPassword(e.ctx, name, hash)
	} else {
		err = users.ChangePassword(e.ctx, name, hash)
	}
	var ee *eserr.Error
	switch {
	case errors.As(err, &ee):
		return resetFailed(name, ee.Reason)
	case err != nil && e.ctx.Err() != nil:
		return interrupted()
	case err != nil:
		return fail(exitIOError, "Failed to reset password for the [%s] user: %v", name, err)
	}
	return nil
}

// fileRealmEnabled reports whether the realm chain has a file realm.
func fileRealmEnabled(cfg config.Config) bool {
	return slices.ContainsFunc(cfg.Realms, func(r config.RealmConfig) bool { return r.Type == config.RealmFile })
}
