package upstream

import (
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/config"
)

// tlsServer serves HTTPS on 127.0.0.1 with a certificate for names, and
// answers with the client certificate's common name, if any.
func tlsServer(t *testing.T, ca *testCA, clientAuth tls.ClientAuthType, names ...string) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cn := "anonymous"
		if len(r.TLS.PeerCertificates) > 0 {
			cn = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		w.Write([]byte(cn))
	}))
	s.TLS = &tls.Config{Certificates: []tls.Certificate{ca.issue(t, "node", names...).tls},
		ClientAuth: clientAuth, ClientCAs: ca.pool()}
	// Refused handshakes are the point of these tests, not news.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// tlsClient builds a client through FromConfig, so the files are loaded
// as at start-up.
func tlsClient(t *testing.T, serverURL string, ssl config.GatewaySSLConfig) *Client {
	t.Helper()
	cfg, err := FromConfig(config.GatewayConfig{Upstream: []*url.URL{mustURL(t, serverURL)}, SSL: ssl}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// try sends one GET and returns the body, or Err's status and reason.
func try(t *testing.T, c *Client) (body string, status int, reason string) {
	resp, err := c.Do(testCtx(t), &Request{Path: "/"})
	if err != nil {
		e := Err(err)
		return "", e.Status, e.Reason
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String(), resp.StatusCode, ""
}

func TestTLSVerification(t *testing.T) {
	ca, other := newCA(t, "test CA"), newCA(t, "other CA")
	caFile, otherFile := writeTemp(t, "ca.crt", ca.pem), writeTemp(t, "other.crt", other.pem)
	right := tlsServer(t, ca, tls.NoClientCert, "127.0.0.1")
	wrongName := tlsServer(t, ca, tls.NoClientCert, "elsewhere.example")

	for _, tt := range []struct {
		name   string
		server *httptest.Server
		ssl    config.GatewaySSLConfig
		fail   string // part of the reason; "" for success
	}{
		{"full with the CA", right, config.GatewaySSLConfig{CertificateAuthorities: []string{caFile}, VerificationMode: config.VerifyFull}, ""},
		{"full without the CA", right, config.GatewaySSLConfig{VerificationMode: config.VerifyFull}, "certificate signed by unknown authority"},
		{"full with another CA", right, config.GatewaySSLConfig{CertificateAuthorities: []string{otherFile}, VerificationMode: config.VerifyFull}, "certificate signed by unknown authority"},
		{"full, wrong host name", wrongName, config.GatewaySSLConfig{CertificateAuthorities: []string{caFile}, VerificationMode: config.VerifyFull}, "doesn't contain any IP SANs"},
		{"certificate mode skips the host name", wrongName, config.GatewaySSLConfig{CertificateAuthorities: []string{caFile}, VerificationMode: config.VerifyCertificate}, ""},
		{"certificate mode still checks the chain", wrongName, config.GatewaySSLConfig{CertificateAuthorities: []string{otherFile}, VerificationMode: config.VerifyCertificate}, "certificate signed by unknown authority"},
		{"none", wrongName, config.GatewaySSLConfig{VerificationMode: config.VerifyNone}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := tlsClient(t, tt.server.URL, tt.ssl)
			body, status, reason := try(t, c)
			if tt.fail == "" {
				if status != http.StatusOK || body != "anonymous" {
					t.Errorf("got %d %q %s", status, body, reason)
				}
				return
			}
			if status != http.StatusServiceUnavailable || !strings.Contains(reason, "TLS handshake failed") || !strings.Contains(reason, tt.fail) {
				t.Errorf("got %d %q, want 503 mentioning %q", status, reason, tt.fail)
			}
		})
	}
}

func TestTLSClientCertificate(t *testing.T) {
	ca := newCA(t, "test CA")
	caFile := writeTemp(t, "ca.crt", ca.pem)
	client := ca.issue(t, "esauth-gateway")
	certFile, keyFile := writeTemp(t, "gw.crt", client.certPEM), writeTemp(t, "gw.key", client.keyPEM)
	s := tlsServer(t, ca, tls.RequireAndVerifyClientCert, "127.0.0.1")

	c := tlsClient(t, s.URL, config.GatewaySSLConfig{CertificateAuthorities: []string{caFile},
		Certificate: certFile, Key: keyFile, VerificationMode: config.VerifyFull})
	if body, status, reason := try(t, c); status != http.StatusOK || body != "esauth-gateway" {
		t.Errorf("with the certificate: %d %q %s", status, body, reason)
	}

	c = tlsClient(t, s.URL, config.GatewaySSLConfig{CertificateAuthorities: []string{caFile}, VerificationMode: config.VerifyFull})
	// TLS 1.3 reports the missing certificate after the handshake, with
	// the first read.
	if _, status, reason := try(t, c); status < 500 || !strings.Contains(reason, "certificate required") {
		t.Errorf("without the certificate: %d %s", status, reason)
	}
}
