package tlsconf

import (
	"context"
	"crypto/sha256"
	"time"
)

// DefaultInterval is the poll interval Watch uses when given none. With
// settlePolls, a replaced certificate is served 2 to 3 s after its files
// stop changing, sooner than Elasticsearch's 5 s resource watcher.
const DefaultInterval = time.Second

// settlePolls is how many intervals the files must stay unchanged before a
// reload, as in the file realm: a certificate and its key are written one
// after the other, and only waiting tells a finished pair from a pair
// caught half-way.
const settlePolls = 2

// Watch polls the certificate, key and CA files every interval
// (DefaultInterval if interval <= 0) and, once a change has settled,
// installs the new material for the next handshakes. Material that does not
// load (a key that does not match, a truncated file) is logged once and
// the previous material stays in service. It returns when ctx is done.
func (s *Server) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	settle := settlePolls * interval
	tick := time.NewTicker(interval)
	defer tick.Stop()

	var (
		pending  *snapshot         // a changed state waiting to settle
		since    time.Time         // when pending was first seen (after that read)
		rejected [sha256.Size]byte // the last state that failed to load, not retried until it changes
	)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// start is taken before reading and since after, so start-since
		// never exceeds how long the content really stood still.
		start := time.Now()
		now := read(s.cfg)
		if now.sum == s.cur.Load().sum || now.sum == rejected {
			pending = nil
			continue
		}
		if pending == nil || pending.sum != now.sum {
			pending, since = &now, time.Now()
			continue
		}
		if start.Sub(since) < settle {
			continue
		}
		pending = nil
		m, err := build(s.cfg, now)
		if err != nil {
			rejected = now.sum
			s.log.Error("TLS files changed but cannot be loaded; still serving the previous certificate", "err", err)
			continue
		}
		rejected = [sha256.Size]byte{}
		s.cur.Store(m)
		s.log.Info("TLS certificate reloaded", "certificate", s.cfg.Certificate,
			"subject", m.leaf.Subject.String(), "not_after", m.leaf.NotAfter.UTC().Format(time.RFC3339))
	}
}
