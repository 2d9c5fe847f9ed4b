package boltstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/storetest"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "esauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
	// One node owns the file: its "two clients" are one store.
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		s := openTemp(t)
		return s, s
	})
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	path := filepath.Join(dir, "esauth.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for p, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		// The umask may only take permissions away.
		if got := fi.Mode(); got&^want != 0 {
			t.Errorf("%s has mode %v, want at most %v", p, got, want)
		}
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "esauth.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, store.Users, "alice", []byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, store.Meta, "uuid", func([]byte) ([]byte, error) { return []byte("u"), nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close is idempotent-safe, and a closed store refuses work instead of
	// touching an unmapped file.
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if _, err := s.Get(ctx, store.Users, "alice"); err == nil {
		t.Error("Get after Close = nil error")
	}
	if err := s.Create(ctx, store.Users, "bob", []byte("b")); err == nil {
		t.Error("Create after Close = nil error")
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, r := range []struct {
		c        store.Collection
		key, val string
	}{{store.Users, "alice", "a"}, {store.Meta, "uuid", "u"}} {
		got, err := s.Get(ctx, r.c, r.key)
		if err != nil || string(got) != r.val {
			t.Errorf("after reopen Get(%s, %q) = (%q, %v), want %q", r.c, r.key, got, err, r.val)
		}
	}
	if _, err := s.Get(ctx, store.Users, "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(bob) = %v, want ErrNotFound", err)
	}
}

func TestSecondOpenFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "esauth.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// flock locks belong to the open file description, so a second Open in
	// this process conflicts exactly like another process would.
	start := time.Now()
	s2, err := Open(path)
	elapsed := time.Since(start)
	if err == nil {
		s2.Close()
		t.Fatal("second Open of a file in use succeeded")
	}
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("second Open = %v, want ErrInUse", err)
	}
	if elapsed > 2500*time.Millisecond {
		t.Errorf("second Open took %v, want about %v", elapsed, lockTimeout)
	}
}

// TestListStopsOnCancel checks that a long List notices a cancelled context
// part way through instead of walking every record.
func TestListStopsOnCancel(t *testing.T) {
	s := openTemp(t)
	fill(t, s, store.Users, 5*ctxCheckEvery, []byte("v"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	calls := 0
	err := s.List(ctx, store.Users, func(string, []byte) error {
		calls++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("List = %v, want context.Canceled", err)
	}
	if calls > ctxCheckEvery {
		t.Errorf("List called fn %d times after the context was cancelled, want at most %d", calls, ctxCheckEvery)
	}
}

// crashEnv tells a child copy of this test binary to run TestCrashHelper
// against the file it names.
const crashEnv = "ESAUTH_BOLTSTORE_CRASH_DB"

func crashKey(i int) string { return fmt.Sprintf("key-%06d", i) }

// crashValue is large enough that commits span several pages, and derived
// from the key so the parent can tell a torn or misplaced value.
func crashValue(key string) string {
	return key + ":" + strings.Repeat(key, 40)
}

// TestCrashHelper is the child side of TestCrashKeepsAcknowledgedWrites.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("only runs as the child of TestCrashKeepsAcknowledgedWrites")
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Bounded so that an orphaned child (parent killed) stops by itself.
	deadline := time.Now().Add(30 * time.Second)
	for i := 1; time.Now().Before(deadline); i++ {
		key := crashKey(i)
		_, err := s.Update(ctx, store.Users, key, func([]byte) ([]byte, error) {
			return []byte(crashValue(key)), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Only now is the write acknowledged; one write(2) per line keeps
		// lines whole in the pipe.
		if _, err := os.Stdout.WriteString(key + "\n"); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("parent never killed the helper")
}

// TestCrashKeepsAcknowledgedWrites kills a writer with SIGKILL in the middle
// of its work and checks that every write it acknowledged survived.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	const wantAcked = 300
	path := filepath.Join(t.TempDir(), "esauth.db")

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()

	var acked []string
	keyLine := regexp.MustCompile(`^key-\d{6}$`)
	accept := func(line string) {
		if keyLine.MatchString(line) {
			acked = append(acked, line)
		} else {
			t.Logf("child: %s", line)
		}
	}
	timeout := time.After(10 * time.Second)
	killed := false
	for !killed {
		select {
		case line, ok := <-lines:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("child exited before it was killed, after %d writes; stderr:\n%s", len(acked), stderr.String())
			}
			accept(line)
			killed = len(acked) >= wantAcked
		case <-timeout:
			t.Logf("only %d writes acknowledged in 10s; killing the child anyway", len(acked))
			killed = true
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred cleanup runs
		t.Fatal(err)
	}
	// Lines already in the pipe were acknowledged too.
	for line := range lines {
		accept(line)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("child exited cleanly, want killed")
	}
	if len(acked) == 0 {
		t.Fatalf("child acknowledged no writes; stderr:\n%s", stderr.String())
	}

	s, err := Open(path)
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	ctx := t.Context()
	for i, key := range acked {
		if want := crashKey(i + 1); key != want {
			t.Fatalf("acknowledgement %d is %q, want %q", i+1, key, want)
		}
		got, err := s.Get(ctx, store.Users, key)
		if err != nil {
			t.Errorf("acknowledged %s: %v", key, err)
		} else if string(got) != crashValue(key) {
			t.Errorf("acknowledged %s holds %d bytes, not its value", key, len(got))
		}
	}
	// bbolt's own consistency check: no page leaked or referenced twice.
	err = s.db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
	if err != nil {
		t.Errorf("bbolt consistency check after SIGKILL: %v", err)
	}
	t.Logf("%d acknowledged writes survived SIGKILL", len(acked))
}

// fill bulk-loads n records in one transaction; one durable commit per
// record would take seconds.
func fill(b testing.TB, s *Store, c store.Collection, n int, val []byte) []string {
	b.Helper()
	keys := make([]string, n)
	err := s.db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte(c))
		if err != nil {
			return err
		}
		for i := range keys {
			keys[i] = fmt.Sprintf("user-%06d", i)
			if err := bk.Put([]byte(keys[i]), val); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return keys
}

// userDoc is about the size of a stored user document with a bcrypt hash.
const userDoc = `{"username":"user","roles":["superuser","kibana_admin"],"full_name":"A User","email":"user@example.com","metadata":{},"enabled":true,"password":"$2a$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"}`

func BenchmarkGet(b *testing.B) {
	s := openTemp(b)
	keys := fill(b, s, store.Users, 10_000, []byte(userDoc))
	ctx := b.Context()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Get(ctx, store.Users, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkUpdate(b *testing.B) {
	s := openTemp(b)
	keys := fill(b, s, store.Users, 10_000, []byte(userDoc))
	ctx := b.Context()
	set := func([]byte) ([]byte, error) { return []byte(userDoc), nil }
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// Each iteration is one durable (fsynced) commit.
		if _, err := s.Update(ctx, store.Users, keys[i%len(keys)], set); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkList(b *testing.B) {
	const n = 10_000
	s := openTemp(b)
	fill(b, s, store.Users, n, []byte(userDoc))
	ctx := b.Context()
	b.ReportAllocs()
	lists := 0
	for b.Loop() {
		lists++
		count := 0
		err := s.List(ctx, store.Users, func(string, []byte) error {
			count++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if count != n {
			b.Fatalf("List visited %d records, want %d", count, n)
		}
	}
	b.ReportMetric(float64(n*lists)/b.Elapsed().Seconds(), "records/s")
}
