package tlsconf

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync/atomic"

	"github.com/esauth/esauth/internal/config"
)

// loadPrefix starts every loading error, as in Elasticsearch's SSLService.
const loadPrefix = "failed to load SSL configuration [xpack.security.http.ssl] - "

// Server holds the listener's TLS configuration and swaps it whole when the
// files change, so a handshake sees either the old or the new certificate,
// key and CAs, never a mix.
type Server struct {
	cfg config.TLSConfig
	log *slog.Logger
	cur atomic.Pointer[material]
}

// material is one loaded state: the configuration handed to handshakes
// (never modified once stored) and the fingerprint of the bytes it was
// built from.
type material struct {
	tls  *tls.Config
	leaf *x509.Certificate
	sum  [sha256.Size]byte
}

// New loads the files named by cfg. It fails, naming the file, when one is
// missing or unusable: a node must not start without its certificate.
func New(cfg config.TLSConfig, log *slog.Logger) (*Server, error) {
	if !cfg.Enabled {
		return nil, errors.New("tlsconf: TLS is not enabled")
	}
	s := &Server{cfg: cfg, log: log}
	m, err := build(cfg, read(cfg))
	if err != nil {
		return nil, err
	}
	s.cur.Store(m)
	ca := clientAuth(cfg.ClientAuthentication, cfg.VerificationMode)
	if (ca == tls.VerifyClientCertIfGiven || ca == tls.RequireAndVerifyClientCert) && len(cfg.CertificateAuthorities) == 0 {
		// Elasticsearch falls back to the JDK's trust store silently; an
		// operator who asked for client certificates rarely means "any
		// certificate a public CA ever issued".
		log.Warn("client_authentication is " + cfg.ClientAuthentication + " but certificate_authorities is not set: " +
			"client certificates are verified against the system's trusted roots, so any publicly issued certificate is accepted; " +
			"set xpack.security.http.ssl.certificate_authorities to the CAs that issue your clients' certificates")
	}
	return s, nil
}

// TLSConfig returns the configuration for tls.NewListener. Every handshake
// picks up the material current at that moment, so reloads need no new
// listener and leave open connections alone.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: s.cfg.MinVersion,
		MaxVersion: s.cfg.MaxVersion,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return s.cur.Load().tls, nil
		},
	}
}

// Leaf returns the certificate currently served.
func (s *Server) Leaf() *x509.Certificate {
	return s.cur.Load().leaf
}

// fileRole names a file in messages the way Elasticsearch does.
type fileRole string

const (
	roleCert = fileRole("PEM certificate")
	roleKey  = fileRole("PEM private key")
	roleCA   = fileRole("PEM certificate_authorities")
)

// file is one configured file as read in one poll.
type file struct {
	role fileRole
	path string
	data []byte
	err  error
}

// snapshot is every configured file, read once; what is built from it
// comes from exactly these bytes.
type snapshot struct {
	files []file // certificate, key, then the CAs in order
	sum   [sha256.Size]byte
}

// read reads every file and fingerprints the lot. A read error is part of
// the fingerprint, so a file that disappears counts as a change.
func read(cfg config.TLSConfig) snapshot {
	var snap snapshot
	add := func(role fileRole, path string) {
		data, err := os.ReadFile(path)
		snap.files = append(snap.files, file{role: role, path: path, data: data, err: err})
	}
	add(roleCert, cfg.Certificate)
	add(roleKey, cfg.Key)
	for _, ca := range cfg.CertificateAuthorities {
		add(roleCA, ca)
	}
	h := sha256.New()
	for _, f := range snap.files {
		// Length-prefixed, so content cannot shift from one file to the next
		// without changing the sum.
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(f.data))))
		h.Write(f.data)
		if f.err != nil {
			h.Write([]byte(f.err.Error()))
		}
		h.Write([]byte{0})
	}
	copy(snap.sum[:], h.Sum(nil))
	return snap
}

// build turns a snapshot into material, or explains which file is wrong.
// Messages name files, never their content: the key must not reach a log.
func build(cfg config.TLSConfig, snap snapshot) (*material, error) {
	for _, f := range snap.files {
		if errors.Is(f.err, fs.ErrNotExist) {
			return nil, fmt.Errorf(loadPrefix+"cannot read configured %s [%s] because the file does not exist", f.role, f.path)
		}
		if f.err != nil {
			return nil, fmt.Errorf(loadPrefix+"cannot read configured %s [%s]: %v", f.role, f.path, f.err)
		}
	}
	certFile, keyFile := snap.files[0], snap.files[1]
	pair, err := tls.X509KeyPair(certFile.data, keyFile.data)
	if err != nil {
		// crypto/tls's messages describe the problem without quoting the
		// input ("private key does not match public key").
		return nil, fmt.Errorf(loadPrefix+"cannot load the key pair from [%s] and [%s]: %v", certFile.path, keyFile.path, err)
	}
	var pool *x509.CertPool
	if cas := snap.files[2:]; len(cas) > 0 {
		pool = x509.NewCertPool()
		for _, f := range cas {
			if !pool.AppendCertsFromPEM(f.data) {
				return nil, fmt.Errorf(loadPrefix+"cannot load %s [%s]: the file contains no PEM certificate", f.role, f.path)
			}
		}
	}
	return &material{
		tls: &tls.Config{
			Certificates: []tls.Certificate{pair},
			// Without certificate_authorities client certificates are checked
			// against the system's roots, as Elasticsearch falls back to the
			// JDK's trust store.
			ClientCAs:  pool,
			ClientAuth: clientAuth(cfg.ClientAuthentication, cfg.VerificationMode),
			MinVersion: cfg.MinVersion,
			MaxVersion: cfg.MaxVersion,
			// Elasticsearch's REST layer speaks HTTP/1.1 only.
			NextProtos: []string{"http/1.1"},
		},
		leaf: pair.Leaf,
		sum:  snap.sum,
	}, nil
}

// clientAuth maps client_authentication, softened by verification_mode
// none (accept any client certificate unverified). A server never checks a
// client's host name, so full and certificate verify alike.
func clientAuth(mode, verification string) tls.ClientAuthType {
	verify := verification != config.VerifyNone
	switch mode {
	case config.ClientAuthOptional:
		if verify {
			return tls.VerifyClientCertIfGiven
		}
		return tls.RequestClientCert
	case config.ClientAuthRequired:
		if verify {
			return tls.RequireAndVerifyClientCert
		}
		return tls.RequireAnyClientCert
	}
	return tls.NoClientCert
}
