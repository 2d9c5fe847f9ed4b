package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/esauth/esauth/internal/config"
)

// readHeaderTimeout is how long a client may take to send its request
// head: a slow-loris client that trickles it is cut off then. A variable
// so that tests need not wait 10 s.
var readHeaderTimeout = 10 * time.Second

// shutdownGrace bounds how long in-flight requests may take to finish.
const shutdownGrace = 30 * time.Second

// Run starts a node and serves until ctx is cancelled, then shuts down
// gracefully: in-flight requests finish and the store is closed cleanly.
func Run(ctx context.Context, opt Options) (err error) {
	cfg, log := opt.Config, opt.Log
	n, err := New(ctx, opt)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := n.Close(); err == nil {
			err = cerr
		}
	}()
	stopMetrics, err := serveMetrics(cfg, n.metrics, opt)
	if err != nil {
		return err
	}
	defer stopMetrics()
	ln, err := listen(cfg)
	if err != nil {
		return err
	}
	ln, scheme, err := secureListener(ctx, cfg, ln, log)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           n.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("esauth started", "address", scheme+"://"+ln.Addr().String(), "cluster_name", cfg.ClusterName,
		"node_name", cfg.NodeName, "cluster_uuid", n.self.ClusterUUID, "path.data", cfg.PathData)
	if opt.Ready != nil {
		opt.Ready(ln.Addr())
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

// listen binds the first free port of http.port on http.host.
func listen(cfg config.Config) (net.Listener, error) {
	var errs []error
	for port := cfg.HTTPPortLow; port <= cfg.HTTPPortHigh; port++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(cfg.HTTPHost, strconv.Itoa(port)))
		if err == nil {
			return ln, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("cannot bind http.host [%s] http.port [%d-%d]: %w",
		cfg.HTTPHost, cfg.HTTPPortLow, cfg.HTTPPortHigh, errors.Join(errs...))
}
