package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestDurabilityUnderSIGKILL writes users concurrently, kills the server
// with SIGKILL in the middle, and checks that every acknowledged write
// survives and that the store opens cleanly.
func TestDurabilityUnderSIGKILL(t *testing.T) {
	t.Parallel()
	const (
		workers    = 4
		maxAcked   = 300
		writeFor   = 1500 * time.Millisecond
		minAckedOK = 10
	)
	dir := t.TempDir()
	elasticPW := newPassword("elastic")
	elastic := cred{"elastic", elasticPW}
	userPW := newPassword("durable")
	hash, err := bcrypt.GenerateFromPassword([]byte(userPW), 4)
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"password_hash":%q,"roles":["viewer"]}`, secret(string(hash)))
	if !strings.HasPrefix(string(hash), "$2a$04$") {
		t.Fatalf("bcrypt hash %q does not start with $2a$04$", hash)
	}

	s1 := startServer(t, options{dataDir: dir, password: elasticPW})
	var (
		next   atomic.Int64
		ackedN atomic.Int64
		mu     sync.Mutex
		acked  []string
		failed atomic.Int64 // requests that got no answer
		killed = make(chan struct{})
		wg     sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-killed:
					return
				default:
				}
				name := fmt.Sprintf("e2e-user-%04d", next.Add(1))
				res, b, err := s1.try(elastic, "PUT", "/_security/user/"+name, body)
				if err != nil {
					failed.Add(1)
					continue // the server is gone; stop at the next check
				}
				if res.StatusCode != http.StatusOK {
					t.Errorf("PUT %s: status %d: %s", name, res.StatusCode, b)
					return
				}
				mu.Lock()
				acked = append(acked, name)
				mu.Unlock()
				ackedN.Add(1)
			}
		}()
	}
	deadline := time.Now().Add(writeFor)
	for time.Now().Before(deadline) && ackedN.Load() < maxAcked {
		time.Sleep(10 * time.Millisecond)
	}
	s1.kill(t) // SIGKILL while the workers are still writing
	close(killed)
	wg.Wait()
	if code := s1.exitCode(); code != -1 {
		t.Errorf("exit code %d after SIGKILL, want -1 (killed by a signal)", code)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d writes acknowledged, %d sent, %d without an answer", len(acked), next.Load(), failed.Load())
	if len(acked) < minAckedOK {
		t.Fatalf("only %d writes acknowledged before the kill; the server is too slow for this test", len(acked))
	}

	// Restart on the same data with another ELASTIC_PASSWORD: it must be
	// ignored, the stored password still works.
	ignored := newPassword("ignored")
	s2 := startServer(t, options{dataDir: dir, password: ignored})
	s2.mustAuthenticate(t, elastic)
	s2.mustNotAuthenticate(t, cred{"elastic", ignored})
	var all map[string]json.RawMessage
	s2.mustJSON(t, elastic, "GET", "/_security/user", "", http.StatusOK, &all)
	var lost []string
	for _, name := range acked {
		if _, ok := all[name]; !ok {
			lost = append(lost, name)
		}
	}
	sort.Strings(lost)
	if len(lost) > 0 {
		t.Errorf("%d acknowledged users lost after SIGKILL: %v", len(lost), lost)
	}
	// The last acknowledged user's hash is intact: its password works.
	sort.Strings(acked)
	s2.mustAuthenticate(t, cred{acked[len(acked)-1], userPW})
	if strings.Contains(s2.logs(), "level=ERROR") || strings.Contains(s2.logs(), "level=WARN") {
		t.Errorf("the restart after SIGKILL logged problems:\n%s", s2.logs())
	}
	if code := s2.stop(t); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
}
