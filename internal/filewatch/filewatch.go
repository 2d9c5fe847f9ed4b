package filewatch

import (
	"context"
	"time"
)

// Settled calls read every interval until ctx ends. When read returns a
// state that unchanged rejects, and the same state has then been read for
// polls intervals, Settled calls load with it and the data read along with
// it, exactly the bytes that were seen to be stable. States are compared
// with ==, so a fingerprint of the content (SHA-256) catches a same-size
// rewrite that size and mtime would miss.
func Settled[S comparable, D any](ctx context.Context, interval time.Duration, polls int,
	read func() (S, D), unchanged func(S) bool, load func(S, D)) {
	settle := time.Duration(polls) * interval
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var (
		pending *S        // a changed state waiting to settle
		since   time.Time // when pending was first seen (after that read)
	)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// start is taken before reading and since after, so that
		// start-since never exceeds how long the content really stood still.
		start := time.Now()
		st, data := read()
		if unchanged(st) {
			pending = nil
			continue
		}
		if pending == nil || *pending != st {
			pending, since = &st, time.Now()
			continue
		}
		if start.Sub(since) < settle {
			continue
		}
		pending = nil
		load(st, data)
	}
}
