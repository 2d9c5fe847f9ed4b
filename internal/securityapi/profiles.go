package securityapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/profiles"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/user"
	"github.com/esauth/esauth/internal/xcontent"
)

// profileAction is the prefix of the user profile actions, all of which
// manage_user_profile grants.
const profileAction = "cluster:admin/xpack/security/profile/"

// profileRoutes are the user profile APIs (8.2+), which have no legacy
// /_xpack paths.
func (a *API) profileRoutes() []route {
	if a.Profiles == nil {
		return nil
	}
	const p, bd = "/_security/profile", rest.BodyBuffered
	rs := []route{
		{"POST", p + "/_activate", profileAction + "activate", bd, a.activateProfile},
		{"GET", p + "/{uid}", profileAction + "get", rest.BodyNone, a.getProfiles},
	}
	for _, m := range []string{"PUT", "POST"} {
		rs = append(rs,
			route{m, p + "/{uid}/_data", profileAction + "put/data", bd, a.updateProfileData},
			route{m, p + "/{uid}/_enable", profileAction + "set_enabled", rest.BodyNone, a.setProfileEnabled(true)},
			route{m, p + "/{uid}/_disable", profileAction + "set_enabled", rest.BodyNone, a.setProfileEnabled(false)})
	}
	for _, m := range []string{"GET", "POST"} {
		rs = append(rs,
			route{m, p + "/_suggest", profileAction + "suggest", bd, a.suggestProfiles},
			route{m, p + "/_has_privileges", profileAction + "has_privileges", bd, a.profileHasPrivileges})
	}
	return rs
}

// activateProfile is POST /_security/profile/_activate: the body's grant
// is authenticated as a request's own credentials would be (realms,
// lockout, audit), and the profile of the user it proves is created or
// refreshed (TransportActivateProfileAction).
func (a *API) activateProfile(c *pipeline.Call) (pipeline.Prepared, error) {
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	g, err := profiles.ParseActivate(body)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Validate: g.Validate, Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		if a.Authn == nil {
			return nil, eserr.IllegalState("profile activation has no authenticator")
		}
		grant := authn.Grant{Type: *g.Type}
		for _, f := range []struct{ from, to *string }{{g.Username, &grant.Username}, {g.Password, &grant.Password}, {g.AccessToken, &grant.AccessToken}} {
			if f.from != nil {
				*f.to = *f.from
			}
		}
		auth, err := a.Authn.AuthenticateGrant(ctx, c.Request.Request, grant, c.AuditRequest)
		if err != nil {
			return nil, forAction(err, c, profileAction+"activate")
		}
		sub, err := a.profileSubject(auth)
		if err != nil {
			return nil, err
		}
		p, err := a.Profiles.Activate(ctx, sub)
		if err != nil {
			return nil, err
		}
		return rest.OK(p)
	}}, nil
}

// forAction words a failed grant as Elasticsearch's authentication of a
// transport action does: "for action [...]" where a request's own
// credentials say "for REST request [...]".
func forAction(err error, c *pipeline.Call, action string) error {
	var e *eserr.Error
	if !errors.As(err, &e) || e.Status != http.StatusUnauthorized {
		return err
	}
	cp := *e
	cp.Reason = strings.Replace(e.Reason, "for REST request ["+c.Request.Request.RequestURI+"]", "for action ["+action+"]", 1)
	return &cp
}

// profileSubject is the user a grant proved, as ProfileService.
// activateProfile takes it: users only, without the anonymous roles that
// authentication adds to everyone's.
func (a *API) profileSubject(auth authn.Authentication) (profiles.Subject, error) {
	switch {
	case auth.APIKey != nil && !auth.IsRunAs():
		return profiles.Subject{}, eserr.IllegalArgument("profile is supported for user only, but subject is a [api_key]")
	case auth.ServiceAccount != nil && !auth.IsRunAs():
		return profiles.Subject{}, eserr.IllegalArgument("profile is supported for user only, but subject is a [service_account]")
	}
	u, r := auth.Effective.User, auth.Effective.Realm
	if user.IsInternal(u.Username) {
		return profiles.Subject{}, eserr.IllegalState("profile should not be created for internal user [%s]", u.Username)
	}
	roleNames := u.Roles
	if anon := a.Anonymous.Roles; a.Anonymous.Enabled() && len(roleNames) >= len(anon) && slices.Equal(roleNames[len(roleNames)-len(anon):], anon) {
		roleNames = roleNames[:len(roleNames)-len(anon)]
	}
	return profiles.Subject{Username: u.Username, Roles: slices.Clone(roleNames), FullName: u.FullName, Email: u.Email,
		Realm: profiles.Realm{Name: r.Name, Type: r.Type}}, nil
}

