package authz

import (
	"context"
	"sync"

	"github.com/esauth/esauth/internal/roles"
)

// Source resolves roles as Elasticsearch's CompositeRolesStore does: a
// built-in role first, then roles.yml, then the native roles. Native roles
// are kept in memory (found or not) until a write or clear-cache evicts
// them, so authorizing a request does not read the store.
type Source struct {
	builtin map[string]roles.Descriptor
	file    *roles.FileRoles // nil without roles.yml support
	native  *roles.Store

	mu    sync.RWMutex
	cache map[string]cachedRole
}

type cachedRole struct {
	d     roles.Descriptor
	found bool
}

// NewSource returns the role source; file may be nil.
func NewSource(file *roles.FileRoles, native *roles.Store) *Source {
	return &Source{builtin: roles.Builtin(), file: file, native: native, cache: map[string]cachedRole{}}
}

// Roles implements RoleSource.
func (s *Source) Roles(ctx context.Context, names []string) (map[string]roles.Descriptor, error) {
	out := make(map[string]roles.Descriptor, len(names))
	var missing []string
	for _, n := range names {
		if d, ok := s.local(n); ok {
			out[n] = d
			continue
		}
		s.mu.RLock()
		c, cached := s.cache[n]
		s.mu.RUnlock()
		if !cached {
			missing = append(missing, n)
		} else if c.found {
			out[n] = c.d
		}
	}
	if len(missing) == 0 || s.native == nil {
		return out, nil
	}
	list, err := s.native.Get(ctx, missing...)
	if err != nil {
		return nil, err
	}
	got := make(map[string]roles.Descriptor, len(list))
	for _, d := range list {
		got[d.Name] = d
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range missing {
		d, ok := got[n]
		s.cache[n] = cachedRole{d: d, found: ok}
		if ok {
			out[n] = d
		}
	}
	return out, nil
}

// local finds a built-in or file role.
func (s *Source) local(name string) (roles.Descriptor, bool) {
	if d, ok := s.builtin[name]; ok {
		return d, true
	}
	if s.file != nil {
		return s.file.Get(name)
	}
	return roles.Descriptor{}, false
}

// Invalidate forgets one native role, after a write to it.
func (s *Source) Invalidate(name string) {
	s.mu.Lock()
	delete(s.cache, name)
	s.mu.Unlock()
}

// InvalidateAll forgets every native role (clear cache).
func (s *Source) InvalidateAll() {
	s.mu.Lock()
	clear(s.cache)
	s.mu.Unlock()
}
