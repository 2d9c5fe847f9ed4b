// Command bench measures esauth beside the bare Go ceiling and its peers
// (caddy, nginx, HAProxy) in one run on one machine, and writes the
// results as a Markdown report and a JSON file. Every server listens on
// 127.0.0.1 and every load is bounded in time. Run it with `make bench`,
// which installs wrk, nginx-light, caddy, haproxy and apache2-utils first.
//
// With -pgo it measures nothing: it profiles esauth under the auth and
// gateway loads and writes cmd/esauth/default.pgo (`make pgo`, which runs
// `go run ./bench -pgo -d 30s`).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	var opt options
	flag.IntVar(&opt.runs, "runs", 3, "runs per figure (min/median/max are reported)")
	flag.DurationVar(&opt.duration, "d", 5*time.Second, "duration of each load")
	flag.StringVar(&opt.markdown, "out", "docs/performance.md", "Markdown report to write")
	flag.StringVar(&opt.json, "json", "bench/results.json", "JSON results to write")
	flag.StringVar(&opt.only, "only", "", "comma-separated sections to run (default all): "+strings.Join(sectionNames(), ","))
	flag.IntVar(&opt.bigUsers, "big", 1000000, "users for the large-store figures")
	flag.BoolVar(&opt.pgo, "pgo", false, "instead of the figures, profile esauth under the auth and gateway loads (-d each) and write "+pgoProfile+" (make pgo)")
	flag.Parse()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	err := run(ctx, opt)
	stopAll()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	runs     int
	duration time.Duration
	markdown string
	json     string
	only     string
	bigUsers int
	pgo      bool
}

func run(ctx context.Context, opt options) error {
	for _, tool := range []string{"wrk", "caddy", "nginx", "haproxy", "htpasswd"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed: run `make bench`, which installs it (bench/install.sh)", tool)
		}
	}
	tmp, err := os.MkdirTemp("", "esauth-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// nginx workers run as nobody: they must be able to read the files.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	b := &bench{opt: opt, tmp: tmp, started: time.Now(), maxRate: map[string]float64{}}
	if opt.pgo {
		return makeProfile(ctx, b)
	}
	fmt.Println("building esauth, the bare server and the bare Go proxy")
	builds := [][]string{{"esauth", "./cmd/esauth"}, {"bare", "./bench/bare"}, {"gwproxy", "./bench/gwproxy"}}
	if b.hasPGO() {
		// The auth section runs it beside the build with the profile.
		builds = append(builds, []string{"esauth-nopgo", "./cmd/esauth", "-pgo=off"})
	}
	for _, bd := range builds {
		if err := b.build(ctx, bd[0], bd[1], bd[2:]...); err != nil {
			return err
		}
	}
	want := map[string]bool{}
	for _, s := range strings.Split(opt.only, ",") {
		if s != "" {
			want[s] = true
		}
	}
	for _, s := range sections() {
		if len(want) > 0 && !want[s.name] {
			continue
		}
		fmt.Printf("== %s\n", s.title)
		if err := s.run(ctx, b); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		stopAll()
	}
	b.finished = time.Now()
	if err := b.writeJSON(opt.json); err != nil {
		return err
	}
	if err := b.writeMarkdown(opt.markdown); err != nil {
		return err
	}
	fmt.Printf("wrote %s and %s\n", opt.markdown, opt.json)
	return nil
}

// build compiles pkg into the run's directory as name.
func (b *bench) build(ctx context.Context, name, pkg string, flags ...string) error {
	args := append(append([]string{"build"}, flags...), "-o", filepath.Join(b.tmp, name), pkg)
	out, err := exec.CommandContext(ctx, "go", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// section is one group of figures.
type section struct {
	name, title string
	run         func(context.Context, *bench) error
}

func sections() []section {
	return []section{
		{"auth", "HTTP Basic authentication: the ceiling, esauth and its peers", authSection},
		{"cold", "Cold authentication against the raw hash rate", coldSection},
		{"flood", "A legitimate user under a wrong-password flood", floodSection},
		{"writes", "User writes", writesSection},
		{"users100k", "100,000 users", users100kSection},
		{"usersbig", "A large store", usersBigSection},
		{"gateway", "Security gateway: esauth and reverse proxies in front of one upstream", gatewaySection},
		{"latency", "Latency at half the measured maximum rate", latencySection},
	}
}

func sectionNames() []string {
	var n []string
	for _, s := range sections() {
		n = append(n, s.name)
	}
	return n
}
