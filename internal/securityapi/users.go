package securityapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
	"github.com/esauth/esauth/internal/xcontent"
)

// password is the password part of a put-user or change-password body:
// a clear-text password (validated now, hashed after authorization) or a
// ready hash.
type password struct {
	clear *string
	hash  string
}

func (p *password) set() bool { return p.clear != nil || p.hash != "" }

// readPassword handles the "password" field as the request builders do,
// checking it against the password policy (by default Elasticsearch's
// length rule).
func (p *password) readPassword(v xcontent.Value, policy user.PasswordPolicy, username string) error {
	s, err := v.String()
	if err != nil {
		return err
	}
	if err := policy.Check(username, s); err != nil {
		return eserr.Validation(err.Error())
	}
	if p.hash != "" {
		return eserr.Validation("password_hash has already been set")
	}
	p.clear = &s
	return nil
}

// readHash handles "password_hash": any hash Elasticsearch could verify in
// a stored-password algorithm, whatever the configured one (8.7+).
func (p *password) readHash(v xcontent.Value, configured passhash.Hasher) error {
	s, err := v.String()
	if err != nil {
		return err
	}
	if err := passhash.ValidateStoredHash(s, configured); err != nil {
		return eserr.IllegalArgument("%s", err.Error())
	}
	if p.set() {
		return eserr.Validation("password_hash has already been set")
	}
	p.hash = s
	return nil
}

// finalHash hashes a clear password with the configured algorithm. It runs
// after authorization, so unauthorized callers cannot make the server hash,
// and outside any lock.
func (p *password) finalHash(h passhash.Hasher) (string, error) {
	if p.clear == nil {
		return p.hash, nil
	}
	return h.Hash(*p.clear)
}

type putUser struct {
	user     user.User
	rolesSet bool
	password password
}

// putUser is PUT|POST /_security/user/{username}.
func (a *API) putUser(c *pipeline.Call) (pipeline.Prepared, error) {
	name := c.PathParam("username")
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	req := putUser{user: user.User{Username: name, Enabled: true, Metadata: user.EmptyMetadata}}
	err = xcontent.Fields(body, func(v xcontent.Value) error { return a.putUserField(&req, v) })
	if err != nil {
		return pipeline.Prepared{}, err
	}
	if err := refresh(c); err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{
		Authz: authz.Request{Target: name},
		Validate: func() error {
			var v eserr.Validator
			if !req.rolesSet {
				v.Add("roles are missing")
			}
			if underscoreKey(req.user.Metadata) {
				v.Add("metadata keys may not start with [_]")
			}
			return v.Err()
		},
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			if err := a.validatePutUser(c.Auth, req.user); err != nil {
				return nil, err
			}
			c.AuditChange(audit.PutUserChange(req.user, req.password.set()))
			hash, err := req.password.finalHash(a.Hasher)
			if err != nil {
				return nil, err
			}
			created, err := a.Users.Put(ctx, req.user, hash)
			if err != nil {
				return nil, err
			}
			if c.Route.Deprecated != "" {
				// The 6.x shape, so examples from the old docs keep working.
				return rest.OK(xcontent.Obj("user", xcontent.Obj("created", created), "created", created))
			}
			return rest.OK(xcontent.Obj("created", created))
		},
	}, nil
}

func (a *API) putUserField(req *putUser, v xcontent.Value) error {
	var err error
	u := &req.user
	switch v.Field {
	case "password":
		return req.password.readPassword(v, a.policy(), u.Username)
	case "password_hash":
		return req.password.readHash(v, a.Hasher)
	case "roles":
		req.rolesSet = true
		if v.Token() == xcontent.String {
			var s string
			if s, err = v.String(); err == nil {
				u.Roles = xcontent.CommaList(s)
			}
			return err
		}
		u.Roles, err = v.StringArray()
	case "full_name":
		u.FullName, err = v.NullableString()
	case "email":
		u.Email, err = v.NullableString()
	case "metadata":
		u.Metadata, err = v.Object()
	case "enabled":
		u.Enabled, err = v.Bool()
	case "username":
		var s string
		if s, err = v.String(); err == nil && s != u.Username {
			err = eserr.IllegalArgument("[username] in source does not match the username provided [%s]", u.Username)
		}
	default:
		err = eserr.Parse("failed to parse add user request. unexpected field [%s]", v.Field)
	}
	return err
}

