package filerealm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Tests poll fast; settle is then settlePolls*testInterval.
const (
	testInterval = 50 * time.Millisecond
	bound        = 5 * time.Second // changes must apply within this
)

// watch runs Watch until the test ends and counts onChange calls.
func watch(t *testing.T, tr *testRealm) *atomic.Int64 {
	t.Helper()
	var changes atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tr.Watch(ctx, testInterval, func() { changes.Add(1) })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(bound):
			t.Error("Watch did not return after cancel")
		}
	})
	return &changes
}

// eventually polls cond until it holds or bound passes, and returns how
// long it took.
func eventually(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > bound {
			t.Fatalf("%s: not within %v", what, bound)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// quiet waits long enough for any pending reload to have happened.
func quiet() { time.Sleep(2 * (settlePolls + 2) * testInterval) }

func TestWatchAtomicRename(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, UsersFile, "alice:"+pbkdf2+"\n")
	tr := newTestRealm(t, dir)
	changes := watch(t, tr)
	if !tr.ok(t, "alice", testPass) {
		t.Fatal("initial password rejected")
	}

	if err := WriteUsers(dir, map[string]string{"alice": bcrypt2y}); err != nil {
		t.Fatal(err)
	}
	took := eventually(t, "new password", func() bool { return tr.ok(t, "alice", otherPass) })
	t.Logf("rename applied after %v", took)
	if tr.ok(t, "alice", testPass) {
		t.Error("old password still accepted")
	}
	quiet()
	if n := changes.Load(); n != 1 {
		t.Errorf("onChange called %d times, want 1", n)
	}
}

func TestWatchInPlaceRewrite(t *testing.T) {
	dir := t.TempDir()
	// Same length and inode before and after, possibly the same mtime on a
	// coarse-timestamp file system: only the content hash tells them apart.
	writeFile(t, dir, UsersFile, "alice:passw0rd-A\n")
	tr := newTestRealm(t, dir)
	changes := watch(t, tr)
	if !tr.ok(t, "alice", "passw0rd-A") {
		t.Fatal("initial password rejected")
	}
	path := filepath.Join(dir, UsersFile)
	fi0, _ := os.Stat(path)
	writeFile(t, dir, UsersFile, "alice:passw0rd-B\n") // O_TRUNC, same inode
	fi1, _ := os.Stat(path)
	if !os.SameFile(fi0, fi1) {
		t.Fatal("rewrite was not in place")
	}
	eventually(t, "new password", func() bool { return tr.ok(t, "alice", "passw0rd-B") })
	if tr.ok(t, "alice", "passw0rd-A") {
		t.Error("old password still accepted")
	}
	quiet()
	if n := changes.Load(); n != 1 {
		t.Errorf("onChange called %d times, want 1", n)
	}
}

func TestWatchRolesAndDelete(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, UsersFile, "alice:"+sha1Hash+"\n")
	tr := newTestRealm(t, dir)
	changes := watch(t, tr)

	// A new users_roles file applies to existing users.
	if err := WriteUsersRoles(dir, map[string][]string{"alice": {"superuser"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "roles", func() bool {
		u, _ := tr.Lookup("alice")
		return len(u.Roles) == 1 && u.Roles[0] == "superuser"
	})

	// Deleting users_roles drops the roles; deleting users drops the users.
	if err := os.Remove(filepath.Join(dir, UsersRolesFile)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "roles removed", func() bool {
		u, ok := tr.Lookup("alice")
		return ok && len(u.Roles) == 0
	})
	if err := os.Remove(filepath.Join(dir, UsersFile)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "users removed", func() bool { _, ok := tr.Lookup("alice"); return !ok })
	if tr.ok(t, "alice", testPass) {
		t.Error("deleted user authenticated")
	}
	quiet()
	if n := changes.Load(); n != 3 {
		t.Errorf("onChange called %d times, want 3", n)
	}
	logs := tr.logs.String()
	if !strings.Contains(logs, "users file removed") || !strings.Contains(logs, "users_roles file removed") {
		t.Errorf("removal not logged:\n%s", logs)
	}

	// Recreating it brings the user back.
	writeFile(t, dir, UsersFile, "alice:"+sha1Hash+"\n")
	eventually(t, "users recreated", func() bool { return tr.ok(t, "alice", testPass) })
}

func TestWatchOnlyEffectiveChanges(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, UsersFile, "alice:"+sha1Hash+"\n")
	writeFile(t, dir, UsersRolesFile, "r:alice\n")
	tr := newTestRealm(t, dir)
	changes := watch(t, tr)

	// A comment changes the file but not the table: reloaded, no onChange.
	before := tr.table.Load()
	writeFile(t, dir, UsersFile, "# edited\nalice:"+sha1Hash+"\n")
	eventually(t, "reload", func() bool { return tr.table.Load() != before })
	// Touching a file without changing it does not even reload.
	now := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(dir, UsersRolesFile), now, now); err != nil {
		t.Fatal(err)
	}
	after := tr.table.Load()
	quiet()
	if tr.table.Load() != after {
		t.Error("a touch reloaded the table")
	}
	if n := changes.Load(); n != 0 {
		t.Errorf("onChange called %d times for no effective change", n)
	}
}

