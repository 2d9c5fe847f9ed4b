package config

import (
	"fmt"
	"strconv"
	"time"

	"github.com/esauth/esauth/internal/passhash"
)

const apiKeyPrefix = "xpack.security.authc.api_key."

// Setting names of the API key service, as Elasticsearch names them
// (ApiKeyService), plus esauth's own flush interval for last use.
const (
	keyAPIKeyEnabled     = apiKeyPrefix + "enabled"
	keyAPIKeyHashing     = apiKeyPrefix + "hashing.algorithm"
	keyAPIKeyCacheTTL    = apiKeyPrefix + "cache.ttl"
	keyAPIKeyCacheMax    = apiKeyPrefix + "cache.max_keys"
	keyAPIKeyCacheHash   = apiKeyPrefix + "cache.hash_algo"
	keyAPIKeyDocCacheTTL = apiKeyPrefix + "doc_cache.ttl"
	keyAPIKeyRetention   = apiKeyPrefix + "delete.retention_period"
	keyAPIKeyDeleteEvery = apiKeyPrefix + "delete.interval"
	keyAPIKeyDeleteTO    = apiKeyPrefix + "delete.timeout"
	keyAPIKeyLastUsed    = "esauth.security.authc.api_key.last_used.flush_interval"
)

// maxAPIKeyDocCacheTTL is DOC_CACHE_TTL_SETTING's upper bound.
const maxAPIKeyDocCacheTTL = 15 * time.Minute

// APIKeyConfig are the xpack.security.authc.api_key.* settings.
type APIKeyConfig struct {
	// Enabled turns the API key service on (api_key.enabled).
	Enabled bool
	// Hasher hashes new secrets (hashing.algorithm). Stored hashes are
	// always verified with the algorithm their prefix names.
	Hasher passhash.Hasher
	// CacheTTL, CacheMaxKeys and CacheHasher are the verified-secret
	// cache (cache.ttl, cache.max_keys, cache.hash_algo); a TTL <= 0
	// turns the secret cache and the document cache off.
	CacheTTL     time.Duration
	CacheMaxKeys int
	CacheHasher  passhash.Hasher
	// DocCacheTTL bounds how long a key's document is reused without
	// reading the store (doc_cache.ttl, 0 to 15m; 0 turns it off).
	DocCacheTTL time.Duration
	// RetentionPeriod is how long invalidated and expired keys are kept
	// before removal (delete.retention_period).
	RetentionPeriod time.Duration
	// DeleteInterval is the least time between two removals
	// (delete.interval).
	DeleteInterval time.Duration
	// LastUsedFlushInterval is how often each key's last use is written
	// to the store (esauth's own).
	LastUsedFlushInterval time.Duration
}

// apiKeySettings: the defaults are Elasticsearch 8.x's. hashing.algorithm
// is pbkdf2 and accepts only the stored-password algorithms, as in 8.x
// (9.x moved to ssha256); cache.max_keys is the code's 25000, not the
// 10000 the documentation still states.
func apiKeySettings() []setting {
	return []setting{
		{key: keyAPIKeyEnabled, def: "true", validate: validateBool},
		{key: keyAPIKeyHashing, def: "pbkdf2", validate: validateHashAlgorithm},
		{key: keyAPIKeyCacheTTL, def: "24h", validate: validateTimeValue},
		{key: keyAPIKeyCacheMax, def: "25000", validate: validateInt},
		{key: keyAPIKeyCacheHash, def: "ssha256", validate: validateCacheHash},
		{key: keyAPIKeyDocCacheTTL, def: "5m", validate: validateAPIKeyDocCacheTTL},
		{key: keyAPIKeyRetention, def: "7d", validate: validateAPIKeyRetention},
		{key: keyAPIKeyDeleteEvery, def: "24h", validate: validateTimeValue},
		{key: keyAPIKeyDeleteTO, def: "-1", validate: validateTimeValue},
		{key: keyAPIKeyLastUsed, def: "30s", validate: validatePositiveTime},
	}
}

// validateAPIKeyDocCacheTTL is Setting.timeSetting's min/max check.
func validateAPIKeyDocCacheTTL(key, value string) error {
	d, err := parseTimeValue(key, value)
	if err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("failed to parse value [%s] for setting [%s] must be >= 0s", value, key)
	}
	if d > maxAPIKeyDocCacheTTL {
		return fmt.Errorf("failed to parse value [%s] for setting [%s] must be <= 15m", value, key)
	}
	return nil
}

// validateAPIKeyRetention is Setting.positiveTimeSetting's check.
func validateAPIKeyRetention(key, value string) error {
	d, err := parseTimeValue(key, value)
	if err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("failed to parse value [%s] for setting [%s] must be >= 0s", value, key)
	}
	return nil
}

func (s *Settings) apiKeyConfig() (APIKeyConfig, error) {
	var c APIKeyConfig
	var err error
	if c.Enabled, err = parseBool(keyAPIKeyEnabled, s.Get(keyAPIKeyEnabled)); err != nil {
		return c, err
	}
	if c.Hasher, err = passhash.ResolveStored(s.Get(keyAPIKeyHashing)); err != nil {
		return c, err
	}
	if c.CacheHasher, err = passhash.ResolveCache(s.Get(keyAPIKeyCacheHash)); err != nil {
		return c, err
	}
	if c.CacheMaxKeys, err = strconv.Atoi(s.Get(keyAPIKeyCacheMax)); err != nil {
		return c, fmt.Errorf("Failed to parse value [%s] for setting [%s]", s.Get(keyAPIKeyCacheMax), keyAPIKeyCacheMax)
	}
	for _, d := range []struct {
		key string
		dst *time.Duration
	}{
		{keyAPIKeyCacheTTL, &c.CacheTTL}, {keyAPIKeyDocCacheTTL, &c.DocCacheTTL}, {keyAPIKeyRetention, &c.RetentionPeriod},
		{keyAPIKeyDeleteEvery, &c.DeleteInterval}, {keyAPIKeyLastUsed, &c.LastUsedFlushInterval},
	} {
		if *d.dst, err = parseTimeValue(d.key, s.Get(d.key)); err != nil {
			return c, err
		}
	}
	return c, nil
}
