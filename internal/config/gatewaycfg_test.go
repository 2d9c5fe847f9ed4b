package config

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// loadGateway loads the settings with the gateway rows in the table (added
// here until builtinSettings lists them, and harmless after) and returns
// the typed gateway configuration.
func loadGateway(t *testing.T, file string, overrides ...string) (GatewayConfig, error) {
	t.Helper()
	table := builtinSettings()
	if lookup(table, keyGatewayUpstream) == nil {
		table = append(table, gatewaySettings()...)
	}
	s, err := load(table, file, overrides, envOf(map[string]string{"UPSTREAM_PASSWORD": "s3cret"}))
	if err != nil {
		return GatewayConfig{}, err
	}
	dir := s.configDir
	if s.IsSet("path.conf") {
		dir = s.Get("path.conf")
	}
	return s.gatewayConfig(dir)
}

// urlStrings renders the URLs for comparison; url.URL holds a pointer to
// unexported state that cmp refuses to walk.
func urlStrings(g GatewayConfig) []string {
	var out []string
	for _, u := range g.Upstream {
		out = append(out, u.String())
	}
	return out
}

func TestGatewayDefaultsStandalone(t *testing.T) {
	c, err := loadGateway(t, "")
	if err != nil || c.Enabled() || c.Upstream != nil {
		t.Fatalf("no upstream: %+v, %v; want standalone", c, err)
	}
}

