// Command esauth serves Elasticsearch's native-realm security API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/server"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("esauth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "settings file (elasticsearch.yml format)")
	var overrides config.Overrides
	fs.Var(&overrides, "E", "a setting `name=value`, overriding the file (repeatable)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: esauth [--config FILE] [-E name=value ...]\n\n"+
			"Serves Elasticsearch's user security API on http.host:http.port (default 127.0.0.1:9200).\n\n")
		fs.PrintDefaults()
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = server.Run(ctx, server.Options{Config: cfg, Log: log, Stdout: stdout, Getenv: os.Getenv})
	if err != nil {
		log.Error("esauth stopped", "err", err)
		return 1
	}
	return 0
}

// splitAttachedE turns Elasticsearch's attached form "-Ename=value" into
// "-E" "name=value", which the flag package understands.
func splitAttachedE(args []string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		if a == "--" {
			return append(out, args[len(out):]...)
		}
		if len(a) > 2 && strings.HasPrefix(a, "-E") && a[2] != '=' {
			out = append(out, "-E", a[2:])
			continue
		}
		out = append(out, a)
	}
	return out
}
