package tlsconf

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/config"
)

// TestTLSHandshake checks that the server presents its certificate, that a
// client trusting the CA verifies it, and that one trusting another CA
// does not.
func TestTLSHandshake(t *testing.T) {
	t.Parallel()
	ca := newCA(t, "test CA")
	f := files{t.TempDir()}
	srv := ca.issue(t, "node-1", true)
	f.install(t, srv)
	s, err := New(f.tlsConfig(), (&logBuffer{}).logger())
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, s)
	got, err := exchange(addr, client(ca, nil))
	if err != nil {
		t.Fatalf("a client trusting the CA: %v", err)
	}
	if !got.Equal(srv.cert) || !s.Leaf().Equal(srv.cert) {
		t.Errorf("served %q, want %q", got.Subject.CommonName, srv.cert.Subject.CommonName)
	}
	if _, err := exchange(addr, client(newCA(t, "other CA"), nil)); err == nil {
		t.Error("a client trusting another CA accepted the server")
	}
}

// TestTLSClientAuthentication runs each client_authentication mode
// against clients without a certificate, with one from the trusted CA and
// with one from another CA.
func TestTLSClientAuthentication(t *testing.T) {
	t.Parallel()
	ca, stranger := newCA(t, "test CA"), newCA(t, "stranger CA")
	f := files{t.TempDir()}
	f.install(t, ca.issue(t, "node-1", true))
	f.write(t, "ca.crt", ca.pem)
	trusted, untrusted := ca.issue(t, "alice", false), stranger.issue(t, "mallory", false)
	for _, tc := range []struct {
		mode, verification       string
		none, trusted, untrusted bool // whether each client gets in
	}{
		{config.ClientAuthNone, config.VerifyFull, true, true, true},
		{config.ClientAuthOptional, config.VerifyFull, true, true, false},
		{config.ClientAuthRequired, config.VerifyFull, false, true, false},
		{config.ClientAuthRequired, config.VerifyCertificate, false, true, false},
		{config.ClientAuthOptional, config.VerifyNone, true, true, true},
		{config.ClientAuthRequired, config.VerifyNone, false, true, true},
	} {
		cfg := f.tlsConfig()
		cfg.ClientAuthentication, cfg.VerificationMode = tc.mode, tc.verification
		cfg.CertificateAuthorities = []string{f.path("ca.crt")}
		s, err := New(cfg, (&logBuffer{}).logger())
		if err != nil {
			t.Fatal(err)
		}
		addr := serve(t, s)
		for _, c := range []struct {
			name string
			cert *pair
			want bool
		}{{"no certificate", nil, tc.none}, {"a certificate from the CA", &trusted, tc.trusted}, {"a certificate from another CA", &untrusted, tc.untrusted}} {
			_, err := exchange(addr, client(ca, c.cert))
			if (err == nil) != c.want {
				t.Errorf("client_authentication %s, verification_mode %s, client with %s: error %v, want accepted %v",
					tc.mode, tc.verification, c.name, err, c.want)
			}
		}
	}
}

// TestTLSProtocols checks that supported_protocols bounds the versions a
// client can negotiate.
func TestTLSProtocols(t *testing.T) {
	t.Parallel()
	ca := newCA(t, "test CA")
	f := files{t.TempDir()}
	f.install(t, ca.issue(t, "node-1", true))
	for _, tc := range []struct {
		minVersion, maxVersion uint16 // the server's
		clientMax              uint16
		want                   bool
	}{
		{tls.VersionTLS13, tls.VersionTLS13, tls.VersionTLS12, false},
		{tls.VersionTLS13, tls.VersionTLS13, tls.VersionTLS13, true},
		{tls.VersionTLS12, tls.VersionTLS13, tls.VersionTLS12, true},
		{tls.VersionTLS12, tls.VersionTLS12, tls.VersionTLS13, true},
	} {
		cfg := f.tlsConfig()
		cfg.MinVersion, cfg.MaxVersion = tc.minVersion, tc.maxVersion
		s, err := New(cfg, (&logBuffer{}).logger())
		if err != nil {
			t.Fatal(err)
		}
		cc := client(ca, nil)
		cc.MaxVersion = tc.clientMax
		_, err = exchange(serve(t, s), cc)
		if (err == nil) != tc.want {
			t.Errorf("server %x-%x, client up to %x: error %v, want accepted %v", tc.minVersion, tc.maxVersion, tc.clientMax, err, tc.want)
		}
		if err == nil && tc.maxVersion == tls.VersionTLS12 {
			// The server's maximum must also hold against a newer client.
			conn, err := tls.Dial("tcp", serve(t, s), client(ca, nil))
			if err != nil {
				t.Fatal(err)
			}
			if v := conn.ConnectionState().Version; v != tls.VersionTLS12 {
				t.Errorf("negotiated %x with a TLSv1.2-only server", v)
			}
			conn.Close()
		}
	}
}

