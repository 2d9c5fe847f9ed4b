package config

import (
	"strconv"
	"time"

	"github.com/esauth/esauth/internal/passhash"
)

// Service token settings, Elasticsearch's names and defaults
// (XPackSettings.SERVICE_TOKEN_HASHING_ALGORITHM,
// CachingServiceAccountTokenStore.CACHE_*_SETTING).
const (
	KeyServiceTokenHashing       = "xpack.security.authc.service_token_hashing.algorithm"
	keyServiceTokenCachePrefix   = "xpack.security.authc.service_token.cache."
	keyServiceTokenCacheTTL      = keyServiceTokenCachePrefix + "ttl"
	keyServiceTokenCacheMax      = keyServiceTokenCachePrefix + "max_tokens"
	keyServiceTokenCacheHashAlgo = keyServiceTokenCachePrefix + "hash_algo"
)

// ServiceAccountConfig are the service token settings.
type ServiceAccountConfig struct {
	// TokenHasher hashes new tokens' secrets, for the service_tokens file
	// and the store alike; only the bcrypt and pbkdf2 families are allowed,
	// as for passwords.
	TokenHasher passhash.Hasher
	// CacheTTL is how long a verified token is remembered after it was
	// verified; 0 or -1 turns the cache off.
	CacheTTL time.Duration
	// CacheMaxTokens bounds the tokens remembered; 0 or less turns the
	// cache off.
	CacheMaxTokens int
	// CacheHasher is the fast hash the cache keeps of each secret.
	CacheHasher passhash.Hasher
}

func serviceAccountSettings() []setting {
	return []setting{
		{key: KeyServiceTokenHashing, def: "pbkdf2_stretch", validate: validateHashAlgorithm},
		{key: keyServiceTokenCacheTTL, def: "20m", validate: validateTimeValue},
		{key: keyServiceTokenCacheMax, def: "100000", validate: validateInt},
		{key: keyServiceTokenCacheHashAlgo, def: "ssha256", validate: validateCacheHash},
	}
}

func (s *Settings) serviceAccountConfig() (ServiceAccountConfig, error) {
	var c ServiceAccountConfig
	var err error
	if c.TokenHasher, err = passhash.ResolveStored(s.Get(KeyServiceTokenHashing)); err != nil {
		return c, err
	}
	if c.CacheTTL, err = parseTimeValue(keyServiceTokenCacheTTL, s.Get(keyServiceTokenCacheTTL)); err != nil {
		return c, err
	}
	if c.CacheMaxTokens, err = strconv.Atoi(s.Get(keyServiceTokenCacheMax)); err != nil {
		return c, err
	}
	if c.CacheHasher, err = passhash.ResolveCache(s.Get(keyServiceTokenCacheHashAlgo)); err != nil {
		return c, err
	}
	return c, nil
}
