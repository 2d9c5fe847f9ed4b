package upstream

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/esauth/esauth/internal/config"
)

// sslLoadPrefix starts every TLS loading error, naming the settings group
// as Elasticsearch's SSLService does.
const sslLoadPrefix = "failed to load SSL configuration [esauth.gateway.upstream.ssl] - "

// FromConfig turns the esauth.gateway.* settings into a Config: the
// Authorization value, and for https nodes the TLS configuration with its
// files loaded. It logs, once at start-up, what weakens the connection:
// verification turned off, or credentials sent over plain http.
func FromConfig(g config.GatewayConfig, log *slog.Logger) (Config, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := Config{URLs: g.Upstream, Auth: authorization(g), ConnectTimeout: g.ConnectTimeout,
		ResponseTimeout: g.ResponseTimeout, DeadBackoff: g.DeadNodeBackoff, MetadataTTL: g.MetadataTTL}
	var plain, secure bool
	for _, u := range g.Upstream {
		plain = plain || u.Scheme == "http"
		secure = secure || u.Scheme == "https"
	}
	if plain && c.Auth != "" {
		log.Warn("esauth.gateway.upstream lists http:// nodes: the gateway's credentials for the cluster cross the network unencrypted")
	}
	if secure {
		var err error
		if c.TLS, err = clientTLS(g.SSL); err != nil {
			return Config{}, err
		}
		if g.SSL.VerificationMode == config.VerifyNone {
			log.Warn("esauth.gateway.upstream.ssl.verification_mode is none: the cluster's certificate is not checked, " +
				"so anyone on the network path can pose as the cluster and read the gateway's credentials and data")
		}
	}
	return c, nil
}

// authorization builds the Authorization value. An API key given as
// id:api_key (the form Beats and Logstash take) is encoded here, as
// Elasticsearch expects base64(id:api_key); base64 has no colon, so the
// two forms cannot be confused.
func authorization(g config.GatewayConfig) string {
	switch {
	case g.Username != "":
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(g.Username+":"+g.Password))
	case strings.Contains(g.APIKey, ":"):
		return "ApiKey " + base64.StdEncoding.EncodeToString([]byte(g.APIKey))
	case g.APIKey != "":
		return "ApiKey " + g.APIKey
	}
	return ""
}

// clientTLS loads the TLS settings. Messages name files, never their
// content: a key must not reach a log.
func clientTLS(s config.GatewaySSLConfig) (*tls.Config, error) {
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Resumed sessions save a full handshake per new pooled connection.
		ClientSessionCache: tls.NewLRUClientSessionCache(0),
	}
	var pool *x509.CertPool // nil: the system's roots
	if len(s.CertificateAuthorities) > 0 {
		pool = x509.NewCertPool()
		for _, path := range s.CertificateAuthorities {
			data, err := readPEM("PEM certificate_authorities", path)
			if err != nil {
				return nil, err
			}
			if !pool.AppendCertsFromPEM(data) {
				return nil, fmt.Errorf(sslLoadPrefix+"cannot load PEM certificate_authorities [%s]: the file contains no PEM certificate", path)
			}
		}
	}
	if s.Certificate != "" {
		certPEM, err := readPEM("PEM certificate", s.Certificate)
		if err != nil {
			return nil, err
		}
		keyPEM, err := readPEM("PEM private key", s.Key)
		if err != nil {
			return nil, err
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf(sslLoadPrefix+"cannot load the key pair from [%s] and [%s]: %v", s.Certificate, s.Key, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	switch s.VerificationMode {
	case config.VerifyNone:
		cfg.InsecureSkipVerify = true
	case config.VerifyCertificate:
		// Elasticsearch's "certificate" mode: a chain to a trusted CA, any
		// host name. crypto/tls has no such mode, so its verification is
		// turned off and done here without the name check.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = verifyChain(pool)
	default:
		cfg.RootCAs = pool
	}
	return cfg, nil
}

func readPEM(role, path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf(sslLoadPrefix+"cannot read configured %s [%s] because the file does not exist", role, path)
	}
	if err != nil {
		return nil, fmt.Errorf(sslLoadPrefix+"cannot read configured %s [%s]: %v", role, path, err)
	}
	return data, nil
}

// verifyChain checks the node's certificate chain against roots (the
// system's when nil) for server use, without looking at its names.
func verifyChain(roots *x509.CertPool) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("the node presented no certificate")
		}
		opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool(),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(opts)
		return err
	}
}
