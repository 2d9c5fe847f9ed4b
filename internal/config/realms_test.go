package config

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func realmsFrom(t *testing.T, overrides ...string) ([]RealmConfig, error) {
	t.Helper()
	s, err := Load("", overrides, func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, err
	}
	c, err := s.Config()
	return c.Realms, err
}

// chain summarises realms as "type/name@order" for comparison.
func chain(rs []RealmConfig) []string {
	var out []string
	for _, r := range rs {
		o := "min"
		if r.Order != math.MinInt32 {
			o = strconv.Itoa(r.Order)
		}
		out = append(out, r.Type+"/"+r.Name+"@"+o)
	}
	return out
}

func TestRealmChain(t *testing.T) {
	tests := []struct {
		name      string
		overrides []string
		want      []string
	}{
		{"defaults", nil, []string{"file/default_file@min", "native/default_native@min"}},
		{"configured native", []string{"xpack.security.authc.realms.native.users.order=3"},
			[]string{"file/default_file@min", "native/users@3"}},
		{"both configured, file second", []string{
			"xpack.security.authc.realms.native.n1.order=0", "xpack.security.authc.realms.file.f1.order=1"},
			[]string{"native/n1@0", "file/f1@1"}},
		{"file disabled", []string{"xpack.security.authc.realms.file.f1.enabled=false"},
			[]string{"native/default_native@min"}},
		{"both disabled", []string{"xpack.security.authc.realms.file.f.enabled=false", "xpack.security.authc.realms.native.n.enabled=false"},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := realmsFrom(t, tt.overrides...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, chain(rs)); diff != "" {
				t.Errorf("chain (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRealmSettings(t *testing.T) {
	rs, err := realmsFrom(t,
		"xpack.security.authc.realms.native.n.order=1",
		"xpack.security.authc.realms.native.n.cache.ttl=5m",
		"xpack.security.authc.realms.native.n.cache.max_users=10",
		"xpack.security.authc.realms.native.n.cache.hash_algo=pbkdf2_1000",
		"xpack.security.authc.realms.native.n.authentication.enabled=false")
	if err != nil {
		t.Fatal(err)
	}
	n := rs[1]
	if n.CacheTTL != 5*time.Minute || n.CacheMaxUsers != 10 || n.CacheHasher.Name() != "pbkdf2_1000" || n.Authentication {
		t.Errorf("native realm: %+v", n)
	}
	f := rs[0]
	if f.CacheTTL != 20*time.Minute || f.CacheMaxUsers != 100000 || f.CacheHasher.Name() != "ssha256" || !f.Authentication {
		t.Errorf("default file realm: %+v", f)
	}
}

func TestRealmErrors(t *testing.T) {
	tests := []struct {
		overrides []string
		want      string
	}{
		{[]string{"xpack.security.authc.realms.native.a.order=1", "xpack.security.authc.realms.native.b.order=2"},
			"multiple [native] realms are configured. [native] is an internal realm and therefore there can only be one such realm configured"},
		{[]string{"xpack.security.authc.realms.native.a.order=1", "xpack.security.authc.realms.file.b.order=1"},
			"Found multiple realms configured with the same order: 1: [a, b]"},
		{[]string{"xpack.security.authc.realms.native.x.order=1", "xpack.security.authc.realms.file.x.order=2"},
			"Found multiple realms configured with the same name: x: [xpack.security.authc.realms.native.x, xpack.security.authc.realms.file.x]"},
		{[]string{"xpack.security.authc.realms.native.a.cache.ttl=1m"},
			"'order' is a mandatory parameter for realm config. Found invalid config for realm: 'a'\nPlease see the breaking changes documentation."},
		{[]string{"xpack.security.authc.realms.native.a.order=1", "xpack.security.authc.realms.native.a.cache.hash_algo=nope"},
			"unknown hash function [nope]"},
		{[]string{"xpack.security.authc.realms.native.a.order=x"},
			"Failed to parse value [x] for setting [xpack.security.authc.realms.native.a.order]"},
		{[]string{"xpack.security.authc.realms.native.a.order=1", "xpack.security.authc.realms.native.a.cache.ttl=10"},
			"failed to parse setting [xpack.security.authc.realms.native.a.cache.ttl] with value [10] as a time value: unit is missing or unrecognized"},
		{[]string{"xpack.security.authc.realms.ldap.a.order=1"},
			"unknown setting [xpack.security.authc.realms.ldap.a.order]"},
	}
	for _, tt := range tests {
		_, err := realmsFrom(t, tt.overrides...)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%v:\n got %v\nwant %s", tt.overrides, err, tt.want)
		}
	}
}

func TestTimeValue(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"20m", 20 * time.Minute, true}, {"1h", time.Hour, true}, {"30s", 30 * time.Second, true},
		{"500ms", 500 * time.Millisecond, true}, {"2d", 48 * time.Hour, true}, {"-1", -1, true}, {"0", 0, true},
		{"0s", 0, true}, {"10", 0, false}, {"abc", 0, false}, {"-5s", 0, false}, {"1.5h", 0, false},
	}
	for _, tt := range tests {
		got, err := parseTimeValue("k", tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("parseTimeValue(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestAnonymousAndPathConf(t *testing.T) {
	s, err := Load("", []string{"xpack.security.authc.anonymous.roles=viewer, monitor_only",
		"xpack.security.authc.anonymous.authz_exception=false", "path.conf=/etc/esauth"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Config()
	if err != nil {
		t.Fatal(err)
	}
	want := Anonymous{Username: "_anonymous", Roles: []string{"viewer", "monitor_only"}, AuthzException: false}
	if diff := cmp.Diff(want, c.Anonymous); diff != "" || !c.Anonymous.Enabled() {
		t.Errorf("anonymous (-want +got):\n%s", diff)
	}
	if c.ConfigDir != "/etc/esauth" {
		t.Errorf("ConfigDir = %q", c.ConfigDir)
	}
}
