package config

import (
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/passhash"
)

func TestAPIKeyConfig(t *testing.T) {
	load := func(overrides ...string) (APIKeyConfig, error) {
		s, err := Load("", overrides, func(string) (string, bool) { return "", false })
		if err != nil {
			return APIKeyConfig{}, err
		}
		c, err := s.Config()
		return c.APIKey, err
	}
	got, err := load()
	if err != nil {
		t.Fatal(err)
	}
	pbkdf2, _ := passhash.Resolve("pbkdf2")
	ssha, _ := passhash.Resolve("ssha256")
	want := APIKeyConfig{Enabled: true, Hasher: pbkdf2, CacheTTL: 24 * time.Hour, CacheMaxKeys: 25000, CacheHasher: ssha,
		DocCacheTTL: 5 * time.Minute, RetentionPeriod: 7 * 24 * time.Hour, DeleteInterval: 24 * time.Hour, LastUsedFlushInterval: 30 * time.Second}
	if got != want {
		t.Errorf("defaults: got %+v, want %+v", got, want)
	}

	got, err = load("xpack.security.authc.api_key.enabled=false", "xpack.security.authc.api_key.hashing.algorithm=bcrypt4",
		"xpack.security.authc.api_key.cache.ttl=0", "xpack.security.authc.api_key.cache.max_keys=10",
		"xpack.security.authc.api_key.cache.hash_algo=sha1", "xpack.security.authc.api_key.doc_cache.ttl=15m",
		"xpack.security.authc.api_key.delete.retention_period=1d", "xpack.security.authc.api_key.delete.interval=1h",
		"esauth.security.authc.api_key.last_used.flush_interval=5s")
	if err != nil {
		t.Fatal(err)
	}
	bcrypt4, _ := passhash.Resolve("bcrypt4")
	sha1, _ := passhash.Resolve("sha1")
	want = APIKeyConfig{Enabled: false, Hasher: bcrypt4, CacheTTL: 0, CacheMaxKeys: 10, CacheHasher: sha1,
		DocCacheTTL: 15 * time.Minute, RetentionPeriod: 24 * time.Hour, DeleteInterval: time.Hour, LastUsedFlushInterval: 5 * time.Second}
	if got != want {
		t.Errorf("overrides: got %+v, want %+v", got, want)
	}

	for _, tt := range []struct{ override, want string }{
		{"xpack.security.authc.api_key.enabled=yes", "only [true] or [false] are allowed"},
		{"xpack.security.authc.api_key.hashing.algorithm=ssha256", "Invalid algorithm: ssha256. Valid values for password hashing are ["},
		{"xpack.security.authc.api_key.cache.max_keys=many", "Failed to parse value [many] for setting [xpack.security.authc.api_key.cache.max_keys]"},
		{"xpack.security.authc.api_key.cache.hash_algo=nope", "unknown hash function [nope]"},
		{"xpack.security.authc.api_key.cache.ttl=1", "unit is missing or unrecognized"},
		{"xpack.security.authc.api_key.doc_cache.ttl=16m", "must be <= 15m"},
		{"xpack.security.authc.api_key.delete.retention_period=-1", "must be >= 0s"},
		{"esauth.security.authc.api_key.last_used.flush_interval=0", "must be a positive time value"},
	} {
		if _, err := load(tt.override); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.override, err, tt.want)
		}
	}
}
