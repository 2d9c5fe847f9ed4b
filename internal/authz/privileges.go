package authz

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/esauth/esauth/internal/apppriv"
	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/pattern"
	"github.com/esauth/esauth/internal/roles"
)

// UserPrivileges is the merged view GET /_security/user/_privileges shows.
type UserPrivileges struct {
	Cluster      []string
	Indices      []IndexGrant
	Applications []roles.ApplicationPrivileges
	RunAs        []string
}

// IndexGrant is one group of index privileges with the same names and
// document/field restrictions.
type IndexGrant struct {
	Names                  []string
	Privileges             []string
	FieldSecurity          *roles.FieldSecurity
	Query                  string
	AllowRestrictedIndices bool
}

// Privileges merges the principal's roles: cluster privileges and run_as
// as sorted sets, index groups with the same names and restrictions
// combined, as TransportGetUserPrivilegesAction presents them.
func (a *Authorizer) Privileges(ctx context.Context, auth authn.Authentication) (UserPrivileges, error) {
	set, err := a.rolesOf(ctx, auth, false)
	if err != nil {
		return UserPrivileges{}, err
	}
	if set.limitedBy != nil {
		// Two role sets cannot be shown as one list of grants; this is
		// TransportGetUserPrivilegesAction's answer for such a key.
		return UserPrivileges{}, eserr.IllegalArgument("Cannot retrieve privileges for API keys with assigned role descriptors. Please use the Get API key information API https://ela.st/es-api-get-api-key")
	}
	found := set.found
	var out UserPrivileges
	groups := map[string]int{}
	for _, name := range sortedKeys(found) {
		d := found[name]
		out.Cluster = append(out.Cluster, d.Cluster...)
		out.RunAs = append(out.RunAs, d.RunAs...)
		out.Applications = append(out.Applications, d.Applications...)
		for _, ip := range d.Indices {
			names := sortedSet(ip.Names)
			fs, _ := json.Marshal(ip.FieldSecurity)
			key := strings.Join(names, ",") + "\x00" + string(fs) + "\x00" + ip.Query + "\x00" + boolKey(ip.AllowRestrictedIndices)
			if i, ok := groups[key]; ok {
				out.Indices[i].Privileges = sortedSet(append(out.Indices[i].Privileges, ip.Privileges...))
				continue
			}
			groups[key] = len(out.Indices)
			out.Indices = append(out.Indices, IndexGrant{Names: names, Privileges: sortedSet(ip.Privileges),
				FieldSecurity: ip.FieldSecurity, Query: ip.Query, AllowRestrictedIndices: ip.AllowRestrictedIndices})
		}
	}
	out.Cluster = sortedSet(out.Cluster)
	out.RunAs = sortedSet(out.RunAs)
	return out, nil
}

// Check is a _has_privileges request.
type Check struct {
	Cluster     []string
	Index       []IndexCheck
	Application []ApplicationCheck
}

// IndexCheck asks for privileges on index names (which may be patterns).
type IndexCheck struct {
	Names                  []string
	Privileges             []string
	AllowRestrictedIndices bool
}

// ApplicationCheck asks for application privileges on resources.
type ApplicationCheck struct {
	Application string
	Privileges  []string
	Resources   []string
}

// Answer is the verdict per asked privilege, in the order asked.
type Answer struct {
	All         bool
	Cluster     []Verdict
	Index       []ResourceVerdicts // by index name
	Application []AppVerdicts
}

// Verdict is one privilege and whether it is held.
type Verdict struct {
	Privilege string
	Held      bool
}

// ResourceVerdicts are the verdicts for one index or resource.
type ResourceVerdicts struct {
	Resource string
	Verdicts []Verdict
}

// AppVerdicts are the verdicts for one application's resources.
type AppVerdicts struct {
	Application string
	Resources   []ResourceVerdicts
}

// HasPrivileges answers a _has_privileges check for the caller.
func (a *Authorizer) HasPrivileges(ctx context.Context, auth authn.Authentication, c Check) (Answer, error) {
	set, err := a.rolesOf(ctx, auth, false)
	if err != nil {
		return Answer{}, err
	}
	// bySet answers a question of every role set the caller is bound by:
	// an API key's own roles and its owner's snapshot must both say yes.
	bySet := func(f func(found map[string]roles.Descriptor) bool) bool {
		for s := set; s != nil; s = s.limitedBy {
			if !f(s.found) {
				return false
			}
		}
		return true
	}
	ans := Answer{All: true}
	held := func(ok bool) bool {
		ans.All = ans.All && ok
		return ok
	}
	for _, priv := range c.Cluster {
		ok := bySet(func(found map[string]roles.Descriptor) bool {
			for _, d := range found {
				if clusterPrivilegeCovers(d.Cluster, priv) {
					return true
				}
			}
			return false
		})
		ans.Cluster = appendVerdict(ans.Cluster, priv, held(ok))
	}
	for _, ic := range c.Index {
		for _, name := range ic.Names {
			rv := resourceEntry(&ans.Index, name)
			for _, priv := range ic.Privileges {
				rv.Verdicts = appendVerdict(rv.Verdicts, priv, held(bySet(func(found map[string]roles.Descriptor) bool {
					return indexPrivilegeHeld(found, name, priv, ic.AllowRestrictedIndices)
				})))
			}
		}
	}
	var stored *apppriv.Snapshot
	if len(c.Application) > 0 && a.opt.Applications != nil {
		if stored, err = a.opt.Applications.Snapshot(ctx); err != nil {
			return Answer{}, err
		}
	}
	for _, ac := range c.Application {
		var av *AppVerdicts
		for i := range ans.Application {
			if ans.Application[i].Application == ac.Application {
				av = &ans.Application[i]
			}
		}
		if av == nil {
			ans.Application = append(ans.Application, AppVerdicts{Application: ac.Application})
			av = &ans.Application[len(ans.Application)-1]
		}
		for _, res := range ac.Resources {
			rv := resourceEntry(&av.Resources, res)
			for _, priv := range ac.Privileges {
				ok := true
				for s := set; s != nil && ok; s = s.limitedBy {
					ok = s.applications(stored).Check(ac.Application, res, priv, stored.All())
				}
				rv.Verdicts = appendVerdict(rv.Verdicts, priv, held(ok))
			}
		}
	}
	return ans, nil
}

