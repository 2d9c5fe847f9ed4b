package authz

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/pattern"
	"github.com/esauth/esauth/internal/roles"
)

// roleSet is the roles of one set of role names, compiled once and shared
// by every request with the same names.
type roleSet struct {
	found map[string]roles.Descriptor
	// effective and missing are the names found and not found, sorted and
	// without repeats, as denials list them.
	effective, missing []string
	cluster            []func(action string) bool
	// ownAPIKeys: a role holds manage_own_api_key, which grants the API
	// key actions only on the caller's own keys.
	ownAPIKeys bool
	runAs      []*pattern.Pattern
	// manageApps are the global application manage patterns
	// (ManageApplicationPrivileges).
	manageApps []*pattern.Pattern
	// apps is the application permission, compiled on first use for
	// the stored privileges it was resolved against.
	apps              *appCache
	indices           []indexGroup
	restrictedIndices *pattern.Set
	made              time.Time
	// limitedBy, when set, bounds the set: an API key's own roles may do
	// only what its owner's snapshot also allows (Elasticsearch's
	// LimitedRole). Every question is then answered by both.
	limitedBy *roleSet
}

func compile(names []string, found map[string]roles.Descriptor, restricted *pattern.Set) *roleSet {
	s := &roleSet{found: found, made: time.Now(), restrictedIndices: restricted, apps: &appCache{}}
	for _, n := range names {
		if _, ok := found[n]; ok {
			s.effective = append(s.effective, n)
		} else {
			s.missing = append(s.missing, n)
		}
	}
	slices.Sort(s.effective)
	s.effective = slices.Compact(s.effective)
	slices.Sort(s.missing)
	s.missing = slices.Compact(s.missing)
	for _, name := range sortedKeys(found) {
		for _, c := range found[name].Cluster {
			if p, ok := roles.LookupClusterPrivilege(c); ok && p.Conditional {
				s.ownAPIKeys = true
				continue
			}
			s.cluster = append(s.cluster, clusterRule(c))
		}
		for _, ip := range found[name].Indices {
			s.indices = append(s.indices, compileGroup(ip))
		}
		if g := found[name].Global; g != nil {
			for _, app := range g.ManageApplications {
				// A pattern that does not compile names no application.
				if p, err := pattern.Compile(app); err == nil {
					s.manageApps = append(s.manageApps, p)
				}
			}
		}
		for _, r := range found[name].RunAs {
			// A pattern that does not compile names no one.
			if p, err := pattern.Compile(r); err == nil {
				s.runAs = append(s.runAs, p)
			}
		}
	}
	return s
}

// clusterRule turns one cluster privilege, named or an action pattern,
// into the test of the actions it grants.
func clusterRule(c string) func(string) bool {
	if p, ok := roles.LookupClusterPrivilege(c); ok {
		return p.Grants
	}
	// An action pattern grants the actions it names and those below them,
	// as Elasticsearch turns it into pattern+"*".
	if !roles.IsClusterAction(strings.ToLower(c)) {
		return func(string) bool { return false }
	}
	p, err := pattern.Compile(c + "*")
	if err != nil {
		return func(string) bool { return false }
	}
	return p.Match
}

// grantsRunAs is Role.checkRunAs: a run_as pattern of any role names the
// user.
func (s *roleSet) grantsRunAs(username string) bool {
	if s.limitedBy != nil && !s.limitedBy.grantsRunAs(username) {
		return false
	}
	for _, p := range s.runAs {
		if p.Match(username) {
			return true
		}
	}
	return false
}

// holdsClusterAll reports a role with the cluster privilege all (or the
// pattern of every cluster action), which manage, for one, is not.
func (s *roleSet) holdsClusterAll() bool {
	if s.limitedBy != nil && !s.limitedBy.holdsClusterAll() {
		return false
	}
	for _, d := range s.found {
		for _, c := range d.Cluster {
			if c = strings.ToLower(c); c == "all" || c == "cluster:*" {
				return true
			}
		}
	}
	return false
}

func (s *roleSet) grantsCluster(action string) bool {
	if s.limitedBy != nil && !s.limitedBy.grantsCluster(action) {
		return false
	}
	for _, grants := range s.cluster {
		if grants(action) {
			return true
		}
	}
	return false
}

// apiKeyActions are the actions manage_own_api_key grants on own keys.
var apiKeyActions = pattern.MustCompile("cluster:admin/xpack/security/api_key/*")

// grantsOwnAPIKeys reports whether action is granted on the caller's own
// API keys: outright, or by manage_own_api_key.
func (s *roleSet) grantsOwnAPIKeys(action string) bool {
	if s.limitedBy != nil && !s.limitedBy.grantsOwnAPIKeys(action) {
		return false
	}
	own := *s
	own.limitedBy = nil
	return own.grantsCluster(action) || (s.ownAPIKeys && apiKeyActions.Match(action))
}

