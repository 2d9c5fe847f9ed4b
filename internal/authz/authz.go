package authz

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/esauth/esauth/internal/apppriv"
	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/indices"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/roles"
)

// Action names with rules of their own.
const (
	ActionAuthenticate   = "cluster:admin/xpack/security/user/authenticate"
	ActionChangePassword = "cluster:admin/xpack/security/user/change_password"
	ActionHasPrivileges  = "cluster:admin/xpack/security/user/has_privileges"
	ActionListPrivileges = "cluster:admin/xpack/security/user/list_privileges"
	// ActionCheckPassword is esauth's password dry-run check: every
	// authenticated user may score a password for themselves.
	ActionCheckPassword = "cluster:admin/xpack/security/esauth/password/check"
)

// RoleSource resolves role names; names it does not know are left out of
// the result (they grant nothing and are reported as not found).
type RoleSource interface {
	Roles(ctx context.Context, names []string) (map[string]roles.Descriptor, error)
}

// Request is what a request asks to do, as authorization sees it.
type Request struct {
	// Action is the Elasticsearch action name.
	Action string
	// Target is the user the request acts on ("" when none), for the
	// rules that let users act on themselves.
	Target string
	// Index is set for an index action: what it touches.
	Index *IndexRequest
	// RequireAll grants the request only to users who hold every cluster
	// and index privilege: for requests nobody can tell what they touch.
	RequireAll bool
	// Applications are the applications an application privilege
	// request touches ("*" for every one), which the global privilege to
	// manage applications may cover; nil on every other request.
	Applications []string
	// OwnAPIKeys says the request touches only API keys the caller owns,
	// which manage_own_api_key allows.
	OwnAPIKeys bool
	// SelfAPIKey says an API key reads only itself, which needs no
	// privilege.
	SelfAPIKey bool
}

// Decision is a granted request. Only Authorize makes one that is
// Granted, so code that needs a Decision cannot run unauthorized.
type Decision struct {
	granted bool
	action  string
	runAs   RunAs
	// indices are the names an index action may be forwarded with.
	indices indices.Resolution
	// What item checks need: the request's caller and roles.
	a    *Authorizer
	auth authn.Authentication
	set  *roleSet
}

// Indices is what a granted index action may touch: the authorized names
// its expressions resolved to, or NoIndices.
func (d Decision) Indices() indices.Resolution { return d.indices }

// RunAs is what authorization said of a request's run-as.
type RunAs int

// The run-as verdicts: no run-as was asked, it was granted, or denied.
const (
	NoRunAs RunAs = iota
	RunAsGranted
	RunAsDenied
)

// RunAs reports the run-as verdict, also on a denied request, for the
// audit log: a denied run-as is audited instead of the action.
func (d Decision) RunAs() RunAs { return d.runAs }

// Granted reports whether the decision came from a successful Authorize.
func (d Decision) Granted() bool { return d.granted }

// Action is the action that was granted.
func (d Decision) Action() string { return d.action }

// Options configure an Authorizer.
type Options struct {
	// AnonymousAuthzException is xpack.security.authc.anonymous.authz_exception:
	// when false, an anonymous caller that is denied is asked for
	// credentials (401) rather than refused (403).
	AnonymousAuthzException bool
	// Applications are the stored application privileges that roles'
	// and _has_privileges' privilege names resolve to (nil: none stored).
	Applications ApplicationPrivileges
}

// ApplicationPrivileges hands out the stored application privileges.
type ApplicationPrivileges interface {
	// Snapshot returns every stored descriptor; the same pointer until
	// they change, so what is compiled from one can be kept with it.
	Snapshot(ctx context.Context) (*apppriv.Snapshot, error)
}

// Authorizer decides requests against the caller's roles.
type Authorizer struct {
	sets *roleSets
	opt  Options
	// ordered and indexOrdered list the named privileges by access level,
	// the order of Elasticsearch's "granted by" lists in denials.
	ordered      []roles.NamedClusterPrivilege
	indexOrdered []roles.NamedIndexPrivilege
}

// New returns an Authorizer resolving roles through src.
func New(src RoleSource, opt Options) *Authorizer {
	return &Authorizer{sets: newRoleSets(src), opt: opt, ordered: roles.ClusterPrivilegeTable(), indexOrdered: roles.IndexPrivilegeTable()}
}

// Invalidate drops the compiled role sets, after any role changed.
func (a *Authorizer) Invalidate() { a.sets.clear() }

