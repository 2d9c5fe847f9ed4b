package authcache

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

const benchPassword = "benchmark-password-1"

func benchLoad(context.Context) (string, bool, error) { return "v", true, nil }

func newBenchCache(b *testing.B, algo string, maxUsers int) *Cache[string] {
	b.Helper()
	return New[string](Config{TTL: time.Hour, MaxUsers: maxUsers, Hasher: mustHasher(b, algo)})
}

// BenchmarkHit is one user hitting the cache. With noop the hasher costs a
// constant-time compare, which leaves the cache's own overhead.
func BenchmarkHit(b *testing.B) {
	for _, algo := range []string{"ssha256", "noop"} {
		b.Run(algo, func(b *testing.B) {
			c := newBenchCache(b, algo, 100000)
			ctx := context.Background()
			_, _, _ = c.Authenticate(ctx, "alice", benchPassword, benchLoad)
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, _ := c.Authenticate(ctx, "alice", benchPassword, benchLoad); !ok {
					b.Fatal("miss")
				}
			}
			if c.Stats().Loads != 1 {
				b.Fatal("a hit loaded")
			}
		})
		b.Run(algo+"/parallel", func(b *testing.B) {
			c := newBenchCache(b, algo, 100000)
			ctx := context.Background()
			_, _, _ = c.Authenticate(ctx, "alice", benchPassword, benchLoad)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, ok, _ := c.Authenticate(ctx, "alice", benchPassword, benchLoad); !ok {
						b.Error("miss")
						return
					}
				}
			})
		})
	}
}

// BenchmarkHitParallel hits 1024 cached users from every P, spreading the
// calls over the shards as real traffic would.
func BenchmarkHitParallel(b *testing.B) {
	const users = 1024
	for _, algo := range []string{"ssha256", "noop"} {
		b.Run(algo, func(b *testing.B) {
			c := newBenchCache(b, algo, 100000)
			ctx := context.Background()
			names := make([]string, users)
			for i := range names {
				names[i] = fmt.Sprintf("user-%04d", i)
				_, _, _ = c.Authenticate(ctx, names[i], benchPassword, benchLoad)
			}
			var next atomic.Uint64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := next.Add(7919)
				for pb.Next() {
					i++
					if _, ok, _ := c.Authenticate(ctx, names[i%users], benchPassword, benchLoad); !ok {
						b.Error("miss")
						return
					}
				}
			})
			if c.Stats().Loads != users {
				b.Fatal("a hit loaded")
			}
		})
	}
}

// BenchmarkMissLoad is the miss path with a trivial load: "fail" caches
// nothing, so every call runs the flight; "store" caches a new user each
// time in a full cache, so every call also hashes, inserts and evicts.
func BenchmarkMissLoad(b *testing.B) {
	b.Run("fail", func(b *testing.B) {
		c := newBenchCache(b, "ssha256", 100000)
		ctx := context.Background()
		fail := func(context.Context) (string, bool, error) { return "", false, nil }
		b.ReportAllocs()
		for b.Loop() {
			if _, ok, _ := c.Authenticate(ctx, "alice", benchPassword, fail); ok {
				b.Fatal("hit")
			}
		}
	})
	b.Run("store", func(b *testing.B) {
		const maxUsers = 1000
		c := newBenchCache(b, "ssha256", maxUsers)
		ctx := context.Background()
		names := make([]string, 4*maxUsers)
		for i := range names {
			names[i] = fmt.Sprintf("user-%04d", i)
		}
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			if _, ok, _ := c.Authenticate(ctx, names[i%len(names)], benchPassword, benchLoad); !ok {
				b.Fatal("failed")
			}
			i++
		}
	})
}

// BenchmarkVerify is the cache hasher alone, the floor under a hit.
func BenchmarkVerify(b *testing.B) {
	for _, algo := range []string{"ssha256", "noop"} {
		b.Run(algo, func(b *testing.B) {
			h := mustHasher(b, algo)
			hash, err := h.Hash(benchPassword)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if !h.Verify(benchPassword, hash) {
					b.Fatal("mismatch")
				}
			}
		})
	}
}
