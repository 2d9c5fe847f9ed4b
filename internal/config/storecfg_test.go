package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStoreConfig(t *testing.T) {
	load := func(overrides ...string) (StoreConfig, error) {
		s, err := Load("", overrides, func(string) (string, bool) { return "", false })
		if err != nil {
			return StoreConfig{}, err
		}
		c, err := s.Config()
		return c.Store, err
	}
	c, err := load()
	if err != nil || c.Type != StoreBolt {
		t.Fatalf("default: %+v %v", c, err)
	}
	c, err = load("esauth.store.type=etcd", "esauth.store.etcd.endpoints=10.0.0.1:2379, 10.0.0.2:2379",
		"esauth.store.etcd.prefix=/prod/", "esauth.store.etcd.request_timeout=2s", "esauth.store.etcd.username=esauth")
	if err != nil {
		t.Fatal(err)
	}
	want := StoreConfig{Type: StoreEtcd, Etcd: EtcdConfig{Endpoints: []string{"10.0.0.1:2379", "10.0.0.2:2379"}, Prefix: "/prod/",
		Username: "esauth", DialTimeout: 5 * time.Second, RequestTimeout: 2 * time.Second}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("etcd config (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		overrides []string
		want      string
	}{
		{[]string{"esauth.store.type=redis"}, "setting [esauth.store.type]: unknown store type [redis]"},
		{[]string{"esauth.store.etcd.prefix=esauth"}, "must start and end with [/]"},
		{[]string{"esauth.store.etcd.tls.cert=c.pem"}, "must be given together"},
		{[]string{"esauth.store.etcd.request_timeout=0s"}, "must be positive"},
	} {
		if _, err := load(tt.overrides...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want %q", tt.overrides, err, tt.want)
		}
	}
}

func TestPasswordPolicySettings(t *testing.T) {
	s, err := Load("", []string{"esauth.password_policy.min_length=12", "esauth.password_policy.regex=[A-Z]",
		"esauth.password_policy.forbid_username=true"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Config()
	if err != nil {
		t.Fatal(err)
	}
	p := c.PasswordPolicy
	if p.MinLength != 12 || p.Pattern == nil || p.PatternMessage != "passwords must match the pattern [[A-Z]]" || !p.ForbidUsername {
		t.Errorf("policy: %+v", p)
	}
	for _, bad := range []string{"esauth.password_policy.min_length=5", "esauth.password_policy.regex=[", "esauth.password_policy.forbid_username=yes"} {
		if _, err := Load("", []string{bad}, nil); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	d, _ := Load("", nil, nil)
	dc, _ := d.Config()
	if dc.PasswordPolicy.MinLength != 6 || dc.PasswordPolicy.Pattern != nil || dc.PasswordPolicy.ForbidUsername {
		t.Errorf("default policy: %+v", dc.PasswordPolicy)
	}
}

func TestMaxConcurrentHashes(t *testing.T) {
	s, err := Load("", []string{"esauth.security.authc.max_concurrent_hashes=3"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Config(); c.MaxConcurrentHashes != 3 {
		t.Errorf("MaxConcurrentHashes = %d", c.MaxConcurrentHashes)
	}
	if _, err := Load("", []string{"esauth.security.authc.max_concurrent_hashes=-1"}, nil); err == nil {
		t.Error("a negative cap was accepted")
	}
}