// Authorize grants req to auth, or returns Elasticsearch's denial: a 403
// (or, for an anonymous caller when AnonymousAuthzException is false, a
// 401 asking for credentials).
//
// A request that runs as another user is first checked against the run_as
// privileges of the user who authenticated; then the action is decided
// with the roles of the user it runs as, as RBACEngine does.
func (a *Authorizer) Authorize(ctx context.Context, auth authn.Authentication, req Request) (Decision, error) {
	d := Decision{action: req.Action}
	if auth.IsRunAs() {
		by, err := a.rolesOf(ctx, auth, true)
		if err != nil {
			return Decision{}, err
		}
		// A run-as user no realm found has no realm, and is refused.
		if auth.Effective.Realm == (realm.Ref{}) || !by.grantsRunAs(auth.Effective.User.Username) {
			d.runAs = RunAsDenied
			return d, a.deny(auth, req.Action, func() error { return runAsDenial(auth, by, req.Action) })
		}
		d.runAs = RunAsGranted
	}
	if req.Action == ActionAuthenticate {
		d.granted = true
		return d, nil
	}
	set, err := a.rolesOf(ctx, auth, false)
	if err != nil {
		return Decision{}, err
	}
	d.a, d.auth, d.set = a, auth, set
	if req.RequireAll {
		if set.holdsClusterAll() && set.coversEverything("indices:*") {
			d.granted = true
			return d, nil
		}
		return d, a.deny(auth, req.Action, func() error {
			return eserr.Security(http.StatusForbidden, "action [%s] is unauthorized for user [%s]: esauth cannot tell what this request touches, so it allows it only to users with the cluster privilege [all] and every index privilege on every index",
				req.Action, auth.Effective.User.Username)
		})
	}
	if req.Index != nil {
		res, err := a.authorizeIndices(ctx, auth, set, req.Action, req.Index)
		if err != nil {
			return d, a.deny(auth, req.Action, func() error { return err })
		}
		d.granted, d.indices = true, res
		return d, nil
	}
	if set.grantsCluster(req.Action) || sameUser(auth, req) || (req.SelfAPIKey && auth.APIKey != nil) ||
		(req.OwnAPIKeys && set.grantsOwnAPIKeys(req.Action)) || set.managesApplications(req.Action, req.Applications) {
		d.granted = true
		return d, nil
	}
	return d, a.deny(auth, req.Action, func() error { return a.denial(auth, set, req.Action, req.OwnAPIKeys) })
}

// rolesOf is the compiled privileges a request is decided with: those of
// the subject who authenticated (for its run-as) or of the one it runs
// as; an API key's own, limited by its owner's snapshot, for a key that
// does not run as someone else.
func (a *Authorizer) rolesOf(ctx context.Context, auth authn.Authentication, authenticating bool) (*roleSet, error) {
	if auth.APIKey != nil && (authenticating || !auth.IsRunAs()) {
		return a.sets.forKey(auth.APIKey), nil
	}
	if sa := auth.ServiceAccount; sa != nil && (authenticating || !auth.IsRunAs()) {
		return a.sets.forService(auth.Authenticating.User.Username, sa.Role), nil
	}
	p := auth.Effective
	if authenticating {
		p = auth.Authenticating
	}
	return a.sets.get(ctx, p.User.Roles)
}

// RoleDescriptors are the roles of the user a request runs as, by name:
// what an API key it creates is limited by.
func (a *Authorizer) RoleDescriptors(ctx context.Context, auth authn.Authentication) ([]roles.Descriptor, error) {
	set, err := a.rolesOf(ctx, auth, false)
	if err != nil {
		return nil, err
	}
	out := make([]roles.Descriptor, 0, len(set.found))
	for _, name := range sortedKeys(set.found) {
		out = append(out, set.found[name])
	}
	return out, nil
}

// deny returns the denial, or, for an anonymous caller when
// authz_exception is false, a 401 asking for credentials.
func (a *Authorizer) deny(auth authn.Authentication, action string, denial func() error) error {
	err := denial()
	var e *eserr.Error
	if auth.IsAnonymous() && !a.opt.AnonymousAuthzException && errors.As(err, &e) && e.Status == http.StatusForbidden {
		return authn.Unauthenticated("action [%s] requires authentication", action)
	}
	return err
}

// sameUser is RBACEngine's same-user rule: users may authenticate, list
// and check their own privileges, and change their own password if a
// realm that keeps passwords vouched for them; esauth adds the password
// dry-run check, for any authenticated (not anonymous) caller.
func sameUser(auth authn.Authentication, req Request) bool {
	if req.Target == "" || req.Target != auth.Effective.User.Username {
		return false
	}
	switch req.Action {
	case ActionHasPrivileges, ActionListPrivileges:
		return true
	case ActionCheckPassword:
		return !auth.IsAnonymous()
	case ActionChangePassword:
		t := auth.Authenticating.Realm.Type
		return auth.Type == authn.TypeRealm && (t == "native" || t == "reserved")
	}
	return false
}

