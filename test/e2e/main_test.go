package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// binary is the esauth command built once for the whole package.
var binary string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "esauth-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "esauth")
	if err := build(binary); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building esauth:", err)
		return 1
	}
	code := m.Run()
	// The per-server checks run in each test's cleanup; this sweep also
	// catches a secret of one test showing up in another test's server.
	if leaks := allLeaks(); len(leaks) > 0 {
		for _, l := range leaks {
			fmt.Fprintln(os.Stderr, "e2e: FAIL: secret in server log:", l)
		}
		code = 1
	}
	return code
}

// build compiles ./cmd/esauth from the module root into out, with the race
// detector when the tests run with it.
func build(out string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./cmd/esauth")...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w\n%s", err, b)
	}
	return nil
}

// Secrets: every password, hash and credential a test sends is registered
// here, and no server's stderr may ever contain one.
var secrets struct {
	sync.Mutex
	set     map[string]bool
	servers []*server
}

// secret registers s as a string that must never be logged and returns it.
func secret(s string) string {
	secrets.Lock()
	defer secrets.Unlock()
	if secrets.set == nil {
		secrets.set = make(map[string]bool)
	}
	secrets.set[s] = true
	return s
}

// leaksIn lists the registered secrets found in logs.
func leaksIn(logs string) []string {
	secrets.Lock()
	defer secrets.Unlock()
	var found []string
	for s := range secrets.set {
		if strings.Contains(logs, s) {
			found = append(found, s)
		}
	}
	sort.Strings(found)
	return found
}

func allLeaks() []string {
	secrets.Lock()
	servers := append([]*server(nil), secrets.servers...)
	secrets.Unlock()
	var out []string
	for _, s := range servers {
		for _, l := range leaksIn(s.logs()) {
			out = append(out, fmt.Sprintf("%s: %q", s.name, l))
		}
	}
	return out
}

// checkNoLeaks fails t if a registered secret is in the server's logs.
func checkNoLeaks(t *testing.T, s *server) {
	t.Helper()
	for _, l := range leaksIn(s.logs()) {
		t.Errorf("%s: the server log contains the secret %q", s.name, l)
	}
}
