package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// recordingProxy forwards TCP connections to target and keeps every byte
// the clients sent, to show what crossed the network.
type recordingProxy struct {
	addr string
	mu   sync.Mutex
	sent []byte
}

func newRecordingProxy(t *testing.T, target string) *recordingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProxy{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go func() {
					_, _ = io.Copy(c, up)
					c.Close()
				}()
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					p.mu.Lock()
					p.sent = append(p.sent, buf[:n]...)
					p.mu.Unlock()
					if _, werr := up.Write(buf[:n]); err != nil || werr != nil {
						return
					}
				}
			}()
		}
	}()
	return p
}

func (p *recordingProxy) seen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return string(p.sent)
}

// TestResetPasswordTLS follows the README's TLS setup (certutil http, then
// the node with the three settings it prints) and resets passwords through
// the running node over HTTPS, trusting the CA from the settings or a
// pinned fingerprint. Credentials never go to the TLS port in clear.
func TestResetPasswordTLS(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	if r := h.run(t, "", "certutil", "http"); r.code != 0 {
		t.Fatalf("certutil http: %s", r)
	}
	caFile := filepath.Join(h.conf, "certs", "ca.crt")
	port := freePort(t)
	tlsOn := []string{"http.port=" + strconv.Itoa(port), "xpack.security.http.ssl.enabled=true",
		"xpack.security.http.ssl.certificate=certs/http.crt", "xpack.security.http.ssl.key=certs/http.key"}
	elasticPW, janePW := h.secret("elastic-tls-pw"), h.secret("jane-tls-pw")
	n := h.startWithFileUser(t, elasticPW, tlsOn...)
	if !strings.HasPrefix(n.url, "https://") {
		t.Fatalf("the node serves %s", n.url)
	}
	if status, body := n.request(t, "PUT", "/_security/user/jane", "elastic", elasticPW,
		`{"password":"`+janePW+`","roles":[]}`); status != 200 {
		t.Fatalf("creating jane: %d %s", status, body)
	}
	withTLS := func(args ...string) []string { return append(args, h.settings(tlsOn...)...) }

	// The settings say HTTPS and where the CA is (ca.crt beside the
	// certificate): the tool needs nothing more.
	r := execute(t, "", nil, withTLS("reset-password", "-u", "jane", "-b")...)
	h.checkClean(t, "output", r.stdout+r.stderr)
	janeNew := newValue(t, h, r, "jane")
	n.expectLogin(t, "jane", janeNew, "native")
	expectNoTempUser(t, h)

	// Settings whose certificate has no ca.crt beside it: the CA is
	// trusted only as certificate_authorities.
	elsewhere := filepath.Join(h.conf, "elsewhere")
	if err := os.Mkdir(elsewhere, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"http.crt", "http.key"} {
		h.writeFile(t, filepath.Join("elsewhere", f), h.readFile(t, filepath.Join("certs", f)))
	}
	elsewhereOn := []string{"http.port=" + strconv.Itoa(port), "xpack.security.http.ssl.enabled=true",
		"xpack.security.http.ssl.certificate=elsewhere/http.crt", "xpack.security.http.ssl.key=elsewhere/http.key"}
	r = execute(t, "", nil, append([]string{"reset-password", "-u", "elastic", "-b", "--url", n.url}, h.settings(elsewhereOn...)...)...)
	if r.code != exitConfig || !strings.Contains(r.stderr, "certificate signed by unknown authority") {
		t.Errorf("without certificate_authorities: %s", r)
	}
	elasticNew := h.secret("elastic-tls-new-pw")
	r = execute(t, elasticNew+"\n", nil, append([]string{"reset-password", "-u", "elastic", "-i", "-b", "--url", n.url},
		h.settings(append(elsewhereOn, "xpack.security.http.ssl.certificate_authorities=certs/ca.crt")...)...)...)
	h.checkClean(t, "output", r.stdout+r.stderr)
	expect(t, r, 0, "Password for the [elastic] user successfully reset.\n", "")
	n.expectLogin(t, "elastic", elasticNew, "reserved")

	// http:// to a node the settings say serves HTTPS is refused before
	// anything is written or sent.
	plainURL := "http://" + strings.TrimPrefix(n.url, "https://")
	expectError(t, execute(t, "", nil, withTLS("reset-password", "-u", "jane", "-b", "--url", plainURL)...), exitUsage,
		"The URL ["+plainURL+"] is plain HTTP, but xpack.security.http.ssl.enabled is true: credentials are never sent in clear "+
			"to a node that serves HTTPS; use [https://"+strings.TrimPrefix(n.url, "https://")+"]")

	// Settings that do not say HTTPS: the tool asks without credentials
	// first and finds out, as the bytes through this proxy show.
	proxy := newRecordingProxy(t, strings.TrimPrefix(n.url, "https://"))
	r = h.run(t, "", "reset-password", "-u", "jane", "-b", "--url", "http://"+proxy.addr)
	expectError(t, r, exitConfig, "The node at [http://"+proxy.addr+"] serves HTTPS: nothing was sent to it in clear; "+
		"use --url https://"+proxy.addr+" and trust its CA (xpack.security.http.ssl.* settings or --ca-fingerprint)")
	if seen := proxy.seen(); strings.Contains(seen, "Authorization") || !strings.Contains(seen, "GET / HTTP/1.1") {
		t.Errorf("clear text reached the TLS port:\n%q", seen)
	}
	expectNoTempUser(t, h)

	// Without the settings the node's CA is unknown; its fingerprint, as
	// certutil prints it, pins it.
	r = h.run(t, "", "reset-password", "-u", "jane", "-b", "--url", n.url)
	if r.code != exitConfig || !strings.Contains(r.stderr, "certificate signed by unknown authority") ||
		!strings.Contains(r.stderr, "--ca-fingerprint") {
		t.Errorf("an untrusted node: %s", r)
	}
	ca := readCertFile(t, caFile)[0]
	sum := sha256.Sum256(ca.Raw)
	r = h.run(t, "", "reset-password", "-u", "jane", "-b", "--url", n.url, "--ca-fingerprint", hex.EncodeToString(sum[:]))
	janeLast := newValue(t, h, r, "jane")
	n.expectLogin(t, "jane", janeLast, "native")
	leaf := readCertFile(t, filepath.Join(h.conf, "certs", "http.crt"))[0]
	leafSum := sha256.Sum256(leaf.Raw)
	other := strings.ToUpper(hex.EncodeToString(leafSum[:]))
	colons := strings.Join(splitPairs(other), ":")
	r = h.run(t, "", "reset-password", "-u", "jane", "-b", "--url", n.url, "--ca-fingerprint", colons)
	janeLeaf := newValue(t, h, r, "jane") // the certificate itself may be pinned too
	n.expectLogin(t, "jane", janeLeaf, "native")
	wrong := strings.Repeat("ab", sha256.Size)
	expectError(t, h.run(t, "", "reset-password", "-u", "jane", "-b", "--url", n.url, "--ca-fingerprint", wrong), exitConfig,
		"The certificate of the node at ["+n.url+"] is not trusted: no certificate of the node's chain has the SHA-256 fingerprint ["+wrong+"]; "+
			"trust its CA with xpack.security.http.ssl.certificate_authorities, or pass its fingerprint with --ca-fingerprint")
	expectError(t, h.run(t, "", "reset-password", "-u", "jane", "-b", "--ca-fingerprint", "abc"), exitUsage,
		"--ca-fingerprint [abc] is not a SHA-256 fingerprint: 64 hexadecimal digits, colons allowed")
	expectNoTempUser(t, h)
}

// splitPairs splits s into two-character pieces.
func splitPairs(s string) []string {
	var out []string
	for i := 0; i+2 <= len(s); i += 2 {
		out = append(out, s[i:i+2])
	}
	return out
}
