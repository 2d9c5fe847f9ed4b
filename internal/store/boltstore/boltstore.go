package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/esauth/esauth/internal/store"
)

// ErrInUse means another process (or another Open in this one) holds the
// database file's lock. bbolt allows one writer per file, so a second server
// pointed at the same path.data must fail instead of waiting forever.
var ErrInUse = errors.New("boltstore: database file is in use by another process")

// lockTimeout bounds how long Open waits for the file lock: long enough to
// ride out a previous process that is still exiting, short enough that a
// misconfigured second server fails fast.
const lockTimeout = time.Second

// ctxCheckEvery is how many records List visits between context checks;
// ctx.Err takes a lock, so checking on every record would cost more than
// the copy of a small value.
const ctxCheckEvery = 256

// Store is a store.Store kept in one bbolt file, one bucket per collection.
// It is safe for concurrent use. Writes are applied one after another by a
// single writer (see writer.go), which is what makes Update atomic without
// retries.
type Store struct {
	db *bolt.DB

	queue      chan *writeOp
	writerDone chan struct{}
	closeMu    sync.RWMutex
	closed     bool
	commits    atomic.Int64 // group commits, for tests
}

var _ store.Store = (*Store)(nil)

// Open opens the bbolt file at path, creating it (mode 0600, parent
// directories 0700) if needed. It fails with ErrInUse after about a second
// if another process has the file open.
func Open(path string) (*Store, error) {
	dir := filepath.Dir(path)
	// The file holds password hashes: keep the directory private too.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	_, statErr := os.Stat(path)
	isNew := errors.Is(statErr, fs.ErrNotExist)

	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: open %s: %w (lock not acquired within %v)", path, ErrInUse, lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	if isNew {
		// bbolt fsyncs the file's first pages but not the directory entry;
		// without this a crash right after first start could lose the file.
		if err := syncDir(dir); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
		}
	}
	s := &Store{db: db, queue: make(chan *writeOp, maxGroup), writerDone: make(chan struct{})}
	go s.writer()
	return s, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get returns a copy of the value: bbolt's bytes point into the mmap and
// are only valid while the transaction is open.
func (s *Store) Get(ctx context.Context, c store.Collection, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, opErr("get", c, key, err)
	}
	var val []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(c)); b != nil {
			// bytes.Clone keeps an empty value non-nil, so it stays
			// distinguishable from a missing record.
			val = bytes.Clone(b.Get([]byte(key)))
		}
		return nil
	})
	if err != nil {
		return nil, opErr("get", c, key, err)
	}
	if val == nil {
		return nil, opErr("get", c, key, store.ErrNotFound)
	}
	return val, nil
}

// List runs fn inside one read transaction, which is what gives it a
// consistent snapshot. Each val is a fresh copy, so a careless fn that keeps
// or edits it cannot fault on unmapped memory.
//
// fn must not write to this store: a write that grows the file waits for
// every open read transaction, including List's own, and would deadlock.
func (s *Store) List(ctx context.Context, c store.Collection, fn func(key string, val []byte) error) error {
	if err := ctx.Err(); err != nil {
		return listErr(c, err)
	}
	var fnErr error
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(c))
		if b == nil {
			return nil
		}
		cur := b.Cursor()
		n := 0
		for k, v := cur.First(); k != nil; k, v = cur.Next() {
			if v == nil {
				continue // a nested bucket; this package never makes one
			}
			if n++; n%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := fn(string(k), bytes.Clone(v)); err != nil {
				fnErr = err
				return err
			}
		}
		return nil
	})
	if fnErr != nil {
		return fnErr // the caller's own error, as the interface promises
	}
	if err != nil {
		return listErr(c, err)
	}
	return nil
}

// Create stores val under key unless the key exists.
func (s *Store) Create(ctx context.Context, c store.Collection, key string, val []byte) error {
	if err := checkWrite(ctx, key); err != nil {
		return opErr("create", c, key, err)
	}
	if val == nil {
		// bbolt reads back a nil value as "missing" within the same
		// transaction; store the empty value the caller meant instead.
		val = []byte{}
	}
	err := s.write(ctx, func(tx *bolt.Tx) error {
		name, k := []byte(c), []byte(key)
		if b := tx.Bucket(name); b != nil && b.Get(k) != nil {
			return store.ErrExists
		}
		b, err := tx.CreateBucketIfNotExists(name)
		if err != nil {
			return wrote(err)
		}
		return wrote(b.Put(k, val))
	})
	if err != nil {
		return opErr("create", c, key, err)
	}
	return nil
}