// TestTLSReload replaces the files under a running listener: a valid new
// pair is served to new connections without a restart; a half-written or
// mismatched one is refused and the previous certificate stays; a replaced
// CA file changes which client certificates are accepted.
func TestTLSReload(t *testing.T) {
	t.Parallel()
	ca := newCA(t, "test CA")
	f := files{t.TempDir()}
	first := ca.issue(t, "first", true)
	f.install(t, first)
	f.write(t, "clients.crt", ca.pem)
	cfg := f.tlsConfig()
	cfg.ClientAuthentication = config.ClientAuthRequired
	cfg.CertificateAuthorities = []string{f.path("clients.crt")}
	logs := &logBuffer{}
	s, err := New(cfg, logs.logger())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		s.Watch(ctx, 10*time.Millisecond)
	}()
	t.Cleanup(func() {
		cancel()
		<-watching
	})
	addr := serve(t, s)
	alice := ca.issue(t, "alice", false)
	served := func() string {
		c, err := exchange(addr, client(ca, &alice))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		return c.Subject.CommonName
	}
	if got := served(); got != "first" {
		t.Fatalf("served %q before any change", got)
	}

	// A new pair, written in place: served once it has settled.
	f.install(t, ca.issue(t, "second", true))
	eventually(t, "the new certificate is served", func() bool { return served() == "second" })
	if !strings.Contains(logs.String(), "TLS certificate reloaded") {
		t.Errorf("no reload logged:\n%s", logs)
	}

	// A half-written certificate and a certificate without its key are both
	// refused and logged; the last good pair stays in service.
	third := ca.issue(t, "third", true)
	for i, bad := range []func(){
		func() { f.write(t, "server.crt", third.certPEM[:len(third.certPEM)/2]) },
		func() { f.write(t, "server.crt", third.certPEM) }, // the key is still second's
	} {
		before := strings.Count(logs.String(), "cannot be loaded")
		bad()
		eventually(t, "the bad files are logged", func() bool { return strings.Count(logs.String(), "cannot be loaded") > before })
		if got := served(); got != "second" {
			t.Errorf("bad files %d: served %q, want the previous certificate", i, got)
		}
	}
	// Completing the pair makes it good.
	f.write(t, "server.key", third.keyPEM)
	eventually(t, "the completed pair is served", func() bool { return served() == "third" })

	// The client CA file is reloaded as well.
	other := newCA(t, "other CA")
	bob := other.issue(t, "bob", false)
	if _, err := exchange(addr, client(ca, &bob)); err == nil {
		t.Fatal("a client of an untrusted CA was accepted")
	}
	f.write(t, "clients.crt", other.pem)
	eventually(t, "the new client CA is trusted", func() bool {
		_, err := exchange(addr, client(ca, &bob))
		return err == nil
	})
	if _, err := exchange(addr, client(ca, &alice)); err == nil {
		t.Error("a client of the replaced CA is still accepted")
	}
	for _, secret := range [][]byte{first.keyPEM, third.keyPEM} {
		if body := secret[28:80]; strings.Contains(logs.String(), string(body)) {
			t.Errorf("the log contains key material:\n%s", logs)
		}
	}
}

