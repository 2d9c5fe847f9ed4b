package authcache

import (
	"context"
	"strings"
	"testing"
	"unsafe"
)

// sharesMemory reports whether s points into buf's bytes.
func sharesMemory(s, buf string) bool {
	if len(s) == 0 || len(buf) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	b := uintptr(unsafe.Pointer(unsafe.StringData(buf)))
	return p >= b && p < b+uintptr(len(buf))
}

// credentials decodes "user:password" into a buffer of its own and slices
// both out of it, as the HTTP layer's Basic parser does.
func credentials(user, password string) (decoded, username, pw string) {
	decoded = strings.Clone(user + ":" + password)
	username, pw, _ = strings.Cut(decoded, ":")
	return decoded, username, pw
}

// kept lists every string the cache holds on to for username: the entry's
// key and field, the remembered failures' key and the flights' keys.
func (c *Cache[V]) kept(username string) []string {
	s := c.shard(username)
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for k, e := range s.entries {
		out = append(out, k, e.user)
	}
	for k := range s.failed {
		out = append(out, k)
	}
	for k := range s.flights {
		out = append(out, k.user)
	}
	return out
}

// TestNothingKeptSharesTheCredentials: a success entry lives for the TTL
// and a remembered failure for FailTTL, far longer than the request; the
// username the caller passed shares its bytes with the password, so the
// cache must keep copies.
func TestNothingKeptSharesTheCredentials(t *testing.T) {
	for _, tc := range []struct {
		name    string
		succeed bool
	}{
		{"success entry", true},
		{"remembered failure", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newFailCache(t, 10)
			decoded, username, pw := credentials("alice", "s3cret-pw")
			_, ok, err := c.Authenticate(t.Context(), username, pw, func(context.Context) (string, bool, error) {
				return "v", tc.succeed, nil
			})
			if ok != tc.succeed || err != nil {
				t.Fatalf("ok %v err %v", ok, err)
			}
			kept := c.kept("alice")
			if len(kept) == 0 {
				t.Fatal("the cache kept nothing for alice")
			}
			for _, k := range kept {
				if k != "alice" {
					t.Errorf("kept %q, want alice", k)
				}
				if sharesMemory(k, decoded) {
					t.Error("a kept username shares memory with the credentials")
				}
			}
			// A repeat (a hit or a recall) adds nothing that shares it.
			_, _, _ = c.Authenticate(t.Context(), username, pw, func(context.Context) (string, bool, error) {
				return "v", tc.succeed, nil
			})
			for _, k := range c.kept("alice") {
				if sharesMemory(k, decoded) {
					t.Error("after a repeat, a kept username shares memory with the credentials")
				}
			}
		})
	}
}