// getProfiles is GET /_security/profile/{uid}: the profiles found and,
// for each uid without one, its error; always a 200.
func (a *API) getProfiles(c *pipeline.Call) (pipeline.Prepared, error) {
	uids := rest.Names(c.PathParam("uid"))
	data, _ := c.Param("data")
	keys := profiles.DataKeys(data)
	return pipeline.Prepared{
		Validate: func() error {
			var v eserr.Validator
			if len(uids) == 0 {
				v.Add("profile UIDs must be provided")
			}
			if slices.Contains(uids, "") {
				v.Add("Profile UID cannot be empty")
			}
			return v.Err()
		},
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			found, errs, err := a.Profiles.Get(ctx, uids, keys)
			if err != nil {
				return nil, err
			}
			if found == nil {
				found = []profiles.Profile{}
			}
			return rest.OK(withErrors(xcontent.Obj("profiles", found), errs))
		},
	}, nil
}

// withErrors adds XContentUtils.maybeAddErrorDetails's "errors": their
// count, and each by id in id order.
func withErrors(o xcontent.Object, errs map[string]*eserr.Error) xcontent.Object {
	if len(errs) == 0 {
		return o
	}
	ids := make([]string, 0, len(errs))
	for id := range errs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	details := make(xcontent.Object, 0, len(ids))
	for _, id := range ids {
		details = details.With(id, exceptionObject(errs[id]))
	}
	return o.With("errors", xcontent.Obj("count", len(errs), "details", details))
}

// exceptionObject is an exception as generateThrowableXContent writes it.
func exceptionObject(e *eserr.Error) xcontent.Object {
	o := xcontent.Obj("type", e.Type, "reason", e.Reason)
	for _, m := range e.Metadata {
		o = o.With(m[0], m[1])
	}
	if e.CausedBy != nil {
		o = o.With("caused_by", exceptionObject(e.CausedBy))
	}
	return o
}

// updateProfileData is PUT|POST /_security/profile/{uid}/_data.
func (a *API) updateProfileData(c *pipeline.Call) (pipeline.Prepared, error) {
	uid := c.PathParam("uid")
	seqNo, err := longParam(c, "if_seq_no")
	if err != nil {
		return pipeline.Prepared{}, err
	}
	term, err := longParam(c, "if_primary_term")
	if err != nil {
		return pipeline.Prepared{}, err
	}
	if err := refresh(c); err != nil {
		return pipeline.Prepared{}, err
	}
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	u, err := profiles.ParseDataUpdate(body)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Validate: u.Validate, Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		v := profiles.Version{SeqNo: seqNo, PrimaryTerm: term}
		if err := a.Profiles.UpdateData(ctx, uid, u.Labels, u.Data, v); err != nil {
			return nil, err
		}
		return rest.OK(xcontent.Obj("acknowledged", true))
	}}, nil
}

// longParam is RestRequest.paramAsLong with -1 when absent.
func longParam(c *pipeline.Call, name string) (int64, error) {
	s, ok := c.Param(name)
	if !ok {
		return -1, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		e := eserr.IllegalArgument("Failed to parse long parameter [%s] with value [%s]", name, s)
		e.CausedBy = &eserr.Error{Type: "number_format_exception", Status: http.StatusBadRequest, Reason: "For input string: \"" + s + "\""}
		return 0, e
	}
	return n, nil
}

