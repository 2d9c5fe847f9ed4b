package apppriv

import (
	"maps"
	"slices"
	"strings"

	"github.com/esauth/esauth/internal/pattern"
)

// Privilege is a resolved ApplicationPrivilege: an application (a name or
// a pattern), the privilege names it was asked or granted by, and the
// action patterns those stand for.
type Privilege struct {
	Application string
	Names       []string // a sorted set
	Actions     []string // a sorted set
	actions     actionSet
}

// equal is ApplicationPrivilege.equals: same application, names and
// actions.
func (p Privilege) equal(o Privilege) bool {
	return p.Application == o.Application && slices.Equal(p.Names, o.Names) && slices.Equal(p.Actions, o.Actions)
}

// Get is ApplicationPrivilege.get: the privileges names stand for in
// application. A pattern application stands for each stored application
// it matches (itself when none does). stored may hold other
// applications' descriptors.
func Get(application string, names []string, stored []Descriptor) []Privilege {
	if len(names) == 0 {
		return []Privilege{newPrivilege(application, []string{"none"}, nil)}
	}
	if !strings.Contains(application, "*") {
		return []Privilege{resolve(application, names, stored)}
	}
	match, err := pattern.Compile(application)
	var out []Privilege
	seen := map[string]bool{}
	for _, d := range stored {
		if err == nil && match.Match(d.Application) && !seen[d.Application] {
			seen[d.Application] = true
			out = append(out, resolve(d.Application, names, stored))
		}
	}
	if len(out) == 0 {
		out = append(out, resolve(application, names, nil))
	}
	return out
}

// resolve: a privilege name stands for its stored descriptor's actions
// (nothing, without one); anything else is an action pattern itself.
func resolve(application string, names []string, stored []Descriptor) Privilege {
	var actions []string
	for _, n := range names {
		if !IsPrivilegeName(n) {
			actions = append(actions, n)
			continue
		}
		for _, d := range stored {
			if d.Application == application && d.Name == n {
				actions = append(actions, d.Actions...)
			}
		}
	}
	return newPrivilege(application, names, actions)
}

func newPrivilege(application string, names, actions []string) Privilege {
	p := Privilege{Application: application, Names: sortedSet(names), Actions: sortedSet(actions)}
	p.actions = compileSet(p.Actions)
	return p
}

// Grant is one privilege granted on resources (patterns).
type Grant struct {
	Privilege Privilege
	Resources []string
}

// Permission is ApplicationPermission: a role's granted application
// privileges, one entry per distinct privilege.
type Permission struct {
	entries []*entry
}

type entry struct {
	priv      Privilege
	app       *pattern.Pattern // nil when it does not compile: matches nothing
	resources []string
	res       actionSet
}

// NewPermission merges grants of equal privileges, their resources
// united, as ApplicationPermission's constructor does.
func NewPermission(grants []Grant) *Permission {
	p := &Permission{}
	for _, g := range grants {
		var e *entry
		for _, x := range p.entries {
			if x.priv.equal(g.Privilege) {
				e = x
			}
		}
		if e == nil {
			e = &entry{priv: g.Privilege}
			e.app, _ = pattern.Compile(g.Privilege.Application)
			p.entries = append(p.entries, e)
		}
		e.resources = sortedSet(append(e.resources, g.Resources...))
		e.res = compileSet(e.resources)
	}
	return p
}

// Check is ApplicationPermission.checkResourcePrivileges for one resource
// and privilege: every privilege the name resolves to must be granted.
func (p *Permission) Check(application, resource, privilege string, stored []Descriptor) bool {
	for _, priv := range Get(application, []string{privilege}, stored) {
		if !p.Grants(priv, resource) {
			return false
		}
	}
	return true
}

// Grants is ApplicationPermission.grants: some entry matches the
// privilege and its resources cover every resource the asked one (a
// pattern) covers.
func (p *Permission) Grants(other Privilege, resource string) bool {
	asked := compileSet([]string{resource})
	for _, e := range p.entries {
		if e.matches(other) && asked.within(e.res) {
			return true
		}
	}
	return false
}

// matches is PermissionEntry.matchesPrivilege: the same privilege, or,
// for a matching application, actions that cover everything (or, both
// non-empty, everything the other's actions cover).
func (e *entry) matches(other Privilege) bool {
	if e.priv.equal(other) {
		return true
	}
	if e.app == nil || !e.app.Match(other.Application) {
		return false
	}
	if e.priv.actions.total() {
		return true
	}
	return !e.priv.actions.empty() && !other.actions.empty() && other.actions.within(e.priv.actions)
}

// actionSet is the language of a set of patterns (actions or resources),
// with the literal ones apart: the common questions about them (Kibana
// asks for literal actions and resources) need no automaton search.
type actionSet struct {
	literals []string
	patterns []*pattern.Pattern
	set      *pattern.Set
	auto     *pattern.Automaton
}

// compileSet compiles patterns; one that does not compile matches
// nothing (Elasticsearch would fail the request; esauth fails closed).
func compileSet(patterns []string) actionSet {
	var s actionSet
	var good []string
	for _, src := range patterns {
		c, err := pattern.Compile(src)
		if err != nil {
			continue
		}
		good = append(good, src)
		if lit, ok := c.Literal(); ok {
			s.literals = append(s.literals, lit)
		} else {
			s.patterns = append(s.patterns, c)
		}
	}
	s.set, _ = pattern.NewSet(good...)
	var as []*pattern.Automaton
	for _, src := range good {
		as = append(as, pattern.MustCompile(src).Automaton())
	}
	s.auto = pattern.Union(as...)
	return s
}

var everything = pattern.MustCompile("*").Automaton()

// total reports whether the set matches every string.
func (s actionSet) total() bool {
	for _, p := range s.patterns {
		if p.String() == "*" {
			return true
		}
	}
	return len(s.patterns) > 0 && subset(everything, s.auto)
}

// empty reports whether the set matches no string.
func (s actionSet) empty() bool {
	if len(s.literals) > 0 {
		return false
	}
	if len(s.patterns) == 0 {
		return true
	}
	e, decided := pattern.IsEmpty(s.auto)
	return e || !decided
}

// within reports whether every string s matches, o matches.
func (s actionSet) within(o actionSet) bool {
	if o.set == nil {
		return s.empty()
	}
	if len(s.patterns) == 0 {
		for _, l := range s.literals {
			if !o.set.Match(l) {
				return false
			}
		}
		return true
	}
	return subset(s.auto, o.auto)
}

// subset is pattern.Subset failing closed.
func subset(a, b *pattern.Automaton) bool {
	sub, decided := pattern.Subset(a, b)
	return sub && decided
}

func sortedSet(s []string) []string {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return slices.Sorted(maps.Keys(m))
}
