package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Gateway setting names. The upstream list doubles as the switch: esauth
// is a gateway exactly when it names at least one cluster URL.
const (
	keyGatewayUpstream = "esauth.gateway.upstream"
	gatewayUpPrefix    = keyGatewayUpstream + "."
	gatewaySSLPrefix   = gatewayUpPrefix + "ssl."
	keyGatewayUsername = gatewayUpPrefix + "username"
	keyGatewayPassword = gatewayUpPrefix + "password"
	keyGatewayAPIKey   = gatewayUpPrefix + "api_key"
	keyGatewayCAs      = gatewaySSLPrefix + "certificate_authorities"
	keyGatewayCert     = gatewaySSLPrefix + "certificate"
	keyGatewayKey      = gatewaySSLPrefix + "key"
	keyGatewayVerify   = gatewaySSLPrefix + "verification_mode"
	keyGatewayConnect  = gatewayUpPrefix + "connect_timeout"
	keyGatewayResponse = gatewayUpPrefix + "response_timeout"
	keyGatewayDead     = gatewayUpPrefix + "dead_node_backoff"
	keyGatewayMetaTTL  = "esauth.gateway.metadata.ttl"
)

// GatewayConfig are the esauth.gateway.* settings: the cluster esauth
// guards and forwards allowed requests to. The zero value is standalone
// mode (no gateway).
type GatewayConfig struct {
	// Upstream are the cluster's HTTP endpoints: scheme, host, port and an
	// optional path prefix without a trailing slash; never userinfo, query
	// or fragment.
	Upstream []*url.URL
	// Username and Password are sent as Basic credentials; APIKey (as
	// configured: encoded, or id:key) as an ApiKey credential. At most one
	// kind is set.
	Username, Password string
	APIKey             string
	SSL                GatewaySSLConfig
	// ConnectTimeout bounds the TCP connect and TLS handshake to one node.
	ConnectTimeout time.Duration
	// ResponseTimeout bounds the wait for a response head; 0 is no limit
	// (-1 in the setting, as Elasticsearch writes "no timeout").
	ResponseTimeout time.Duration
	// DeadNodeBackoff is how long a node that failed to connect is left
	// alone before it is tried again; repeated failures double it.
	DeadNodeBackoff time.Duration
	// MetadataTTL is how long the cluster's index metadata is reused
	// before it is fetched again; 0 fetches it whenever it is needed.
	MetadataTTL time.Duration
}

// GatewaySSLConfig are the esauth.gateway.upstream.ssl.* settings, named as
// Elasticsearch names the TLS settings of its own outgoing connections.
type GatewaySSLConfig struct {
	// CertificateAuthorities are PEM files of the CAs trusted for the
	// cluster's certificate; none means the system's roots.
	CertificateAuthorities []string
	// Certificate and Key are the PEM client certificate and key, both
	// or neither. Relative paths are already joined to the config dir.
	Certificate, Key string
	// VerificationMode is one of the Verify* constants.
	VerificationMode string
}

// Enabled reports whether esauth runs as a gateway.
func (g GatewayConfig) Enabled() bool { return len(g.Upstream) > 0 }

// gatewaySettings are esauth's own. The defaults:
//
//   - connect_timeout 5s: a node on the same network connects in
//     milliseconds, so 5 s only waits out a dropped SYN or two before the
//     next node is tried, while the client is still waiting.
//   - response_timeout 60s: long enough for heavy searches and
//     aggregations, short enough that a hung node is reported (504, which
//     the official clients retry) before the clients' own time-outs or a
//     load balancer's idle limit cut the connection without an answer.
//   - dead_node_backoff 60s: the initial resurrect timeout of both official
//     transports (elastic-transport-go defaultResurrectTimeoutInitial,
//     elastic-transport-js ClusterConnectionPool resurrectTimeout).
//   - metadata.ttl 1s: Elasticsearch's default index.refresh_interval, so
//     a new index joins wildcard expansions about when its documents become
//     searchable anyway. Explicit names missing from the metadata force a
//     refetch, so the TTL only delays wildcards; and the cost of 1 s is one
//     cluster-state read per second per gateway, and only while requests
//     need metadata.
func gatewaySettings() []setting {
	return []setting{
		{key: keyGatewayUpstream, validate: validateUpstream},
		{key: keyGatewayUsername, validate: validateGatewayUsername},
		{key: keyGatewayPassword},
		{key: keyGatewayAPIKey, validate: validateGatewayAPIKey},
		{key: keyGatewayCAs},
		{key: keyGatewayCert},
		{key: keyGatewayKey},
		{key: keyGatewayVerify, def: VerifyFull, validate: validateVerificationMode},
		{key: keyGatewayConnect, def: "5s", validate: validateGatewayPositive},
		{key: keyGatewayResponse, def: "60s", validate: validateGatewayResponseTimeout},
		{key: keyGatewayDead, def: "60s", validate: validateGatewayPositive},
		{key: keyGatewayMetaTTL, def: "1s", validate: validateGatewayTTL},
	}
}

