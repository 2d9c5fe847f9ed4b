package apppriv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/esauth/esauth/internal/store"
)

// MaxAge bounds how long a snapshot is used without reading the store
// again, should an invalidation ever be lost (as authz.MaxRoleAge).
const MaxAge = time.Minute

// Store keeps the descriptors in store.AppPrivileges, keyed
// "application/name", each record the GET shape. It does not validate:
// callers run Validate first, as the put API does.
type Store struct {
	db  store.Store
	now func() time.Time

	mu sync.Mutex
	// gen counts invalidations: a snapshot whose load began in another
	// generation may predate a write, so it is used but not kept.
	gen  uint64
	snap *Snapshot
}

// NewStore returns a Store on db.
func NewStore(db store.Store) *Store { return &Store{db: db, now: time.Now} }

// Snapshot is every stored descriptor at one moment, by application and
// name. It is never modified, so a pointer identifies it: a cache built
// from one stays right while the Store hands out the same one.
type Snapshot struct {
	all    []Descriptor // by application, then name
	loaded time.Time
}

// All returns every descriptor; the caller must not modify it.
func (s *Snapshot) All() []Descriptor {
	if s == nil {
		return nil
	}
	return s.all
}

// Snapshot returns the descriptors, read from the store only when no
// fresh snapshot is kept.
func (s *Store) Snapshot(ctx context.Context) (*Snapshot, error) {
	now := s.now()
	s.mu.Lock()
	snap, gen := s.snap, s.gen
	s.mu.Unlock()
	if snap != nil && now.Sub(snap.loaded) < MaxAge {
		return snap, nil
	}
	all, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	snap = &Snapshot{all: all, loaded: now}
	s.mu.Lock()
	if s.gen == gen {
		s.snap = snap
	}
	s.mu.Unlock()
	return snap, nil
}

// Invalidate drops the snapshot: after a write here or on another node,
// or a clear-cache request.
func (s *Store) Invalidate() {
	s.mu.Lock()
	s.gen++
	s.snap = nil
	s.mu.Unlock()
}

func (s *Store) list(ctx context.Context) ([]Descriptor, error) {
	var out []Descriptor
	err := s.db.List(ctx, store.AppPrivileges, func(key string, val []byte) error {
		d, err := decode(key, val)
		if err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("apppriv: list: %w", err)
	}
	// Keys sort "app/name", which is not (app, name) when an application
	// is a prefix of another ("app" and "app-x" around "/").
	slices.SortFunc(out, func(a, b Descriptor) int {
		if c := strings.Compare(a.Application, b.Application); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

type record struct {
	Application string          `json:"application"`
	Name        string          `json:"name"`
	Actions     []string        `json:"actions"`
	Metadata    json.RawMessage `json:"metadata"`
}

func decode(key string, val []byte) (Descriptor, error) {
	var r record
	if err := json.Unmarshal(val, &r); err != nil {
		return Descriptor{}, fmt.Errorf("apppriv: stored privilege %q is unreadable: %w", key, err)
	}
	return Descriptor(r), nil
}

// Get returns the stored descriptors of the applications and names asked,
// as NativePrivilegeStore.getPrivileges selects them: no application (or
// "*") means all, one ending in "*" is a prefix; no name means all.
func (s *Store) Get(ctx context.Context, applications, names []string) ([]Descriptor, error) {
	all, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	out := []Descriptor{}
	for _, d := range all {
		if appSelected(applications, d.Application) && (len(names) == 0 || slices.Contains(names, d.Name)) {
			out = append(out, d)
		}
	}
	return out, nil
}

func appSelected(applications []string, app string) bool {
	if len(applications) == 0 {
		return true
	}
	for _, a := range applications {
		if prefix, ok := strings.CutSuffix(a, "*"); ok && strings.HasPrefix(app, prefix) || a == app {
			return true
		}
	}
	return false
}

// Put creates or replaces the descriptor and reports whether it is new.
func (s *Store) Put(ctx context.Context, d Descriptor) (created bool, err error) {
	doc, err := d.MarshalJSON()
	if err != nil {
		return false, err
	}
	created, err = s.db.Update(ctx, store.AppPrivileges, d.key(), func([]byte) ([]byte, error) { return doc, nil })
	if err != nil {
		return false, fmt.Errorf("apppriv: put %q: %w", d.key(), err)
	}
	s.Invalidate()
	return created, nil
}

// Delete removes the named privileges of the application and returns
// those that existed.
func (s *Store) Delete(ctx context.Context, application string, names []string) (found []string, err error) {
	for _, n := range names {
		key := Descriptor{Application: application, Name: n}.key()
		err := s.db.Delete(ctx, store.AppPrivileges, key)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return found, fmt.Errorf("apppriv: delete %q: %w", key, err)
		}
		found = append(found, n)
		s.Invalidate()
	}
	return found, nil
}

// NewSnapshot makes a snapshot of descriptors, for tests of code that
// resolves against one.
func NewSnapshot(ds []Descriptor) *Snapshot { return &Snapshot{all: ds} }
