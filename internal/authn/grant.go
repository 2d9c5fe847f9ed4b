package authn

import (
	"context"
	"encoding/base64"
	"net/http"

	"github.com/esauth/esauth/internal/audit"
)

// Grant is a set of credentials carried in a request body rather than in
// its Authorization header: the grants of the grant API key, token and
// profile activation APIs (Elasticsearch's Grant). Exactly one of
// Password and AccessToken is used, by Type.
type Grant struct {
	// Type is "password" or "access_token".
	Type               string
	Username, Password string
	AccessToken        string
	// RunAs, when set, is the user the grant runs as, as if the request
	// had carried the run-as header.
	RunAs string
}

// AuthenticateGrant authenticates g as if from carried it in its headers:
// the same realms, lockout (by from's client address), caches, run-as
// lookup and audit as a request's own credentials get, so that no body
// grant is a way around any of them.
func (a *Authenticator) AuthenticateGrant(ctx context.Context, from *http.Request, g Grant, ar audit.Request) (Authentication, error) {
	h := http.Header{}
	switch g.Type {
	case "password":
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(g.Username+":"+g.Password)))
	case "access_token":
		h.Set("Authorization", "Bearer "+g.AccessToken)
	default:
		return Authentication{}, Unauthenticated("unsupported grant type [%s]", g.Type)
	}
	if g.RunAs != "" {
		h.Set(RunAsHeader, g.RunAs)
	}
	if xff := from.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		h["X-Forwarded-For"] = xff
	}
	r := &http.Request{Method: from.Method, URL: from.URL, RequestURI: from.RequestURI, RemoteAddr: from.RemoteAddr,
		Header: h, Host: from.Host, TLS: from.TLS}
	return a.Authenticate(ctx, r.WithContext(ctx), ar)
}
