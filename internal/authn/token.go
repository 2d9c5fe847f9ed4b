package authn

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/store"
)

// ErrNotAccessToken is a bearer value the token service does not accept
// as an access token (not one of its tokens, or unknown): the chain goes on.
var ErrNotAccessToken = errors.New("invalid token")

// TokenVerifier checks the token service's access tokens (Bearer), after
// service tokens, as Elasticsearch's OAuth2TokenAuthenticator does.
type TokenVerifier interface {
	// VerifyAccessToken returns whom the token stands for, with the roles
	// the user had when the token was made (Type TypeToken), or
	// ErrNotAccessToken, or the *eserr.Error to answer (the 401 of an
	// expired or invalidated token, with its own WWW-Authenticate), or
	// store.ErrUnavailable.
	VerifyAccessToken(ctx context.Context, bearer string) (Authentication, error)
}

// accessToken authenticates a token service access token; ok is false
// when the value is not one.
func (a *Authenticator) accessToken(ctx context.Context, bearer string, ar audit.Request) (auth Authentication, ok bool, err error) {
	auth, err = a.Tokens.VerifyAccessToken(ctx, bearer)
	var e *eserr.Error
	switch {
	case errors.Is(err, ErrNotAccessToken):
		return Authentication{}, false, nil
	case errors.Is(err, store.ErrUnavailable):
		return Authentication{}, true, err
	case errors.As(err, &e):
		a.Audit.AuthenticationFailed(ar, audit.Failure{})
		return Authentication{}, true, e
	case err != nil:
		a.Log.Error("an access token check failed", "err", err)
		return Authentication{}, true, Unauthenticated("error attempting to authenticate request")
	}
	// Elasticsearch adds the anonymous roles to a token's user as to any.
	auth.Effective.User.Roles = a.withAnonymousRoles(auth.Effective.User.Roles)
	if !auth.IsRunAs() {
		auth.Authenticating.User.Roles = auth.Effective.User.Roles
	}
	return auth, true, nil
}

// bearerRefused is the 401 of a bearer value nothing accepted: the token
// service's "invalid token" is named, and anonymous access never applies
// (AuthenticatorChain.handleNullToken).
func (a *Authenticator) bearerRefused(ar audit.Request) error {
	a.Audit.AnonymousAccessDenied(ar)
	u := Unauthenticated("unable to authenticate with provided credentials and anonymous access is not allowed for this request")
	u.Metadata = append(u.Metadata, [2]string{"additional_unsuccessful_credentials", "oauth2 token: invalid token"})
	return u
}

// Login authenticates a username and password through the realm chain
// exactly as a Basic header would (the lockout, the credential cache, the
// gate, last login, the audit log): the token service's password grant.
// A refusal names the action, as Elasticsearch's transport-level
// authentication does. The user's roles are the realm's, without the
// anonymous roles.
func (a *Authenticator) Login(ctx context.Context, r *http.Request, ar audit.Request, username, password, action string) (Authentication, error) {
	auth, err := a.login(ctx, r, ar, username, password, func() *eserr.Error {
		return Unauthenticated("unable to authenticate user [%s] for action [%s]", username, action)
	})
	if err != nil {
		return Authentication{}, err
	}
	a.Audit.AuthenticationSuccess(ar, auth.Audit())
	return a.WithoutAnonymousRoles(auth), nil
}

// WithoutAnonymousRoles removes the anonymous roles authentication added
// to auth's users, leaving the roles their realms gave them.
func (a *Authenticator) WithoutAnonymousRoles(auth Authentication) Authentication {
	strip := func(roles []string) []string {
		n := len(a.Anonymous.Roles)
		if !a.Anonymous.Enabled() || n == 0 || len(roles) < n || !slices.Equal(roles[len(roles)-n:], a.Anonymous.Roles) {
			return roles
		}
		return slices.Clip(roles[:len(roles)-n])
	}
	auth.Effective.User.Roles = strip(auth.Effective.User.Roles)
	if auth.IsRunAs() {
		auth.Authenticating.User.Roles = strip(auth.Authenticating.User.Roles)
	} else {
		auth.Authenticating.User.Roles = auth.Effective.User.Roles
	}
	return auth
}

// Token makes the Authentication of a request with an access token: the
// users the token stores, TypeToken.
func Token(authenticating, effective realm.Principal, runAs bool) Authentication {
	auth := Authentication{Authenticating: authenticating, Effective: authenticating, Type: TypeToken}
	if runAs {
		return auth.RunAs(effective)
	}
	return auth
}
