package server

import (
	"context"
	"errors"

	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/securityapi"
	"github.com/esauth/esauth/internal/tokens"
)

// accessTokens lets authn check the token service's access tokens. While
// the service is off every bearer value is refused by it, as in
// Elasticsearch, whose chain still names the token service's failure.
type accessTokens struct{ svc *tokens.Service }

func (v accessTokens) VerifyAccessToken(ctx context.Context, bearer string) (authn.Authentication, error) {
	a, err := v.svc.Verify(ctx, bearer)
	if errors.Is(err, tokens.ErrNotToken) {
		return authn.Authentication{}, authn.ErrNotAccessToken
	}
	if err != nil {
		return authn.Authentication{}, err
	}
	return securityapi.TokenAuthentication(*a), nil
}

// challenges are the WWW-Authenticate values of a 401, one per kind of
// credential the node accepts, as Elasticsearch lists them: Basic, then
// Bearer while the token service is on, then ApiKey while API keys are.
func challenges(apiKeys, tokens bool) []string {
	out := []string{authn.Challenge}
	if tokens {
		out = append(out, `Bearer realm="security"`)
	}
	if apiKeys {
		out = append(out, "ApiKey")
	}
	return out
}
