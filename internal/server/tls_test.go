package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/config"
)

// lockedBuffer collects a node's log while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTLSRun serves the REST API over HTTPS with certificate paths
// relative to the configuration directory: a client trusting the CA gets
// GET /, and plain HTTP on the same port gets no answer.
func TestTLSRun(t *testing.T) {
	conf := t.TempDir()
	certs := filepath.Join(conf, "certs")
	if err := os.Mkdir(certs, 0o700); err != nil {
		t.Fatal(err)
	}
	ca, caKey := writeCert(t, certs, "ca", true, nil, nil)
	writeCert(t, certs, "http", false, ca, caKey)
	s, err := config.Load("", []string{"http.port=0", "path.data=" + t.TempDir(), "path.conf=" + conf,
		"xpack.security.authc.password_hashing.algorithm=bcrypt4",
		"xpack.security.http.ssl.enabled=true", "xpack.security.http.ssl.certificate=certs/http.pem",
		"xpack.security.http.ssl.key=certs/http-key.pem"}, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := s.Config()
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Config: cfg, Log: slog.New(slog.NewTextHandler(logs, nil)), Stdout: io.Discard,
			Getenv: func(string) string { return "elastic-pw" }, Ready: func(a net.Addr) { ready <- a }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node stopped with %v", err)
		}
	})
	var addr string
	select {
	case a := <-ready:
		addr = a.String()
	case err := <-done:
		t.Fatalf("node did not start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("node did not start within 10 s")
	}
	if want := `address=https://` + addr; !strings.Contains(logs.String(), want) {
		t.Errorf("the start-up log does not show %s:\n%s", want, logs)
	}

	roots := x509.NewCertPool()
	roots.AddCert(ca)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	req, _ := http.NewRequest("GET", "https://"+addr+"/", nil)
	req.SetBasicAuth("elastic", "elastic-pw")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct {
		ClusterName string `json:"cluster_name"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || resp.StatusCode != 200 || info.ClusterName != "elasticsearch" {
		t.Errorf("GET / over HTTPS: %d, %+v, %v", resp.StatusCode, info, err)
	}

	// Clear text to the HTTPS port is refused; whatever comes back must
	// not be the API's answer.
	plain, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/")
	if err == nil {
		body, _ := io.ReadAll(plain.Body)
		plain.Body.Close()
		if plain.StatusCode == 200 || strings.Contains(string(body), "cluster_name") {
			t.Errorf("plain HTTP was served: %d %s", plain.StatusCode, body)
		}
	}
}

// TestTLSRunErrors checks that a node with TLS on does not start without
// usable files, and says which file.
func TestTLSRunErrors(t *testing.T) {
	err := runOnce(t, "xpack.security.authc.password_hashing.algorithm=bcrypt4", "xpack.security.http.ssl.enabled=true",
		"xpack.security.http.ssl.certificate=/nonexistent/http.crt",
		"xpack.security.http.ssl.key=/nonexistent/http.key")
	want := "failed to load SSL configuration [xpack.security.http.ssl] - cannot read configured PEM certificate [/nonexistent/http.crt] because the file does not exist"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// fixedAddrListener is a listener that claims an address without binding
// it, so the warning for a reachable address is tested without opening a
// port to the network.
type fixedAddrListener struct {
	addr net.Addr
}

func (l fixedAddrListener) Accept() (net.Conn, error) { return nil, errors.New("not listening") }
func (l fixedAddrListener) Close() error              { return nil }
func (l fixedAddrListener) Addr() net.Addr            { return l.addr }

// TestTLSClearTextWarning checks the start-up warning: once for an address
// other hosts can reach, never for a loopback address.
func TestTLSClearTextWarning(t *testing.T) {
	for _, tc := range []struct {
		ip   string
		warn bool
	}{
		{"127.0.0.1", false},
		{"::1", false},
		{"0.0.0.0", true},
		{"192.0.2.10", true},
	} {
		logs := &lockedBuffer{}
		ln := fixedAddrListener{&net.TCPAddr{IP: net.ParseIP(tc.ip), Port: 9200}}
		got, scheme, err := secureListener(context.Background(), config.Config{HTTPHost: tc.ip}, ln,
			slog.New(slog.NewTextHandler(logs, nil)))
		if err != nil || got != net.Listener(ln) || scheme != "http" {
			t.Errorf("%s: %v, %q, %v", tc.ip, got, scheme, err)
		}
		if n := strings.Count(logs.String(), "level=WARN"); n != map[bool]int{false: 0, true: 1}[tc.warn] ||
			tc.warn && !strings.Contains(logs.String(), "clear text") {
			t.Errorf("%s: log\n%s", tc.ip, logs)
		}
	}
}
