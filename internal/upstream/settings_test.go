package upstream

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/eserr"
)

func TestFromConfigAuthorization(t *testing.T) {
	up := []*url.URL{{Scheme: "https", Host: "es:9200"}}
	for _, tt := range []struct {
		g    config.GatewayConfig
		want string
	}{
		{config.GatewayConfig{}, ""},
		{config.GatewayConfig{Username: "esauth", Password: "pw:with:colons"}, "Basic ZXNhdXRoOnB3OndpdGg6Y29sb25z"},
		// Encoded, as Elasticsearch's create API key answers in "encoded".
		{config.GatewayConfig{APIKey: "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="}, "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="},
		// id:api_key, as Beats and Logstash take it: encoded here.
		{config.GatewayConfig{APIKey: "VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw"}, "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="},
	} {
		tt.g.Upstream = up
		cfg, err := FromConfig(tt.g, nil)
		if err != nil || cfg.Auth != tt.want {
			t.Errorf("%+v: %q, %v; want %q", tt.g, cfg.Auth, err, tt.want)
		}
	}
}

func TestFromConfigCopiesTimes(t *testing.T) {
	g := config.GatewayConfig{Upstream: []*url.URL{{Scheme: "http", Host: "a:9200"}}, ConnectTimeout: time.Second,
		ResponseTimeout: 2 * time.Second, DeadNodeBackoff: 3 * time.Second, MetadataTTL: 4 * time.Second}
	cfg, err := FromConfig(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ConnectTimeout != time.Second || cfg.ResponseTimeout != 2*time.Second || cfg.DeadBackoff != 3*time.Second ||
		cfg.MetadataTTL != 4*time.Second || cfg.TLS != nil || len(cfg.URLs) != 1 {
		t.Errorf("%+v", cfg)
	}
}

func TestFromConfigWarnings(t *testing.T) {
	for _, tt := range []struct {
		name string
		g    config.GatewayConfig
		want string
	}{
		{"none", config.GatewayConfig{Upstream: []*url.URL{{Scheme: "https", Host: "a"}}, SSL: config.GatewaySSLConfig{VerificationMode: config.VerifyNone}},
			"verification_mode is none"},
		{"credentials over http", config.GatewayConfig{Upstream: []*url.URL{{Scheme: "http", Host: "a"}}, Username: "u", Password: "p"},
			"cross the network unencrypted"},
		{"quiet", config.GatewayConfig{Upstream: []*url.URL{{Scheme: "https", Host: "a"}}, Username: "u", Password: "p",
			SSL: config.GatewaySSLConfig{VerificationMode: config.VerifyFull}}, ""},
	} {
		log, logs := newLogger()
		if _, err := FromConfig(tt.g, log); err != nil {
			t.Fatal(err)
		}
		if got := logs.String(); tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("%s: log %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFromConfigTLSErrors(t *testing.T) {
	ca := newCA(t, "test CA")
	pair := ca.issue(t, "gw")
	other := ca.issue(t, "other")
	caFile, certFile, keyFile := writeTemp(t, "ca.crt", ca.pem), writeTemp(t, "gw.crt", pair.certPEM), writeTemp(t, "gw.key", pair.keyPEM)
	otherKey := writeTemp(t, "other.key", other.keyPEM)
	notPEM := writeTemp(t, "ca.txt", []byte("not a certificate"))
	missing := filepath.Join(t.TempDir(), "missing.crt")
	const prefix = "failed to load SSL configuration [esauth.gateway.upstream.ssl] - "
	for _, tt := range []struct {
		ssl  config.GatewaySSLConfig
		want string
	}{
		{config.GatewaySSLConfig{CertificateAuthorities: []string{caFile, missing}},
			prefix + "cannot read configured PEM certificate_authorities [" + missing + "] because the file does not exist"},
		{config.GatewaySSLConfig{CertificateAuthorities: []string{notPEM}},
			prefix + "cannot load PEM certificate_authorities [" + notPEM + "]: the file contains no PEM certificate"},
		{config.GatewaySSLConfig{Certificate: missing, Key: keyFile},
			prefix + "cannot read configured PEM certificate [" + missing + "] because the file does not exist"},
		{config.GatewaySSLConfig{Certificate: certFile, Key: missing},
			prefix + "cannot read configured PEM private key [" + missing + "] because the file does not exist"},
		{config.GatewaySSLConfig{Certificate: certFile, Key: otherKey},
			prefix + "cannot load the key pair from [" + certFile + "] and [" + otherKey + "]: tls: private key does not match public key"},
	} {
		_, err := FromConfig(config.GatewayConfig{Upstream: []*url.URL{{Scheme: "https", Host: "a"}}, SSL: tt.ssl}, nil)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%+v:\n got %v\nwant %s", tt.ssl, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "PRIVATE KEY") {
			t.Errorf("key material in the message: %v", err)
		}
	}
}

func TestErr(t *testing.T) {
	if Err(nil) != nil {
		t.Error("Err(nil) is not nil")
	}
	own := eserr.IllegalArgument("x")
	if Err(own) != own {
		t.Error("an eserr.Error is not passed through")
	}
	ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	<-ctx.Done()
	if e := Err(ctx.Err()); e.Status != http.StatusGatewayTimeout || e.Type != "timeout_exception" {
		t.Errorf("deadline: %+v", e)
	}
	connectTO := &failure{attempts: []*nodeError{{addr: "10.0.0.1:9200", kind: connectTimeout, after: 5 * time.Second}}}
	if e := Err(connectTO); e.Status != http.StatusGatewayTimeout || e.Type != "connect_transport_exception" ||
		e.Reason != "the cluster did not answer: [10.0.0.1:9200] connect timed out after [5s]" {
		t.Errorf("connect time-out: %+v", e)
	}
}

// No credential, path or query reaches the reason of an error a client
// sees.
func TestErrLeaksNothing(t *testing.T) {
	down := refusedAddr(t)
	c, _ := newClient(t, Config{Auth: "ApiKey dG9wc2VjcmV0"}, "http://"+down+"/prefix-secret")
	_, err := c.Do(testCtx(t), &Request{Path: "/secret-index/_search", RawQuery: "q=secret",
		Header: http.Header{"Authorization": {"Basic c2VjcmV0"}}})
	e := Err(err)
	if e == nil || strings.Contains(e.Reason, "secret") || strings.Contains(e.Reason, "dG9wc2VjcmV0") || strings.Contains(e.Reason, "c2VjcmV0") {
		t.Errorf("reason %q", e.Reason)
	}
}
