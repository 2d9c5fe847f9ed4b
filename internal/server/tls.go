package server

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"time"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/tlsconf"
)

// secureListener wraps ln in TLS when xpack.security.http.ssl.enabled is
// true, reloading the certificate files until ctx is done, and returns the
// URL scheme to log. With TLS off on an address other hosts can reach, it
// warns once: Basic credentials would cross the network readable. On error
// it closes ln.
func secureListener(ctx context.Context, cfg config.Config, ln net.Listener, log *slog.Logger) (net.Listener, string, error) {
	if !cfg.HTTPTLS.Enabled {
		if a, ok := ln.Addr().(*net.TCPAddr); ok && !a.IP.IsLoopback() {
			log.Warn("HTTPS is off and http.host is not a loopback address: passwords sent to this node travel in clear text; "+
				"run `esauth certutil http` and set xpack.security.http.ssl.enabled, .certificate and .key to turn TLS on",
				"http.host", cfg.HTTPHost)
		}
		return ln, "http", nil
	}
	certs, err := tlsconf.New(cfg.HTTPTLS, log)
	if err != nil {
		ln.Close()
		return nil, "", err
	}
	leaf := certs.Leaf()
	log.Info("HTTPS enabled", "certificate", cfg.HTTPTLS.Certificate, "subject", leaf.Subject.String(),
		"not_after", leaf.NotAfter.UTC().Format(time.RFC3339), "client_authentication", cfg.HTTPTLS.ClientAuthentication)
	if time.Now().After(leaf.NotAfter) {
		log.Error("the HTTPS certificate has expired; clients will refuse it", "certificate", cfg.HTTPTLS.Certificate)
	}
	go certs.Watch(ctx, tlsconf.DefaultInterval)
	return tls.NewListener(ln, certs.TLSConfig()), "https", nil
}