func TestGatewaySettings(t *testing.T) {
	const p = "esauth.gateway.upstream."
	t.Run("defaults once enabled", func(t *testing.T) {
		c, err := loadGateway(t, "", "esauth.gateway.upstream=http://10.0.0.1:9200")
		if err != nil {
			t.Fatal(err)
		}
		if !c.Enabled() || !slices.Equal(urlStrings(c), []string{"http://10.0.0.1:9200"}) {
			t.Errorf("upstream: %v", urlStrings(c))
		}
		c.Upstream = nil
		want := GatewayConfig{SSL: GatewaySSLConfig{VerificationMode: VerifyFull},
			ConnectTimeout: 5 * time.Second, ResponseTimeout: 60 * time.Second,
			DeadNodeBackoff: 60 * time.Second, MetadataTTL: time.Second}
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("-E list, normalised", func(t *testing.T) {
		c, err := loadGateway(t, "", "esauth.gateway.upstream= HTTP://a:9200/ , https://b:9243/es/,http://[::1]:9200/a%2Fb/")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"http://a:9200", "https://b:9243/es", "http://[::1]:9200/a%2Fb"}
		if got := urlStrings(c); !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		// The escaped prefix survives, so forwarding does not turn %2F into
		// a path separator.
		if got := c.Upstream[2].EscapedPath(); got != "/a%2Fb" {
			t.Errorf("escaped prefix %q", got)
		}
	})

	t.Run("from a file, every setting", func(t *testing.T) {
		file := writeFile(t, `
esauth.gateway.upstream: [https://es1:9200, https://es2:9200]
esauth.gateway.upstream.username: esauth_gateway
esauth.gateway.upstream.password: ${UPSTREAM_PASSWORD}
esauth.gateway.upstream.ssl:
  certificate_authorities: [ca.crt, /etc/pki/other.crt]
  certificate: certs/gw.crt
  key: certs/gw.key
  verification_mode: Certificate
esauth.gateway.upstream.connect_timeout: 2s
esauth.gateway.upstream.response_timeout: -1
esauth.gateway.upstream.dead_node_backoff: 30s
esauth.gateway.metadata.ttl: 0
`)
		dir := filepath.Dir(file)
		c, err := loadGateway(t, file)
		if err != nil {
			t.Fatal(err)
		}
		if got := urlStrings(c); !slices.Equal(got, []string{"https://es1:9200", "https://es2:9200"}) {
			t.Errorf("upstream %q", got)
		}
		c.Upstream = nil
		want := GatewayConfig{Username: "esauth_gateway", Password: "s3cret",
			SSL: GatewaySSLConfig{CertificateAuthorities: []string{filepath.Join(dir, "ca.crt"), "/etc/pki/other.crt"},
				Certificate: filepath.Join(dir, "certs/gw.crt"), Key: filepath.Join(dir, "certs/gw.key"), VerificationMode: VerifyCertificate},
			ConnectTimeout: 2 * time.Second, ResponseTimeout: 0, DeadNodeBackoff: 30 * time.Second, MetadataTTL: 0}
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("api key", func(t *testing.T) {
		for _, key := range []string{"VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==", "VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw"} {
			c, err := loadGateway(t, "", "esauth.gateway.upstream=http://a:9200", p+"api_key="+key)
			if err != nil || c.APIKey != key {
				t.Errorf("%s: %q, %v", key, c.APIKey, err)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		const up = "esauth.gateway.upstream=https://a:9200"
		for _, tt := range []struct {
			overrides []string
			want      string
		}{
			{[]string{"esauth.gateway.upstream=ftp://a:21"},
				"setting [esauth.gateway.upstream]: [ftp://a:21] is not an http or https URL; use http://host:port or https://host:port, optionally followed by a path prefix"},
			{[]string{"esauth.gateway.upstream=localhost:9200"},
				"setting [esauth.gateway.upstream]: [localhost:9200] is not an http or https URL; use http://host:port or https://host:port, optionally followed by a path prefix"},
			{[]string{"esauth.gateway.upstream=10.0.0.1:9200"},
				"setting [esauth.gateway.upstream]: [10.0.0.1:9200] is not a valid URL; use http://host:port or https://host:port, optionally followed by a path prefix"},
			{[]string{"esauth.gateway.upstream=http:///es"},
				"setting [esauth.gateway.upstream]: [http:///es] has no host; use http://host:port or https://host:port, optionally followed by a path prefix"},
			{[]string{"esauth.gateway.upstream=http://a:0"},
				"setting [esauth.gateway.upstream]: [http://a:0] has an invalid port [0]"},
			{[]string{"esauth.gateway.upstream=http://a:9200/?pretty"},
				"setting [esauth.gateway.upstream]: [http://a:9200/?pretty] has a query string; use http://host:port or https://host:port, optionally followed by a path prefix"},
			{[]string{"esauth.gateway.upstream=http://a:9200/?"},
				"setting [esauth.gateway.upstream]: [http://a:9200/?] has a query string; use http://host:port or https://host:port, optionally followed by a path prefix"},
			{[]string{"esauth.gateway.upstream=http://a:9200/#top"},
				"setting [esauth.gateway.upstream]: [http://a:9200/#top] has a fragment; use http://host:port or https://host:port, optionally followed by a path prefix"},
			{[]string{"esauth.gateway.upstream=http://a:9200/#"},
				"setting [esauth.gateway.upstream]: [http://a:9200/#] has a fragment; use http://host:port or https://host:port, optionally followed by a path prefix"},
			// The password must not reach the message.
			{[]string{"esauth.gateway.upstream=http://elastic:hunter2@a:9200"},
				"setting [esauth.gateway.upstream]: [http://elastic:xxxxx@a:9200] contains credentials; set [esauth.gateway.upstream.username] and [esauth.gateway.upstream.password], or [esauth.gateway.upstream.api_key], instead"},
			{[]string{"esauth.gateway.upstream=http://elastic:p%zz@a:9200"},
				"setting [esauth.gateway.upstream]: [http://xxxxx@a:9200] is not a valid URL; use http://host:port or https://host:port, optionally followed by a path prefix"},
			{[]string{"esauth.gateway.upstream=http://a:9200,http://a:9200/"},
				"setting [esauth.gateway.upstream]: [http://a:9200] is listed twice; each node must appear once or it gets a double share of the requests"},
			{[]string{up, p + "username=esauth"},
				"setting [esauth.gateway.upstream.username] is set but [esauth.gateway.upstream.password] is not; Basic authentication needs both"},
			{[]string{up, p + "password=x"},
				"setting [esauth.gateway.upstream.password] is set but [esauth.gateway.upstream.username] is not; Basic authentication needs both"},
			{[]string{up, p + "username=a:b", p + "password=x"},
				"setting [esauth.gateway.upstream.username]: the username must not contain [:], which Basic authentication uses as the separator"},
			{[]string{up, p + "username=a\x01", p + "password=x"},
				"setting [esauth.gateway.upstream.username]: the username must not contain control characters"},
			{[]string{up, p + "username=u", p + "password=x", p + "api_key=abc"},
				"settings [esauth.gateway.upstream.api_key] and [esauth.gateway.upstream.username] cannot both be set; choose Basic or API key authentication"},
			{[]string{up, p + "api_key=abc def"},
				"setting [esauth.gateway.upstream.api_key]: the API key must not contain spaces or control characters; give the encoded key or id:api_key"},
			{[]string{up, p + "api_key=id:"},
				"setting [esauth.gateway.upstream.api_key]: an API key given as id:api_key needs both parts"},
			{[]string{up, p + "ssl.certificate=c.crt"},
				"cannot specify [esauth.gateway.upstream.ssl.certificate] without also setting [esauth.gateway.upstream.ssl.key]"},
			{[]string{up, p + "ssl.key=c.key"},
				"cannot specify [esauth.gateway.upstream.ssl.key] without also setting [esauth.gateway.upstream.ssl.certificate]"},
			{[]string{up, p + "ssl.verification_mode=strict"},
				"setting [esauth.gateway.upstream.ssl.verification_mode]: could not resolve ssl client verification mode, unknown value [strict], recognised values are [full,certificate,none]"},
			{[]string{"esauth.gateway.upstream=http://a:9200", p + "ssl.certificate_authorities=ca.crt", p + "ssl.verification_mode=none"},
				"settings [esauth.gateway.upstream.ssl.certificate_authorities,esauth.gateway.upstream.ssl.verification_mode] are configured, but no URL in [esauth.gateway.upstream] uses https"},
			{[]string{p + "username=u", p + "password=x", "esauth.gateway.metadata.ttl=5s"},
				"setting [esauth.gateway.upstream] is not set, but the following gateway settings have been configured: " +
					"[esauth.gateway.upstream.username,esauth.gateway.upstream.password,esauth.gateway.metadata.ttl]"},
			{[]string{up, p + "connect_timeout=0"},
				"setting [esauth.gateway.upstream.connect_timeout]: [0] must be a positive time value such as [5s]"},
			{[]string{up, p + "connect_timeout=-1"},
				"setting [esauth.gateway.upstream.connect_timeout]: [-1] must be a positive time value such as [5s]"},
			{[]string{up, p + "connect_timeout=5"},
				"failed to parse setting [esauth.gateway.upstream.connect_timeout] with value [5] as a time value: unit is missing or unrecognized"},
			{[]string{up, p + "response_timeout=0s"},
				"setting [esauth.gateway.upstream.response_timeout]: [0s] must be a positive time value such as [60s], or -1 for no limit"},
			{[]string{up, p + "dead_node_backoff=0"},
				"setting [esauth.gateway.upstream.dead_node_backoff]: [0] must be a positive time value such as [5s]"},
			{[]string{up, "esauth.gateway.metadata.ttl=-1"},
				"setting [esauth.gateway.metadata.ttl]: [-1] must be a time value of at least 0, such as [1s]"},
			{[]string{up, "esauth.gateway.metadata.ttl=1x"},
				"failed to parse setting [esauth.gateway.metadata.ttl] with value [1x] as a time value: unit is missing or unrecognized"},
		} {
			_, err := loadGateway(t, "", tt.overrides...)
			if err == nil || err.Error() != tt.want {
				t.Errorf("%q:\n got %v\nwant %s", tt.overrides, err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("%q: the message shows the password: %v", tt.overrides, err)
			}
		}
	})
}
