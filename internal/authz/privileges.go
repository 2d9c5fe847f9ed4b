package authz

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/esauth/esauth/internal/authn"
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
	set, err := a.sets.get(ctx, auth.Effective.User.Roles)
	if err != nil {
		return UserPrivileges{}, err
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
	set, err := a.sets.get(ctx, auth.Effective.User.Roles)
	if err != nil {
		return Answer{}, err
	}
	found := set.found
	ans := Answer{All: true}
	held := func(ok bool) bool {
		ans.All = ans.All && ok
		return ok
	}
	for _, priv := range c.Cluster {
		ok := false
		for _, d := range found {
			ok = ok || clusterPrivilegeCovers(d.Cluster, priv)
		}
		ans.Cluster = appendVerdict(ans.Cluster, priv, held(ok))
	}
	for _, ic := range c.Index {
		for _, name := range ic.Names {
			rv := resourceEntry(&ans.Index, name)
			for _, priv := range ic.Privileges {
				rv.Verdicts = appendVerdict(rv.Verdicts, priv, held(indexPrivilegeHeld(found, name, priv, ic.AllowRestrictedIndices)))
			}
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
				rv.Verdicts = appendVerdict(rv.Verdicts, priv, held(applicationPrivilegeHeld(found, ac.Application, res, priv)))
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

// indexPrivilegeHeld reports whether the roles grant priv on every index
// the name (or pattern) covers: the actions of the privileges of every
// group whose patterns cover the name, together, must include priv's.
func indexPrivilegeHeld(found map[string]roles.Descriptor, name, priv string, allowRestricted bool) bool {
	want, named := roles.LookupIndexPrivilege(priv)
	wantPatterns := want.Include
	if !named {
		wantPatterns = []string{priv + "*"}
	}
	restricted := isRestricted(name)
	var granted []string
	for _, d := range found {
		for _, ip := range d.Indices {
			if restricted && !ip.AllowRestrictedIndices {
				continue
			}
			if !patternsCover(ip.Names, name) {
				continue
			}
			for _, p := range ip.Privileges {
				if np, ok := roles.LookupIndexPrivilege(p); ok {
					granted = append(granted, np.Include...)
				} else {
					granted = append(granted, p+"*")
				}
			}
		}
	}
	for _, w := range wantPatterns {
		if !patternsCover(granted, w) {
			return false
		}
	}
	return true
}

// isRestricted reports the system indices Elasticsearch protects unless a
// role allows restricted indices.
func isRestricted(name string) bool {
	return roles.MatchAny([]string{".security", ".security-*", ".security-tokens*", ".security-profile*", ".async-search*", ".fleet-secrets*"}, name)
}

// applicationPrivilegeHeld checks one application privilege on a resource.
func applicationPrivilegeHeld(found map[string]roles.Descriptor, app, resource, priv string) bool {
	for _, d := range found {
		for _, ap := range d.Applications {
			if !roles.Match(ap.Application, app) {
				continue
			}
			if !slices.ContainsFunc(ap.Privileges, func(p string) bool { return roles.Match(p, priv) }) {
				continue
			}
			if patternsCover(ap.Resources, resource) {
				return true
			}
		}
	}
	return false
}

// patternsCover reports whether the patterns match everything pattern q
// matches. Patterns are literals or end in "*" (q may also be a literal
// containing no wildcard); that makes the check exact for them.
func patternsCover(have []string, q string) bool {
	prefix, wild := strings.CutSuffix(q, "*")
	for _, h := range have {
		if hp, ok := strings.CutSuffix(h, "*"); ok && !strings.Contains(hp, "*") {
			if strings.HasPrefix(prefix, hp) {
				return true
			}
			continue
		}
		if !wild && roles.Match(h, q) {
			return true
		}
		if wild && h == q {
			return true
		}
	}
	return false
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
