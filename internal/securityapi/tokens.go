package securityapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/tokens"
	"github.com/esauth/esauth/internal/xcontent"
)

// The token service's actions; manage_token (cluster:admin/xpack/security/token/*)
// grants them.
const (
	ActionCreateToken     = "cluster:admin/xpack/security/token/create"
	ActionRefreshToken    = "cluster:admin/xpack/security/token/refresh"
	ActionInvalidateToken = "cluster:admin/xpack/security/token/invalidate"
)

const tokenPath = "/_security/oauth2/token"

// tokenRoutes are POST and DELETE /_security/oauth2/token. The get-token
// action depends on the body's grant_type, so these routes name their
// action themselves.
func (a *API) tokenRoutes() []pipeline.Route {
	return []pipeline.Route{
		{Method: "POST", Path: tokenPath, Body: rest.BodyBuffered, Prepare: a.getToken},
		{Method: "DELETE", Path: tokenPath, Body: rest.BodyBuffered, Prepare: a.invalidateTokens},
	}
}

// tokensOn refuses while the service is off (TokenService.ensureEnabled),
// which Elasticsearch checks once the request is valid and authorized.
func (a *API) tokensOn() error {
	if a.Tokens == nil || !a.Tokens.Enabled() {
		return tokens.ErrDisabled()
	}
	return nil
}

// getToken is POST /_security/oauth2/token (RestGetTokenAction): the
// password, client_credentials and refresh_token grants.
func (a *API) getToken(c *pipeline.Call) (pipeline.Prepared, error) {
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	req, err := tokens.ParseCreateRequest(body)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	action := ActionCreateToken
	if req.Grant() == tokens.GrantRefreshToken {
		action = ActionRefreshToken
	}
	// Validation comes before authorization, as ActionRequest.validate
	// does; its failures are RFC 6749 answers (CreateTokenResponseActionListener).
	validate := func() error {
		if gerr := req.Validate(); gerr != nil {
			return &rest.Answered{Err: gerr, Answer: grantError(gerr)}
		}
		return nil
	}
	return pipeline.Prepared{Validate: validate, Authz: authz.Request{Action: action},
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			if err := a.tokensOn(); err != nil {
				return nil, err
			}
			res, shown, err := a.grant(ctx, c, req, action)
			var gerr *tokens.GrantError
			if errors.As(err, &gerr) {
				return grantError(gerr), nil
			}
			if err != nil {
				return nil, err
			}
			return rest.OK(tokenResponse{res: res, scope: req.ResponseScope(), auth: shown})
		}}, nil
}

// grant issues the tokens of a valid request, and returns the
// authentication the answer shows.
func (a *API) grant(ctx context.Context, c *pipeline.Call, req *tokens.CreateRequest, action string) (tokens.Result, authn.Authentication, error) {
	switch req.Grant() {
	case tokens.GrantPassword:
		if a.Authn == nil {
			return tokens.Result{}, authn.Authentication{}, errors.New("securityapi: no authenticator for the password grant")
		}
		// The user is authenticated exactly as a Basic header would be:
		// lockout, credential cache, gate, audit.
		auth, err := a.Authn.Login(ctx, c.Request.Request, c.AuditRequest, *req.Username, *req.Password, action)
		if err != nil {
			return tokens.Result{}, authn.Authentication{}, err
		}
		res, err := a.Tokens.Create(ctx, storedAuthentication(auth), tokenClient(c.Auth), true)
		return res, auth, err
	case tokens.GrantClientCredentials:
		switch {
		case c.Auth.ServiceAccount != nil && !c.Auth.IsRunAs():
			return tokens.Result{}, authn.Authentication{}, eserr.Security(http.StatusBadRequest,
				"OAuth2 token creation is not supported for service accounts")
		case c.Auth.APIKey != nil && !c.Auth.IsRunAs():
			// A token would have to carry the key's own privileges; esauth
			// does not make such tokens rather than widen them to the owner's.
			return tokens.Result{}, authn.Authentication{}, eserr.Security(http.StatusBadRequest,
				"OAuth2 token creation is not supported for API keys")
		}
		auth := c.Auth
		if a.Authn != nil {
			auth = a.Authn.WithoutAnonymousRoles(auth)
		}
		res, err := a.Tokens.Create(ctx, storedAuthentication(auth), tokenClient(c.Auth), false)
		return res, auth, err
	case tokens.GrantRefreshToken:
		res, err := a.Tokens.Refresh(ctx, *req.RefreshToken, tokenClient(c.Auth))
		if err != nil {
			return tokens.Result{}, authn.Authentication{}, err
		}
		return res, TokenAuthentication(res.Authentication), nil
	}
	// _kerberos: no Kerberos realm here, so no ticket authenticates.
	return tokens.Result{}, authn.Authentication{}, authn.Unauthenticated(
		"unable to authenticate user [<Kerberos Token>] for action [%s]", action)
}

