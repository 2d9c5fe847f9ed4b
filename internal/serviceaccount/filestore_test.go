package serviceaccount

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestWatchFile runs the watcher and edits the file as an operator would.
func TestWatchFile(t *testing.T) {
	f := newFixture(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var changes atomic.Int64
	go func() {
		defer close(done)
		f.svc.WatchFile(ctx, 10*time.Millisecond, func() { changes.Add(1) })
	}()
	t.Cleanup(func() { cancel(); <-done })

	if got := f.auth(esValidToken); got != refusedMsg("elastic/fleet-server", "token1") {
		t.Fatalf("before the file exists: %s", got)
	}
	// Creating the file adds the token.
	writeFile(t, f.dir, fleetFile)
	waitFor(t, "the new token", func() bool { return f.auth(esValidToken) == "file:elastic/fleet-server/token1" })
	if n := changes.Load(); n != 1 {
		t.Errorf("%d change callbacks, want 1", n)
	}
	if got := fmt.Sprint(f.svc.FileTokenNames("elastic/fleet-server")); got != "[token1]" {
		t.Errorf("FileTokenNames = %s", got)
	}

	// A comment changes no token: no reload callback, the cache stays.
	writeFile(t, f.dir, "# the fleet token\n"+fleetFile)
	waitFor(t, "the comment to be read", func() bool {
		st, _ := observe(f.svc.file.path)
		return f.svc.file.table.Load().state == st
	})
	if n := changes.Load(); n != 1 {
		t.Errorf("a comment edit reported a change (%d callbacks)", n)
	}

	// Replacing the hash: the cached old secret stops working at the reload.
	value := mustCreateFileToken(t, f, "token1")
	waitFor(t, "the replaced hash", func() bool { return f.auth(value) == "file:elastic/fleet-server/token1" })
	if got := f.auth(esValidToken); got != refusedMsg("elastic/fleet-server", "token1") {
		t.Errorf("old secret after the hash changed: %s", got)
	}

	// A broken file removes every file token, as a lenient reload does.
	writeFile(t, f.dir, "elastic/fleet-server/token1 without a colon\n")
	waitFor(t, "the broken file to empty the tokens", func() bool { return f.auth(value) == refusedMsg("elastic/fleet-server", "token1") })
	if log := f.log.String(); !strings.Contains(log, "failed to parse service tokens file; skipping/removing all tokens") ||
		!strings.Contains(log, "Missing ':' character at line #1") {
		t.Errorf("the broken file was not logged:\n%s", log)
	}

	// Fixed again, then removed.
	writeFile(t, f.dir, fleetFile)
	waitFor(t, "the fixed file", func() bool { return f.auth(esValidToken) == "file:elastic/fleet-server/token1" })
	if err := os.Remove(filepath.Join(f.dir, TokensFile)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the removed file", func() bool { return f.auth(esValidToken) == refusedMsg("elastic/fleet-server", "token1") })
	f.checkNoSecrets(t, esSecret, esHash, value)
}

// mustCreateFileToken writes a file whose token1 has a new secret, as the
// tool would, and returns the token.
func mustCreateFileToken(t *testing.T, f *fixture, name string) string {
	t.Helper()
	tok, err := NewToken(fleet, name)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := fastHasher(t).Hash(tok.Secret())
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteTokensFile(f.dir, map[string]string{tok.QualifiedName(): hash}); err != nil {
		t.Fatal(err)
	}
	return tok.Bearer()
}

// TestReloadWaitsForTheFileToSettle rewrites the file in place in two
// halves, pausing in between for longer than two poll intervals but less
// than the settle time: the half file must never be loaded.
func TestReloadWaitsForTheFileToSettle(t *testing.T) {
	const interval = 100 * time.Millisecond
	f := newFixture(t, fleetFile)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.svc.WatchFile(ctx, interval, nil) }()
	t.Cleanup(func() { cancel(); <-done })

	// The sampler sees the token work throughout: the half file (no
	// colon yet) would drop every token.
	var failed atomic.Value
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if got := f.auth(esValidToken); got != "file:elastic/fleet-server/token1" {
				failed.Store(got)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	pause := interval * 5 / 2
	var measured time.Duration
	for attempt := 0; ; attempt++ {
		measured = writeInTwoHalves(t, filepath.Join(f.dir, TokensFile), fleetFile, 10, pause)
		// A writer stalled for the whole settle time makes loading the
		// half file correct; try again.
		if measured < settlePolls*interval-30*time.Millisecond || attempt == 3 {
			break
		}
		t.Logf("the writer paused %v; retrying", measured)
	}
	time.Sleep(2 * settlePolls * interval)
	close(stop)
	<-sampled
	if v := failed.Load(); v != nil {
		t.Errorf("the half-written file was loaded (writer paused %v): %v\n%s", measured, v, f.log.String())
	}
}

// writeInTwoHalves rewrites path in place, pausing after the first n
// bytes, and returns how long the half-written state lasted.
func writeInTwoHalves(t *testing.T, path, content string, n int, pause time.Duration) time.Duration {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.WriteString(content[:n]); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	time.Sleep(pause)
	if _, err := fh.WriteString(content[n:]); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

func TestInstallLogsProblems(t *testing.T) {
	f := newFixture(t, "")
	writeFile(t, f.dir, fleetFile+"elastic/kibana/plain:"+esSecret+"\nfoo/bar/t:"+esHash+"\n")
	if !f.reload(t) {
		t.Error("reload reported no change")
	}
	log := f.log.String()
	for _, want := range []string{
		`msg="service tokens file: skipping plaintext service account token for key [elastic/kibana/plain]`,
		`line=2`,
		`msg="service tokens file: key [foo/bar/t] names the unknown service account [foo/bar]`,
		`line=3`,
		`msg="service tokens file changed, tokens reloaded"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if f.reload(t) {
		t.Error("reloading the same file reported a change")
	}
	f.checkNoSecrets(t, esSecret, esHash)
}