func appendVerdict(vs []Verdict, priv string, ok bool) []Verdict {
	for i := range vs {
		if vs[i].Privilege == priv {
			vs[i].Held = vs[i].Held && ok
			return vs
		}
	}
	return append(vs, Verdict{priv, ok})
}

func resourceEntry(list *[]ResourceVerdicts, name string) *ResourceVerdicts {
	for i := range *list {
		if (*list)[i].Resource == name {
			return &(*list)[i]
		}
	}
	*list = append(*list, ResourceVerdicts{Resource: name})
	return &(*list)[len(*list)-1]
}

// clusterPrivilegeCovers reports whether a role's cluster privileges grant
// everything the asked privilege (a name or an action pattern) grants.
func clusterPrivilegeCovers(have []string, asked string) bool {
	want, ok := roles.LookupClusterPrivilege(asked)
	if !ok {
		// An action name: held when some privilege grants that action.
		for _, h := range have {
			if clusterRule(h)(asked) {
				return true
			}
		}
		return false
	}
	if len(want.Include) == 0 {
		return true // "none" is held by everyone
	}
	for _, h := range have {
		if hp, ok := roles.LookupClusterPrivilege(h); ok && hp.Implies(want) {
			return true
		}
	}
	return false
}

// restrictedIndices are the system indices a role reaches only with
// allow_restricted_indices (Elasticsearch 8's RestrictedIndices; its own
// list depends on the cluster's plugins, these are the security ones and
// those holding other users' results or secrets).
var restrictedIndices = []string{".security", ".security-*", ".security-tokens*", ".security-profile*", ".async-search*", ".fleet-secrets*"}

// union is the automaton of names any of patterns matches; a pattern that
// does not compile matches nothing.
func union(patterns []string) *pattern.Automaton {
	var as []*pattern.Automaton
	for _, p := range patterns {
		if c, err := pattern.Compile(p); err == nil {
			as = append(as, c.Automaton())
		}
	}
	return pattern.Union(as...)
}

// actionsOf is the automaton of the actions index privileges grant: a
// named privilege's patterns, or an action name and those below it.
func actionsOf(privileges []string) *pattern.Automaton {
	var patterns []string
	for _, p := range privileges {
		if np, ok := roles.LookupIndexPrivilege(p); ok {
			patterns = append(patterns, np.Include...)
		} else {
			patterns = append(patterns, pattern.Escape(p)+"*")
		}
	}
	return union(patterns)
}

// subset is pattern.Subset failing closed: an answer the budget could not
// decide is "no".
func subset(a, b *pattern.Automaton) bool {
	sub, decided := pattern.Subset(a, b)
	return sub && decided
}

// indexPrivilegeHeld is Role.checkIndicesPrivileges for one name (or
// pattern) and privilege: the groups whose names cover every index the
// name covers, together, must grant every action priv grants. Restricted
// indices are left out of both sides unless allowed: out of the name
// unless allowRestricted (or the name is itself a restricted index), out
// of each group unless it has allow_restricted_indices. A name that
// covers only restricted indices it may not ask about is held, as in
// Elasticsearch, which answers true for an empty question.
func indexPrivilegeHeld(found map[string]roles.Descriptor, name, priv string, allowRestricted bool) bool {
	q, err := pattern.Compile(name)
	if err != nil {
		return false
	}
	restricted := union(restrictedIndices)
	check := q.Automaton()
	if lit, isLiteral := q.Literal(); !allowRestricted && !(isLiteral && restricted.Match(lit)) {
		check = pattern.Minus(check, restricted)
	}
	if empty, decided := pattern.IsEmpty(check); empty && decided {
		return true
	}
	var granted []*pattern.Automaton
	for _, n := range sortedKeys(found) {
		for _, ip := range found[n].Indices {
			names := union(ip.Names)
			if !ip.AllowRestrictedIndices {
				names = pattern.Minus(names, restricted)
			}
			if subset(check, names) {
				granted = append(granted, actionsOf(ip.Privileges))
			}
		}
	}
	return len(granted) > 0 && subset(actionsOf([]string{priv}), pattern.Union(granted...))
}

func sortedSet(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func boolKey(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
