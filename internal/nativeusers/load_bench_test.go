package nativeusers

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/esauth/esauth/internal/user"
)

// BenchmarkIndexLoad loads an index of 200,000 users the way Preload does
// (ListAll, decoding on every core) and, as the baseline, the way the
// first query used to (List, one record at a time, interned as read). It
// reports the time of a load and the live heap the loaded index keeps, per
// user, measured after a full collection.
func BenchmarkIndexLoad(b *testing.B) {
	const users = 200_000
	ctx := context.Background()
	s, _ := newStore(b)
	batch := make([]Account, 0, 10_000)
	for i := range users {
		batch = append(batch, Account{User: user.User{Username: fmt.Sprintf("user-%07d", i), Roles: []string{"viewer", "reader"},
			FullName: ptr(fmt.Sprintf("User %d", i)), Email: ptr(fmt.Sprintf("user%d@example.com", i)), Enabled: true}, PasswordHash: "$2a$10$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01"})
		if len(batch) == cap(batch) {
			if err := s.Import(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	sequential := func() *Index {
		x := NewIndex(s)
		x.list, x.pos, x.roles = nil, map[string]int32{}, map[string]string{}
		if err := s.List(ctx, func(u user.User) error {
			x.intern(&u)
			x.pos[u.Username] = int32(len(x.list))
			x.list = append(x.list, u)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		x.loaded = true
		return x
	}
	parallel := func() *Index {
		x := NewIndex(s)
		x.Preload(ctx)
		return x
	}
	for _, c := range []struct {
		name string
		load func() *Index
	}{{"sequential-baseline", sequential}, {"preload", parallel}} {
		b.Run(c.name, func(b *testing.B) {
			var live float64
			for range b.N {
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				x := c.load()
				runtime.GC()
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				live = float64(after.HeapAlloc-before.HeapAlloc) / users
				runtime.KeepAlive(x)
			}
			b.ReportMetric(live, "live-B/user")
		})
	}
}