// TestTLSLoadErrors checks that unusable files stop New with a message
// naming the file, in Elasticsearch's words where it has them.
func TestTLSLoadErrors(t *testing.T) {
	t.Parallel()
	ca := newCA(t, "test CA")
	f := files{t.TempDir()}
	good, other := ca.issue(t, "node-1", true), ca.issue(t, "node-2", true)
	f.write(t, "good.crt", good.certPEM)
	f.write(t, "good.key", good.keyPEM)
	f.write(t, "other.key", other.keyPEM)
	f.write(t, "ca.crt", ca.pem)
	f.write(t, "empty.pem", []byte("nothing here\n"))
	const prefix = "failed to load SSL configuration [xpack.security.http.ssl] - "
	for _, tc := range []struct {
		cert, key, ca string
		want          string
	}{
		{"missing.crt", "good.key", "", prefix + "cannot read configured PEM certificate [" + f.path("missing.crt") + "] because the file does not exist"},
		{"good.crt", "missing.key", "", prefix + "cannot read configured PEM private key [" + f.path("missing.key") + "] because the file does not exist"},
		{"good.crt", "good.key", "missing.crt", prefix + "cannot read configured PEM certificate_authorities [" + f.path("missing.crt") + "] because the file does not exist"},
		{"good.crt", "other.key", "", prefix + "cannot load the key pair from [" + f.path("good.crt") + "] and [" + f.path("other.key") + "]: tls: private key does not match public key"},
		{"empty.pem", "good.key", "", prefix + "cannot load the key pair from [" + f.path("empty.pem") + "] and [" + f.path("good.key") + "]: tls: failed to find any PEM data in certificate input"},
		{"good.crt", "good.key", "empty.pem", prefix + "cannot load PEM certificate_authorities [" + f.path("empty.pem") + "]: the file contains no PEM certificate"},
	} {
		cfg := f.tlsConfig()
		cfg.Certificate, cfg.Key = f.path(tc.cert), f.path(tc.key)
		if tc.ca != "" {
			cfg.CertificateAuthorities = []string{f.path("ca.crt"), f.path(tc.ca)}
		}
		_, err := New(cfg, (&logBuffer{}).logger())
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s, %s, %s:\n got %v\nwant %s", tc.cert, tc.key, tc.ca, err, tc.want)
		}
	}
	if _, err := New(config.TLSConfig{}, (&logBuffer{}).logger()); err == nil {
		t.Error("New accepted a disabled configuration")
	}
}

// TestTLSClientAuthWithoutCAs checks the start-up warning: client
// certificates requested without certificate_authorities are verified
// against the system's roots, so any publicly issued one passes.
func TestTLSClientAuthWithoutCAs(t *testing.T) {
	t.Parallel()
	ca := newCA(t, "test CA")
	f := files{t.TempDir()}
	f.install(t, ca.issue(t, "node-1", true))
	f.write(t, "ca.crt", ca.pem)
	for _, tc := range []struct {
		mode, verification string
		cas                []string
		warn               bool
	}{
		{config.ClientAuthRequired, config.VerifyFull, nil, true},
		{config.ClientAuthOptional, config.VerifyCertificate, nil, true},
		{config.ClientAuthRequired, config.VerifyFull, []string{f.path("ca.crt")}, false},
		{config.ClientAuthNone, config.VerifyFull, nil, false},
		// Unverified client certificates are what verification_mode none
		// asks for; the roots play no part.
		{config.ClientAuthRequired, config.VerifyNone, nil, false},
	} {
		cfg := f.tlsConfig()
		cfg.ClientAuthentication, cfg.VerificationMode, cfg.CertificateAuthorities = tc.mode, tc.verification, tc.cas
		logs := &logBuffer{}
		if _, err := New(cfg, logs.logger()); err != nil {
			t.Fatal(err)
		}
		want := "level=WARN msg=\"client_authentication is " + tc.mode + " but certificate_authorities is not set: client certificates are " +
			"verified against the system's trusted roots, so any publicly issued certificate is accepted; set " +
			"xpack.security.http.ssl.certificate_authorities to the CAs that issue your clients' certificates\""
		if got := strings.Count(logs.String(), want); got != map[bool]int{true: 1}[tc.warn] {
			t.Errorf("client_authentication %s, verification_mode %s, CAs %v: log\n%s", tc.mode, tc.verification, tc.cas, logs)
		}
		if !tc.warn && strings.Contains(logs.String(), "level=WARN") {
			t.Errorf("client_authentication %s, verification_mode %s, CAs %v: unexpected warning\n%s", tc.mode, tc.verification, tc.cas, logs)
		}
	}
}
