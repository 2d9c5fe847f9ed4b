package config

import (
	"strings"
	"testing"
	"time"
)

func loadServiceAccount(overrides ...string) (ServiceAccountConfig, error) {
	s, err := Load("", overrides, func(string) (string, bool) { return "", false })
	if err != nil {
		return ServiceAccountConfig{}, err
	}
	c, err := s.Config()
	return c.ServiceAccount, err
}

func TestServiceAccountConfig(t *testing.T) {
	c, err := loadServiceAccount()
	if err != nil {
		t.Fatal(err)
	}
	if c.TokenHasher.Name() != "pbkdf2_stretch" || c.CacheTTL != 20*time.Minute || c.CacheMaxTokens != 100000 || c.CacheHasher.Name() != "ssha256" {
		t.Errorf("defaults: %v %v %v %v", c.TokenHasher, c.CacheTTL, c.CacheMaxTokens, c.CacheHasher)
	}
	c, err = loadServiceAccount(
		"xpack.security.authc.service_token_hashing.algorithm=BCRYPT12",
		"xpack.security.authc.service_token.cache.ttl=-1",
		"xpack.security.authc.service_token.cache.max_tokens=5",
		"xpack.security.authc.service_token.cache.hash_algo=pbkdf2_1000",
	)
	if err != nil {
		t.Fatal(err)
	}
	if c.TokenHasher.Name() != "bcrypt12" || c.CacheTTL != -1 || c.CacheMaxTokens != 5 || c.CacheHasher.Name() != "pbkdf2_1000" {
		t.Errorf("set: %v %v %v %v", c.TokenHasher, c.CacheTTL, c.CacheMaxTokens, c.CacheHasher)
	}
	// A bad algorithm stops Load itself, as every setting does.
	if _, err := Load("", []string{"xpack.security.authc.service_token_hashing.algorithm=ssha256"},
		func(string) (string, bool) { return "", false }); err == nil {
		t.Error("Load accepted ssha256 for service tokens")
	}
	for _, tt := range []struct{ setting, want string }{
		// Only the stored-password algorithms, with Elasticsearch's message.
		{"xpack.security.authc.service_token_hashing.algorithm=ssha256", "Invalid algorithm: ssha256. Valid values for password hashing are [bcrypt, "},
		{"xpack.security.authc.service_token.cache.ttl=5", "failed to parse setting [xpack.security.authc.service_token.cache.ttl] with value [5] as a time value"},
		{"xpack.security.authc.service_token.cache.max_tokens=many", "Failed to parse value [many] for setting [xpack.security.authc.service_token.cache.max_tokens]"},
		{"xpack.security.authc.service_token.cache.hash_algo=rot13", "unknown hash function [rot13]"},
		{"xpack.security.authc.service_token.cache.size=5", "unknown setting [xpack.security.authc.service_token.cache.size]"},
	} {
		if _, err := loadServiceAccount(tt.setting); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.setting, err, tt.want)
		}
	}
}
