package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/serviceaccount"
)

const serviceTokensUsage = `Manages elasticsearch service account file-tokens (the service_tokens
file of the configuration directory), as elasticsearch-service-tokens does.

Usage: esauth service-tokens COMMAND [options]

Commands
--------
create - Create a file token for specified service account and token name
delete - Remove a file token for specified service account and token name
list - List file tokens for the specified service account

Run "esauth service-tokens COMMAND --help" for the options of a command.
`

const tokenCreateUsage = `Create a file token for specified service account and token name

Usage: esauth service-tokens create SERVICE_ACCOUNT_PRINCIPAL TOKEN_NAME [options]

Options
` + commonOptions + `
Prints the new token as "SERVICE_TOKEN namespace/service/name = TOKEN"; the
token is shown this once and only its hash is stored, hashed with
xpack.security.authc.service_token_hashing.algorithm. The change is local
to this configuration directory: copy the file to every node. Comments and
lines without a hash are not kept when the file is rewritten.
`

const tokenDeleteUsage = `Remove a file token for specified service account and token name

Usage: esauth service-tokens delete SERVICE_ACCOUNT_PRINCIPAL TOKEN_NAME [options]

Options
` + commonOptions

const tokenListUsage = `List file tokens for the specified service account

Usage: esauth service-tokens list [SERVICE_ACCOUNT_PRINCIPAL] [options]

Options
` + commonOptions + `
Prints the qualified name of each token (namespace/service/name), never a
hash.
`

// ServiceTokens is "esauth service-tokens": Elasticsearch's
// elasticsearch-service-tokens tool (FileTokensTool).
func ServiceTokens(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	type sub struct {
		usage string
		run   func(*env, []string) error
	}
	subs := map[string]sub{
		"create": {tokenCreateUsage, tokenCreate},
		"delete": {tokenDeleteUsage, tokenDelete},
		"list":   {tokenListUsage, tokenList},
	}
	if len(args) > 0 {
		if s, ok := subs[args[0]]; ok {
			return run(ctx, stdin, stdout, stderr, s.usage, func(e *env) error { return s.run(e, args[1:]) })
		}
	}
	return run(ctx, stdin, stdout, stderr, serviceTokensUsage, func(*env) error {
		switch {
		case len(args) == 0:
			return fail(exitUsage, "Missing command")
		case args[0] == "-h" || args[0] == "--help" || args[0] == "-help":
			return errHelp
		}
		return fail(exitUsage, "Unknown command [%s]", args[0])
	})
}

// unknownPrincipal is the tool's error for a principal that names no
// built-in account.
func unknownPrincipal(principal string) error {
	return fail(exitNoUser, "Unknown service account principal: [%s]. Must be one of [%s]",
		principal, strings.Join(serviceaccount.Principals(), ","))
}

// parsePrincipalAndTokenName is FileTokensTool.parsePrincipalAndTokenName:
// exactly two arguments, a built-in account and a valid token name.
func parsePrincipalAndTokenName(args []string) (*serviceaccount.Account, string, error) {
	switch {
	case len(args) == 0:
		return nil, "", fail(exitUsage, "Missing service-account-principal and token-name arguments")
	case len(args) == 1:
		return nil, "", fail(exitUsage, "Missing token-name argument")
	case len(args) > 2:
		return nil, "", fail(exitUsage, "Expected two arguments, service-account-principal and token-name, found extra: [%s]",
			strings.Join(args, ","))
	}
	a, ok := serviceaccount.Lookup(args[0])
	if !ok {
		return nil, "", unknownPrincipal(args[0])
	}
	if err := serviceaccount.ValidateTokenName(args[1]); err != nil {
		return nil, "", fail(exitCodeError, "%v", err)
	}
	return a, args[1], nil
}