func validateUpstream(key, value string) error {
	_, err := parseUpstream(key, value)
	return err
}

// parseUpstream reads the URL list. Messages show URLs with any password
// hidden: they end up in logs and terminals.
func parseUpstream(key, value string) ([]*url.URL, error) {
	var out []*url.URL
	seen := map[string]bool{}
	for _, raw := range splitList(value) {
		u, err := parseUpstreamURL(key, raw)
		if err != nil {
			return nil, err
		}
		s := u.String()
		if seen[s] {
			return nil, settingErr(key, "[%s] is listed twice; each node must appear once or it gets a double share of the requests", s)
		}
		seen[s] = true
		out = append(out, u)
	}
	return out, nil
}

func parseUpstreamURL(key, raw string) (*url.URL, error) {
	const form = "use http://host:port or https://host:port, optionally followed by a path prefix"
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the input, password included; say less.
		return nil, settingErr(key, "[%s] is not a valid URL; %s", redactURL(raw), form)
	}
	if u.User != nil {
		return nil, settingErr(key, "[%s] contains credentials; set [%s] and [%s], or [%s], instead",
			u.Redacted(), keyGatewayUsername, keyGatewayPassword, keyGatewayAPIKey)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Opaque != "" {
		return nil, settingErr(key, "[%s] is not an http or https URL; %s", raw, form)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, settingErr(key, "[%s] has no host; %s", raw, form)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, settingErr(key, "[%s] has an invalid port [%s]", raw, p)
		}
	}
	// A query or fragment would be merged into, or silently dropped from,
	// every forwarded request: neither is ever what was meant.
	if u.RawQuery != "" || u.ForceQuery {
		return nil, settingErr(key, "[%s] has a query string; %s", raw, form)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, settingErr(key, "[%s] has a fragment; %s", raw, form)
	}
	// The prefix is kept in its escaped form too, so that forwarding can
	// join it to escaped request paths without decoding either.
	escaped := strings.TrimRight(u.EscapedPath(), "/")
	path, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, settingErr(key, "[%s] has an invalid path", raw)
	}
	n := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: path}
	if n.EscapedPath() != escaped {
		n.RawPath = escaped
	}
	return n, nil
}

// redactURL hides whatever may be a password in a string url.Parse
// refused: everything between the scheme and the last "@".
func redactURL(raw string) string {
	at := strings.LastIndex(raw, "@")
	if at < 0 {
		return raw
	}
	start := strings.Index(raw, "://")
	if start < 0 || start > at {
		start = 0
	} else {
		start += len("://")
	}
	return raw[:start] + "xxxxx" + raw[at:]
}

// validateGatewayUsername refuses a colon: Basic credentials are
// "user:password", so the cluster would split such a name in the wrong
// place (RFC 7617 §2).
func validateGatewayUsername(key, value string) error {
	if strings.Contains(value, ":") {
		return settingErr(key, "the username must not contain [:], which Basic authentication uses as the separator")
	}
	if hasControlOrSpace(value, false) {
		return settingErr(key, "the username must not contain control characters")
	}
	return nil
}

// validateGatewayAPIKey accepts the encoded form (base64 of id:key, as
// Elasticsearch's create API key answers in "encoded") and the id:key
// form Beats and Logstash take. Anything with white space or control
// characters would break, or split, the header it is sent in.
func validateGatewayAPIKey(key, value string) error {
	if hasControlOrSpace(value, true) {
		return settingErr(key, "the API key must not contain spaces or control characters; give the encoded key or id:api_key")
	}
	if id, secret, ok := strings.Cut(value, ":"); ok && (id == "" || secret == "") {
		return settingErr(key, "an API key given as id:api_key needs both parts")
	}
	return nil
}

func hasControlOrSpace(s string, spaces bool) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || spaces && r == ' ' {
			return true
		}
	}
	return false
}

// parseGatewayTime reads a time value no shorter than minimum; -1 is
// accepted only where noLimit says so.
func parseGatewayTime(key, value string, minimum time.Duration, noLimit bool) (time.Duration, error) {
	d, err := parseTimeValue(key, value)
	if err != nil {
		return 0, err
	}
	if d == -1 && noLimit {
		return 0, nil
	}
	if d < minimum { // -1 included: it is below every minimum
		what := "a positive time value such as [5s]"
		switch {
		case minimum == 0:
			what = "a time value of at least 0, such as [1s]"
		case noLimit:
			what = "a positive time value such as [60s], or -1 for no limit"
		}
		return 0, settingErr(key, "[%s] must be %s", value, what)
	}
	return d, nil
}