// CreateAll implements store.Loader: one transaction, one fsync.
func (s *Store) CreateAll(ctx context.Context, c store.Collection, records []store.Record) error {
	for _, r := range records {
		if err := checkWrite(ctx, r.Key); err != nil {
			return opErr("create", c, r.Key, err)
		}
	}
	err := s.write(ctx, func(tx *bolt.Tx) error {
		// Every key is checked before anything is written.
		seen := make(map[string]bool, len(records))
		b := tx.Bucket([]byte(c))
		for _, r := range records {
			if seen[r.Key] || (b != nil && b.Get([]byte(r.Key)) != nil) {
				return fmt.Errorf("%w: %s", store.ErrExists, r.Key)
			}
			seen[r.Key] = true
		}
		b, err := tx.CreateBucketIfNotExists([]byte(c))
		if err != nil {
			return wrote(err)
		}
		// Bulk loads usually come in key order, where bbolt's default of
		// half-full pages would double the file (and the memory its pages
		// take once read).
		b.FillPercent = 0.9
		for _, r := range records {
			val := r.Value
			if val == nil {
				val = []byte{}
			}
			if err := b.Put([]byte(r.Key), val); err != nil {
				return wrote(err)
			}
		}
		return nil
	})
	if err != nil {
		return opErr("create", c, "", err)
	}
	return nil
}

// Update runs fn inside the write transaction. Writes are applied one at a
// time, so fn sees the latest value and nothing can slip in between the
// read and the write. fn runs again, alone, only if bbolt fails the group
// it was in.
func (s *Store) Update(ctx context.Context, c store.Collection, key string, fn store.UpdateFunc) (bool, error) {
	if err := checkWrite(ctx, key); err != nil {
		return false, opErr("update", c, key, err)
	}
	var created bool
	var fnErr error
	err := s.write(ctx, func(tx *bolt.Tx) error {
		name, k := []byte(c), []byte(key)
		var cur []byte
		if b := tx.Bucket(name); b != nil {
			// A copy, so fn may edit cur in place (mmap pages are read-only)
			// and return it.
			cur = bytes.Clone(b.Get(k))
		}
		next, err := fn(cur)
		if err != nil {
			fnErr = err
			return err
		}
		if next == nil {
			return errors.New("update function returned a nil value and no error")
		}
		b, err := tx.CreateBucketIfNotExists(name)
		if err != nil {
			return wrote(err)
		}
		if err := b.Put(k, next); err != nil {
			return wrote(err)
		}
		created = cur == nil
		return nil
	})
	if fnErr != nil {
		return false, fnErr // as is, so callers can match their own errors
	}
	if err != nil {
		return false, opErr("update", c, key, err)
	}
	return created, nil
}

// Delete removes the record, or returns store.ErrNotFound.
func (s *Store) Delete(ctx context.Context, c store.Collection, key string) error {
	if err := ctx.Err(); err != nil {
		return opErr("delete", c, key, err)
	}
	err := s.write(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(c))
		k := []byte(key)
		if b == nil || b.Get(k) == nil {
			return store.ErrNotFound // a group of misses commits nothing
		}
		return wrote(b.Delete(k))
	})
	if err != nil {
		return opErr("delete", c, key, err)
	}
	return nil
}

// Close closes the file and releases its lock. A second call returns nil;
// calls to other methods after Close fail with bbolt's "database not open".
func (s *Store) Close() error {
	s.stopWriter()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("boltstore: close: %w", err)
	}
	return nil
}

// checkWrite rejects what bbolt would reject anyway, with a clearer message
// and before taking the writer lock.
func checkWrite(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if key == "" {
		return errors.New("empty key")
	}
	return nil
}

// opErr names the operation and record; keys are usernames, never secrets.
func opErr(op string, c store.Collection, key string, err error) error {
	return fmt.Errorf("boltstore: %s %s/%q: %w", op, c, key, err)
}

func listErr(c store.Collection, err error) error {
	return fmt.Errorf("boltstore: list %s: %w", c, err)
}