// tokenCommand is the common start of create and delete.
func tokenCommand(name string, args []string) (config.Config, *serviceaccount.Account, string, error) {
	f := newFlags(name)
	pos, err := f.parse(args)
	if err != nil {
		return config.Config{}, nil, "", err
	}
	cfg, err := f.settings()
	if err != nil {
		return config.Config{}, nil, "", err
	}
	a, token, err := parsePrincipalAndTokenName(pos)
	return cfg, a, token, err
}

// loadServiceTokens reads the service_tokens file strictly, as the tool's
// parseFile does: a file that cannot be parsed stops the command. Lines
// the parser skips or doubts are reported as warnings; rewriting the file
// drops the skipped ones, as Elasticsearch's tool does.
func loadServiceTokens(cfg config.Config, stderr io.Writer) (map[string]string, error) {
	if fi, err := os.Stat(cfg.ConfigDir); err != nil || !fi.IsDir() {
		return nil, fail(exitConfig, "Configuration directory [%s] is missing", absPath(cfg.ConfigDir))
	}
	tokens, problems, err := serviceaccount.ReadTokensFile(cfg.ConfigDir)
	path := absPath(filepath.Join(cfg.ConfigDir, serviceaccount.TokensFile))
	for _, p := range problems {
		fmt.Fprintf(stderr, "Warning: %s:%d: %s\n", path, p.Line, p.Msg)
	}
	var fe *serviceaccount.FileError
	switch {
	case errors.As(err, &fe):
		return nil, fail(exitCodeError, "%v", err)
	case err != nil:
		return nil, fail(exitIOError, "%v", err)
	}
	return tokens, nil
}

func writeServiceTokens(dir string, tokens map[string]string) error {
	if err := serviceaccount.WriteTokensFile(dir, tokens); err != nil {
		return fail(exitIOError, "%v", err)
	}
	return nil
}

func tokenCreate(e *env, args []string) error {
	cfg, a, name, err := tokenCommand("create", args)
	if err != nil {
		return err
	}
	tokens, err := loadServiceTokens(cfg, e.stderr)
	if err != nil {
		return err
	}
	t, err := serviceaccount.NewToken(a, name)
	if err != nil {
		return fail(exitCodeError, "%v", err)
	}
	if _, ok := tokens[t.QualifiedName()]; ok {
		return fail(exitCodeError, "Service token [%s] already exists", t.QualifiedName())
	}
	hash, err := cfg.ServiceAccount.TokenHasher.Hash(t.Secret())
	if err != nil {
		return fail(exitCodeError, "hashing the token failed: %v", err)
	}
	tokens[t.QualifiedName()] = hash
	if err := writeServiceTokens(cfg.ConfigDir, tokens); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "SERVICE_TOKEN %s = %s\n", t.QualifiedName(), t.Bearer())
	return nil
}

func tokenDelete(e *env, args []string) error {
	cfg, a, name, err := tokenCommand("delete", args)
	if err != nil {
		return err
	}
	tokens, err := loadServiceTokens(cfg, e.stderr)
	if err != nil {
		return err
	}
	key := a.Principal() + "/" + name
	if _, ok := tokens[key]; !ok {
		return fail(exitCodeError, "Service token [%s] does not exist", key)
	}
	delete(tokens, key)
	return writeServiceTokens(cfg.ConfigDir, tokens)
}

func tokenList(e *env, args []string) error {
	f := newFlags("list")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	cfg, err := f.settings()
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return fail(exitUsage, "Expected at most one argument, service-account-principal, found extra: [%s]", strings.Join(pos, ","))
	}
	prefix := ""
	if len(pos) == 1 {
		if _, ok := serviceaccount.Lookup(pos[0]); !ok {
			return unknownPrincipal(pos[0])
		}
		prefix = pos[0] + "/"
	}
	tokens, err := loadServiceTokens(cfg, e.stderr)
	if err != nil {
		return err
	}
	for _, key := range slices.Sorted(maps.Keys(tokens)) {
		if strings.HasPrefix(key, prefix) {
			fmt.Fprintln(e.stdout, key)
		}
	}
	return nil
}