// setProfileEnabled is PUT|POST /_security/profile/{uid}/_enable and
// _disable.
func (a *API) setProfileEnabled(enabled bool) func(*pipeline.Call) (pipeline.Prepared, error) {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		uid := c.PathParam("uid")
		if err := refresh(c); err != nil {
			return pipeline.Prepared{}, err
		}
		return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			if err := a.Profiles.SetEnabled(ctx, uid, enabled); err != nil {
				return nil, err
			}
			return rest.OK(xcontent.Obj("acknowledged", true))
		}}, nil
	}
}

// suggestProfiles is GET|POST /_security/profile/_suggest.
func (a *API) suggestProfiles(c *pipeline.Call) (pipeline.Prepared, error) {
	var dataParam *string
	if d, ok := c.Param("data"); ok {
		dataParam = &d
	}
	req, err := profiles.ParseSuggest(c.Content(), dataParam)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Validate: req.Validate, Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		res, err := a.Profiles.Suggest(ctx, req)
		if err != nil {
			return nil, err
		}
		return rest.OK(res)
	}}, nil
}

// profileHasPrivileges is GET|POST /_security/profile/_has_privileges:
// which of the enabled profiles' users hold every privilege asked, each
// checked by the same code as the user _has_privileges, with the roles
// the profile recorded at its last activation (and the anonymous roles,
// as every user's).
func (a *API) profileHasPrivileges(c *pipeline.Call) (pipeline.Prepared, error) {
	const desc = "profile_has_privileges_request"
	req, err := profiles.ParseHasPrivileges(c.Content())
	if err != nil {
		return pipeline.Prepared{}, err
	}
	check, err := parseCheck(desc, req.Privileges)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{
		Validate: func() error {
			var v eserr.Validator
			req.ValidateUIDs(&v)
			if len(check.Cluster) == 0 && len(check.Index) == 0 && len(check.Application) == 0 {
				v.Add("must specify at least one privilege")
			}
			return v.Err()
		},
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			enabled, errs, err := a.Profiles.Enabled(ctx, req.UIDs)
			if err != nil {
				return nil, err
			}
			held := []string{}
			for _, p := range enabled {
				ok, err := a.profileHolds(ctx, p.Subject(), check)
				var e *eserr.Error
				switch {
				case errors.As(err, &e):
					errs[p.UID()] = e
				case err != nil:
					return nil, err
				case ok:
					held = append(held, p.UID())
				}
			}
			return rest.OK(withErrors(xcontent.Obj("has_privilege_uids", held), errs))
		},
	}, nil
}

// profileHolds checks privileges for a profile's user as RBACEngine.
// checkPrivileges does for a subject: an unknown cluster privilege fails
// the check.
func (a *API) profileHolds(ctx context.Context, sub profiles.Subject, check authz.Check) (bool, error) {
	for _, cp := range check.Cluster {
		if err := roles.CheckClusterPrivilege(cp); err != nil {
			return false, err
		}
	}
	names := slices.Clone(sub.Roles)
	if a.Anonymous.Enabled() && sub.Username != a.Anonymous.Username {
		names = append(names, a.Anonymous.Roles...)
	}
	p := realm.Principal{User: user.User{Username: sub.Username, Roles: names, FullName: sub.FullName, Email: sub.Email,
		Metadata: user.EmptyMetadata, Enabled: true}, Realm: realm.Ref{Name: sub.Realm.Name, Type: sub.Realm.Type}}
	ans, err := a.Authz.HasPrivileges(ctx, authn.Authentication{Authenticating: p, Effective: p, Type: authn.TypeRealm}, check)
	return ans.All, err
}

// profileUIDs finds the profile uid of each user, by username, for the
// with_profile_uid parameter of get user and query user; nil when
// profiles are off.
func (a *API) profileUIDs(ctx context.Context, users []user.User) (map[string]string, error) {
	if a.Profiles == nil {
		return nil, nil
	}
	subs := make([]profiles.Subject, len(users))
	for i, u := range users {
		subs[i] = profiles.Subject{Username: u.Username, Realm: a.userRealm(u.Username)}
	}
	return a.Profiles.UIDs(ctx, subs)
}

