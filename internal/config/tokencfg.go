package config

import (
	"fmt"
	"time"
)

// Setting names of the token service, as Elasticsearch names them
// (XPackSettings.TOKEN_SERVICE_ENABLED_SETTING, TokenService.TOKEN_EXPIRATION,
// TokenService.DELETE_INTERVAL).
const (
	keyTokenEnabled     = "xpack.security.authc.token.enabled"
	keyTokenTimeout     = "xpack.security.authc.token.timeout"
	keyTokenDeleteEvery = "xpack.security.authc.token.delete.interval"
	keyTokenDeleteTO    = "xpack.security.authc.token.delete.timeout"
)

// TOKEN_EXPIRATION's bounds.
const (
	minTokenTimeout = time.Second
	maxTokenTimeout = time.Hour
)

// TokenConfig are the xpack.security.authc.token.* settings.
type TokenConfig struct {
	// Enabled turns the token service on (token.enabled). Its default is
	// xpack.security.http.ssl.enabled: tokens are bearer credentials, so
	// they are only handed out over HTTPS unless asked for.
	Enabled bool
	// Timeout is how long an access token lives (token.timeout, 1s to 1h).
	Timeout time.Duration
	// DeleteInterval is how often expired token documents are looked for
	// (token.delete.interval).
	DeleteInterval time.Duration
}

// tokenSettings: enabled has no fixed default, it follows
// xpack.security.http.ssl.enabled (tokenConfig); "false" is the table's
// placeholder, never read.
func tokenSettings() []setting {
	return []setting{
		{key: keyTokenEnabled, def: "false", validate: validateBool},
		{key: keyTokenTimeout, def: "20m", validate: validateTokenTimeout},
		{key: keyTokenDeleteEvery, def: "30m", validate: validateTimeValue},
		{key: keyTokenDeleteTO, def: "-1", validate: validateTimeValue},
	}
}

// validateTokenTimeout is Setting.timeSetting's min/max check, with its
// messages.
func validateTokenTimeout(key, value string) error {
	d, err := parseTimeValue(key, value)
	if err != nil {
		return err
	}
	if d < minTokenTimeout {
		return fmt.Errorf("failed to parse value [%s] for setting [%s] must be >= 1s", value, key)
	}
	if d > maxTokenTimeout {
		return fmt.Errorf("failed to parse value [%s] for setting [%s] must be <= 1h", value, key)
	}
	return nil
}

func (s *Settings) tokenConfig(httpTLS bool) (TokenConfig, error) {
	c := TokenConfig{Enabled: httpTLS}
	var err error
	if s.IsSet(keyTokenEnabled) {
		if c.Enabled, err = parseBool(keyTokenEnabled, s.Get(keyTokenEnabled)); err != nil {
			return c, err
		}
	}
	if c.Timeout, err = parseTimeValue(keyTokenTimeout, s.Get(keyTokenTimeout)); err != nil {
		return c, err
	}
	if c.DeleteInterval, err = parseTimeValue(keyTokenDeleteEvery, s.Get(keyTokenDeleteEvery)); err != nil {
		return c, err
	}
	return c, nil
}
