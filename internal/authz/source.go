package authz

import (
	"context"
	"sync"
	"time"

	"github.com/esauth/esauth/internal/roles"
)

// MaxRoleAge bounds how long a native role read from the store is used
// without reading it again: a backstop should an invalidation ever be
// lost, since invalidations are what normally keep the cache right.
const MaxRoleAge = time.Minute

// Source resolves roles as Elasticsearch's CompositeRolesStore does: a
// built-in role first, then roles.yml, then the native roles. Native roles
// are kept in memory (found or not) until a write or clear-cache evicts
// them, or MaxRoleAge passes, so authorizing a request does not read the
// store.
type Source struct {
	builtin map[string]roles.Descriptor
	file    *roles.FileRoles // nil without roles.yml support
	native  *roles.Store
	now     func() time.Time

	mu sync.RWMutex
	// gen counts invalidations: a load that saw another generation when
	// it started may have read a role before the write that evicted it,
	// so its result is not cached.
	gen   uint64
	cache map[string]cachedRole
}

type cachedRole struct {
	d      roles.Descriptor
	found  bool
	loaded time.Time
}

// NewSource returns the role source; file may be nil.
func NewSource(file *roles.FileRoles, native *roles.Store) *Source {
	return &Source{builtin: roles.Builtin(), file: file, native: native, now: time.Now, cache: map[string]cachedRole{}}
}

// Roles implements RoleSource.
func (s *Source) Roles(ctx context.Context, names []string) (map[string]roles.Descriptor, error) {
	out := make(map[string]roles.Descriptor, len(names))
	var missing []string
	now := s.now()
	s.mu.RLock()
	gen := s.gen
	for _, n := range names {
		if d, ok := s.local(n); ok {
			out[n] = d
			continue
		}
		c, cached := s.cache[n]
		if !cached || now.Sub(c.loaded) >= MaxRoleAge {
			missing = append(missing, n)
		} else if c.found {
			out[n] = c.d
		}
	}
	s.mu.RUnlock()
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
	keep := s.gen == gen
	for _, n := range missing {
		d, ok := got[n]
		if keep {
			s.cache[n] = cachedRole{d: d, found: ok, loaded: now}
		}
		if ok {
			out[n] = d
		}
	}
	s.mu.Unlock()
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
	s.gen++
	delete(s.cache, name)
	s.mu.Unlock()
}

// InvalidateAll forgets every native role (clear cache).
func (s *Source) InvalidateAll() {
	s.mu.Lock()
	s.gen++
	clear(s.cache)
	s.mu.Unlock()
}
