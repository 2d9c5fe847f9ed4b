package apikey

import (
	"context"
	"testing"

	"github.com/esauth/esauth/internal/config"
)

// BenchmarkAuthenticateWarm is an API key request with warm caches: a
// decode, a document cache hit, an ssha256 of the secret, the checks.
func BenchmarkAuthenticateWarm(b *testing.B) {
	svc, encoded := benchService(b, func(*config.APIKeyConfig) {})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.Authenticate(ctx, encoded); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticateWarmParallel is the same from every core.
func BenchmarkAuthenticateWarmParallel(b *testing.B) {
	svc, encoded := benchService(b, func(*config.APIKeyConfig) {})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Authenticate(ctx, encoded); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAuthenticateCold is the price of a miss: a store read and the
// default pbkdf2 (10000 rounds) on every request.
func BenchmarkAuthenticateCold(b *testing.B) {
	svc, encoded := benchService(b, func(c *config.APIKeyConfig) { c.CacheTTL = 0 })
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.Authenticate(ctx, encoded); err != nil {
			b.Fatal(err)
		}
	}
}

func benchService(b *testing.B, edit func(*config.APIKeyConfig)) (*Service, string) {
	cfg := defaultConfig()
	cfg.Hasher = mustHasher("pbkdf2")
	edit(&cfg)
	svc := New(openBolt(b), cfg, Options{})
	b.Cleanup(func() { _ = svc.Close(context.Background()) })
	req, _ := ParseCreateRequest([]byte(`{"name":"bench","role_descriptors":{"r":{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read"]}]}}}`))
	resp, err := svc.Create(context.Background(), req, aliceCaller())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Authenticate(context.Background(), resp.Encoded()); err != nil {
		b.Fatal(err)
	}
	return svc, resp.Encoded()
}
