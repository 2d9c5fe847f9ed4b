package boltstore

import (
	"context"
	"errors"

	bolt "go.etcd.io/bbolt"
)

// Writes go through one goroutine that commits them in groups: the writes
// that queue up while one commit's fsyncs run share the next commit. A lone
// writer waits for nobody, and eight concurrent writers pay for one pair of
// fsyncs between them instead of eight (bbolt's own Batch waits a fixed
// delay for company, which a lone writer would pay on every write).
//
// Every write function checks what it needs before it changes anything, so
// one that fails leaves the shared transaction as it found it and the
// others in the group go on. A failure of bbolt itself (a Put, the commit)
// fails the group, and each write is then retried in a transaction of its
// own, so that only the writes that fail alone report an error.

// maxGroup bounds a group, so one commit stays short.
const maxGroup = 256

// writeOp is one queued write.
type writeOp struct {
	ctx  context.Context
	fn   func(tx *bolt.Tx) error
	done chan error
}

// boltErr marks an error from bbolt inside a write function, after which
// the transaction may hold part of that write.
type boltErr struct{ err error }

func (e boltErr) Error() string { return e.err.Error() }
func (e boltErr) Unwrap() error { return e.err }

// wrote wraps a bbolt call's error as a boltErr.
func wrote(err error) error {
	if err == nil {
		return nil
	}
	return boltErr{err}
}

// errNoChange rolls back a group in which no write succeeded, so that a
// group of misses costs no fsync.
var errNoChange = errors.New("no change")

// errClosed is returned for writes after Close.
var errClosed = errors.New("database not open")

// write queues fn and waits for its commit. It waits even when ctx ends:
// once queued the write may commit, and the caller must learn whether it
// did; each function checks ctx itself before it changes anything.
func (s *Store) write(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return errClosed
	}
	s.queue <- op
	s.closeMu.RUnlock()
	return <-op.done
}

// writer commits queued writes until the queue is closed.
func (s *Store) writer() {
	defer close(s.writerDone)
	for op := range s.queue {
		group := []*writeOp{op}
	more:
		for len(group) < maxGroup {
			select {
			case op, ok := <-s.queue:
				if !ok {
					break more
				}
				group = append(group, op)
			default:
				break more
			}
		}
		s.commit(group)
	}
}

// commit runs a group in one transaction, or each write alone when the
// group's transaction fails.
func (s *Store) commit(group []*writeOp) {
	results := make([]error, len(group))
	err := s.db.Update(func(tx *bolt.Tx) error {
		changed := false
		for i, op := range group {
			results[i] = run(tx, op)
			var be boltErr
			if errors.As(results[i], &be) {
				return be
			}
			changed = changed || results[i] == nil
		}
		if !changed {
			return errNoChange
		}
		return nil
	})
	if err == nil {
		s.commits.Add(1)
	}
	if err == nil || errors.Is(err, errNoChange) {
		for i, op := range group {
			op.done <- results[i]
		}
		return
	}
	if len(group) == 1 {
		group[0].done <- err
		return
	}
	for _, op := range group {
		op.done <- s.db.Update(func(tx *bolt.Tx) error { return run(tx, op) })
	}
}

// run calls one write function, unless its caller has gone already.
func run(tx *bolt.Tx, op *writeOp) error {
	if err := op.ctx.Err(); err != nil {
		return err
	}
	return op.fn(tx)
}

// stopWriter lets queued writes finish and stops the writer; later writes
// fail with errClosed.
func (s *Store) stopWriter() {
	s.closeMu.Lock()
	if !s.closed {
		s.closed = true
		close(s.queue)
	}
	s.closeMu.Unlock()
	<-s.writerDone
}
