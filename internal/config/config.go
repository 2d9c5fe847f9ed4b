package config

import (
	"fmt"
	"strconv"
	"time"

	"github.com/esauth/esauth/internal/lockout"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/user"
)

// Setting names the server reads, so a typo is a compile error rather than
// a setting that silently keeps its default.
const (
	KeyClusterName          = "cluster.name"
	KeyNodeName             = "node.name"
	KeyPathData             = "path.data"
	KeyPathLogs             = "path.logs"
	KeyHTTPHost             = "http.host"
	KeyHTTPPort             = "http.port"
	KeyMaxContentLength     = "http.max_content_length"
	KeySecurityEnabled      = "xpack.security.enabled"
	KeyPasswordHashing      = "xpack.security.authc.password_hashing.algorithm"
	KeyReservedRealmEnabled = "xpack.security.authc.reserved_realm.enabled"
)

// Config is the typed view of the settings the server needs at start-up.
type Config struct {
	// HTTPHost is the address to bind: an IP literal or host name, with
	// _local_ already turned into 127.0.0.1.
	HTTPHost string
	// HTTPPortLow and HTTPPortHigh bound the ports to try, in order; they
	// are equal when http.port names one port.
	HTTPPortLow, HTTPPortHigh int
	// PathData and PathLogs are as given; relative paths are relative to
	// the working directory.
	PathData, PathLogs string
	ClusterName        string
	NodeName           string
	// PasswordHasher hashes stored passwords with
	// xpack.security.authc.password_hashing.algorithm.
	PasswordHasher       passhash.Hasher
	ReservedRealmEnabled bool
	// MaxContentLength is the largest request body accepted, in bytes.
	MaxContentLength int64
	// Realms is the realm chain after the reserved realm, in order.
	Realms []RealmConfig
	// Anonymous configures access without credentials.
	Anonymous Anonymous
	// Store chooses the storage backend (esauth.store.*).
	Store StoreConfig
	// PasswordPolicy checks new clear-text passwords.
	PasswordPolicy user.PasswordPolicy
	// MaxConcurrentHashes caps concurrent slow password verifications;
	// 0 means one core fewer than the machine has.
	MaxConcurrentHashes int
	// FailedCacheTTL is how long a failed attempt's keyed digest is kept so
	// that the same wrong credentials do not run the slow hash again.
	FailedCacheTTL time.Duration
	// HTTPTLS configures HTTPS on the REST listener
	// (xpack.security.http.ssl.*).
	HTTPTLS TLSConfig
	// Lockout blocks usernames and client addresses after repeated failed
	// logins (esauth.security.lockout.*).
	Lockout LockoutConfig
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the client (esauth.security.trusted_proxies); none by default.
	TrustedProxies lockout.TrustedProxies
	// Gateway is the cluster esauth guards; without esauth.gateway.upstream
	// esauth runs standalone.
	Gateway GatewayConfig
	// APIKey configures the API key service (xpack.security.authc.api_key.*).
	APIKey APIKeyConfig
	// ServiceAccount configures service account tokens
	// (xpack.security.authc.service_token*).
	ServiceAccount ServiceAccountConfig
	// Token configures the token service (xpack.security.authc.token.*).
	Token TokenConfig
	// Audit configures the audit log (xpack.security.audit.*,
	// esauth.audit.*); AuditOptions turns it into audit.Options.
	Audit AuditConfig
	// Metrics configures the Prometheus metrics listener (esauth.metrics.*).
	Metrics MetricsConfig
	// ConfigDir is the directory holding the settings file (Elasticsearch's
	// path.conf), where other configuration files are looked up; "config"
	// when no file was given.
	ConfigDir string
}

// Config returns the typed view. Settings from Load are already valid, so
// an error here means a Settings not built by Load.
func (s *Settings) Config() (Config, error) {
	if s.table == nil {
		return Config{}, fmt.Errorf("config: Settings not created by Load")
	}
	c := Config{
		HTTPHost:    resolveHTTPHost(s.Get(KeyHTTPHost)),
		PathData:    s.Get(KeyPathData),
		PathLogs:    s.Get(KeyPathLogs),
		ClusterName: s.Get(KeyClusterName),
		NodeName:    s.Get(KeyNodeName),
		ConfigDir:   s.configDir,
	}
	if s.IsSet("path.conf") {
		c.ConfigDir = s.Get("path.conf")
	}
	var err error
	if c.HTTPPortLow, c.HTTPPortHigh, err = parsePortRange(KeyHTTPPort, s.Get(KeyHTTPPort)); err != nil {
		return Config{}, err
	}
	if c.MaxContentLength, err = parseBoundedByteSize(KeyMaxContentLength, s.Get(KeyMaxContentLength), 0, maxContentLength); err != nil {
		return Config{}, err
	}
	if c.ReservedRealmEnabled, err = parseBool(KeyReservedRealmEnabled, s.Get(KeyReservedRealmEnabled)); err != nil {
		return Config{}, err
	}
	if c.PasswordHasher, err = passhash.ResolveStored(s.Get(KeyPasswordHashing)); err != nil {
		return Config{}, err
	}
	if c.Realms, err = s.realms(); err != nil {
		return Config{}, err
	}
	if c.Anonymous, err = s.anonymous(); err != nil {
		return Config{}, err
	}
	if c.Store, err = s.storeConfig(); err != nil {
		return Config{}, err
	}
	if c.PasswordPolicy, err = s.passwordPolicy(); err != nil {
		return Config{}, err
	}
	if c.HTTPTLS, err = s.httpTLS(c.ConfigDir); err != nil {
		return Config{}, err
	}
	if c.Lockout, err = s.lockoutConfig(); err != nil {
		return Config{}, err
	}
	if c.TrustedProxies, err = s.trustedProxies(); err != nil {
		return Config{}, err
	}
	if c.Gateway, err = s.gatewayConfig(c.ConfigDir); err != nil {
		return Config{}, err
	}
	if c.APIKey, err = s.apiKeyConfig(); err != nil {
		return Config{}, err
	}
	if c.ServiceAccount, err = s.serviceAccountConfig(); err != nil {
		return Config{}, err
	}
	if c.Token, err = s.tokenConfig(c.HTTPTLS.Enabled); err != nil {
		return Config{}, err
	}
	if c.Audit, err = s.auditConfig(); err != nil {
		return Config{}, err
	}
	c.Metrics = s.metricsConfig()
	c.MaxConcurrentHashes, _ = strconv.Atoi(s.Get(keyMaxConcurrentHashes)) // validated at load
	c.FailedCacheTTL, _ = parseTimeValue(keyFailedCacheTTL, s.Get(keyFailedCacheTTL))
	return c, nil
}
