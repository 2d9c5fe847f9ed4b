package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/esauth/esauth/internal/cli"
)

func main() {
	// SIGINT and SIGTERM cancel the context instead of killing the
	// process: the server shuts down gracefully, and a tool can restore
	// the terminal and remove what it created (reset-password's
	// temporary user) before it exits.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches on the first argument; anything that is not a command
// (no argument, or an option) serves, as esauth always has.
func run(ctx context.Context, args []string) int {
	in, out, errOut := os.Stdin, os.Stdout, os.Stderr
	if len(args) > 0 {
		switch rest := args[1:]; args[0] {
		case "users":
			return cli.Users(ctx, rest, in, out, errOut)
		case "reset-password":
			return cli.ResetPassword(ctx, rest, in, out, errOut)
		case "unlock":
			return cli.Unlock(ctx, rest, in, out, errOut)
		case "migrate":
			return cli.Migrate(ctx, rest, in, out, errOut)
		case "hash":
			return cli.Hash(ctx, rest, in, out, errOut)
		case "certutil":
			return cli.Certutil(ctx, rest, in, out, errOut)
		case "service-tokens":
			return cli.ServiceTokens(ctx, rest, in, out, errOut)
		}
	}
	return cli.Serve(ctx, args, out, errOut)
}
