package roles

import (
	"context"
	"errors"
	"fmt"

	"github.com/esauth/esauth/internal/store"
)

// Store keeps native roles in the store.Roles collection, one record per
// role keyed by name, holding the document Elasticsearch would write to its
// security index (the GET shape with "type":"role" in place of
// transient_metadata). It does not validate: callers run ParseDescriptor
// and Validate first, as the put-role API does before NativeRolesStore.
type Store struct {
	backend store.Store
	// Changed, if set, is called with the role's name after a write that
	// created, replaced or deleted it, so that role caches can drop it.
	// Set it before the Store is shared; it is read without locking.
	Changed func(name string)
}

// NewStore returns a Store on backend.
func NewStore(backend store.Store) *Store {
	return &Store{backend: backend}
}

// Get returns the roles with the given names, in the order asked and
// without repeats; unknown names are left out, as GET /_security/role
// leaves them out.
func (s *Store) Get(ctx context.Context, names ...string) ([]Descriptor, error) {
	out := []Descriptor{}
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		if seen[name] || name == "" {
			continue
		}
		seen[name] = true
		raw, err := s.backend.Get(ctx, store.Roles, name)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("roles: get %q: %w", name, err)
		}
		d, err := decodeStored(name, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// List returns every native role, by name.
func (s *Store) List(ctx context.Context) ([]Descriptor, error) {
	out := []Descriptor{}
	err := s.backend.List(ctx, store.Roles, func(name string, raw []byte) error {
		d, err := decodeStored(name, raw)
		if err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("roles: list: %w", err)
	}
	return out, nil
}

// Put creates or replaces the role and reports whether it is new.
func (s *Store) Put(ctx context.Context, d Descriptor) (created bool, err error) {
	if d.Name == "" {
		return false, errors.New("roles: put: role name is missing")
	}
	doc := d.storedJSON()
	created, err = s.backend.Update(ctx, store.Roles, d.Name, func([]byte) ([]byte, error) {
		return doc, nil
	})
	if err != nil {
		return false, fmt.Errorf("roles: put %q: %w", d.Name, err)
	}
	s.changed(d.Name)
	return created, nil
}

// Delete removes the role and reports whether it existed. Reserved roles
// cannot be deleted: that fails with Elasticsearch's
// illegal_argument_exception before the store is touched.
func (s *Store) Delete(ctx context.Context, name string) (found bool, err error) {
	if err := ReservedDeleteError(name); err != nil {
		return false, err
	}
	if name == "" {
		return false, nil
	}
	err = s.backend.Delete(ctx, store.Roles, name)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("roles: delete %q: %w", name, err)
	}
	s.changed(name)
	return true, nil
}

func (s *Store) changed(name string) {
	if s.Changed != nil {
		s.Changed(name)
	}
}

// decodeStored reads a record written by Put.
func decodeStored(name string, raw []byte) (Descriptor, error) {
	d, err := ParseDescriptor(name, raw, FromStore)
	if err != nil {
		return Descriptor{}, fmt.Errorf("roles: stored role %q is unreadable: %w", name, err)
	}
	return d, nil
}
