package config

import (
	"crypto/tls"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTLSSettings(t *testing.T) {
	load := func(t *testing.T, file string, overrides ...string) (TLSConfig, error) {
		t.Helper()
		s, err := Load(file, overrides, envOf(nil))
		if err != nil {
			return TLSConfig{}, err
		}
		c, err := s.Config()
		return c.HTTPTLS, err
	}
	const p = "xpack.security.http.ssl."

	t.Run("off by default", func(t *testing.T) {
		c, err := load(t, "")
		if err != nil || c.Enabled {
			t.Errorf("defaults: %+v, %v", c, err)
		}
		c, err = load(t, "", p+"enabled=false", p+"certificate=a.crt", p+"key=a.key")
		if err != nil || c.Enabled {
			t.Errorf("explicitly disabled: %+v, %v", c, err)
		}
	})

	t.Run("defaults when enabled", func(t *testing.T) {
		c, err := load(t, "", p+"enabled=true", p+"certificate=certs/http.crt", p+"key=/etc/esauth/http.key")
		if err != nil {
			t.Fatal(err)
		}
		want := TLSConfig{Enabled: true, Certificate: filepath.Join("config", "certs/http.crt"), Key: "/etc/esauth/http.key",
			ClientAuthentication: ClientAuthNone, VerificationMode: VerifyFull, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13}
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("from a file, paths relative to its directory", func(t *testing.T) {
		file := writeFile(t, `
xpack.security.http.ssl:
  enabled: true
  certificate: http.crt
  key: http.key
  certificate_authorities: [ca/a.crt, /abs/b.crt]
  client_authentication: Required
  verification_mode: certificate
  supported_protocols: [TLSv1.2, TLSv1.1]
`)
		dir := filepath.Dir(file)
		c, err := load(t, file)
		if err != nil {
			t.Fatal(err)
		}
		want := TLSConfig{Enabled: true, Certificate: filepath.Join(dir, "http.crt"), Key: filepath.Join(dir, "http.key"),
			CertificateAuthorities: []string{filepath.Join(dir, "ca/a.crt"), "/abs/b.crt"},
			ClientAuthentication:   ClientAuthRequired, VerificationMode: VerifyCertificate,
			MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS12}
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		// path.conf moves the base of relative paths, as it moves Elasticsearch's config dir.
		c, err = load(t, file, "path.conf=/srv/conf")
		if err != nil || c.Certificate != "/srv/conf/http.crt" {
			t.Errorf("with path.conf: %q, %v", c.Certificate, err)
		}
	})

	t.Run("protocols", func(t *testing.T) {
		for _, tt := range []struct {
			value    string
			min, max uint16
		}{
			{"TLSv1.3", tls.VersionTLS13, tls.VersionTLS13},
			{"TLSv1.2, TLSv1.3", tls.VersionTLS12, tls.VersionTLS13},
			{"TLSv1,TLSv1.1,TLSv1.2,TLSv1.3,TLSv1.2", tls.VersionTLS10, tls.VersionTLS13},
		} {
			c, err := load(t, "", p+"enabled=true", p+"certificate=c", p+"key=k", p+"supported_protocols="+tt.value)
			if err != nil || c.MinVersion != tt.min || c.MaxVersion != tt.max {
				t.Errorf("%s: %x-%x, %v; want %x-%x", tt.value, c.MinVersion, c.MaxVersion, err, tt.min, tt.max)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, tt := range []struct {
			overrides []string
			want      string
		}{
			{[]string{p + "enabled=true"},
				"invalid SSL configuration for xpack.security.http.ssl - server ssl configuration requires a key and certificate, but these have not been configured; " +
					"you must set both [xpack.security.http.ssl.key] and [xpack.security.http.ssl.certificate]"},
			{[]string{p + "enabled=true", p + "certificate=c"},
				"failed to load SSL configuration [xpack.security.http.ssl] - cannot specify [xpack.security.http.ssl.certificate] without also setting [xpack.security.http.ssl.key]"},
			{[]string{p + "enabled=false", p + "key=k"},
				"failed to load SSL configuration [xpack.security.http.ssl] - cannot specify [xpack.security.http.ssl.key] without also setting [xpack.security.http.ssl.certificate]"},
			{[]string{p + "key=k", p + "certificate=c"},
				"invalid configuration for xpack.security.http.ssl - [xpack.security.http.ssl.enabled] is not set, but the following settings have been configured: " +
					"[xpack.security.http.ssl.certificate,xpack.security.http.ssl.key]"},
			{[]string{p + "enabled=yes"},
				"setting [xpack.security.http.ssl.enabled]: Failed to parse value [yes] as only [true] or [false] are allowed."},
			{[]string{p + "client_authentication=sometimes"},
				"setting [xpack.security.http.ssl.client_authentication]: could not resolve ssl client authentication, unknown value [sometimes], recognised values are [none,optional,required]"},
			{[]string{p + "verification_mode=strict"},
				"setting [xpack.security.http.ssl.verification_mode]: could not resolve ssl client verification mode, unknown value [strict], recognised values are [full,certificate,none]"},
			{[]string{p + "supported_protocols=TLSv1.3,SSLv3"},
				"setting [xpack.security.http.ssl.supported_protocols]: unsupported SSL/TLS protocol [SSLv3]; the supported protocols are [TLSv1.3, TLSv1.2, TLSv1.1, TLSv1]"},
			{[]string{p + "supported_protocols=tlsv1.3"},
				"setting [xpack.security.http.ssl.supported_protocols]: unsupported SSL/TLS protocol [tlsv1.3]; the supported protocols are [TLSv1.3, TLSv1.2, TLSv1.1, TLSv1]"},
			{[]string{p + "supported_protocols= , "},
				"setting [xpack.security.http.ssl.supported_protocols]: no SSL/TLS protocols have been configured"},
			{[]string{p + "supported_protocols=TLSv1.3,TLSv1.1"},
				"setting [xpack.security.http.ssl.supported_protocols]: the protocols [TLSv1.3, TLSv1.1] leave out [TLSv1.2]; esauth enables a contiguous range of protocol versions"},
		} {
			_, err := load(t, "", tt.overrides...)
			if err == nil || err.Error() != tt.want {
				t.Errorf("%v:\n got %v\nwant %s", tt.overrides, err, tt.want)
			}
		}
	})
}