// appPrivilegeActions are the actions ManageApplicationPrivileges grants
// on the applications it names.
const appPrivilegeActions = "cluster:admin/xpack/security/privilege/"

// managesApplications is ManageApplicationPrivileges: an application
// privilege action on applications that each match a pattern of the
// global application manage privilege ("*", every application, only the
// pattern "*" covers). Every set the caller is bound by must grant the
// action, by this or by a cluster privilege.
func (s *roleSet) managesApplications(action string, apps []string) bool {
	if len(apps) == 0 || !strings.HasPrefix(action, appPrivilegeActions) || strings.HasPrefix(action, appPrivilegeActions+"builtin/") {
		return false
	}
	for x := s; x != nil; x = x.limitedBy {
		own := slices.ContainsFunc(x.cluster, func(grants func(string) bool) bool { return grants(action) })
		if !own && !x.managesAll(apps) {
			return false
		}
	}
	return true
}

func (s *roleSet) managesAll(apps []string) bool {
	for _, app := range apps {
		if !slices.ContainsFunc(s.manageApps, func(p *pattern.Pattern) bool { return p.Match(app) }) {
			return false
		}
	}
	return true
}

// maxRoleSets bounds the compiled sets kept; past it the cache starts
// afresh, which costs a recompilation per set, not correctness.
const maxRoleSets = 10_000

// roleSets caches compiled role sets by their sorted role names. A change
// to any role drops them all: role changes are rare, and a generation
// taken before resolving keeps a set compiled from roles read before a
// change from being cached after it.
type roleSets struct {
	src        RoleSource
	restricted *pattern.Set
	mu         sync.RWMutex
	gen        uint64
	sets       map[string]*roleSet
}

func newRoleSets(src RoleSource) *roleSets {
	r, err := pattern.NewSet(restrictedIndices...)
	if err != nil {
		panic("authz: the restricted index patterns do not compile: " + err.Error())
	}
	return &roleSets{src: src, restricted: r, sets: map[string]*roleSet{}}
}

func (c *roleSets) get(ctx context.Context, names []string) (*roleSet, error) {
	key := strings.Join(names, ",")
	if !slices.IsSorted(names) {
		sorted := slices.Clone(names)
		slices.Sort(sorted)
		key = strings.Join(sorted, ",")
	}
	c.mu.RLock()
	s, gen := c.sets[key], c.gen
	c.mu.RUnlock()
	if s != nil && time.Since(s.made) < MaxRoleAge {
		return s, nil
	}
	found, err := c.src.Roles(ctx, names)
	if err != nil {
		return nil, err
	}
	s = compile(names, found, c.restricted)
	c.mu.Lock()
	if c.gen == gen {
		if len(c.sets) >= maxRoleSets {
			clear(c.sets)
		}
		c.sets[key] = s
	}
	c.mu.Unlock()
	return s, nil
}

// forKey compiles an API key's privileges: its own descriptors limited by
// its owner's snapshot, or the snapshot alone when it has none. They are
// cached by the key's digest, which changes whenever they do.
func (c *roleSets) forKey(k *authn.APIKey) *roleSet {
	key := "\x00api_key\x00" + k.ID + "\x00" + k.Digest
	c.mu.RLock()
	s, gen := c.sets[key], c.gen
	c.mu.RUnlock()
	if s != nil {
		return s
	}
	limited := byName(k.LimitedBy)
	s = compile(sortedKeys(limited), limited, c.restricted)
	if len(k.Roles) > 0 {
		roles := byName(k.Roles)
		own := compile(sortedKeys(roles), roles, c.restricted)
		own.limitedBy = s
		s = own
	}
	c.mu.Lock()
	if c.gen == gen {
		if len(c.sets) >= maxRoleSets {
			clear(c.sets)
		}
		c.sets[key] = s
	}
	c.mu.Unlock()
	return s
}

// forService compiles a service account's one fixed role, shared by every
// request of the account.
func (c *roleSets) forService(principal string, role roles.Descriptor) *roleSet {
	key := "\x00service\x00" + principal
	c.mu.RLock()
	s, gen := c.sets[key], c.gen
	c.mu.RUnlock()
	if s != nil {
		return s
	}
	found := map[string]roles.Descriptor{principal: role}
	s = compile([]string{principal}, found, c.restricted)
	c.mu.Lock()
	if c.gen == gen {
		c.sets[key] = s
	}
	c.mu.Unlock()
	return s
}

// byName keys descriptors by their names.
func byName(ds []roles.Descriptor) map[string]roles.Descriptor {
	m := make(map[string]roles.Descriptor, len(ds))
	for _, d := range ds {
		m[d.Name] = d
	}
	return m
}

func (c *roleSets) clear() {
	c.mu.Lock()
	c.gen++
	clear(c.sets)
	c.mu.Unlock()
}