// invalidateTokens is DELETE /_security/oauth2/token (RestInvalidateTokenAction).
func (a *API) invalidateTokens(c *pipeline.Call) (pipeline.Prepared, error) {
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	req, err := tokens.ParseInvalidateRequest(body)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Validate: req.Validate, Authz: authz.Request{Action: ActionInvalidateToken},
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			if err := a.tokensOn(); err != nil {
				return nil, err
			}
			res, err := a.Tokens.Invalidate(ctx, req)
			if err != nil {
				return nil, err
			}
			return &rest.Response{Status: res.Status, Body: res.Body()}, nil
		}}, nil
}

// grantError is RestGetTokenAction's RFC 6749 error answer.
func grantError(e *tokens.GrantError) *rest.Response {
	return &rest.Response{Status: e.Status(), Body: xcontent.Obj("error", e.Code, "error_description", e.Description)}
}

// tokenResponse is CreateTokenResponse: the tokens, then whom they stand
// for, as _authenticate shows it.
type tokenResponse struct {
	res   tokens.Result
	scope string
	auth  authn.Authentication
}

func (t tokenResponse) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"access_token":`...)
	dst = xcontent.AppendString(dst, t.res.AccessToken)
	dst = append(dst, `,"type":"Bearer","expires_in":`...)
	dst = strconv.AppendInt(dst, int64(t.res.ExpiresIn.Seconds()), 10)
	if t.res.RefreshToken != "" {
		dst = append(dst, `,"refresh_token":`...)
		dst = xcontent.AppendString(dst, t.res.RefreshToken)
	}
	if t.scope != "" {
		dst = append(dst, `,"scope":`...)
		dst = xcontent.AppendString(dst, t.scope)
	}
	dst = append(dst, `,"authentication":`...)
	dst, err := authenticateBody{t.auth}.AppendJSON(dst)
	if err != nil {
		return nil, err
	}
	return append(dst, '}'), nil
}

// tokenClient is who asks for a token, the only one who may refresh it:
// a user in its realm, or an API key.
func tokenClient(auth authn.Authentication) tokens.Client {
	if k := auth.APIKey; k != nil && !auth.IsRunAs() {
		return tokens.Client{APIKeyID: k.ID}
	}
	return tokens.Client{Username: auth.Effective.User.Username, Realm: auth.Effective.Realm.Name}
}

// storedAuthentication is what a token keeps of auth.
func storedAuthentication(auth authn.Authentication) tokens.Authentication {
	subject := func(p realm.Principal) tokens.Subject {
		return tokens.Subject{User: p.User, Realm: p.Realm.Name, RealmType: p.Realm.Type}
	}
	t := tokens.Authentication{Authenticating: subject(auth.Authenticating)}
	if auth.IsRunAs() {
		eff := subject(auth.Effective)
		t.RunAs = &eff
	}
	return t
}

// TokenAuthentication is the Authentication of a request made with an
// access token that stands for a.
func TokenAuthentication(a tokens.Authentication) authn.Authentication {
	p := func(s tokens.Subject) realm.Principal {
		return realm.Principal{User: s.User, Realm: realm.Ref{Name: s.Realm, Type: s.RealmType}}
	}
	return authn.Token(p(a.Authenticating), p(a.Effective()), a.RunAs != nil)
}