// validatePutUser is TransportPutUserAction's validation: every problem is
// collected into one action_request_validation_exception.
func (a *API) validatePutUser(caller authn.Authentication, u user.User) error {
	var v eserr.Validator
	if !u.Enabled && u.Username == caller.User().Username && nativeOrReserved(caller) {
		v.Add("native and reserved realm users may not update the enabled status of their own account")
	}
	if u.Username == a.Anonymous.Username {
		v.Add("user [%s] is anonymous and cannot be modified via the API", u.Username)
	} else if _, ok := a.reserved(u.Username); ok {
		v.Add("user [%s] is reserved and only the password can be changed", u.Username)
	} else if err := user.ValidateUsername(u.Username); err != nil {
		v.Add("%s", err.Error())
	}
	for _, role := range u.Roles {
		if err := user.ValidateRoleName(role); err != nil {
			v.Add("%s", err.Error())
		}
	}
	return v.Err()
}

func nativeOrReserved(caller authn.Authentication) bool {
	t := caller.Effective.Realm.Type
	return t == "native" || t == "reserved"
}

// underscoreKey reports a top-level metadata key starting with "_".
func underscoreKey(md json.RawMessage) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(md, &m) != nil {
		return false
	}
	for k := range m {
		if strings.HasPrefix(k, "_") {
			return true
		}
	}
	return false
}

// getUsers is GET /_security/user and GET /_security/user/{username}.
func (a *API) getUsers(c *pipeline.Call) (pipeline.Prepared, error) {
	withProfile, err := c.BoolParam("with_profile_uid", false)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	// esauth's own: adds last_authenticated (epoch milliseconds, null when
	// unknown), so the default shape stays Elasticsearch's.
	withLast, err := c.BoolParam("with_last_authenticated", false)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	list, named := c.Params.Get("username")
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		last, err := a.lastAuthTimes(ctx, withLast)
		if err != nil {
			return nil, err
		}
		if !named {
			var uids map[string]string
			if withProfile {
				if uids, err = a.allProfileUIDs(ctx); err != nil {
					return nil, err
				}
			}
			return rest.OK(rest.Streamer(func(w *bufio.Writer) error { return a.streamAllUsers(ctx, w, withLast, last, uids) }))
		}
		var users []user.User
		seen := map[string]bool{}
		for _, n := range rest.Names(list) {
			if seen[n] {
				continue
			}
			seen[n] = true
			u, ok, err := a.lookupUser(ctx, n)
			if err != nil {
				return nil, err
			}
			if ok {
				users = append(users, u)
			}
		}
		if len(users) == 0 {
			return rest.EmptyNotFound()
		}
		var uids map[string]string
		if withProfile {
			if uids, err = a.profileUIDs(ctx, users); err != nil {
				return nil, err
			}
		}
		found := xcontent.Object{}
		for _, u := range users {
			var v xcontent.Appender = u
			if withLast {
				v = userWithLast{u, last}
			}
			found = found.With(u.Username, withProfileUID{v, uids[u.Username]})
		}
		return rest.OK(found)
	}}, nil
}

// lookupUser finds a built-in or native user by name.
func (a *API) lookupUser(ctx context.Context, name string) (user.User, bool, error) {
	if name == a.Anonymous.Username && a.Anonymous.Enabled() {
		return authn.AnonymousUser(a.Anonymous), true, nil
	}
	if b, ok := a.reserved(name); ok {
		st, err := a.Users.GetReserved(ctx, name)
		if err != nil {
			return user.User{}, false, err
		}
		return b.User(st.Enabled), true, nil
	}
	acc, err := a.Users.Get(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return user.User{}, false, nil
	}
	return acc.User, err == nil, err
}

