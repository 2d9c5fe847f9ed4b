package authz

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/roles"
)

// Action names with rules of their own.
const (
	ActionAuthenticate   = "cluster:admin/xpack/security/user/authenticate"
	ActionChangePassword = "cluster:admin/xpack/security/user/change_password"
	ActionHasPrivileges  = "cluster:admin/xpack/security/user/has_privileges"
	ActionListPrivileges = "cluster:admin/xpack/security/user/list_privileges"
)

// RoleSource resolves role names; names it does not know are left out of
// the result (they grant nothing and are reported as not found).
type RoleSource interface {
	Roles(ctx context.Context, names []string) (map[string]roles.Descriptor, error)
}

// Authorizer checks cluster actions against a principal's roles.
type Authorizer struct {
	roles RoleSource
	// ordered lists the named cluster privileges by access level, the
	// order of Elasticsearch's "granted by" list in denials.
	ordered []roles.NamedClusterPrivilege
}

// New returns an Authorizer resolving roles through src.
func New(src RoleSource) *Authorizer {
	return &Authorizer{roles: src, ordered: roles.ClusterPrivilegeTable()}
}

// Authorize allows action for p, or returns Elasticsearch's 403. target is
// the user the request acts on, for the rules that let users act on
// themselves without any privilege (RBACEngine's same-user rules).
func (a *Authorizer) Authorize(ctx context.Context, p realm.Principal, action, target string) error {
	if action == ActionAuthenticate {
		return nil
	}
	found, err := a.roles.Roles(ctx, p.User.Roles)
	if err != nil {
		return err
	}
	for _, d := range found {
		if clusterGrants(d.Cluster, action) {
			return nil
		}
	}
	if target == p.User.Username {
		switch action {
		case ActionHasPrivileges, ActionListPrivileges:
			return nil
		case ActionChangePassword:
			if p.Realm.Type == "native" || p.Realm.Type == "reserved" {
				return nil
			}
		}
	}
	return a.denial(p, found, action)
}

// clusterGrants reports whether any of a role's cluster privileges, named
// or an action pattern, grants action.
func clusterGrants(cluster []string, action string) bool {
	for _, c := range cluster {
		if clusterPrivilegeGrants(c, action) {
			return true
		}
	}
	return false
}

func clusterPrivilegeGrants(c, action string) bool {
	if p, ok := roles.LookupClusterPrivilege(c); ok {
		return p.Grants(action)
	}
	// An action pattern grants the actions it names and those below them,
	// as Elasticsearch turns it into pattern+"*".
	return roles.IsClusterAction(strings.ToLower(c)) && roles.Match(c+"*", action)
}

// denial words the 403 as AuthorizationDenialMessages does.
func (a *Authorizer) denial(p realm.Principal, found map[string]roles.Descriptor, action string) error {
	var effective, missing []string
	for _, n := range p.User.Roles {
		if _, ok := found[n]; ok {
			effective = append(effective, n)
		} else {
			missing = append(missing, n)
		}
	}
	slices.Sort(effective)
	effective = slices.Compact(effective)
	slices.Sort(missing)
	missing = slices.Compact(missing)
	var b strings.Builder
	b.WriteString("action [" + action + "] is unauthorized for user [" + p.User.Username + "]")
	b.WriteString(" with effective roles [" + strings.Join(effective, ",") + "]")
	if len(missing) > 0 {
		b.WriteString(" (assigned roles [" + strings.Join(missing, ",") + "] were not found)")
	}
	var granting []string
	for _, pr := range a.ordered {
		if pr.Grants(action) {
			granting = append(granting, pr.Name)
		}
	}
	if len(granting) > 0 {
		b.WriteString(", this action is granted by the cluster privileges [" + strings.Join(granting, ",") + "]")
	}
	return eserr.Security(http.StatusForbidden, "%s", b.String())
}
