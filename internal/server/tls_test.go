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
	"slices"
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

// TestTLSSupportedProtocols starts nodes from supported_protocols and
// offers each TLS version alone: exactly the listed ones connect. A list
// with a gap cannot be served exactly, so it stops start-up.
func TestTLSSupportedProtocols(t *testing.T) {
	conf := t.TempDir()
	certs := filepath.Join(conf, "certs")
	if err := os.Mkdir(certs, 0o700); err != nil {
		t.Fatal(err)
	}
	ca, caKey := writeCert(t, certs, "ca", true, nil, nil)
	writeCert(t, certs, "http", false, ca, caKey)
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	const p = "xpack.security.http.ssl."
	tlsOn := []string{p + "enabled=true", p + "certificate=certs/http.pem", p + "key=certs/http-key.pem"}
	names := map[uint16]string{tls.VersionTLS10: "TLSv1", tls.VersionTLS11: "TLSv1.1", tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3"}
	for _, tc := range []struct {
		protocols string
		enabled   []uint16
	}{
		{"", []uint16{tls.VersionTLS12, tls.VersionTLS13}}, // the default
		{"TLSv1.2", []uint16{tls.VersionTLS12}},
		{"TLSv1.3", []uint16{tls.VersionTLS13}},
		{"TLSv1.1,TLSv1.2", []uint16{tls.VersionTLS11, tls.VersionTLS12}},
	} {
		overrides := tlsOn
		if tc.protocols != "" {
			overrides = append(slices.Clone(tlsOn), p+"supported_protocols="+tc.protocols)
		}
		n := startNodeWith(t, nodeOptions{conf: conf, overrides: overrides, elasticPassword: "elastic-pw"})
		addr := strings.TrimPrefix(n.url, "http://")
		for v, name := range names {
			conn, err := (&tls.Dialer{Config: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: v, MaxVersion: v}}).
				DialContext(context.Background(), "tcp", addr)
			if err == nil {
				conn.Close()
			}
			if want := slices.Contains(tc.enabled, v); (err == nil) != want {
				t.Errorf("supported_protocols [%s], a %s client: error %v, want connected %v", tc.protocols, name, err, want)
			}
		}
		n.stop()
	}
	err := runOnce(t, append(slices.Clone(tlsOn), p+"supported_protocols=TLSv1.3,TLSv1.1")...)
	want := "setting [xpack.security.http.ssl.supported_protocols]: the protocols [TLSv1.3, TLSv1.1] leave out [TLSv1.2]; " +
		"esauth enables a contiguous range of protocol versions"
	if err == nil || err.Error() != want {
		t.Errorf("a list with a gap:\n got %v\nwant %s", err, want)
	}
}

// TestTLSClientAuthWarning checks the start-up warning for client
// certificates checked against the system's roots.
func TestTLSClientAuthWarning(t *testing.T) {
	conf := t.TempDir()
	ca, caKey := writeCert(t, conf, "ca", true, nil, nil)
	writeCert(t, conf, "http", false, ca, caKey)
	const p = "xpack.security.http.ssl."
	for _, tc := range []struct {
		overrides []string
		warn      bool
	}{
		{[]string{p + "client_authentication=required"}, true},
		{[]string{p + "client_authentication=optional"}, true},
		{[]string{p + "client_authentication=required", p + "certificate_authorities=ca.pem"}, false},
		{nil, false},
	} {
		s, err := config.Load("", append([]string{"path.conf=" + conf, p + "enabled=true", p + "certificate=http.pem", p + "key=http-key.pem"},
			tc.overrides...), func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := s.Config()
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		logs := &lockedBuffer{}
		ctx, cancel := context.WithCancel(context.Background())
		tln, _, err := secureListener(ctx, cfg, ln, slog.New(slog.NewTextHandler(logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		tln.Close()
		cancel()
		got := strings.Contains(logs.String(), "level=WARN") &&
			strings.Contains(logs.String(), "certificate_authorities is not set: client certificates are verified against the system's trusted roots, "+
				"so any publicly issued certificate is accepted")
		if got != tc.warn {
			t.Errorf("%v: warned %v, want %v:\n%s", tc.overrides, got, tc.warn, logs)
		}
	}
}