func TestWatchProblemsAndUnreadable(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, UsersFile, "alice:"+sha1Hash+"\n")
	tr := newTestRealm(t, dir)
	watch(t, tr)

	writeFile(t, dir, UsersFile, "# header\nalice:"+sha1Hash+"\nbob\n:"+pbkdf2+"\nbob:"+testPass+"\n")
	eventually(t, "bob", func() bool { _, ok := tr.Lookup("bob"); return ok })
	path := filepath.Join(dir, UsersFile)
	logs := tr.logs.String()
	for _, want := range []string{"file=" + path + " line=3", "file=" + path + " line=4"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}

	// A file that cannot be decoded contributes no users, as in
	// Elasticsearch, and says so.
	writeFile(t, dir, UsersFile, "alice:"+sha1Hash+"\nbob:\xff\n")
	eventually(t, "users dropped", func() bool { return len(tr.Users()) == 0 })
	logs = tr.logs.String()
	if !strings.Contains(logs, "file realm: file ignored") {
		t.Errorf("unreadable file not logged:\n%s", logs)
	}
	for _, secret := range []string{sha1Hash, pbkdf2, testPass} {
		if strings.Contains(logs, secret) {
			t.Errorf("log leaks %q:\n%s", secret, logs)
		}
	}
}

// TestWatchHalfWritten writes a file in two halves with a pause longer than
// the poll interval: a sampler must never see the half-written table.
func TestWatchHalfWritten(t *testing.T) {
	dir := t.TempDir()
	const (
		old  = "alice:" + sha1Hash + "\n"
		full = "alice:" + pbkdf2 + "\nbob:" + bcrypt2a + "\n"
	)
	half := len("alice:") + len(pbkdf2)/2 // alice with a truncated hash
	writeFile(t, dir, UsersFile, old)
	tr := newTestRealm(t, dir)
	watch(t, tr)

	var (
		wg   sync.WaitGroup
		stop atomic.Bool
		bad  atomic.Value
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		deadline := time.Now().Add(2 * bound)
		for !stop.Load() && time.Now().Before(deadline) {
			tab := tr.table.Load()
			h, _ := tab.Hash("alice")
			if h != sha1Hash && h != pbkdf2 {
				bad.Store(fmt.Sprintf("alice has a partial hash of %d bytes", len(h)))
			}
			if h, ok := tab.Hash("bob"); ok && h != bcrypt2a {
				bad.Store("bob has a partial hash")
			}
			time.Sleep(time.Millisecond)
		}
	}()

	pause := testInterval * 3 / 2 // > interval, < settle
	var measured time.Duration
	for attempt := 0; ; attempt++ {
		measured = writeInTwoHalves(t, filepath.Join(dir, UsersFile), full, half, pause)
		// If the machine stalled the writer for as long as the settle
		// time, loading the half file would be correct behaviour; retry.
		if measured < settlePolls*testInterval-20*time.Millisecond || attempt == 3 {
			break
		}
		t.Logf("writer paused %v; retrying", measured)
		writeFile(t, dir, UsersFile, old)
		eventually(t, "old", func() bool { h, _ := tr.table.Load().Hash("alice"); return h == sha1Hash })
	}
	eventually(t, "full file", func() bool { _, ok := tr.table.Load().Hash("bob"); return ok })
	stop.Store(true)
	wg.Wait()
	if v := bad.Load(); v != nil {
		t.Errorf("half-written file was loaded (writer paused %v): %v", measured, v)
	}
	if !tr.ok(t, "alice", testPass) || !tr.ok(t, "bob", testPass) {
		t.Error("complete file does not authenticate")
	}
}

// writeInTwoHalves rewrites path in place, pausing after the first n bytes,
// and returns how long the half-written state really lasted.
func writeInTwoHalves(t *testing.T, path, content string, n int, pause time.Duration) time.Duration {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content[:n]); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	time.Sleep(pause)
	if _, err := f.WriteString(content[n:]); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

// TestWatchConsistentTable rewrites both files repeatedly; every table a
// reader sees pairs users and roles from the same generation.
func TestWatchConsistentTable(t *testing.T) {
	dir := t.TempDir()
	gen := func(i int) {
		name := fmt.Sprintf("user%d", i)
		if err := WriteUsers(dir, map[string]string{name: testPass}); err != nil {
			t.Fatal(err)
		}
		if err := WriteUsersRoles(dir, map[string][]string{name: {fmt.Sprintf("role%d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	gen(0)
	tr := newTestRealm(t, dir)
	watch(t, tr)
	var stop atomic.Bool
	var bad atomic.Value
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			for _, u := range tr.Users() {
				want := "role" + strings.TrimPrefix(u.Username, "user")
				if len(u.Roles) != 1 || u.Roles[0] != want {
					bad.Store(fmt.Sprintf("%s has roles %v", u.Username, u.Roles))
				}
			}
			time.Sleep(time.Millisecond)
		}
	}()
	for i := 1; i <= 3; i++ {
		gen(i)
		name := fmt.Sprintf("user%d", i)
		eventually(t, name, func() bool { _, ok := tr.Lookup(name); return ok })
	}
	stop.Store(true)
	wg.Wait()
	if v := bad.Load(); v != nil {
		t.Error(v)
	}
}

func TestWatchDefaultInterval(t *testing.T) {
	if DefaultInterval*(settlePolls+2) > bound {
		t.Errorf("default interval %v with %d settle polls can exceed %v", DefaultInterval, settlePolls, bound)
	}
	tr := newTestRealm(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tr.Watch(ctx, 0, nil) // returns at once on a done context
}