// allProfileUIDs is profileUIDs for every user of the user API, found in
// one pass over the profiles.
func (a *API) allProfileUIDs(ctx context.Context) (map[string]string, error) {
	if a.Profiles == nil {
		return nil, nil
	}
	out := map[string]string{}
	err := a.Profiles.Each(ctx, func(p profiles.Profile) error {
		sub := p.Subject()
		if (profiles.Subject{Username: sub.Username, Realm: a.userRealm(sub.Username)}).SameUser(sub) {
			out[sub.Username] = p.UID()
		}
		return nil
	})
	return out, err
}

// userRealm is the realm a user of the user API belongs to, as
// TransportGetUsersAction names it for finding profiles.
func (a *API) userRealm(name string) profiles.Realm {
	switch {
	case name == a.Anonymous.Username && a.Anonymous.Enabled():
		return profiles.Realm{Name: authn.AnonymousRealm.Name, Type: authn.AnonymousRealm.Type}
	case a.isReserved(name):
		return profiles.Realm{Name: realm.ReservedRef.Name, Type: realm.ReservedRef.Type}
	}
	return profiles.Realm{Name: realm.DefaultNativeRef.Name, Type: realm.DefaultNativeRef.Type}
}

func (a *API) isReserved(name string) bool {
	_, ok := a.reserved(name)
	return ok
}

// withProfileUID is a user followed by its profile uid.
type withProfileUID struct {
	u   xcontent.Appender
	uid string
}

func (v withProfileUID) AppendJSON(dst []byte) ([]byte, error) {
	dst, err := v.u.AppendJSON(dst)
	if err != nil || v.uid == "" {
		return dst, err
	}
	return appendProfileUID(dst, v.uid), nil
}

// appendProfileUID adds "profile_uid" as the last field of the object
// that dst ends with.
func appendProfileUID(dst []byte, uid string) []byte {
	dst = append(dst[:len(dst)-1], `,"profile_uid":`...)
	dst = xcontent.AppendString(dst, uid)
	return append(dst, '}')
}

// withProfileUIDs adds with_profile_uid to query user: each user of the
// answer gets its profile_uid, as QueryUserResponse.Item writes it.
func (a *API) withProfileUIDs(prepare func(*pipeline.Call) (pipeline.Prepared, error)) func(*pipeline.Call) (pipeline.Prepared, error) {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		with, err := c.BoolParam("with_profile_uid", false)
		if err != nil {
			return pipeline.Prepared{}, err
		}
		p, err := prepare(c)
		if err != nil || !with || p.Run == nil {
			return p, err
		}
		run := p.Run
		p.Run = func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
			res, err := run(ctx, d)
			if err != nil || res.Status != http.StatusOK {
				return res, err
			}
			body, err := a.addProfileUIDs(ctx, res.Body)
			if err != nil {
				return nil, err
			}
			res.Body = body
			return res, nil
		}
		return p, nil
	}
}

// addProfileUIDs puts profile_uid last in each object of the answer's
// "users" array.
func (a *API) addProfileUIDs(ctx context.Context, body any) (json.RawMessage, error) {
	raw, err := xcontent.Append(nil, body)
	if err != nil {
		return nil, err
	}
	var top xcontent.Object
	var users []json.RawMessage
	at := -1
	err = xcontent.Fields(raw, func(v xcontent.Value) error {
		if v.Field == "users" {
			at = len(top)
			if err := json.Unmarshal(v.Raw, &users); err != nil {
				return err
			}
		}
		top = top.With(v.Field, v.Raw)
		return nil
	})
	if err != nil || at < 0 {
		return raw, err
	}
	list := make([]user.User, len(users))
	for i, u := range users {
		if err := json.Unmarshal(u, &list[i]); err != nil {
			return nil, err
		}
	}
	uids, err := a.profileUIDs(ctx, list)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(users))
	for i, u := range users {
		out[i] = u
		if uid := uids[list[i].Username]; uid != "" {
			out[i] = appendProfileUID(append([]byte(nil), u...), uid)
		}
	}
	top[at].Value = out
	return xcontent.Append(nil, top)
}
