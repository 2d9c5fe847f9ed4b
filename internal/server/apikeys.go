package server

import (
	"context"
	"errors"

	"github.com/esauth/esauth/internal/apikey"
	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/serviceaccount"
	"github.com/esauth/esauth/internal/user"
)

// keyVerifier lets authn check ApiKey credentials against the key service.
type keyVerifier struct{ svc *apikey.Service }

// apiKeyVerifier is nil while API keys are off: the header is then no
// credential at all, as in Elasticsearch.
func apiKeyVerifier(svc *apikey.Service) authn.APIKeyVerifier {
	if !svc.Enabled() {
		return nil
	}
	return keyVerifier{svc}
}

func (v keyVerifier) VerifyAPIKey(ctx context.Context, credentials string) (user.User, *authn.APIKey, error) {
	k, err := v.svc.Authenticate(ctx, credentials)
	if err != nil {
		var ae *apikey.AuthError
		if !errors.As(err, &ae) {
			return user.User{}, nil, err
		}
		if ae.Terminate {
			return user.User{}, nil, authn.Unauthenticated("%s", ae.Reason)
		}
		return user.User{}, nil, errors.New(ae.Reason)
	}
	return k.User, &authn.APIKey{ID: k.ID, Name: k.Name, Roles: k.RoleDescriptors, LimitedBy: k.LimitedBy,
		Digest: k.Digest, OwnerRealm: realm.Ref{Name: k.OwnerRealm, Type: k.OwnerRealmType}}, nil
}

// serviceTokens lets authn check service account tokens.
type serviceTokens struct{ svc *serviceaccount.Service }

func (v serviceTokens) VerifyServiceToken(ctx context.Context, bearer string) (user.User, *authn.ServiceAccount, error) {
	p, err := v.svc.Authenticate(ctx, bearer)
	if err != nil {
		var refused *serviceaccount.Refused
		switch {
		case errors.Is(err, serviceaccount.ErrNotServiceToken):
			return user.User{}, nil, authn.ErrNotServiceToken
		case errors.As(err, &refused):
			return user.User{}, nil, refused.ESError()
		}
		return user.User{}, nil, err
	}
	return p.User(), &authn.ServiceAccount{Role: p.Account.Role(), TokenName: p.TokenName, TokenType: p.TokenType()}, nil
}
