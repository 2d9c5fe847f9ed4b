package config

import (
	"crypto/tls"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// httpSSLPrefix is the prefix of the REST listener's TLS settings, named as
// in Elasticsearch.
const httpSSLPrefix = "xpack.security.http.ssl."

// Client authentication modes of client_authentication.
const (
	ClientAuthNone     = "none"
	ClientAuthOptional = "optional"
	ClientAuthRequired = "required"
)

// Verification modes of verification_mode.
const (
	VerifyFull        = "full"
	VerifyCertificate = "certificate"
	VerifyNone        = "none"
)

// TLSConfig are the xpack.security.http.ssl.* settings. It is the zero
// value when TLS is off, so nothing can use a half-configured listener.
type TLSConfig struct {
	Enabled bool
	// Certificate, Key and CertificateAuthorities are PEM files, relative
	// paths already joined to the configuration directory.
	Certificate, Key       string
	CertificateAuthorities []string
	// ClientAuthentication is one of the ClientAuth* constants.
	ClientAuthentication string
	// VerificationMode is one of the Verify* constants; it decides how
	// client certificates are checked.
	VerificationMode string
	// MinVersion and MaxVersion are crypto/tls versions bounding
	// supported_protocols.
	MinVersion, MaxVersion uint16
}

// tlsProtocol is one of Elasticsearch's (Java's) protocol names and its
// crypto/tls version.
type tlsProtocol struct {
	name    string
	version uint16
}

// tlsProtocols lists the protocols newest first, as Elasticsearch does.
func tlsProtocols() []tlsProtocol {
	return []tlsProtocol{
		{"TLSv1.3", tls.VersionTLS13},
		{"TLSv1.2", tls.VersionTLS12},
		{"TLSv1.1", tls.VersionTLS11},
		{"TLSv1", tls.VersionTLS10},
	}
}

func tlsSettings() []setting {
	const p = httpSSLPrefix
	return []setting{
		{key: p + "enabled", def: "false", validate: validateBool},
		{key: p + "certificate"},
		{key: p + "key"},
		{key: p + "certificate_authorities"},
		// Elasticsearch's default for the HTTP layer (the transport layer
		// requires client certificates; browsers and curl rarely have one).
		{key: p + "client_authentication", def: ClientAuthNone, validate: validateClientAuth},
		{key: p + "verification_mode", def: VerifyFull, validate: validateVerificationMode},
		{key: p + "supported_protocols", def: "TLSv1.3,TLSv1.2", validate: validateProtocols},
	}
}

// validateClientAuth is SslClientAuthenticationMode.parse, message included;
// like it, it ignores case.
func validateClientAuth(key, value string) error {
	switch strings.ToLower(value) {
	case ClientAuthNone, ClientAuthOptional, ClientAuthRequired:
		return nil
	}
	return settingErr(key, "could not resolve ssl client authentication, unknown value [%s], recognised values are [none,optional,required]", value)
}

// validateVerificationMode is SslVerificationMode.parse.
func validateVerificationMode(key, value string) error {
	switch strings.ToLower(value) {
	case VerifyFull, VerifyCertificate, VerifyNone:
		return nil
	}
	return settingErr(key, "could not resolve ssl client verification mode, unknown value [%s], recognised values are [full,certificate,none]", value)
}

func validateProtocols(key, value string) error {
	_, _, err := parseProtocols(key, value)
	return err
}

// parseProtocols reads supported_protocols into a version range. Go enables
// a contiguous range of versions, so a list with a gap is refused rather
// than silently widened to a protocol the operator left out.
func parseProtocols(key, value string) (minVersion, maxVersion uint16, err error) {
	known := tlsProtocols()
	var names []string
	var picked []int // indexes into known
	for _, name := range splitList(value) {
		i := slices.IndexFunc(known, func(p tlsProtocol) bool { return p.name == name })
		if i < 0 {
			return 0, 0, settingErr(key, "unsupported SSL/TLS protocol [%s]; the supported protocols are [TLSv1.3, TLSv1.2, TLSv1.1, TLSv1]", name)
		}
		if !slices.Contains(picked, i) {
			picked = append(picked, i)
			names = append(names, name)
		}
	}
	if len(picked) == 0 {
		return 0, 0, settingErr(key, "no SSL/TLS protocols have been configured")
	}
	slices.Sort(picked)
	for j := 1; j < len(picked); j++ {
		if picked[j] != picked[j-1]+1 {
			return 0, 0, settingErr(key, "the protocols [%s] leave out [%s]; esauth enables a contiguous range of protocol versions",
				strings.Join(names, ", "), known[picked[j-1]+1].name)
		}
	}
	return known[picked[len(picked)-1]].version, known[picked[0]].version, nil
}

// splitList reads a list setting: YAML lists arrive comma-joined, as do
// -E values.
func splitList(value string) []string {
	var out []string
	for _, v := range strings.Split(value, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// httpTLS builds the typed TLS settings, with Elasticsearch's checks of
// SSLService.validateServerConfiguration and SslConfigurationLoader.
func (s *Settings) httpTLS(configDir string) (TLSConfig, error) {
	const p = httpSSLPrefix
	enabled, err := parseBool(p+"enabled", s.Get(p+"enabled"))
	if err != nil {
		return TLSConfig{}, err
	}
	if !s.IsSet(p + "enabled") {
		// Certificates configured without enabling TLS are almost always a
		// forgotten "enabled: true"; serving clear text would hide that.
		if given := s.Matching(p + "<name>"); len(given) > 0 {
			return TLSConfig{}, fmt.Errorf("invalid configuration for xpack.security.http.ssl - [%senabled] is not set, "+
				"but the following settings have been configured: [%s]", p, strings.Join(given, ","))
		}
	}
	c := TLSConfig{
		Enabled:              true,
		Certificate:          resolveConfigPath(configDir, s.Get(p+"certificate")),
		Key:                  resolveConfigPath(configDir, s.Get(p+"key")),
		ClientAuthentication: strings.ToLower(s.Get(p + "client_authentication")),
		VerificationMode:     strings.ToLower(s.Get(p + "verification_mode")),
	}
	// Elasticsearch loads every SSL configuration, enabled or not, so a
	// key without its certificate is an error either way.
	const loadErr = "failed to load SSL configuration [xpack.security.http.ssl] - "
	switch {
	case c.Certificate != "" && c.Key == "":
		return TLSConfig{}, fmt.Errorf(loadErr+"cannot specify [%scertificate] without also setting [%skey]", p, p)
	case c.Key != "" && c.Certificate == "":
		return TLSConfig{}, fmt.Errorf(loadErr+"cannot specify [%skey] without also setting [%scertificate]", p, p)
	}
	if !enabled {
		return TLSConfig{}, nil
	}
	if c.Certificate == "" {
		return TLSConfig{}, fmt.Errorf("invalid SSL configuration for xpack.security.http.ssl - server ssl configuration requires a key and certificate, "+
			"but these have not been configured; you must set both [%skey] and [%scertificate]", p, p)
	}
	for _, ca := range splitList(s.Get(p + "certificate_authorities")) {
		c.CertificateAuthorities = append(c.CertificateAuthorities, resolveConfigPath(configDir, ca))
	}
	if c.MinVersion, c.MaxVersion, err = parseProtocols(p+"supported_protocols", s.Get(p+"supported_protocols")); err != nil {
		return TLSConfig{}, err
	}
	return c, nil
}

// resolveConfigPath resolves a relative path against the configuration
// directory, as Elasticsearch resolves SSL files against its config dir.
func resolveConfigPath(configDir, path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(configDir, path)
}
