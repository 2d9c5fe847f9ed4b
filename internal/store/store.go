package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Backends wrap them with %w; callers test with errors.Is.
var (
	// ErrNotFound means the record does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists means a record that was to be created already exists.
	ErrExists = errors.New("store: already exists")
	// ErrUnavailable means the backend cannot be reached; the operation may
	// be retried later and nothing was written.
	ErrUnavailable = errors.New("store: unavailable")
)

// Collection names a group of records, like a bucket or a key prefix.
type Collection string

// The collections esauth keeps.
const (
	Users         Collection = "users"          // native users, by username
	ReservedUsers Collection = "reserved-users" // state of built-in users, by username
	Meta          Collection = "meta"           // single values such as the cluster UUID
	Roles         Collection = "roles"          // native roles, by name
	Nodes         Collection = "nodes"          // the nodes sharing the store, by node id
	Events        Collection = "events"         // short-lived broadcasts to every node (cache clearing)
	// Lockouts holds the login blocks in force, by kind and name, so that
	// a block started on one node holds on every node and across restarts.
	Lockouts Collection = "lockouts"
	// LastAuth holds the last successful authentication time of native
	// users, grouped into a fixed number of bucket records.
	LastAuth Collection = "last-authenticated"
	// SearchContexts holds who opened each scroll, point in time and
	// async search the gateway forwarded, by kind and a digest of the id,
	// so that on every node only their owner may use them.
	SearchContexts Collection = "search-contexts"
	// APIKeys holds API keys, by key id: owner, role descriptors, the
	// owner's descriptors they are limited by, and the secret's hash.
	APIKeys Collection = "api-keys"
	// ServiceTokens holds service account tokens created through the API,
	// by "namespace/service/token-name".
	ServiceTokens Collection = "service-tokens"
	// Tokens holds the token service's access and refresh tokens, by
	// "token_" and a digest of the part a pair shares: SHA-256 digests of
	// the tokens, never the tokens themselves.
	Tokens Collection = "tokens"
	// Profiles holds user profiles (Elasticsearch's .security-profile
	// documents), by profile uid.
	Profiles Collection = "profiles"
	// AppPrivileges holds application privileges (Elasticsearch's
	// application-privilege documents), by "application/name".
	AppPrivileges Collection = "application-privileges"
)

// UpdateFunc receives a record's current value and returns its new value.
// cur is nil only when the record does not exist (an existing empty value
// is a non-nil empty slice); it is the caller's own copy, which fn may
// modify and return. Returning an error aborts the update and leaves the
// record unchanged; that error is returned to the caller as is. Returning
// (nil, nil) is an error. fn may be called more than once (compare-and-swap
// retries), so it must have no side effects and must not retain cur.
type UpdateFunc func(cur []byte) (next []byte, err error)

// Store is a durable map of (collection, key) to value. Every method that
// returns nil has made its change durable (fsynced or replicated) before
// returning. Values are opaque bytes; keys are arbitrary non-empty strings.
type Store interface {
	// Get returns the value stored under key, or ErrNotFound.
	Get(ctx context.Context, c Collection, key string) ([]byte, error)

	// List calls fn for every record of c in ascending key order, from a
	// consistent snapshot. It stops at the first error fn returns and
	// returns that error. fn must not retain val, and must not write to
	// the store (a backend may hold a read transaction during List).
	List(ctx context.Context, c Collection, fn func(key string, val []byte) error) error

	// Create stores val under key unless a record exists (ErrExists).
	Create(ctx context.Context, c Collection, key string, val []byte) error

	// Update atomically replaces the record with fn's result (an upsert when
	// fn accepts a nil cur). Concurrent updates of one key never lose a write.
	// It reports whether the record did not exist before.
	Update(ctx context.Context, c Collection, key string, fn UpdateFunc) (created bool, err error)

	// Delete removes the record, or returns ErrNotFound.
	Delete(ctx context.Context, c Collection, key string) error

	// Close releases the backend. Later calls return nil; other methods
	// called after Close return an error.
	Close() error
}

// ErrCompacted means a watch asked for changes older than the backend
// still keeps. The caller has missed changes: it must treat everything it
// cached as stale, then watch again from the current revision.
var ErrCompacted = errors.New("store: revision compacted")

// Event is one change to a record, as a Watcher reports it.
type Event struct {
	Collection Collection
	Key        string
	Deleted    bool
	// Revision orders events; a watch resumed after it misses nothing.
	Revision int64
}

// Watcher is implemented by backends shared by several esauth nodes, so
// that each node can follow the writes of the others and keep its caches
// correct. The embedded backend has a single writer and does not need it.
type Watcher interface {
	// Revision returns the store's current revision.
	Revision(ctx context.Context) (int64, error)
	// Watch calls fn, in order, for every change with a revision greater
	// than after, until ctx ends (it then returns ctx's error) or the watch
	// fails. If changes after `after` are no longer kept it returns
	// ErrCompacted. A broken connection is retried within Watch: it returns
	// only when it cannot resume without missing events.
	Watch(ctx context.Context, after int64, fn func(Event)) error
}

// Leaser is implemented by backends shared by several esauth nodes that can
// tie a record to the life of its writer, so that a node that dies without
// cleaning up leaves the node list by itself. The embedded backend has a
// single node and does not need it.
type Leaser interface {
	// PutLeased stores val under key, replacing any record, and keeps it
	// while ctx lasts: the record is bound to a lease of ttl that is renewed
	// in the background, and written again under a new lease if the lease
	// is lost meanwhile (the backend was unreachable for longer than ttl).
	// It returns once the record is first written. done is closed when the
	// renewal has stopped, after ctx ended or the store was closed; the
	// record then vanishes about ttl later (a backend may check for expiry
	// only now and then) unless deleted or written first.
	PutLeased(ctx context.Context, c Collection, key string, val []byte, ttl time.Duration) (done <-chan struct{}, err error)
}

// Record is one key and value, for Loader.
type Record struct {
	Key   string
	Value []byte
}

// Loader is implemented by backends that can write many new records in one
// commit, for bulk loading: a million users then take a few hundred
// commits rather than a million.
type Loader interface {
	// CreateAll stores every record in one atomic commit, or none of them
	// when any key exists already (ErrExists) or appears twice.
	CreateAll(ctx context.Context, c Collection, records []Record) error
}
