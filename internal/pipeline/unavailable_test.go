package pipeline_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
	"github.com/esauth/esauth/internal/store"
)

// flakyStore fails every call with ErrUnavailable while down is set.
type flakyStore struct {
	store.Store
	down atomic.Bool
}

func (f *flakyStore) err() error {
	if f.down.Load() {
		return fmt.Errorf("etcd: deadline exceeded: %w", store.ErrUnavailable)
	}
	return nil
}

func (f *flakyStore) Get(ctx context.Context, c store.Collection, k string) ([]byte, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Store.Get(ctx, c, k)
}

func (f *flakyStore) Update(ctx context.Context, c store.Collection, k string, fn store.UpdateFunc) (bool, error) {
	if err := f.err(); err != nil {
		return false, err
	}
	return f.Store.Update(ctx, c, k, fn)
}

func TestStoreUnavailable(t *testing.T) {
	flaky := &flakyStore{}
	s := servertest.StartWith(t, servertest.Options{WrapStore: func(db store.Store) store.Store { flaky.Store = db; return flaky }})
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":["superuser"]}`)
	flaky.down.Store(true)
	unavailable := `{"error":{"root_cause":[{"type":"unavailable_shards_exception","reason":"at least one primary shard for the index [.security-7] is unavailable"}],` +
		`"type":"unavailable_shards_exception","reason":"at least one primary shard for the index [.security-7] is unavailable"},"status":503}`
	for _, c := range []struct{ method, path, auth, body string }{
		{"PUT", "/_security/user/ann", servertest.Admin, `{"password":"ann-secret","roles":[]}`},
		{"GET", "/_security/_authenticate", "joe:joe-secret", ""},
	} {
		r := s.Call(t, c.method, c.path, c.auth, c.body)
		if r.Status != 503 || r.Body != unavailable {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.Status, r.Body)
		}
	}
	flaky.down.Store(false)
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "joe:joe-secret", "")
	s.MustCall(t, 404, "GET", "/_security/user/ann", servertest.Admin, "")
}