// denial words the 403 as AuthorizationDenialMessages.actionDenied does:
// the user who authenticated, whom the request runs as, and the roles it
// was decided with.
// own tells whether the request is on the caller's own API keys, where
// manage_own_api_key would grant it.
func (a *Authorizer) denial(auth authn.Authentication, set *roleSet, action string, own bool) error {
	return a.indexDenial(auth, set, action, nil, own)
}

// indexDenial is denial with the indices the user may not touch, which
// Elasticsearch names after the roles, restricted ones apart.
func (a *Authorizer) indexDenial(auth authn.Authentication, set *roleSet, action string, denied []string, own bool) error {
	var b strings.Builder
	b.WriteString("action [" + action + "] is unauthorized for " + subject(auth))
	if auth.IsRunAs() {
		b.WriteString(" run as [" + auth.Effective.User.Username + "]")
	}
	if (auth.APIKey == nil && auth.ServiceAccount == nil) || auth.IsRunAs() {
		// Keys and service accounts have no roles to name.
		writeRoles(&b, set)
	}
	var regular, restricted []string
	for _, n := range denied {
		if set.restrictedIndices.Match(n) {
			restricted = append(restricted, n)
		} else {
			regular = append(regular, n)
		}
	}
	switch {
	case len(regular) > 0 && len(restricted) > 0:
		b.WriteString(" on indices [" + strings.Join(regular, ",") + "] and restricted indices [" + strings.Join(restricted, ",") + "]")
	case len(regular) > 0:
		b.WriteString(" on indices [" + strings.Join(regular, ",") + "]")
	case len(restricted) > 0:
		b.WriteString(" on restricted indices [" + strings.Join(restricted, ",") + "]")
	}
	if roles.IsClusterAction(action) {
		if granting := a.grantedBy(action, own); len(granting) > 0 {
			b.WriteString(", this action is granted by the cluster privileges [" + strings.Join(granting, ",") + "]")
		}
	} else if roles.IsIndexAction(action) {
		var granting []string
		for _, pr := range a.indexOrdered {
			if pr.Grants(action) {
				granting = append(granting, pr.Name)
			}
		}
		if len(granting) > 0 {
			b.WriteString(", this action is granted by the index privileges [" + strings.Join(granting, ",") + "]")
		}
	}
	return eserr.Security(http.StatusForbidden, "%s", b.String())
}

// grantedBy lists the cluster privileges that grant action, in
// Elasticsearch's order. Like ClusterPrivilegeResolver.findPrivilegesThatGrant
// it asks each privilege about this request: a conditional one
// (manage_own_api_key) is named only for a request on the caller's own
// keys.
func (a *Authorizer) grantedBy(action string, own bool) []string {
	var granting []string
	for _, pr := range a.ordered {
		if pr.Grants(action) && (own || !pr.Conditional) {
			granting = append(granting, pr.Name)
		}
	}
	return granting
}

// runAsDenial is AuthorizationDenialMessages.runAsDenied: the roles are
// those of the user who authenticated, whose run_as privileges decided.
func runAsDenial(auth authn.Authentication, by *roleSet, action string) error {
	var b strings.Builder
	who := subject(auth)
	b.WriteString("action [" + action + "] is unauthorized for " + who)
	if auth.APIKey == nil && auth.ServiceAccount == nil {
		writeRoles(&b, by)
	}
	b.WriteString(", because " + who + " is unauthorized to run as [" + auth.Effective.User.Username + "]")
	return eserr.Security(http.StatusForbidden, "%s", b.String())
}

// subject names who authenticated, as AuthorizationDenialMessages does:
// an API key by its id and owner, anyone else by name.
func subject(auth authn.Authentication) string {
	if k := auth.APIKey; k != nil {
		return "API key id [" + k.ID + "] of user [" + auth.Authenticating.User.Username + "]"
	}
	return "user [" + auth.Authenticating.User.Username + "]"
}

// writeRoles is rolesDescription: the roles found, and those assigned but
// not found.
func writeRoles(b *strings.Builder, set *roleSet) {
	b.WriteString(" with effective roles [" + strings.Join(set.effective, ",") + "]")
	if len(set.missing) > 0 {
		b.WriteString(" (assigned roles [" + strings.Join(set.missing, ",") + "] were not found)")
	}
}
