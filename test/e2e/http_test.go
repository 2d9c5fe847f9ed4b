package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// httpClient bounds every plain HTTP request of the tests.
var httpClient = &http.Client{Timeout: 15 * time.Second}

// cred is a Basic-auth identity; the zero value sends no credentials.
type cred struct{ user, password string }

var noAuth cred

// newPassword returns a fresh random password, registered as a secret.
func newPassword(prefix string) string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return secret(prefix + "-" + base64.RawURLEncoding.EncodeToString(b))
}

// request sends one request and returns the status and body. A body is
// sent as JSON.
func (s *server) request(t *testing.T, c cred, method, path, body string) (int, []byte) {
	t.Helper()
	res, b, err := s.try(c, method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return res.StatusCode, b
}

// try is request without the test: it returns the transport's error.
func (s *server) try(c cred, method, path, body string) (*http.Response, []byte, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, r)
	if err != nil {
		return nil, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c != noAuth {
		secret(base64.StdEncoding.EncodeToString([]byte(c.user + ":" + c.password)))
		req.SetBasicAuth(c.user, c.password)
	}
	res, err := httpClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, b, err
}

// mustJSON sends a request that must answer want and decodes the body.
func (s *server) mustJSON(t *testing.T, c cred, method, path, body string, want int, into any) {
	t.Helper()
	status, b := s.request(t, c, method, path, body)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d; body: %s", method, path, status, want, b)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
}

// whoami authenticates as c and returns the username, or the status when
// authentication fails.
func (s *server) whoami(t *testing.T, c cred) (string, int) {
	t.Helper()
	status, b := s.request(t, c, "GET", "/_security/_authenticate", "")
	if status != http.StatusOK {
		return "", status
	}
	var who struct {
		Username string `json:"username"`
	}
	if err := json.Unmarshal(b, &who); err != nil {
		t.Fatalf("decoding _authenticate %s: %v", b, err)
	}
	return who.Username, status
}

// mustAuthenticate fails the test unless c authenticates as c.user.
func (s *server) mustAuthenticate(t *testing.T, c cred) {
	t.Helper()
	if got, status := s.whoami(t, c); got != c.user {
		t.Fatalf("authenticating as %s: status %d, username %q", c.user, status, got)
	}
}

// mustNotAuthenticate fails the test unless c gets a 401.
func (s *server) mustNotAuthenticate(t *testing.T, c cred) {
	t.Helper()
	if _, status := s.whoami(t, c); status != http.StatusUnauthorized {
		t.Fatalf("authenticating as %s: status %d, want 401", c.user, status)
	}
}

// info is the part of GET / the tests read.
type info struct {
	Name        string `json:"name"`
	ClusterName string `json:"cluster_name"`
	ClusterUUID string `json:"cluster_uuid"`
	Version     struct {
		Number string `json:"number"`
	} `json:"version"`
}

func (s *server) info(t *testing.T, c cred) info {
	t.Helper()
	var i info
	s.mustJSON(t, c, "GET", "/", "", http.StatusOK, &i)
	return i
}
