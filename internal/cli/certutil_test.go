package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// readCertFile parses every certificate of a PEM file.
func readCertFile(t *testing.T, path string) []*x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			return out
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
}

// TestCertutilFiles checks what certutil http writes: a CA and a
// certificate it signed for the loopback names and the options', keys
// readable by the owner only, and the settings to paste.
func TestCertutilFiles(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	r := h.run(t, "", "certutil", "http", "--dns", "es.example.com,search.example.com", "--ip", "10.1.2.3", "--days", "30")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("certutil http: %s", r)
	}
	dir := filepath.Join(h.conf, "certs")
	for name, perm := range map[string]os.FileMode{"ca.crt": 0o644, "ca.key": 0o600, "http.crt": 0o644, "http.key": 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != perm {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode().Perm(), perm)
		}
	}
	for _, want := range []string{
		"xpack.security.http.ssl.enabled: true\n",
		"xpack.security.http.ssl.certificate: certs/http.crt\n",
		"xpack.security.http.ssl.key: certs/http.key\n",
		"-E xpack.security.http.ssl.enabled=true -E xpack.security.http.ssl.certificate=certs/http.crt -E xpack.security.http.ssl.key=certs/http.key\n",
		"curl --cacert " + filepath.Join(dir, "ca.crt") + " -u elastic https://localhost:9200/\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "PRIVATE KEY") {
		t.Errorf("the output shows a key:\n%s", r.stdout)
	}

	ca := readCertFile(t, filepath.Join(dir, "ca.crt"))
	chain := readCertFile(t, filepath.Join(dir, "http.crt"))
	if len(ca) != 1 || !ca[0].IsCA || len(chain) != 2 || !chain[1].Equal(ca[0]) {
		t.Fatalf("ca.crt holds %d certificates, http.crt %d: want the CA, then the certificate and the CA", len(ca), len(chain))
	}
	leaf := chain[0]
	for _, c := range []*x509.Certificate{leaf, ca[0]} {
		if k, ok := c.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
			t.Errorf("%s: the key is %v, want ECDSA P-256", c.Subject.CommonName, c.PublicKeyAlgorithm)
		}
	}
	if days := time.Until(leaf.NotAfter).Hours() / 24; days < 29 || days > 30 {
		t.Errorf("the certificate is valid for %.1f more days, want 30", days)
	}
	if years := time.Until(ca[0].NotAfter).Hours() / 24 / 365; years < 4.9 {
		t.Errorf("the CA is valid for %.1f more years, want 5", years)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca[0])
	host, _ := os.Hostname()
	names := []string{"localhost", "127.0.0.1", "::1", "es.example.com", "search.example.com", "10.1.2.3"}
	if isDNSName(host) {
		names = append(names, host)
	}
	for _, name := range names {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots}); err != nil {
			t.Errorf("the certificate does not verify for %s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "other.example.com", Roots: roots}); err == nil {
		t.Error("the certificate verifies for a name it was not made for")
	}
	if _, err := tls.LoadX509KeyPair(filepath.Join(dir, "http.crt"), filepath.Join(dir, "http.key")); err != nil {
		t.Errorf("http.key does not match http.crt: %v", err)
	}
}

// TestCertutilOverwrite checks that existing files are kept unless --force
// is given, and that --ca-cert and --ca-key renew the certificate under
// the same CA.
func TestCertutilOverwrite(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	dir := filepath.Join(h.conf, "certs")
	if r := h.run(t, "", "certutil", "http"); r.code != 0 {
		t.Fatalf("first run: %s", r)
	}
	read := func(name string) string { return h.readFile(t, filepath.Join("certs", name)) }
	before := map[string]string{}
	for _, n := range []string{"ca.crt", "ca.key", "http.crt", "http.key"} {
		before[n] = read(n)
	}
	expectError(t, h.run(t, "", "certutil", "http"), exitCodeError,
		"Output file ["+filepath.Join(dir, "ca.crt")+"] already exists; use --force to replace it")
	// One existing file is enough to refuse, and nothing is written.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "http.key"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	expectError(t, h.run(t, "", "certutil", "http", "--out", other), exitCodeError,
		"Output file ["+filepath.Join(other, "http.key")+"] already exists; use --force to replace it")
	if _, err := os.Stat(filepath.Join(other, "ca.crt")); err == nil {
		t.Error("a refused run wrote ca.crt")
	}
	for n, b := range before {
		if read(n) != b {
			t.Errorf("a refused run changed %s", n)
		}
	}

	// Renewing under the same CA writes only the certificate and its key.
	r := h.run(t, "", "certutil", "http", "--ca-cert", filepath.Join(dir, "ca.crt"), "--ca-key", filepath.Join(dir, "ca.key"), "--force")
	if r.code != 0 {
		t.Fatalf("renewal: %s", r)
	}
	if read("ca.crt") != before["ca.crt"] || read("ca.key") != before["ca.key"] || read("http.crt") == before["http.crt"] || read("http.key") == before["http.key"] {
		t.Error("renewal with --ca-cert should replace http.crt and http.key only")
	}
	roots := x509.NewCertPool()
	roots.AddCert(readCertFile(t, filepath.Join(dir, "ca.crt"))[0])
	if _, err := readCertFile(t, filepath.Join(dir, "http.crt"))[0].Verify(x509.VerifyOptions{DNSName: "localhost", Roots: roots}); err != nil {
		t.Errorf("the renewed certificate does not chain to the CA: %v", err)
	}
	if r := h.run(t, "", "certutil", "http", "--force"); r.code != 0 || read("ca.crt") == before["ca.crt"] {
		t.Errorf("--force did not replace the CA: %s", r)
	}
}

