package etcdstore

import (
	"context"
	"math/rand/v2"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/esauth/esauth/internal/store"
)

var _ store.Leaser = (*Store)(nil)

// PutLeased stores val under key bound to an etcd lease of ttl (in whole
// seconds, at least one; etcd may raise it to its minimum), which the
// client renews about every ttl/3 until ctx ends. If the lease is lost
// meanwhile (etcd was unreachable for longer than ttl, or an operator
// revoked it) and etcd deleted the record with it, the record is written
// again under a new lease as soon as etcd answers. When ctx ends the lease
// is not revoked: the record outlives its writer by up to ttl and etcd's
// half-second expiry check, as after a crash, unless the writer deletes it.
func (s *Store) PutLeased(ctx context.Context, c store.Collection, key string, val []byte, ttl time.Duration) (<-chan struct{}, error) {
	k, err := s.begin(ctx, c, key)
	if err != nil {
		return nil, opErr("put leased", c, key, err)
	}
	v := string(val) // a copy: the caller keeps val
	secs := max(int64((ttl+time.Second-1)/time.Second), 1)
	id, err := s.putLeased(ctx, k, v, secs)
	if err != nil {
		return nil, opErr("put leased", c, key, classify(ctx, err))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.renew(ctx, k, v, secs, id)
	}()
	return done, nil
}

// putLeased grants a lease and writes the record under it.
func (s *Store) putLeased(ctx context.Context, k, v string, secs int64) (clientv3.LeaseID, error) {
	octx, cancel := s.opCtx(ctx)
	defer cancel()
	lease, err := retryNoLeader(octx, func() (*clientv3.LeaseGrantResponse, error) { return s.client.Grant(octx, secs) })
	if err != nil {
		return 0, err
	}
	put := func() (*clientv3.PutResponse, error) { return s.client.Put(octx, k, v, clientv3.WithLease(lease.ID)) }
	if _, err := retryNoLeader(octx, put); err != nil {
		return 0, err // the unused lease expires by itself
	}
	return lease.ID, nil
}

// renew keeps lease id alive until ctx ends or the store closes, and puts
// the record back under a new lease whenever the lease is lost.
func (s *Store) renew(ctx context.Context, k, v string, secs int64, id clientv3.LeaseID) {
	pause := watchMinBackoff
	for {
		// The channel closes when ctx ends, the client closes, or the lease
		// is gone: expired, revoked, or unconfirmed for longer than ttl.
		if ch, err := s.client.KeepAlive(ctx, id); err == nil {
			for range ch {
				pause = watchMinBackoff // renewed: the next loss is retried quickly
			}
		}
		for {
			if ctx.Err() != nil || s.closed.Load() {
				return
			}
			t := time.NewTimer(rand.N(pause) + pause/2)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			pause = min(pause*2, watchMaxBackoff)
			next, err := s.putLeased(ctx, k, v, secs)
			if err == nil {
				id = next
				break
			}
		}
	}
}
