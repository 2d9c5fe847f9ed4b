package securityapi

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/esauth/esauth/internal/audit"

	"github.com/esauth/esauth/internal/apikey"
	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/peers"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
)

// apiKeysOn refuses every API key request while the service is off, as
// ApiKeyBaseRestHandler does before anything else.
func (a *API) apiKeysOn() error {
	if a.APIKeys == nil || !a.APIKeys.Enabled() {
		return apikey.ErrDisabled()
	}
	return nil
}

// caller is who creates or updates a key: the user the request runs as,
// with its roles for the key's limited-by snapshot.
func (a *API) caller(ctx context.Context, auth authn.Authentication) (apikey.Caller, error) {
	u, r := auth.Effective.User, auth.Effective.Realm
	owner := apikey.Owner{Username: u.Username, FullName: u.FullName, Email: u.Email, Metadata: u.Metadata, Realm: r.Name, RealmType: r.Type}
	if k := auth.APIKey; k != nil && !auth.IsRunAs() {
		owner.Realm, owner.RealmType = k.OwnerRealm.Name, k.OwnerRealm.Type
		return apikey.Caller{Owner: owner, ViaAPIKey: true}, nil
	}
	descriptors, err := a.Authz.RoleDescriptors(ctx, auth)
	if err != nil {
		return apikey.Caller{}, err
	}
	return apikey.Caller{Owner: owner, RoleDescriptors: descriptors}, nil
}

// ownedBy is the caller as the owner of keys: an API key stands for its
// owner, in the owner's realm.
func ownedBy(auth authn.Authentication) *apikey.OwnedBy {
	name, realmName := auth.Effective.User.Username, auth.Effective.Realm.Name
	if k := auth.APIKey; k != nil && !auth.IsRunAs() {
		realmName = k.OwnerRealm.Name
	}
	return &apikey.OwnedBy{Username: name, Realms: []string{realmName}}
}

// ownsByName is rule 4 of ManageOwnApiKeyClusterPrivilege: a request
// naming the caller's own username and realm. An API key owns no other
// key this way.
func ownsByName(auth authn.Authentication, username, realmName string) bool {
	if auth.APIKey != nil && !auth.IsRunAs() {
		return false
	}
	return username != "" && realmName != "" && username == auth.Effective.User.Username && realmName == auth.Effective.Realm.Name
}

// isSelf reports that every id is the calling key's own.
func isSelf(auth authn.Authentication, ids []string) bool {
	k := auth.APIKey
	return k != nil && !auth.IsRunAs() && len(ids) > 0 && !slices.ContainsFunc(ids, func(id string) bool { return id != k.ID })
}

// asOwner prepares a request that writes the caller's own keys (create,
// update): manage_own_api_key may always make it, and it runs with the
// caller as owner, whose roles limit the keys.
func (a *API) asOwner(c *pipeline.Call, validate func() error, run func(ctx context.Context, caller apikey.Caller) (any, error)) pipeline.Prepared {
	return pipeline.Prepared{Validate: validate, Authz: authz.Request{OwnAPIKeys: true},
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			caller, err := a.caller(ctx, c.Auth)
			if err != nil {
				return nil, err
			}
			res, err := run(ctx, caller)
			if err != nil {
				return nil, err
			}
			return rest.OK(res)
		}}
}

func (a *API) createAPIKey(c *pipeline.Call) (pipeline.Prepared, error) {
	if err := a.apiKeysOn(); err != nil {
		return pipeline.Prepared{}, err
	}
	if err := refresh(c); err != nil {
		return pipeline.Prepared{}, err
	}
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	req, err := apikey.ParseCreateRequest(body)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return a.asOwner(c, req.Validate, func(ctx context.Context, caller apikey.Caller) (any, error) {
		a.APIKeys.AssignID(req)
		c.AuditChange(audit.CreateAPIKeyChange(keyChange(req, nil)))
		return a.APIKeys.Create(ctx, req, caller)
	}), nil
}

