package config

import (
	"strings"
	"testing"
	"time"
)

func TestTokenConfig(t *testing.T) {
	load := func(overrides ...string) (TokenConfig, error) {
		s, err := Load("", overrides, func(string) (string, bool) { return "", false })
		if err != nil {
			return TokenConfig{}, err
		}
		c, err := s.Config()
		return c.Token, err
	}
	for _, tt := range []struct {
		overrides []string
		want      TokenConfig
	}{
		// Off on plain HTTP by default, on with HTTPS, as Elasticsearch.
		{nil, TokenConfig{Enabled: false, Timeout: 20 * time.Minute, DeleteInterval: 30 * time.Minute}},
		{[]string{"xpack.security.http.ssl.enabled=true", "xpack.security.http.ssl.certificate=c.pem", "xpack.security.http.ssl.key=k.pem"},
			TokenConfig{Enabled: true, Timeout: 20 * time.Minute, DeleteInterval: 30 * time.Minute}},
		{[]string{"xpack.security.http.ssl.enabled=true", "xpack.security.http.ssl.certificate=c.pem", "xpack.security.http.ssl.key=k.pem",
			"xpack.security.authc.token.enabled=false"}, TokenConfig{Enabled: false, Timeout: 20 * time.Minute, DeleteInterval: 30 * time.Minute}},
		{[]string{"xpack.security.authc.token.enabled=true", "xpack.security.authc.token.timeout=1s", "xpack.security.authc.token.delete.interval=1h"},
			TokenConfig{Enabled: true, Timeout: time.Second, DeleteInterval: time.Hour}},
		{[]string{"xpack.security.authc.token.timeout=1h"}, TokenConfig{Timeout: time.Hour, DeleteInterval: 30 * time.Minute}},
	} {
		got, err := load(tt.overrides...)
		if err != nil || got != tt.want {
			t.Errorf("%v: got %+v %v, want %+v", tt.overrides, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ override, want string }{
		{"xpack.security.authc.token.enabled=yes", "Failed to parse value [yes] as only [true] or [false] are allowed."},
		{"xpack.security.authc.token.timeout=999ms", "failed to parse value [999ms] for setting [xpack.security.authc.token.timeout] must be >= 1s"},
		{"xpack.security.authc.token.timeout=61m", "failed to parse value [61m] for setting [xpack.security.authc.token.timeout] must be <= 1h"},
		{"xpack.security.authc.token.timeout=20", "unit is missing or unrecognized"},
		{"xpack.security.authc.token.delete.interval=x", "unit is missing or unrecognized"},
		{"xpack.security.authc.token.timout=1m", "unknown setting [xpack.security.authc.token.timout] did you mean any of [xpack.security.authc.token.timeout, "},
	} {
		if _, err := load(tt.override); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.override, err, tt.want)
		}
	}
}
