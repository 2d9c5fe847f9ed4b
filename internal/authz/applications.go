package authz

import (
	"slices"
	"strings"
	"sync"

	"github.com/esauth/esauth/internal/apppriv"
)

// appCache keeps a role set's application permission with the snapshot
// of stored privileges it was resolved against: a write to any privilege
// brings a new snapshot, and with it a new permission.
type appCache struct {
	mu   sync.Mutex
	snap *apppriv.Snapshot
	perm *apppriv.Permission
}

// applications is the set's application permission against stored.
func (s *roleSet) applications(stored *apppriv.Snapshot) *apppriv.Permission {
	s.apps.mu.Lock()
	defer s.apps.mu.Unlock()
	if s.apps.perm == nil || s.apps.snap != stored {
		s.apps.perm, s.apps.snap = buildApplications(s, stored.All()), stored
	}
	return s.apps.perm
}

// buildApplications is CompositeRolesStore.buildRoleFromDescriptors for
// applications: the roles' entries grouped by application and resource
// set with their privilege names united, each group resolved against the
// stored privileges named by any group.
func buildApplications(s *roleSet, stored []apppriv.Descriptor) *apppriv.Permission {
	type group struct {
		app       string
		resources []string
		names     []string
	}
	var groups []*group
	byKey := map[string]*group{}
	allNames := map[string]bool{}
	for _, name := range sortedKeys(s.found) {
		for _, ap := range s.found[name].Applications {
			res := sortedSet(ap.Resources)
			key := ap.Application + "\x00" + strings.Join(res, "\x00")
			g := byKey[key]
			if g == nil {
				g = &group{app: ap.Application, resources: res}
				byKey[key] = g
				groups = append(groups, g)
			}
			g.names = append(g.names, ap.Privileges...)
			for _, p := range ap.Privileges {
				allNames[p] = true
			}
		}
	}
	// NativePrivilegeStore hands over only the privileges some group
	// names, which decides what a pattern application expands to.
	named := slices.DeleteFunc(slices.Clone(stored), func(d apppriv.Descriptor) bool { return !allNames[d.Name] })
	var grants []apppriv.Grant
	for _, g := range groups {
		for _, p := range apppriv.Get(g.app, sortedSet(g.names), named) {
			grants = append(grants, apppriv.Grant{Privilege: p, Resources: g.resources})
		}
	}
	return apppriv.NewPermission(grants)
}