func (a *API) getAPIKeys(c *pipeline.Call) (pipeline.Prepared, error) {
	if err := a.apiKeysOn(); err != nil {
		return pipeline.Prepared{}, err
	}
	var req apikey.GetRequest
	req.ID, _ = c.Param("id")
	req.Name, _ = c.Param("name")
	req.Username, _ = c.Param("username")
	req.RealmName, _ = c.Param("realm_name")
	for _, f := range []struct {
		name string
		to   *bool
	}{{"owner", &req.Owner}, {"with_limited_by", &req.WithLimitedBy}, {"active_only", &req.ActiveOnly},
		{"with_profile_uid", &req.WithProfileUID}, {"with_last_used", &req.WithLastUsed}} {
		v, err := c.BoolParam(f.name, false)
		if err != nil {
			return pipeline.Prepared{}, err
		}
		*f.to = v
	}
	auth := c.Auth
	self := req.ID != "" && isSelf(auth, []string{req.ID})
	own := req.Owner || ownsByName(auth, req.Username, req.RealmName) || self
	if auth.APIKey != nil && !auth.IsRunAs() && req.WithLimitedBy {
		// A key needs manage_api_key to see any limited_by, even its own
		// (ManageOwnApiKeyClusterPrivilege).
		own = false
	}
	return pipeline.Prepared{Validate: req.Validate,
		// A key may read itself with no privilege, but not its owner's
		// roles (RBACEngine.checkSameUserPermissions).
		Authz: authz.Request{OwnAPIKeys: own, SelfAPIKey: self && !req.WithLimitedBy},
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			var owned *apikey.OwnedBy
			if req.Owner {
				owned = ownedBy(auth)
			}
			res, err := a.APIKeys.Get(ctx, req, owned)
			if err != nil {
				return nil, err
			}
			return &rest.Response{Status: res.Status(), Body: res}, nil
		}}, nil
}

func (a *API) invalidateAPIKeys(c *pipeline.Call) (pipeline.Prepared, error) {
	if err := a.apiKeysOn(); err != nil {
		return pipeline.Prepared{}, err
	}
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	req, err := apikey.ParseInvalidateRequest(body)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	auth := c.Auth
	own := req.Owner || ownsByName(auth, req.Username, req.RealmName) || isSelf(auth, req.IDs)
	return pipeline.Prepared{Validate: req.Validate, Authz: authz.Request{OwnAPIKeys: own},
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			c.AuditChange(audit.InvalidateAPIKeysChange(audit.APIKeyInvalidation{IDs: req.IDs, Name: req.Name,
				Username: req.Username, Realm: req.RealmName, OwnedByAuthenticatedUser: req.Owner}))
			var owned *apikey.OwnedBy
			if req.Owner {
				owned = ownedBy(auth)
			}
			crossCluster, err := a.mayInvalidateCrossCluster(ctx, auth)
			if err != nil {
				return nil, err
			}
			req.CrossCluster = crossCluster
			res, err := a.APIKeys.InvalidateKeys(ctx, req, owned)
			if err != nil {
				return nil, err
			}
			return rest.OK(res)
		}}, nil
}

// updateAPIKey changes one key; updates touch only the caller's own keys
// whatever the privilege, which the service enforces.
func (a *API) updateAPIKey(c *pipeline.Call) (pipeline.Prepared, error) {
	if err := a.apiKeysOn(); err != nil {
		return pipeline.Prepared{}, err
	}
	id := c.PathParam("ids")
	req, err := apikey.ParseUpdateRequest(c.Content())
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return a.asOwner(c, req.Validate, func(ctx context.Context, caller apikey.Caller) (any, error) {
		c.AuditChange(audit.UpdateAPIKeyChange(updateChange([]string{id}, req)))
		return a.APIKeys.Update(ctx, id, req, caller)
	}), nil
}

func (a *API) bulkUpdateAPIKeys(c *pipeline.Call) (pipeline.Prepared, error) {
	if err := a.apiKeysOn(); err != nil {
		return pipeline.Prepared{}, err
	}
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	req, err := apikey.ParseBulkUpdateRequest(body)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return a.asOwner(c, req.Validate, func(ctx context.Context, caller apikey.Caller) (any, error) {
		c.AuditChange(audit.UpdateAPIKeysChange(updateChange(req.IDs, &req.UpdateRequest)))
		return a.APIKeys.BulkUpdate(ctx, req, caller)
	}), nil
}

