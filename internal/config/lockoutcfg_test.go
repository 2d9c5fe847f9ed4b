package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLockoutConfig(t *testing.T) {
	load := func(overrides ...string) (LockoutConfig, error) {
		s, err := Load("", overrides, func(string) (string, bool) { return "", false })
		if err != nil {
			return LockoutConfig{}, err
		}
		c, err := s.Config()
		return c.Lockout, err
	}
	got, err := load()
	if err != nil {
		t.Fatal(err)
	}
	want := LockoutConfig{Enabled: true, MaxAttempts: 5, IPMaxAttempts: 50, Window: 15 * time.Minute, Duration: 15 * time.Minute}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}

	got, err = load("esauth.security.lockout.enabled=false", "esauth.security.lockout.max_attempts=3",
		"esauth.security.lockout.ip.max_attempts=200", "esauth.security.lockout.window=90s",
		"esauth.security.lockout.duration=1h")
	if err != nil {
		t.Fatal(err)
	}
	want = LockoutConfig{Enabled: false, MaxAttempts: 3, IPMaxAttempts: 200, Window: 90 * time.Second, Duration: time.Hour}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("overrides (-want +got):\n%s", diff)
	}

	for _, tt := range []struct{ override, want string }{
		{"esauth.security.lockout.enabled=yes", "only [true] or [false] are allowed"},
		{"esauth.security.lockout.max_attempts=0", "[esauth.security.lockout.max_attempts]: [0] must be a whole number of at least 1"},
		{"esauth.security.lockout.ip.max_attempts=ten", "must be a whole number of at least 1"},
		{"esauth.security.lockout.window=15", "unit is missing or unrecognized"},
		{"esauth.security.lockout.window=0", "must be a positive time value"},
		{"esauth.security.lockout.duration=-1", "must be a positive time value"},
		{"esauth.security.lockout.max_attempt=5", "unknown setting [esauth.security.lockout.max_attempt]"},
	} {
		if _, err := load(tt.override); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error containing %q", tt.override, err, tt.want)
		}
	}
}
