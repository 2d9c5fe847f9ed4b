package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/server"
)

const serveCommands = `
Commands (run "esauth COMMAND --help" for their options):
  users           manage file realm users (useradd, userdel, passwd, roles, list)
  reset-password  reset the password of a native or built-in user
  unlock          lift login lockout blocks (user NAME, ip ADDRESS, --all)
  migrate         copy file realm users into the native realm
  hash            print the hash of a password, for password_hash
  certutil        create a CA and an HTTPS certificate (certutil http)
  service-tokens  manage service account tokens of the service_tokens file
`

// Serve runs the server: esauth without a command. Its exit codes are the
// server's own (2 for a bad command line, 1 for any failure), unchanged
// since before the tools existed.
func Serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("esauth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "settings file (elasticsearch.yml format)")
	var overrides config.Overrides
	fs.Var(&overrides, "E", "a setting `name=value`, overriding the file (repeatable)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: esauth [--config FILE] [-E name=value ...]\n"+
			"       esauth COMMAND [options]\n\n"+
			"Serves Elasticsearch's user security API on http.host:http.port (default 127.0.0.1:9200).\n\n")
		fs.PrintDefaults()
		fmt.Fprint(stderr, serveCommands)
	}
	if err := fs.Parse(splitAttachedE(args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "esauth: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	settings, err := config.Load(*file, overrides, os.LookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "esauth: %v\n", err)
		return 1
	}
	cfg, err := settings.Config()
	if err != nil {
		fmt.Fprintf(stderr, "esauth: %v\n", err)
		return 1
	}
	err = server.Run(ctx, server.Options{Config: cfg, Log: log, Stdout: stdout, Getenv: os.Getenv})
	if err != nil {
		log.Error("esauth stopped", "err", err)
		return 1
	}
	return 0
}
