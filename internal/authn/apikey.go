package authn

import (
	"context"
	"errors"
	"strings"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/user"
)

// APIKeyRealm is the realm Elasticsearch reports for API key
// authentication, as both the authenticating and the lookup realm.
var APIKeyRealm = realm.Ref{Name: "_es_api_key", Type: "_es_api_key"}

// APIKeyVerifier checks the credentials of an `Authorization: ApiKey`
// header.
type APIKeyVerifier interface {
	// VerifyAPIKey returns the key's owner and privileges. A refusal is an
	// error whose text is Elasticsearch's "unsuccessful" message for the
	// key ("api key is expired"), or an *eserr.Error to answer as it is
	// (a key of the wrong type, a store that cannot be reached).
	VerifyAPIKey(ctx context.Context, credentials string) (user.User, *APIKey, error)
}

// apiKeyCredentials returns the value of an `ApiKey` Authorization
// header: the scheme matched case-insensitively and followed by exactly
// one space, as Authenticator.extractCredentialFromHeaderValue reads it
// (the Go client sends "APIKey", the JavaScript client "ApiKey").
func apiKeyCredentials(h string) (string, bool) {
	const scheme = "apikey "
	if len(h) <= len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	return h[len(scheme):], true
}

// apiKey authenticates an ApiKey header. A refused key is a 401 that
// names why, under additional_unsuccessful_credentials, as the
// authenticator chain reports it; it never falls back to anonymous.
func (a *Authenticator) apiKey(ctx context.Context, credentials string, ar audit.Request) (Authentication, error) {
	owner, key, err := a.APIKeys.VerifyAPIKey(ctx, credentials)
	if err != nil {
		var e *eserr.Error
		if errors.As(err, &e) {
			return Authentication{}, err
		}
		a.Audit.AuthenticationFailed(ar, audit.Failure{})
		a.Log.Warn("Authentication using apikey failed - " + err.Error())
		u := Unauthenticated("unable to authenticate with provided credentials and anonymous access is not allowed for this request")
		u.Metadata = append(u.Metadata, [2]string{"additional_unsuccessful_credentials", "API key: " + err.Error()})
		return Authentication{}, u
	}
	owner.Roles = []string{}
	p := realm.Principal{User: owner, Realm: APIKeyRealm}
	return Authentication{Authenticating: p, Effective: p, Type: TypeAPIKey, APIKey: key}, nil
}
