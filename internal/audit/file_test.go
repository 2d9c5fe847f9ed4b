package audit_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/audit"
)

// rotatedFiles lists the log's files oldest first: esauth_audit-N.json …
// esauth_audit-1.json, then the active file.
func rotatedFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var rotated []int
	active := false
	for _, e := range entries {
		var n int
		switch _, err := fmt.Sscanf(e.Name(), "esauth_audit-%d.json", &n); {
		case e.Name() == audit.FileName:
			active = true
		case err == nil && e.Name() == "esauth_audit-"+strconv.Itoa(n)+".json":
			rotated = append(rotated, n)
		default:
			t.Errorf("unexpected file %s", e.Name())
		}
	}
	slices.Sort(rotated)
	slices.Reverse(rotated)
	var out []string
	for _, n := range rotated {
		out = append(out, filepath.Join(dir, "esauth_audit-"+strconv.Itoa(n)+".json"))
	}
	if active {
		out = append(out, filepath.Join(dir, audit.FileName))
	}
	return out
}

func TestRotation(t *testing.T) {
	const maxSize, maxFiles, events = 2048, 3, 200
	dir := t.TempDir()
	l, err := audit.Open(audit.Options{Enabled: true, Dir: dir, Events: audit.AllEvents, MaxSize: maxSize, MaxFiles: maxFiles,
		FlushInterval: time.Hour, Now: fixedTime})
	if err != nil {
		t.Fatal(err)
	}
	for i := range events {
		l.AnonymousAccessDenied(audit.Request{ID: strconv.Itoa(i), Method: "GET", Path: "/", RemoteAddr: "127.0.0.1:9"})
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	files := rotatedFiles(t, dir)
	if len(files) != maxFiles+1 {
		t.Fatalf("files %q, want the active one and %d rotated", files, maxFiles)
	}
	for i, f := range files[:maxFiles] {
		if want := filepath.Join(dir, "esauth_audit-"+strconv.Itoa(maxFiles-i)+".json"); f != want {
			t.Errorf("file %d is %s, want %s", i, f, want)
		}
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > maxSize || st.Size() == 0 {
			t.Errorf("%s has %d bytes, want 1 to %d", f, st.Size(), maxSize)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	// Oldest file first, the kept lines are the newest events, in order
	// and without a gap.
	lines := scanLines(t, files...)
	if len(lines) == 0 || len(lines) >= events {
		t.Fatalf("kept %d lines of %d; rotation dropped nothing or everything", len(lines), events)
	}
	first := events - len(lines)
	for i, m := range lines {
		if m["request.id"] != strconv.Itoa(first+i) {
			t.Fatalf("line %d has request.id %v, want %d", i, m["request.id"], first+i)
		}
	}
}

// TestRotationAppendsToExistingLog checks that a restart appends and that
// the size already in the file counts towards rotation.
func TestRotationAppendsToExistingLog(t *testing.T) {
	dir := t.TempDir()
	old := make([]byte, 1000)
	for i := range old {
		old[i] = 'x'
	}
	old[len(old)-1] = '\n'
	if err := os.WriteFile(filepath.Join(dir, audit.FileName), old, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := audit.Open(audit.Options{Enabled: true, Dir: dir, Events: audit.AllEvents, MaxSize: 1024, MaxFiles: 2})
	if err != nil {
		t.Fatal(err)
	}
	l.AnonymousAccessDenied(audit.Request{ID: "after-restart"})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rotated, err := os.ReadFile(filepath.Join(dir, "esauth_audit-1.json"))
	if err != nil || string(rotated) != string(old) {
		t.Fatalf("the old log was not rotated whole: %v", err)
	}
	if lines := scanLines(t, filepath.Join(dir, audit.FileName)); len(lines) != 1 || lines[0]["request.id"] != "after-restart" {
		t.Errorf("active log holds %v", lines)
	}
}

// TestConcurrentWriters runs many goroutines at once, with rotation, and
// checks that every event arrives as one whole line.
func TestConcurrentWriters(t *testing.T) {
	const writers, each = 16, 200
	dir := t.TempDir()
	l, err := audit.Open(audit.Options{Enabled: true, Dir: dir, Events: audit.AllEvents, MaxSize: 64 << 10, MaxFiles: 1000,
		FlushInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			p := audit.Principal{Name: "user" + strconv.Itoa(w), Realm: "default_native", Roles: []string{"a", "b"}}
			for i := range each {
				r := audit.Request{ID: strconv.Itoa(w) + "-" + strconv.Itoa(i), Method: "GET", Path: "/_cluster/health", RemoteAddr: "127.0.0.1:1"}
				l.AccessGranted(r, p, "cluster:monitor/health")
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	files := rotatedFiles(t, dir)
	if len(files) < 2 {
		t.Errorf("no rotation happened (%d files); the test should cover it", len(files))
	}
	seen := map[string]bool{}
	for _, m := range scanLines(t, files...) {
		id := m["request.id"].(string)
		if seen[id] {
			t.Errorf("event %s written twice", id)
		}
		seen[id] = true
	}
	if len(seen) != writers*each {
		t.Errorf("got %d events, want %d", len(seen), writers*each)
	}
}

// TestCloseFlushes checks that buffered events reach the file on Close and
// not before (with a flush interval far away), and that events after Close
// are dropped.
func TestCloseFlushes(t *testing.T) {
	dir := t.TempDir()
	l, err := audit.Open(audit.Options{Enabled: true, Dir: dir, Events: audit.AllEvents, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	logEverything(l)
	path := filepath.Join(dir, audit.FileName)
	if data, _ := os.ReadFile(path); len(data) != 0 {
		t.Fatalf("events reached the file before a flush; the buffer is not used: %q", data)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(scanLines(t, path)); n != 6 {
		t.Errorf("after Close the file has %d events, want 6", n)
	}
	logEverything(l)
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if n := len(scanLines(t, path)); n != 6 {
		t.Errorf("events logged after Close were written: %d lines", n)
	}
}

func TestPeriodicFlush(t *testing.T) {
	dir := t.TempDir()
	l, err := audit.Open(audit.Options{Enabled: true, Dir: dir, Events: audit.AllEvents, FlushInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.AnonymousAccessDenied(audit.Request{ID: "1"})
	path := filepath.Join(dir, audit.FileName)
	for deadline := time.Now().Add(5 * time.Second); ; {
		if data, _ := os.ReadFile(path); len(data) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the event was not flushed within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWriteThrough(t *testing.T) {
	dir := t.TempDir()
	l, err := audit.Open(audit.Options{Enabled: true, Dir: dir, Events: audit.AllEvents})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.AnonymousAccessDenied(audit.Request{ID: "1"})
	if n := len(scanLines(t, filepath.Join(dir, audit.FileName))); n != 1 {
		t.Errorf("with no flush interval the event is not on disk at once: %d lines", n)
	}
}

// TestRotationFailure blocks rotation and checks that events still go to
// the active file, that the failure is reported once, and that rotation
// resumes once it can.
func TestRotationFailure(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "esauth_audit-1.json")
	if err := os.MkdirAll(filepath.Join(blocker, "keep"), 0o750); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var reported []error
	l, err := audit.Open(audit.Options{Enabled: true, Dir: dir, Events: audit.AllEvents, MaxSize: 1024, MaxFiles: 1,
		OnError: func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := range 20 {
		l.AnonymousAccessDenied(audit.Request{ID: strconv.Itoa(i), Path: "/padding/padding/padding/padding"})
	}
	mu.Lock()
	if len(reported) != 1 {
		t.Errorf("reported %d errors, want the first of the run only: %v", len(reported), reported)
	}
	mu.Unlock()
	if n := len(scanLines(t, filepath.Join(dir, audit.FileName))); n != 20 {
		t.Errorf("active file has %d events, want all 20 despite the failed rotation", n)
	}
	if err := os.RemoveAll(blocker); err != nil {
		t.Fatal(err)
	}
	l.AnonymousAccessDenied(audit.Request{ID: "after"})
	if n := len(scanLines(t, blocker)); n != 20 {
		t.Errorf("after the blocker went, the rotated file has %d events, want 20", n)
	}
	if lines := scanLines(t, filepath.Join(dir, audit.FileName)); len(lines) != 1 || lines[0]["request.id"] != "after" {
		t.Errorf("active file after rotation: %v", lines)
	}
}

func TestOpenFails(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := audit.Open(audit.Options{Enabled: true, Dir: file})
	if err == nil {
		t.Fatal("Open under a regular file succeeded")
	}
	var pe *os.PathError
	if !errors.As(err, &pe) {
		t.Errorf("error %v does not say which path failed", err)
	}
}
