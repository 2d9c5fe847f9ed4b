package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestGracefulShutdown sends SIGTERM while a request body is half sent:
// the request must complete, its write must be kept, and the process must
// exit with code 0.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pw := newPassword("elastic")
	elastic := cred{"elastic", pw}
	s1 := startServer(t, options{dataDir: dir, password: pw})

	userPW := newPassword("slow")
	body := fmt.Sprintf(`{"password":%q,"roles":["viewer"],"full_name":"Slow Writer"}`, userPW)
	first, rest := body[:len(body)/2], body[len(body)/2:]

	// With Expect: 100-continue the transport reads the body only after the
	// server's handler asked for it, so once the first half is taken from
	// the pipe the request is in flight on the server.
	pr, pwr := io.Pipe()
	defer pr.Close()
	req, err := http.NewRequest("PUT", s1.url+"/_security/user/slow-user", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	req.SetBasicAuth(elastic.user, elastic.password)
	tr := &http.Transport{ExpectContinueTimeout: 10 * time.Second, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		res, err := client.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		done <- result{res.StatusCode, string(b), err}
	}()
	writeWithin(t, pwr, first, 10*time.Second)

	s1.terminate(t)
	// Shutdown closes the listener first: once a new connection is refused
	// the server is shutting down with our request still open.
	host := strings.TrimPrefix(s1.url, "http://")
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the server still accepts connections 5s after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !s1.running() {
		t.Fatalf("the server exited with a request in flight (code %d); stderr:\n%s", s1.exitCode(), s1.logs())
	}
	writeWithin(t, pwr, rest, 10*time.Second)
	if err := pwr.Close(); err != nil {
		t.Fatal(err)
	}

	select {
	case r := <-done:
		if r.err != nil || r.status != http.StatusOK || r.body != `{"created":true}` {
			t.Fatalf("the in-flight PUT: status %d, body %s, err %v; want 200 {\"created\":true}", r.status, r.body, r.err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("the in-flight PUT did not complete within 15s")
	}
	code, exited := s1.wait(5 * time.Second)
	if !exited {
		t.Fatalf("still running 5s after the last request ended")
	}
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0; stderr:\n%s", code, s1.logs())
	}
	if !strings.Contains(s1.logs(), `msg="shutting down"`) {
		t.Errorf("no shutdown message in the log:\n%s", s1.logs())
	}

	s2 := startServer(t, options{dataDir: dir, password: pw})
	var users map[string]struct {
		FullName string `json:"full_name"`
	}
	s2.mustJSON(t, elastic, "GET", "/_security/user/slow-user", "", http.StatusOK, &users)
	if users["slow-user"].FullName != "Slow Writer" {
		b, _ := json.Marshal(users)
		t.Errorf("after restart GET slow-user = %s", b)
	}
	s2.mustAuthenticate(t, cred{"slow-user", userPW})
}

// writeWithin writes s to w, failing the test if that takes longer than d.
func writeWithin(t *testing.T, w io.Writer, s string, d time.Duration) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		_, err := io.WriteString(w, s)
		errc <- err
	}()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("writing the request body: %v", err)
		}
	case <-time.After(d):
		t.Fatalf("the request body was not read within %v", d)
	}
}
