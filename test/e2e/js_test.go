package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestJavaScriptClient runs js/client.mjs, which drives the server with
// Elastic's official JavaScript client (@elastic/elasticsearch 8.19,
// pinned in js/package-lock.json). The dependencies are installed with
// npm ci the first time, so the README's test command needs nothing else.
func TestJavaScriptClient(t *testing.T) {
	t.Parallel()
	pw := newPassword("elastic")
	s := startServer(t, options{password: pw})
	runNode(t, "client.mjs", "ES_URL="+s.url, "ES_PASSWORD="+pw)
}

// TestGatewayWithTheJavaScriptClient runs js/gateway.mjs against the
// gateway in front of a fake cluster.
func TestGatewayWithTheJavaScriptClient(t *testing.T) {
	t.Parallel()
	gw, _, _, loggerPW := startGateway(t)
	runNode(t, "gateway.mjs", "ES_URL="+gw.url, "LOGGER_PASSWORD="+loggerPW)
}

// npmOnce installs the client once for every test that runs node.
var npmOnce sync.Mutex

// runNode runs one script of js/ with env, installing its dependencies
// with npm ci the first time, and fails unless it prints "ok".
func runNode(t *testing.T, script string, env ...string) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed; the JavaScript client tests need Node.js 18 or later")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	npmOnce.Lock()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@elastic", "elasticsearch")); err != nil {
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			npmOnce.Unlock()
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	npmOnce.Unlock()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("node %s: %v\n%s", script, err, out)
	}
}
