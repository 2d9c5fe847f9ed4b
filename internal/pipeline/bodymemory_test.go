package pipeline_test

import (
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

// zeros is an endless body that costs its sender no memory.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// rss is the process's resident set in bytes (Linux).
func rss(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatalf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// Bodies are read only once the caller is authenticated: eight anonymous
// 90 MB requests at once are refused without buffering them (review §4:
// they took the node from 24 MB to 1.23 GB).
func TestUnauthenticatedBodiesAreNotRead(t *testing.T) {
	s := servertest.Start(t)
	const size = 90 << 20
	runtime.GC()
	before := rss(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("PUT", s.URL+"/_security/user/x"+strconv.Itoa(i), io.LimitReader(zeros{}, size))
			req.ContentLength = size
			req.Header.Set("Content-Type", "application/json")
			if i%2 == 1 {
				req.Header.Set("Authorization", "Basic "+servertest.B64("elastic:wrong-password"))
			}
			resp, err := s.Client().Do(req)
			if err != nil {
				return // the node may close the connection while the body is still being sent
			}
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Errorf("request %d: %d", i, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	grown := rss(t) - before
	t.Logf("RSS grew by %.1f MB", float64(grown)/(1<<20))
	if grown > 16<<20 {
		t.Errorf("RSS grew by %d MB for eight refused requests", grown>>20)
	}
}
