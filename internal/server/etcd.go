package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/etcdstore"
)

// openEtcd connects to the etcd cluster of esauth.store.etcd.*.
func openEtcd(ctx context.Context, cfg config.Config) (store.Store, error) {
	e := cfg.Store.Etcd
	tlsCfg, err := etcdTLS(e)
	if err != nil {
		return nil, err
	}
	return etcdstore.Open(ctx, etcdstore.Config{Endpoints: e.Endpoints, Prefix: e.Prefix,
		Username: e.Username, Password: e.Password, TLS: tlsCfg,
		DialTimeout: e.DialTimeout, RequestTimeout: e.RequestTimeout})
}

// etcdTLS builds the client TLS configuration, or nil when none is set.
func etcdTLS(e config.EtcdConfig) (*tls.Config, error) {
	if e.CAFile == "" && e.CertFile == "" {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if e.CAFile != "" {
		pem, err := os.ReadFile(e.CAFile)
		if err != nil {
			return nil, fmt.Errorf("esauth.store.etcd.tls.ca: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("esauth.store.etcd.tls.ca: no certificate in [%s]", e.CAFile)
		}
	}
	if e.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(e.CertFile, e.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("esauth.store.etcd.tls.cert/key: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
