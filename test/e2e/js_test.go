package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJavaScriptClient runs js/client.mjs, which drives the server with
// Elastic's official JavaScript client (@elastic/elasticsearch 8.19,
// pinned in js/package-lock.json). The dependencies are installed with
// npm ci the first time, so the README's test command needs nothing else.
func TestJavaScriptClient(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed; the JavaScript client test needs Node.js 18 or later")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@elastic", "elasticsearch")); err != nil {
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	pw := newPassword("elastic")
	s := startServer(t, options{password: pw})
	cmd := exec.CommandContext(ctx, "node", "client.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ES_URL="+s.url, "ES_PASSWORD="+pw)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("node client.mjs: %v\n%s", err, out)
	}
}
