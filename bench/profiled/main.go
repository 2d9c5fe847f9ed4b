// Command profiled is esauth's server, as cmd/esauth serves, with a CPU
// profile of its whole run: from start to shutdown (SIGINT or SIGTERM) it
// writes one to the file ESAUTH_CPUPROFILE names. `go run ./bench -pgo`
// (make pgo) runs it under the benchmark's loads to make
// cmd/esauth/default.pgo; esauth itself has no profiling switch. The
// profile's functions are esauth's own (internal/...), so it fits
// cmd/esauth although its main package is this one.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/esauth/esauth/internal/cli"
)

func main() {
	path := os.Getenv("ESAUTH_CPUPROFILE")
	if path == "" {
		fmt.Fprintln(os.Stderr, "profiled: set ESAUTH_CPUPROFILE to the profile's file")
		os.Exit(2)
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "profiled:", err)
		os.Exit(1)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "profiled:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Serve(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "profiled:", err)
		code = 1
	}
	os.Exit(code)
}