// clearAPIKeyCache evicts keys ("*" or _all: every key) from the caches
// of every node, as the realm cache clear does.
func (a *API) clearAPIKeyCache(c *pipeline.Call) (pipeline.Prepared, error) {
	if err := a.apiKeysOn(); err != nil {
		return pipeline.Prepared{}, err
	}
	ids := rest.AllOrList(c.PathParam("ids"))
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		ans := peers.Answers{Done: []peers.Node{a.Node}}
		if a.Peers != nil {
			var err error
			if ans, err = a.Peers.ClearCaches(ctx, peers.ClearAPIKeysKind, ids, nil); err != nil {
				return nil, err
			}
		}
		a.APIKeys.ClearCache(ids)
		return rest.OK(a.nodesResponse(ans))
	}}, nil
}

// grantAPIKey creates a key for the user whose credentials the body
// carries (TransportGrantApiKeyAction): the caller needs grant_api_key,
// and the key is limited by that user's roles, not the caller's.
func (a *API) grantAPIKey(c *pipeline.Call) (pipeline.Prepared, error) {
	if err := a.apiKeysOn(); err != nil {
		return pipeline.Prepared{}, err
	}
	if err := refresh(c); err != nil {
		return pipeline.Prepared{}, err
	}
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	req, err := apikey.ParseGrantRequest(body)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Validate: req.Validate, Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		auth, err := a.authenticateGrant(ctx, c, req)
		if err != nil {
			return nil, err
		}
		caller, err := a.caller(ctx, auth)
		if err != nil {
			return nil, err
		}
		a.APIKeys.AssignID(req.APIKey)
		c.AuditChange(audit.CreateAPIKeyChange(keyChange(req.APIKey, &audit.Grant{Type: req.Type, Username: req.Username,
			RunAs: req.RunAs, HasPassword: req.Password != "", HasToken: req.AccessToken != ""})))
		res, err := a.APIKeys.Create(ctx, req.APIKey, caller)
		if err != nil {
			return nil, err
		}
		return rest.OK(res)
	}}, nil
}

// authenticateGrant is TransportGrantAction: the body's credentials
// authenticated as a request's own would be, run as run_as when asked,
// which their user must be allowed to do.
func (a *API) authenticateGrant(ctx context.Context, c *pipeline.Call, req *apikey.GrantRequest) (authn.Authentication, error) {
	if req.HasClientAuth {
		// Only a JWT realm takes client authentication.
		return authn.Authentication{}, apikey.ErrClientAuthenticationUnsupported()
	}
	if a.Authn == nil {
		return authn.Authentication{}, eserr.Security(http.StatusForbidden, "Failed to authenticate api key grant")
	}
	g := authn.Grant{Type: req.Type, Username: req.Username, Password: req.Password, AccessToken: req.AccessToken, RunAs: req.RunAs}
	auth, err := a.Authn.AuthenticateGrant(ctx, c.Request.Request, g, c.AuditRequest)
	if err != nil {
		var e *eserr.Error
		if errors.As(err, &e) && e.Status == http.StatusUnauthorized {
			// RestGrantApiKeyAction: the caller did authenticate; the
			// credentials it carries for someone else did not.
			cause := *e
			cause.Header = nil
			f := eserr.Security(http.StatusForbidden, "Failed to authenticate api key grant")
			f.CausedBy = &cause
			return authn.Authentication{}, f
		}
		return authn.Authentication{}, err
	}
	if req.RunAs != "" && !auth.IsRunAs() {
		return authn.Authentication{}, &eserr.Error{Type: "status_exception", Status: http.StatusBadRequest,
			Reason: "the provided grant credentials do not support run-as"}
	}
	if auth.IsRunAs() {
		if _, err := a.Authz.Authorize(ctx, auth, authz.Request{Action: authz.ActionAuthenticate}); err != nil {
			return authn.Authentication{}, err
		}
	}
	return auth, nil
}

// keyChange is the audit record of a create or grant.
func keyChange(req *apikey.CreateRequest, g *audit.Grant) audit.APIKeyChange {
	return audit.APIKeyChange{IDs: []string{req.ID}, Name: req.Name, Expiration: req.Expiration,
		RoleDescriptors: req.RoleDescriptors, Metadata: req.Metadata, Grant: g}
}

// updateChange is the audit record of an update of ids.
func updateChange(ids []string, req *apikey.UpdateRequest) audit.APIKeyChange {
	return audit.APIKeyChange{IDs: ids, Expiration: req.Expiration, RoleDescriptors: req.RoleDescriptors, Metadata: req.Metadata}
}