// TestCertutilUsage checks the command line's mistakes.
func TestCertutilUsage(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, exitUsage, "Missing mode; esauth certutil has one mode: [http]"},
		{[]string{"cert"}, exitUsage, "Unknown mode [cert]; esauth certutil has one mode: [http]"},
		{[]string{"http", "extra"}, exitUsage, "Unexpected argument [extra]"},
		{[]string{"http", "--ip", "10.0.0.300"}, exitUsage, "--ip [10.0.0.300] is not an IP address"},
		{[]string{"http", "--dns", "bad name"}, exitUsage, "--dns [bad name] is not a host name"},
		{[]string{"http", "--days", "0"}, exitUsage, "--days and --ca-days must be at least 1"},
		{[]string{"http", "--days", "2000"}, exitUsage, "--days [2000] must not exceed --ca-days [1826]: clients refuse a certificate that outlives its CA"},
		{[]string{"http", "--ca-cert", "ca.crt"}, exitUsage, "--ca-cert and --ca-key must be given together"},
		{[]string{"http", "--ca-cert", "/nonexistent/ca.crt", "--ca-key", "/nonexistent/ca.key"}, exitIOError,
			"cannot read --ca-cert [/nonexistent/ca.crt]: open /nonexistent/ca.crt: no such file or directory"},
	} {
		expectError(t, h.run(t, "", append([]string{"certutil"}, tc.args...)...), tc.code, tc.msg)
	}
	if r := h.run(t, "", "certutil", "--help"); r.code != 0 || !strings.Contains(r.stdout, "Usage: esauth certutil http") {
		t.Errorf("certutil --help: %s", r)
	}
	if r := h.run(t, "", "--help"); !strings.Contains(r.stderr, "certutil") {
		t.Errorf("esauth --help does not list certutil:\n%s", r.stderr)
	}
}

var httpsStartedPattern = regexp.MustCompile(`msg="esauth started" address=https://(\S+)`)

// TestCertutilServes follows the two commands a new user runs: certutil
// http, then the node with the settings it printed. A client trusting
// ca.crt reaches the node over HTTPS by name; rewriting the files with
// --force takes effect without a restart.
func TestCertutilServes(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	if r := h.run(t, "", "certutil", "http"); r.code != 0 {
		t.Fatalf("certutil http: %s", r)
	}
	password := h.secret("tls-elastic-pw")
	cmd := exec.Command(binary, h.settings("http.port=0", "xpack.security.http.ssl.enabled=true",
		"xpack.security.http.ssl.certificate=certs/http.crt", "xpack.security.http.ssl.key=certs/http.key")...)
	cmd.Env = append(baseEnv(), "ELASTIC_PASSWORD="+password)
	n := &node{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = n.stderr, n.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		close(n.done)
	}()
	t.Cleanup(func() {
		n.stop(t)
		h.checkClean(t, "the server log", n.stderr.String())
	})
	var addr string
	deadline := time.Now().Add(startTimeout)
	for addr == "" {
		if m := httpsStartedPattern.FindStringSubmatch(n.stderr.String()); m != nil {
			addr = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start over HTTPS within %v:\n%s", startTimeout, n.stderr)
		}
		select {
		case <-n.done:
			t.Fatalf("the server exited:\n%s", n.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	// The client checks the name localhost, as curl https://localhost does,
	// while dialling the address the node logged.
	get := func() (int, error) {
		roots := x509.NewCertPool()
		for _, c := range readCertFile(t, filepath.Join(h.conf, "certs", "ca.crt")) {
			roots.AddCert(c)
		}
		tr := &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "localhost"},
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
			},
			DisableKeepAlives: true,
		}
		req, _ := http.NewRequest("GET", "https://localhost/_security/_authenticate", nil)
		req.SetBasicAuth("elastic", password)
		res, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		return res.StatusCode, nil
	}
	if code, err := get(); err != nil || code != 200 {
		t.Fatalf("GET over HTTPS: %d, %v", code, err)
	}
	old := readCertFile(t, filepath.Join(h.conf, "certs", "http.crt"))[0]
	if r := h.run(t, "", "certutil", "http", "--force"); r.code != 0 {
		t.Fatalf("certutil http --force: %s", r)
	}
	// The new CA is trusted only once the node serves the new certificate.
	deadline = time.Now().Add(15 * time.Second)
	for {
		code, err := get()
		if err == nil && code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node did not serve the new certificate within 15 s: %d, %v\n%s", code, err, n.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(n.stderr.String(), "TLS certificate reloaded") {
		t.Errorf("no reload logged:\n%s", n.stderr)
	}
	if slices.ContainsFunc(readCertFile(t, filepath.Join(h.conf, "certs", "http.crt")), old.Equal) {
		t.Error("--force kept the old certificate")
	}
}
