package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/metrics"
	"github.com/esauth/esauth/internal/store"
)

// instrument returns the node's metrics and db wrapped to time its
// operations. With esauth.metrics.address unset it returns nil metrics
// (whose Observe methods do nothing) and db itself, so a node without
// metrics pays nothing for them.
func instrument(cfg config.Config, db store.Store) (*metrics.Metrics, store.Store) {
	if cfg.Metrics.Address == "" {
		return nil, db
	}
	m := metrics.New()
	return m, m.Store(db)
}

// serveMetrics serves /metrics on esauth.metrics.address, on a listener of
// its own so the authenticated API never answers it. stop shuts it down
// with the node.
func serveMetrics(cfg config.Config, m *metrics.Metrics, opt Options) (stop func(), err error) {
	if m == nil {
		return func() {}, nil
	}
	log := opt.Log
	ln, err := net.Listen("tcp", cfg.Metrics.Address)
	if err != nil {
		return nil, fmt.Errorf("cannot bind esauth.metrics.address [%s]: %w", cfg.Metrics.Address, err)
	}
	mux := http.NewServeMux() // anything but /metrics is a 404
	mux.Handle("/metrics", m.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("the metrics listener stopped", "err", err)
		}
	}()
	log.Info("metrics served", "address", "http://"+ln.Addr().String()+"/metrics")
	if opt.MetricsReady != nil {
		opt.MetricsReady(ln.Addr())
	}
	return func() {
		// A scrape is short; it need not hold up the node's shutdown.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		<-served
	}, nil
}
