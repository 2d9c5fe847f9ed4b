package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/esauth/esauth/internal/store"
)

// Store wraps s so that every operation records its time and failures in
// m. If s is a store.Watcher, so is the result: a node decides to follow
// other nodes' writes by that type assertion.
func (m *Metrics) Store(s store.Store) store.Store {
	ts := &timedStore{inner: s}
	for i, op := range [...]string{OpGet, OpList, OpCreate, OpUpdate, OpDelete} {
		ts.ops[i] = opMetrics{time: m.StoreDuration.With(op), errs: m.StoreErrors.With(op)}
	}
	if w, ok := s.(store.Watcher); ok {
		return &timedWatcher{timedStore: ts, Watcher: w}
	}
	return ts
}

// Indexes of timedStore.ops.
const (
	get = iota
	list
	create
	update
	del
	numOps
)

type opMetrics struct {
	time *Histogram
	errs *Counter
}

// done records one operation. callerErr is an error the caller's own
// callback returned, which the store hands back: not a store failure.
func (o *opMetrics) done(start time.Time, err, callerErr error) {
	o.time.ObserveDuration(time.Since(start))
	if failed(err, callerErr) {
		o.errs.Inc()
	}
}

// failed tells backend failures from the answers callers expect (a
// missing or existing record) and from callers that gave up.
func failed(err, callerErr error) bool {
	switch {
	case err == nil,
		errors.Is(err, store.ErrNotFound),
		errors.Is(err, store.ErrExists),
		errors.Is(err, context.Canceled),
		callerErr != nil && errors.Is(err, callerErr):
		return false
	}
	return true
}

// timedStore is the instrumented store.Store.
type timedStore struct {
	inner store.Store
	ops   [numOps]opMetrics // resolved once: no label lookups per call
}

func (s *timedStore) Get(ctx context.Context, c store.Collection, key string) ([]byte, error) {
	start := time.Now()
	v, err := s.inner.Get(ctx, c, key)
	s.ops[get].done(start, err, nil)
	return v, err
}

// List's time includes fn's, since fn runs during the walk.
func (s *timedStore) List(ctx context.Context, c store.Collection, fn func(key string, val []byte) error) error {
	var fnErr error
	start := time.Now()
	err := s.inner.List(ctx, c, func(k string, v []byte) error {
		fnErr = fn(k, v)
		return fnErr
	})
	s.ops[list].done(start, err, fnErr)
	return err
}

func (s *timedStore) Create(ctx context.Context, c store.Collection, key string, val []byte) error {
	start := time.Now()
	err := s.inner.Create(ctx, c, key, val)
	s.ops[create].done(start, err, nil)
	return err
}

func (s *timedStore) Update(ctx context.Context, c store.Collection, key string, fn store.UpdateFunc) (bool, error) {
	var fnErr error
	start := time.Now()
	created, err := s.inner.Update(ctx, c, key, func(cur []byte) ([]byte, error) {
		var next []byte
		next, fnErr = fn(cur)
		return next, fnErr
	})
	s.ops[update].done(start, err, fnErr)
	return created, err
}

func (s *timedStore) Delete(ctx context.Context, c store.Collection, key string) error {
	start := time.Now()
	err := s.inner.Delete(ctx, c, key)
	s.ops[del].done(start, err, nil)
	return err
}

func (s *timedStore) Close() error { return s.inner.Close() }

// timedWatcher is a timedStore over a backend shared by several nodes; its
// Watcher methods pass through untimed (a watch lasts as long as the node).
type timedWatcher struct {
	*timedStore
	store.Watcher
}
