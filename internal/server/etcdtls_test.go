package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"
)

// writeCert creates a key pair signed by parent (self-signed when nil) and
// writes name.pem and name-key.pem into dir.
func writeCert(t *testing.T, dir, name string, isCA bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(file, typ string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, file), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(name+".pem", "CERTIFICATE", der)
	write(name+"-key.pem", "EC PRIVATE KEY", keyDER)
	cert, _ := x509.ParseCertificate(der)
	return cert, key
}

// TestEtcdOverTLS runs a node against an etcd member that requires TLS and
// client certificates, configured through esauth.store.etcd.tls.*.
func TestEtcdOverTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := writeCert(t, dir, "ca", true, nil, nil)
	writeCert(t, dir, "server", false, ca, caKey)
	writeCert(t, dir, "client", false, ca, caKey)
	m := etcdtest.StartMember(t, func(c *embed.Config) {
		c.ListenClientUrls[0].Scheme = "https"
		for i := range c.AdvertiseClientUrls {
			c.AdvertiseClientUrls[i].Scheme = "https"
		}
		c.ClientTLSInfo = transport.TLSInfo{CertFile: filepath.Join(dir, "server.pem"), KeyFile: filepath.Join(dir, "server-key.pem"),
			TrustedCAFile: filepath.Join(dir, "ca.pem"), ClientCertAuth: true}
	})
	endpoint := strings.Replace(m.ClientURL, "http://", "https://", 1)
	settings := []string{"esauth.store.type=etcd", "esauth.store.etcd.endpoints=" + endpoint, "esauth.store.etcd.prefix=/tls/",
		"esauth.store.etcd.request_timeout=2s", "esauth.store.etcd.dial_timeout=2s",
		"esauth.store.etcd.tls.ca=" + filepath.Join(dir, "ca.pem")}
	// Without a client certificate the member refuses the node, which
	// fails to start within its dial timeout (gRPC reports the refused
	// handshake only as a deadline, so the cause cannot be checked here).
	start := time.Now()
	if err := runOnce(t, settings...); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("a node without a client certificate: %v after %v", err, time.Since(start))
	}
	n := startNode(t, append(settings, "esauth.store.etcd.tls.cert="+filepath.Join(dir, "client.pem"),
		"esauth.store.etcd.tls.key="+filepath.Join(dir, "client-key.pem"))...)
	n.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-secret","roles":[]}`)
	n.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-secret", "")
}
