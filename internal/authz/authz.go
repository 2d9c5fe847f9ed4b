package authz

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/realm"
)

// Action names the user-facing routes map to.
const (
	ActionAuthenticate   = "cluster:admin/xpack/security/user/authenticate"
	ActionChangePassword = "cluster:admin/xpack/security/user/change_password"
)

// Authorizer checks cluster actions against a principal's roles.
type Authorizer struct {
	roles RoleSource
	privs map[string]privilege
	// ordered lists privileges by access level for denial messages.
	ordered []privilege
}

// New returns an Authorizer resolving roles through src.
func New(src RoleSource) *Authorizer {
	privs := clusterPrivileges()
	a := &Authorizer{roles: src, privs: make(map[string]privilege, len(privs)), ordered: byAccessLevel(privs)}
	for _, p := range privs {
		a.privs[p.name] = p
	}
	return a
}

// Authorize allows action for p, or returns Elasticsearch's 403. target is
// the user the request acts on, for the rules that let users act on
// themselves without any privilege.
func (a *Authorizer) Authorize(ctx context.Context, p realm.Principal, action, target string) error {
	if action == ActionAuthenticate {
		return nil
	}
	found, err := a.roles.Roles(ctx, p.User.Roles)
	if err != nil {
		return err
	}
	for _, r := range found {
		if a.roleGrants(r, action) {
			return nil
		}
	}
	if action == ActionChangePassword && target == p.User.Username &&
		(p.Realm.Type == "native" || p.Realm.Type == "reserved") {
		return nil
	}
	return a.denial(p, found, action)
}

func (a *Authorizer) roleGrants(r Role, action string) bool {
	for _, c := range r.Cluster {
		if p, ok := a.privs[c]; ok {
			if p.grants(action) {
				return true
			}
		} else if strings.Contains(c, ":") && match(c, action) {
			return true
		}
	}
	return false
}

// denial words the 403 as AuthorizationDenialMessages does.
func (a *Authorizer) denial(p realm.Principal, found map[string]Role, action string) error {
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
		if pr.grants(action) {
			granting = append(granting, pr.name)
		}
	}
	if len(granting) > 0 {
		b.WriteString(", this action is granted by the cluster privileges [" + strings.Join(granting, ",") + "]")
	}
	return eserr.Security(http.StatusForbidden, "%s", b.String())
}
