package config

import (
	"fmt"
	"strconv"
	"time"

	"github.com/esauth/esauth/internal/lockout"
)

const lockoutPrefix = "esauth.security.lockout."

// keyTrustedProxies lists the proxies whose X-Forwarded-For names the
// client whose failures count.
const keyTrustedProxies = "esauth.security.trusted_proxies"

// LockoutConfig are the esauth.security.lockout.* settings: how many
// failed logins block a username or a client address, and for how long.
type LockoutConfig struct {
	Enabled bool
	// MaxAttempts failures of one username within Window block it.
	MaxAttempts int
	// IPMaxAttempts failures from one client address within Window block
	// the address; 0 blocks no address.
	IPMaxAttempts int
	// Window is how long a run of failures counts, from its first failure.
	Window time.Duration
	// Duration is how long a block lasts.
	Duration time.Duration
}

// lockoutSettings are esauth's own: Elasticsearch has no lockout.
//
// Lockout is on by default, as in Vault (1.13+). Every request carries
// credentials, so without it a password can be guessed as fast as the
// server hashes, and Elasticsearch offers nothing to stop that. The price
// is that anyone who knows a username can keep it blocked with a few
// wrong passwords per window; an administrator can lift a block, and a
// deployment that prefers that risk to guessing can turn lockout off.
//
// The address limit is ten times the username limit because many users
// may share one address (NAT, a proxy, a CI runner pool). Where they all
// do, 0 turns address blocking off.
func lockoutSettings() []setting {
	return []setting{
		{key: lockoutPrefix + "enabled", def: "true", validate: validateBool},
		{key: lockoutPrefix + "max_attempts", def: "5", validate: validatePositiveInt},
		{key: lockoutPrefix + "ip.max_attempts", def: "50", validate: validateIPMaxAttempts},
		{key: lockoutPrefix + "window", def: "15m", validate: validatePositiveTime},
		{key: lockoutPrefix + "duration", def: "15m", validate: validatePositiveTime},
		{key: keyTrustedProxies, validate: validateTrustedProxies},
	}
}

func validatePositiveInt(key, value string) error {
	if n, err := strconv.Atoi(value); err != nil || n < 1 {
		return fmt.Errorf("setting [%s]: [%s] must be a whole number of at least 1", key, value)
	}
	return nil
}

func validateIPMaxAttempts(key, value string) error {
	if n, err := strconv.Atoi(value); err != nil || n < 0 {
		return settingErr(key, "[%s] must be a whole number of at least 0 (0 turns address blocking off)", value)
	}
	return nil
}

func validateTrustedProxies(key, value string) error {
	_, err := parseTrustedProxies(key, value)
	return err
}

// parseTrustedProxies reads the list one entry at a time, so that an
// error names the entry in the settings' own words.
func parseTrustedProxies(key, value string) (lockout.TrustedProxies, error) {
	entries := splitList(value)
	for _, e := range entries {
		if _, err := lockout.ParseTrustedProxies([]string{e}); err != nil {
			return lockout.TrustedProxies{}, settingErr(key, "[%s] is not an IP address or a CIDR prefix such as [10.0.0.0/8] "+
				"(host names, ports and IPv6 zones are not allowed)", e)
		}
	}
	return lockout.ParseTrustedProxies(entries)
}

// validatePositiveTime refuses 0 and -1, which Elasticsearch's time values
// allow: a zero window or block would silently turn lockout off.
func validatePositiveTime(key, value string) error {
	d, err := parseTimeValue(key, value)
	if err != nil {
		return err
	}
	if d <= 0 {
		return fmt.Errorf("setting [%s]: [%s] must be a positive time value such as [15m]", key, value)
	}
	return nil
}

func (s *Settings) lockoutConfig() (LockoutConfig, error) {
	var c LockoutConfig
	var err error
	if c.Enabled, err = parseBool(lockoutPrefix+"enabled", s.Get(lockoutPrefix+"enabled")); err != nil {
		return c, err
	}
	// The rest was validated at load.
	c.MaxAttempts, _ = strconv.Atoi(s.Get(lockoutPrefix + "max_attempts"))
	c.IPMaxAttempts, _ = strconv.Atoi(s.Get(lockoutPrefix + "ip.max_attempts"))
	if c.Window, err = parseTimeValue(lockoutPrefix+"window", s.Get(lockoutPrefix+"window")); err != nil {
		return c, err
	}
	if c.Duration, err = parseTimeValue(lockoutPrefix+"duration", s.Get(lockoutPrefix+"duration")); err != nil {
		return c, err
	}
	return c, nil
}

func (s *Settings) trustedProxies() (lockout.TrustedProxies, error) {
	return parseTrustedProxies(keyTrustedProxies, s.Get(keyTrustedProxies))
}
