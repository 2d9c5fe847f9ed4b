package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/user"
)

const hashUsage = `Prints the hash of a password, for the password_hash field of the user API

Usage: esauth hash [--algorithm NAME] [options]

Options
  --algorithm NAME         the hashing algorithm: bcrypt, bcrypt4..bcrypt14,
                           pbkdf2, pbkdf2_<n>, pbkdf2_stretch or
                           pbkdf2_stretch_<n> (default: the setting
                           xpack.security.authc.password_hashing.algorithm)
` + commonOptions + `
The password is prompted for twice without echo on a terminal, or read as
one line from standard input otherwise. Only the hash is printed, on
standard output.
`

// Hash is "esauth hash": it hashes a password read from the terminal or
// standard input. Printing a hash is its purpose, and the only place esauth
// prints one.
func Hash(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, stdin, stdout, stderr, hashUsage, func(e *env) error {
		f := newFlags("hash")
		var algorithm string
		f.stringVar(&algorithm, "algorithm")
		pos, err := f.parse(args)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			// Not quoted: the stray argument is likely the password.
			return fail(exitUsage, "Unexpected argument: the password is read from standard input, not from the command line")
		}
		cfg, err := f.settings()
		if err != nil {
			return err
		}
		hasher, err := hashAlgorithm(cfg, algorithm, f.isSet("algorithm"))
		if err != nil {
			return err
		}
		password, err := e.console.readSecret("Enter password: ")
		if err != nil {
			return err
		}
		if err := user.ValidatePassword(password); err != nil {
			return fail(exitDataError, "Invalid password...%v", err)
		}
		if e.console.tty {
			retyped, err := e.console.readSecret("Retype password: ")
			if err != nil {
				return err
			}
			if retyped != password {
				return fail(exitDataError, "Password mismatch")
			}
		}
		hash, err := hasher.Hash(password)
		if err != nil {
			return fail(exitDataError, "Error hashing the password")
		}
		fmt.Fprintln(e.stdout, hash)
		return nil
	})
}

// hashAlgorithm is --algorithm, limited like the hashing setting to the
// algorithms Elasticsearch accepts for stored passwords, or the configured
// one.
func hashAlgorithm(cfg config.Config, name string, given bool) (passhash.Hasher, error) {
	if !given {
		return cfg.PasswordHasher, nil
	}
	h, err := passhash.ResolveStored(name)
	if err != nil {
		return passhash.Hasher{}, fail(exitUsage, "%v", err)
	}
	return h, nil
}
