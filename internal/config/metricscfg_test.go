package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMetricsConfig(t *testing.T) {
	load := func(overrides ...string) (MetricsConfig, error) {
		return loadMetrics("", overrides...)
	}
	for _, addr := range []string{"127.0.0.1:9464", "[::1]:9464", ":9464", "metrics.internal:0", "localhost:65535"} {
		if c, err := load("esauth.metrics.address=" + addr); err != nil || c.Address != addr {
			t.Errorf("%q: %+v, %v", addr, c, err)
		}
	}
	if c, err := load(); err != nil || c.Address != "" {
		t.Errorf("default: %+v, %v; want off", c, err)
	}
	// -E refuses empty values; a settings file may turn metrics off with one.
	file := filepath.Join(t.TempDir(), "esauth.yml")
	if err := os.WriteFile(file, []byte("esauth.metrics.address: \"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := loadMetrics(file); err != nil || c.Address != "" {
		t.Errorf("empty in a file: %+v, %v; want off", c, err)
	}
	for _, tt := range []struct{ value, want string }{
		{"9464", "is not a host:port address"},
		{"127.0.0.1", "is not a host:port address"},
		{"::1:9464", "is not a host:port address"},
		{"127.0.0.1:", "no valid port"},
		{"127.0.0.1:65536", "no valid port"},
		{"127.0.0.1:+80", "no valid port"},
		{"127.0.0.1:-1", "no valid port"},
		{"127.0.0.1:http", "no valid port"},
		{"bad host!:9464", "[bad host!] is not an IP address or a host name"},
	} {
		_, err := load("esauth.metrics.address=" + tt.value)
		if err == nil || !strings.Contains(err.Error(), "setting [esauth.metrics.address]: ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want an error containing %q", tt.value, err, tt.want)
		}
	}
}

func loadMetrics(file string, overrides ...string) (MetricsConfig, error) {
	s, err := Load(file, overrides, func(string) (string, bool) { return "", false })
	if err != nil {
		return MetricsConfig{}, err
	}
	c, err := s.Config()
	return c.Metrics, err
}
