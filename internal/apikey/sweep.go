package apikey

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/esauth/esauth/internal/store"
)

// Sweep removes the keys InactiveApiKeysRemover removes: those expired
// for longer than delete.retention_period, and those invalidated for
// longer (or invalidated without a time, as before 8.12). It reports how
// many it removed. Invalidated and expired keys can no longer change
// (update refuses them), so a key found removable stays removable.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-s.cfg.RetentionPeriod).UnixMilli()
	var doomed []string
	err := s.db.List(ctx, store.APIKeys, func(id string, raw []byte) error {
		d, err := decodeDocument(raw)
		if err != nil || d.DocType != docType {
			return nil
		}
		expired := d.ExpirationTime != nil && *d.ExpirationTime <= cutoff
		invalidated := d.invalidated() && (d.InvalidationTime == nil || *d.InvalidationTime <= cutoff)
		if expired || invalidated {
			doomed = append(doomed, id)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("apikey: sweep: %w", err)
	}
	removed := make([]string, 0, len(doomed))
	var errs []error
	for _, id := range doomed {
		err := s.db.Delete(ctx, store.APIKeys, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			errs = append(errs, err)
			continue
		}
		s.Invalidate(id)
		removed = append(removed, id)
	}
	if err := s.used.forget(ctx, removed); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return len(removed), fmt.Errorf("apikey: sweep: %w", errors.Join(errs...))
	}
	return len(removed), nil
}

// RunSweeper calls Sweep every delete.interval until ctx ends, logging
// failures. Elasticsearch starts its remover only after an invalidation
// (issue #111754); a timer also removes keys that merely expired.
func (s *Service) RunSweeper(ctx context.Context) {
	every := s.cfg.DeleteInterval
	if every <= 0 {
		every = 24 * time.Hour
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("removing inactive API keys failed", "removed", n, "err", err)
		} else if n > 0 {
			s.log.Info("removed inactive API keys", "count", n)
		}
	}
}
