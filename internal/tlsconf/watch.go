package tlsconf

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/esauth/esauth/internal/filewatch"
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
	var rejected [sha256.Size]byte // the last state that failed to load, not retried until it changes
	filewatch.Settled(ctx, interval, settlePolls,
		func() ([sha256.Size]byte, snapshot) { now := read(s.cfg); return now.sum, now },
		func(sum [sha256.Size]byte) bool { return sum == s.cur.Load().sum || sum == rejected },
		func(sum [sha256.Size]byte, now snapshot) {
			m, err := build(s.cfg, now)
			if err != nil {
				rejected = sum
				s.log.Error("TLS files changed but cannot be loaded; still serving the previous certificate", "err", err)
				return
			}
			rejected = [sha256.Size]byte{}
			s.cur.Store(m)
			s.log.Info("TLS certificate reloaded", "certificate", s.cfg.Certificate,
				"subject", m.leaf.Subject.String(), "not_after", m.leaf.NotAfter.UTC().Format(time.RFC3339))
		})
}