func validateGatewayPositive(key, value string) error {
	_, err := parseGatewayTime(key, value, time.Nanosecond, false)
	return err
}

func validateGatewayResponseTimeout(key, value string) error {
	_, err := parseGatewayTime(key, value, time.Nanosecond, true)
	return err
}

// validateGatewayTTL accepts 0 (no caching) but not -1: metadata trusted
// forever would never show new or deleted indices.
func validateGatewayTTL(key, value string) error {
	_, err := parseGatewayTime(key, value, 0, false)
	return err
}

// gatewayConfig builds the typed gateway settings and checks the ones
// that only make sense together. configDir resolves relative SSL paths.
func (s *Settings) gatewayConfig(configDir string) (GatewayConfig, error) {
	var c GatewayConfig
	var err error
	if c.Upstream, err = parseUpstream(keyGatewayUpstream, s.Get(keyGatewayUpstream)); err != nil {
		return GatewayConfig{}, err
	}
	if len(c.Upstream) == 0 {
		// Gateway settings without a cluster are a forgotten upstream line;
		// starting standalone would hide that.
		var given []string
		for _, r := range gatewaySettings() {
			if r.key != keyGatewayUpstream && s.IsSet(r.key) {
				given = append(given, r.key)
			}
		}
		if len(given) > 0 {
			return GatewayConfig{}, fmt.Errorf("setting [%s] is not set, but the following gateway settings have been configured: [%s]",
				keyGatewayUpstream, strings.Join(given, ","))
		}
		return GatewayConfig{}, nil
	}

	c.Username, c.Password, c.APIKey = s.Get(keyGatewayUsername), s.Get(keyGatewayPassword), s.Get(keyGatewayAPIKey)
	switch {
	case c.Username != "" && c.Password == "":
		return GatewayConfig{}, fmt.Errorf("setting [%s] is set but [%s] is not; Basic authentication needs both", keyGatewayUsername, keyGatewayPassword)
	case c.Password != "" && c.Username == "":
		return GatewayConfig{}, fmt.Errorf("setting [%s] is set but [%s] is not; Basic authentication needs both", keyGatewayPassword, keyGatewayUsername)
	case c.APIKey != "" && c.Username != "":
		return GatewayConfig{}, fmt.Errorf("settings [%s] and [%s] cannot both be set; choose Basic or API key authentication",
			keyGatewayAPIKey, keyGatewayUsername)
	}

	c.SSL = GatewaySSLConfig{
		Certificate:      resolveConfigPath(configDir, s.Get(keyGatewayCert)),
		Key:              resolveConfigPath(configDir, s.Get(keyGatewayKey)),
		VerificationMode: strings.ToLower(s.Get(keyGatewayVerify)),
	}
	for _, ca := range splitList(s.Get(keyGatewayCAs)) {
		c.SSL.CertificateAuthorities = append(c.SSL.CertificateAuthorities, resolveConfigPath(configDir, ca))
	}
	switch {
	case c.SSL.Certificate != "" && c.SSL.Key == "":
		return GatewayConfig{}, fmt.Errorf("cannot specify [%s] without also setting [%s]", keyGatewayCert, keyGatewayKey)
	case c.SSL.Key != "" && c.SSL.Certificate == "":
		return GatewayConfig{}, fmt.Errorf("cannot specify [%s] without also setting [%s]", keyGatewayKey, keyGatewayCert)
	}
	https := false
	for _, u := range c.Upstream {
		https = https || u.Scheme == "https"
	}
	if !https {
		// TLS settings with only http:// URLs mean the scheme was
		// forgotten, and the credentials would cross the network in clear.
		var given []string
		for _, k := range []string{keyGatewayCAs, keyGatewayCert, keyGatewayKey, keyGatewayVerify} {
			if s.IsSet(k) {
				given = append(given, k)
			}
		}
		if len(given) > 0 {
			return GatewayConfig{}, fmt.Errorf("settings [%s] are configured, but no URL in [%s] uses https",
				strings.Join(given, ","), keyGatewayUpstream)
		}
	}

	// The time values were validated at load.
	c.ConnectTimeout, _ = parseGatewayTime(keyGatewayConnect, s.Get(keyGatewayConnect), time.Nanosecond, false)
	c.ResponseTimeout, _ = parseGatewayTime(keyGatewayResponse, s.Get(keyGatewayResponse), time.Nanosecond, true)
	c.DeadNodeBackoff, _ = parseGatewayTime(keyGatewayDead, s.Get(keyGatewayDead), time.Nanosecond, false)
	c.MetadataTTL, _ = parseGatewayTime(keyGatewayMetaTTL, s.Get(keyGatewayMetaTTL), 0, false)
	return c, nil
}