// streamAllUsers writes every built-in user, then every native user, as
// one JSON object without holding the list in memory.
func (a *API) streamAllUsers(ctx context.Context, w *bufio.Writer, withLast bool, last map[string]time.Time, uids map[string]string) error {
	w.WriteByte('{')
	var buf []byte // reused for every user
	emit := func(u user.User) error {
		if buf != nil {
			buf = append(buf[:0], ',')
		}
		buf = xcontent.AppendString(buf, u.Username)
		buf = append(buf, ':')
		var err error
		if withLast {
			buf, err = userWithLast{u, last}.AppendJSON(buf)
		} else {
			buf, err = u.AppendJSON(buf)
		}
		if err != nil {
			return err
		}
		if uid := uids[u.Username]; uid != "" {
			buf = appendProfileUID(buf, uid)
		}
		_, err = w.Write(buf)
		return err
	}
	if a.ReservedRealm {
		for _, b := range user.Builtins() {
			st, err := a.Users.GetReserved(ctx, b.Name)
			if err != nil {
				return err
			}
			if err := emit(b.User(st.Enabled)); err != nil {
				return err
			}
		}
	}
	if a.Anonymous.Enabled() {
		if err := emit(authn.AnonymousUser(a.Anonymous)); err != nil {
			return err
		}
	}
	if err := a.Users.List(ctx, emit); err != nil {
		return err
	}
	return w.WriteByte('}')
}

// deleteUser is DELETE /_security/user/{username}.
func (a *API) deleteUser(c *pipeline.Call) (pipeline.Prepared, error) {
	name := c.PathParam("username")
	if err := refresh(c); err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Authz: authz.Request{Target: name}, Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		c.AuditChange(audit.DeleteUserChange(name))
		if name == a.Anonymous.Username {
			return nil, eserr.IllegalArgument("user [%s] is anonymous and cannot be deleted", name)
		}
		if _, ok := a.reserved(name); ok {
			return nil, eserr.IllegalArgument("user [%s] is reserved and cannot be deleted", name)
		}
		if user.IsInternal(name) {
			return nil, eserr.IllegalArgument("user [%s] is internal", name)
		}
		found, err := a.Users.Delete(ctx, name)
		if err != nil {
			return nil, err
		}
		if found && a.LastAuth != nil {
			// A new user of the same name starts without a history.
			if err := a.LastAuth.Forget(ctx, name); err != nil {
				a.Log.Warn("forgetting the last authentication of a deleted user", "user", name, "err", err)
			}
		}
		return rest.Found(found)
	}}, nil
}

// changePassword is PUT|POST /_security/user/{username}/_password and the
// caller's own /_security/user/_password.
func (a *API) changePassword(c *pipeline.Call) (pipeline.Prepared, error) {
	name := targetUser(c)
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	var pw password
	err = xcontent.Fields(body, func(v xcontent.Value) error {
		switch v.Field {
		case "password":
			return pw.readPassword(v, a.policy(), name)
		case "password_hash":
			return pw.readHash(v, a.Hasher)
		}
		return eserr.Parse("failed to parse change password request. unexpected field [%s]", v.Field)
	})
	if err != nil {
		return pipeline.Prepared{}, err
	}
	if err := refresh(c); err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{
		Authz: authz.Request{Target: name},
		Validate: func() error {
			if pw.set() {
				return nil
			}
			var v eserr.Validator
			v.Add("password is missing")
			return v.Err()
		},
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			c.AuditChange(audit.PasswordChange(name))
			if name == a.Anonymous.Username {
				return nil, eserr.IllegalArgument("user [%s] is anonymous and cannot be modified via the API", name)
			}
			_, reserved := a.reserved(name)
			if !reserved {
				if err := a.checkNative(ctx, name); err != nil {
					return nil, err
				}
			}
			hash, err := pw.finalHash(a.Hasher)
			if err != nil {
				return nil, err
			}
			if reserved {
				err = a.Users.ChangeReservedPassword(ctx, name, hash)
			} else {
				err = a.Users.ChangePassword(ctx, name, hash)
			}
			if err != nil {
				return nil, err
			}
			return rest.OK(xcontent.Object{})
		},
	}, nil
}

// checkNative refuses a password change for a user that only the file
// realm knows, with the message of Elasticsearch's pre-check; a user that
// exists nowhere is left to the store's "user must exist" answer.
func (a *API) checkNative(ctx context.Context, name string) error {
	if a.FileUsers == nil {
		return nil
	}
	if _, err := a.Users.Get(ctx, name); !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if _, ok := a.FileUsers.Lookup(name); ok {
		return eserr.Validation(fmt.Sprintf("user [%s] is file-based and cannot be managed via this API.", name))
	}
	return nil
}

