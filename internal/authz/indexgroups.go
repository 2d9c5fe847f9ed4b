package authz

import (
	"slices"
	"strings"

	"github.com/esauth/esauth/internal/pattern"
	"github.com/esauth/esauth/internal/roles"
)

// indexGroup is one "indices" entry of a role, compiled: which names it
// covers, which actions its privileges grant, and whether it restricts
// documents or fields.
type indexGroup struct {
	src        []string // the names as the role writes them
	names      []*pattern.Pattern
	actionSrc  []string // the action patterns of its privileges
	actions    []*pattern.Pattern
	restricted bool // allow_restricted_indices
	dls, fls   bool
}

func compileGroup(ip roles.IndexPrivileges) indexGroup {
	g := indexGroup{src: ip.Names, restricted: ip.AllowRestrictedIndices, dls: ip.Query != "", fls: restrictsFields(ip.FieldSecurity)}
	for _, n := range ip.Names {
		// A pattern that does not compile covers nothing: fail closed.
		if p, err := pattern.Compile(n); err == nil {
			g.names = append(g.names, p)
		}
	}
	g.actionSrc = actionPatterns(ip.Privileges)
	for _, a := range g.actionSrc {
		if p, err := pattern.Compile(a); err == nil {
			g.actions = append(g.actions, p)
		}
	}
	return g
}

// actionPatterns are the action patterns of index privileges: a named
// privilege's, or an action name and those below it.
func actionPatterns(privileges []string) []string {
	var out []string
	for _, p := range privileges {
		if np, ok := roles.LookupIndexPrivilege(p); ok {
			out = append(out, np.Include...)
		} else if roles.IsIndexAction(strings.ToLower(p)) {
			out = append(out, pattern.Escape(p)+"*")
		}
	}
	return out
}

// restrictsFields reports field-level security that hides something: a
// grant of every field with no exception hides nothing.
func restrictsFields(fs *roles.FieldSecurity) bool {
	return fs != nil && !(slices.Equal(fs.Grant, []string{"*"}) && len(fs.Except) == 0)
}

func anyMatch(ps []*pattern.Pattern, s string) bool {
	for _, p := range ps {
		if p.Match(s) {
			return true
		}
	}
	return false
}

func (g *indexGroup) grantsAction(action string) bool { return anyMatch(g.actions, action) }

// covers reports whether the group reaches the name: restricted indices
// only with allow_restricted_indices, even when named explicitly.
func (g *indexGroup) covers(name string, restricted bool) bool {
	return (!restricted || g.restricted) && anyMatch(g.names, name)
}

// grantsIndexAction is Role.checkIndicesAction: some group grants the
// action on some index. Actions of multi-item requests are decided this
// way (their items carry the real checks), and a request whose action no
// group grants is refused before its indices are even looked at.
func (s *roleSet) grantsIndexAction(action string) bool {
	if s.limitedBy != nil && !s.limitedBy.grantsIndexAction(action) {
		return false
	}
	for i := range s.indices {
		if s.indices[i].grantsAction(action) {
			return true
		}
	}
	return false
}

// access is what the roles give on one index for one action.
type access struct {
	allowed bool
	// dls and fls: every group that grants the action restricts documents
	// (fields); one group without a restriction lifts it, as Elasticsearch
	// merges roles.
	dls, fls bool
}

func (s *roleSet) indexAccess(action, name string) access {
	restricted := s.restrictedIndices.Match(name)
	var a access
	a.dls, a.fls = true, true
	for i := range s.indices {
		g := &s.indices[i]
		if !g.grantsAction(action) || !g.covers(name, restricted) {
			continue
		}
		a.allowed = true
		a.dls = a.dls && g.dls
		a.fls = a.fls && g.fls
	}
	if !a.allowed {
		return access{}
	}
	if s.limitedBy != nil {
		l := s.limitedBy.indexAccess(action, name)
		if !l.allowed {
			return access{}
		}
		// Restrictions of either side hold: the key sees no more
		// documents or fields than its owner, nor than it was given.
		a.dls, a.fls = a.dls || l.dls, a.fls || l.fls
	}
	return a
}

// coversEverything reports whether the groups granting action cover every
// index name outside the restricted ones.
func (s *roleSet) coversEverything(action string) bool {
	if s.limitedBy != nil && !s.limitedBy.coversEverything(action) {
		return false
	}
	var names []string
	for i := range s.indices {
		if s.indices[i].grantsAction(action) {
			names = append(names, s.indices[i].src...)
		}
	}
	r := s.restrictedIndices.Automaton()
	return subset(pattern.Minus(union([]string{"*"}), r), pattern.Minus(union(names), r))
}

func (s *roleSet) coversExpression(action, expr string) bool {
	if s.limitedBy != nil && !s.limitedBy.coversExpression(action, expr) {
		return false
	}
	parts := strings.Split(expr, "*")
	for i, p := range parts {
		parts[i] = pattern.Escape(p)
	}
	asked, err := pattern.Compile(strings.Join(parts, "*"))
	if err != nil {
		return false
	}
	r := s.restrictedIndices.Automaton()
	var allowed []*pattern.Automaton
	for i := range s.indices {
		g := &s.indices[i]
		if !g.grantsAction(action) {
			continue
		}
		names := union(g.src)
		if !g.restricted {
			names = pattern.Minus(names, r)
		}
		allowed = append(allowed, names)
	}
	return subset(asked.Automaton(), pattern.Union(allowed...))
}

// actionsOn is the automaton of every action the roles allow on name.
func (s *roleSet) actionsOn(name string) *pattern.Automaton {
	restricted := s.restrictedIndices.Match(name)
	var patterns []string
	for i := range s.indices {
		if s.indices[i].covers(name, restricted) {
			patterns = append(patterns, s.indices[i].actionSrc...)
		}
	}
	if s.limitedBy != nil {
		return pattern.Intersect(union(patterns), s.limitedBy.actionsOn(name))
	}
	return union(patterns)
}
