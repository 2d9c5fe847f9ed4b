package config

import (
	"fmt"
	"strconv"
	"time"
)

const lockoutPrefix = "esauth.security.lockout."

// LockoutConfig are the esauth.security.lockout.* settings: how many
// failed logins block a username or a client address, and for how long.
type LockoutConfig struct {
	Enabled bool
	// MaxAttempts failures of one username within Window block it.
	MaxAttempts int
	// IPMaxAttempts failures from one client address within Window block
	// the address.
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
// may share one address (NAT, a proxy, a CI runner pool).
func lockoutSettings() []setting {
	return []setting{
		{key: lockoutPrefix + "enabled", def: "true", validate: validateBool},
		{key: lockoutPrefix + "max_attempts", def: "5", validate: validatePositiveInt},
		{key: lockoutPrefix + "ip.max_attempts", def: "50", validate: validatePositiveInt},
		{key: lockoutPrefix + "window", def: "15m", validate: validatePositiveTime},
		{key: lockoutPrefix + "duration", def: "15m", validate: validatePositiveTime},
	}
}

func validatePositiveInt(key, value string) error {
	if n, err := strconv.Atoi(value); err != nil || n < 1 {
		return fmt.Errorf("setting [%s]: [%s] must be a whole number of at least 1", key, value)
	}
	return nil
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