// setEnabled is PUT|POST /_security/user/{username}/_enable and _disable.
// Like Elasticsearch it reads no parameters, so ?refresh is rejected.
func (a *API) setEnabled(enabled bool) func(*pipeline.Call) (pipeline.Prepared, error) {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		name := c.PathParam("username")
		return pipeline.Prepared{
			Authz: authz.Request{Target: name},
			Validate: func() error {
				if err := user.ValidateUsername(name); err != nil {
					var v eserr.Validator
					v.Add("%s", err.Error())
					return v.Err()
				}
				return nil
			},
			Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
				c.AuditChange(audit.EnabledChange(name, enabled))
				if name == c.Auth.User().Username && nativeOrReserved(c.Auth) {
					return nil, eserr.IllegalArgument("users may not update the enabled status of their own account")
				}
				if user.IsInternal(name) {
					return nil, eserr.IllegalArgument("user [%s] is internal", name)
				}
				if name == a.Anonymous.Username {
					return nil, eserr.IllegalArgument("user [%s] is anonymous and cannot be modified using the api", name)
				}
				var err error
				if _, ok := a.reserved(name); ok {
					err = a.Users.SetReservedEnabled(ctx, name, enabled)
				} else {
					err = a.Users.SetEnabled(ctx, name, enabled)
				}
				if err != nil {
					return nil, err
				}
				return rest.OK(xcontent.Object{})
			},
		}, nil
	}
}

// whoami is GET /_security/_authenticate.
func (a *API) whoami(c *pipeline.Call) (pipeline.Prepared, error) {
	return pipeline.Prepared{
		Authz: authz.Request{Target: c.Auth.User().Username},
		Run: func(context.Context, authz.Decision) (*rest.Response, error) {
			return rest.OK(authenticateBody{c.Auth})
		},
	}, nil
}

// authenticateBody is the _authenticate answer, written without boxing
// its fields: it is the most frequent response.
type authenticateBody struct{ auth authn.Authentication }

func (b authenticateBody) AppendJSON(dst []byte) ([]byte, error) {
	dst, err := b.auth.User().AppendJSON(dst)
	if err != nil {
		return nil, err
	}
	dst = append(dst[:len(dst)-1], `,"authentication_realm":`...)
	dst, _ = b.auth.Authenticating.Realm.AppendJSON(dst)
	dst = append(dst, `,"lookup_realm":`...)
	dst, _ = b.auth.Effective.Realm.AppendJSON(dst)
	dst = append(dst, `,"authentication_type":`...)
	dst = xcontent.AppendString(dst, string(b.auth.Type))
	if sa := b.auth.ServiceAccount; sa != nil {
		dst = append(dst, `,"token":{"name":`...)
		dst = xcontent.AppendString(dst, sa.TokenName)
		dst = append(dst, `,"type":`...)
		dst = xcontent.AppendString(dst, sa.TokenType)
		dst = append(dst, '}')
	}
	if k := b.auth.APIKey; k != nil {
		dst = append(dst, `,"api_key":{"id":`...)
		dst = xcontent.AppendString(dst, k.ID)
		if k.Name != "" { // keys of old versions may have none
			dst = append(dst, `,"name":`...)
			dst = xcontent.AppendString(dst, k.Name)
		}
		dst = append(dst, '}')
	}
	return append(dst, '}'), nil
}

// userWithLast is a user with its last successful authentication.
type userWithLast struct {
	u    user.User
	last map[string]time.Time
}

func (v userWithLast) AppendJSON(dst []byte) ([]byte, error) {
	dst, err := v.u.AppendJSON(dst)
	if err != nil {
		return nil, err
	}
	dst = append(dst[:len(dst)-1], `,"last_authenticated":`...)
	dst, _ = lastAuthenticated{v.last, v.u.Username}.AppendJSON(dst)
	return append(dst, '}'), nil
}

// lastAuthenticated is one user's "last_authenticated" value, as GET user
// and query user write it: epoch milliseconds, or null when unknown.
type lastAuthenticated struct {
	last map[string]time.Time
	name string
}

func (v lastAuthenticated) AppendJSON(dst []byte) ([]byte, error) {
	if t, ok := v.last[v.name]; ok {
		return strconv.AppendInt(dst, t.UnixMilli(), 10), nil
	}
	return append(dst, "null"...), nil
}

// lastAuthTimes reads every user's last authentication when
// with_last_authenticated asked for it, else nil.
func (a *API) lastAuthTimes(ctx context.Context, with bool) (map[string]time.Time, error) {
	if !with || a.LastAuth == nil {
		return nil, nil
	}
	return a.LastAuth.All(ctx)
}
