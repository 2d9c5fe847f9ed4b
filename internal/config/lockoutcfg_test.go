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

	// 0 turns address blocking off; usernames are still blocked.
	got, err = load("esauth.security.lockout.ip.max_attempts=0")
	if err != nil {
		t.Fatal(err)
	}
	want = LockoutConfig{Enabled: true, MaxAttempts: 5, IPMaxAttempts: 0, Window: 15 * time.Minute, Duration: 15 * time.Minute}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ip.max_attempts 0 (-want +got):\n%s", diff)
	}

	for _, tt := range []struct{ override, want string }{
		{"esauth.security.lockout.enabled=yes", "only [true] or [false] are allowed"},
		{"esauth.security.lockout.max_attempts=0", "[esauth.security.lockout.max_attempts]: [0] must be a whole number of at least 1"},
		{"esauth.security.lockout.ip.max_attempts=ten", "[esauth.security.lockout.ip.max_attempts]: [ten] must be a whole number of at least 0 (0 turns address blocking off)"},
		{"esauth.security.lockout.ip.max_attempts=-1", "[esauth.security.lockout.ip.max_attempts]: [-1] must be a whole number of at least 0 (0 turns address blocking off)"},
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

func TestTrustedProxies(t *testing.T) {
	load := func(file string, overrides ...string) (Config, error) {
		t.Helper()
		s, err := Load(file, overrides, func(string) (string, bool) { return "", false })
		if err != nil {
			return Config{}, err
		}
		return s.Config()
	}
	// client is the address the proxies make of a request from remote
	// that names 203.0.113.9 as its client.
	client := func(c Config, remote string) string {
		return c.TrustedProxies.Client(remote, []string{"198.51.100.1, 203.0.113.9"})
	}
	c, err := load("")
	if err != nil {
		t.Fatal(err)
	}
	if got := client(c, "10.0.0.7:4711"); got != "10.0.0.7:4711" {
		t.Errorf("by default X-Forwarded-For is believed from nobody; got %s", got)
	}

	c, err = load("", "esauth.security.trusted_proxies=10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	for remote, want := range map[string]string{
		"10.0.0.7:4711":    "203.0.113.9",
		"192.0.2.7:4711":   "203.0.113.9",
		"192.0.2.8:4711":   "192.0.2.8:4711",
		"172.16.0.1:4711":  "172.16.0.1:4711",
		"[::1]:4711":       "[::1]:4711",
		"10.255.255.1:1":   "203.0.113.9",
		"11.0.0.1:4711":    "11.0.0.1:4711",
		"192.0.2.7:65535":  "203.0.113.9",
		"203.0.113.9:4711": "203.0.113.9:4711",
	} {
		if got := client(c, remote); got != want {
			t.Errorf("-E list, from %s: %s, want %s", remote, got, want)
		}
	}

	file := writeFile(t, "esauth.security.trusted_proxies: [ \"::1\", 2001:db8::/32 ]\n")
	if c, err = load(file); err != nil {
		t.Fatal(err)
	}
	if got := client(c, "[::1]:4711"); got != "203.0.113.9" {
		t.Errorf("YAML list, from ::1: %s", got)
	}
	if got := client(c, "10.0.0.7:4711"); got != "10.0.0.7:4711" {
		t.Errorf("YAML list, from 10.0.0.7: %s", got)
	}

	const key = "setting [esauth.security.trusted_proxies]: "
	for value, want := range map[string]string{
		"10.0.0.0/8,lb.example.com": key + "[lb.example.com] is not an IP address or a CIDR prefix such as [10.0.0.0/8] (host names, ports and IPv6 zones are not allowed)",
		"192.0.2.7:8080":            key + "[192.0.2.7:8080] is not an IP address or a CIDR prefix such as [10.0.0.0/8] (host names, ports and IPv6 zones are not allowed)",
		"10.0.0.0/33":               key + "[10.0.0.0/33] is not an IP address or a CIDR prefix such as [10.0.0.0/8] (host names, ports and IPv6 zones are not allowed)",
		"fe80::1%eth0":              key + "[fe80::1%eth0] is not an IP address or a CIDR prefix such as [10.0.0.0/8] (host names, ports and IPv6 zones are not allowed)",
	} {
		if _, err := load("", "esauth.security.trusted_proxies="+value); err == nil || err.Error() != want {
			t.Errorf("%s:\n got %v\nwant %s", value, err, want)
		}
	}
}
