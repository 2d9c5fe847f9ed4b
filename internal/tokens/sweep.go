package tokens

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/esauth/esauth/internal/store"
)

// Sweep removes the documents ExpiredTokenRemover removes: those created
// more than MaxLifetime ago, whose access and refresh tokens can no longer
// be used. It reports how many it removed.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-MaxLifetime).UnixMilli()
	var doomed []string
	err := s.db.List(ctx, store.Tokens, func(key string, raw []byte) error {
		d, err := decodeDocument(raw)
		if err != nil || d.DocType != docType {
			return nil
		}
		if d.CreationTime <= cutoff {
			doomed = append(doomed, key)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("tokens: sweep: %w", err)
	}
	removed := 0
	var errs []error
	for _, key := range doomed {
		if err := s.db.Delete(ctx, store.Tokens, key); err != nil && !errors.Is(err, store.ErrNotFound) {
			errs = append(errs, err)
			continue
		}
		s.Forget(key)
		removed++
	}
	if len(errs) > 0 {
		return removed, fmt.Errorf("tokens: sweep: %w", errors.Join(errs...))
	}
	return removed, nil
}

// RunSweeper calls Sweep every delete.interval until ctx ends, logging
// failures. Elasticsearch runs its remover after invalidations; a timer
// also removes tokens that merely aged.
func (s *Service) RunSweeper(ctx context.Context) {
	every := s.cfg.DeleteInterval
	if every <= 0 {
		every = 30 * time.Minute
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
			s.log.Warn("removing expired tokens failed", "removed", n, "err", err)
		} else if n > 0 {
			s.log.Info("removed expired tokens", "count", n)
		}
	}
}
