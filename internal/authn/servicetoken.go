package authn

import (
	"context"
	"errors"
	"strings"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
)

// TypeToken is the authentication type of bearer tokens: service account
// tokens, and later the token service's.
const TypeToken Type = "token"

// ServiceAccountRealm is the realm Elasticsearch reports for service
// accounts.
var ServiceAccountRealm = realm.Ref{Name: "_service_account", Type: "_service_account"}

// ServiceAccount is what a service token proves: a built-in account,
// which has one fixed role, and the token it used.
type ServiceAccount struct {
	Role roles.Descriptor
	// TokenName and TokenType are shown by _authenticate ("token1",
	// "_service_account_file" or "_service_account_index").
	TokenName, TokenType string
}

// ErrNotServiceToken is a bearer value that is no service token: it is
// left to the other authenticators.
var ErrNotServiceToken = errors.New("not a service account token")

// ServiceTokenVerifier checks `Authorization: Bearer` service tokens.
type ServiceTokenVerifier interface {
	// VerifyServiceToken returns the account's user and role, or
	// ErrNotServiceToken, or the *eserr.Error to answer (a terminating
	// 401 for a refused token, a 503 for a store out of reach).
	VerifyServiceToken(ctx context.Context, bearer string) (user.User, *ServiceAccount, error)
}

// bearerCredentials returns the value of a `Bearer` Authorization
// header, the scheme in any case and followed by one space.
func bearerCredentials(h string) (string, bool) {
	const scheme = "bearer "
	if len(h) <= len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	return h[len(scheme):], true
}

// serviceToken authenticates a service token; ok is false when the value
// is not one.
func (a *Authenticator) serviceToken(ctx context.Context, bearer string, ar audit.Request) (auth Authentication, ok bool, err error) {
	u, sa, err := a.ServiceTokens.VerifyServiceToken(ctx, bearer)
	switch {
	case errors.Is(err, ErrNotServiceToken):
		return Authentication{}, false, nil
	case errors.Is(err, store.ErrUnavailable):
		return Authentication{}, true, err
	case err != nil:
		a.Audit.AuthenticationFailed(ar, audit.Failure{})
		var e *eserr.Error
		if errors.As(err, &e) {
			if e.Status == 401 && e.Header == nil {
				c := *e
				c.Header = map[string][]string{"WWW-Authenticate": {Challenge}}
				return Authentication{}, true, &c
			}
			return Authentication{}, true, e
		}
		a.Log.Error("a service token check failed", "err", err)
		return Authentication{}, true, Unauthenticated("error attempting to authenticate request")
	}
	p := realm.Principal{User: u, Realm: ServiceAccountRealm}
	return Authentication{Authenticating: p, Effective: p, Type: TypeToken, ServiceAccount: sa}, true, nil
}
