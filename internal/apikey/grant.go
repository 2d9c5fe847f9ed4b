package apikey

import (
	"log/slog"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/user"
	"github.com/esauth/esauth/internal/xcontent"
)

// Grant types.
const (
	GrantPassword    = user.GrantPassword
	GrantAccessToken = user.GrantAccessToken
)

// GrantRequest is a grant API key body (GrantApiKeyRequest): the
// credentials of the user the key is for, and the key to create. It holds
// a password or token, which its LogValue leaves out.
type GrantRequest struct {
	Type, Username, Password, AccessToken, RunAs string
	// ClientScheme is client_authentication.scheme; HasClientAuth tells
	// whether client_authentication was sent at all.
	ClientScheme  string
	HasClientAuth bool
	APIKey        *CreateRequest
	hasType       bool // grant_type was sent, even empty
}

// LogValue names the grant without its secrets.
func (r *GrantRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("grant_type", r.Type), slog.String("username", r.Username), slog.String("run_as", r.RunAs))
}

var grantFields = []string{"grant_type", "username", "password", "access_token", "run_as", "client_authentication", "api_key"}

// ParseGrantRequest parses a grant body as RestGrantApiKeyAction's
// ObjectParser("grant_api_key_request") does, with its errors. Like
// GrantApiKeyRequest it starts from an empty key request, so a body
// without api_key fails validation for its name.
func ParseGrantRequest(body []byte) (*GrantRequest, error) {
	const parser = "grant_api_key_request"
	ms, err := xcontent.TopMembers(body)
	if err != nil {
		return nil, err
	}
	r := &GrantRequest{APIKey: &CreateRequest{}}
	for _, m := range ms {
		var to *string
		switch m.Key {
		case "grant_type":
			to, r.hasType = &r.Type, true
		case "username":
			to = &r.Username
		case "password":
			to = &r.Password
		case "access_token":
			to = &r.AccessToken
		case "run_as":
			to = &r.RunAs
		case "client_authentication":
			if m.Token() != xcontent.StartObject {
				return nil, xcontent.WrongType(body, m, parser)
			}
			if r.ClientScheme, err = parseClientAuthentication(body, m); err != nil {
				return nil, failedObject(body, m, parser, err)
			}
			r.HasClientAuth = true
		case "api_key":
			if m.Token() != xcontent.StartObject {
				return nil, xcontent.WrongType(body, m, parser)
			}
			if r.APIKey, err = parseCreate(body, xcontent.Members(body, m.ValOff, m.Raw)); err != nil {
				return nil, failedObject(body, m, parser, err)
			}
		default:
			return nil, xcontent.UnknownField(body, m, parser, grantFields)
		}
		if to != nil {
			if m.Token() != xcontent.String {
				return nil, xcontent.WrongType(body, m, parser)
			}
			*to = m.Str()
		}
	}
	return r, nil
}

// failedObject wraps the failure of an object field's parser, located
// where that parser stood: at its own failure's location, else at the
// object's end, where missing fields are found.
func failedObject(body []byte, m member, parser string, err error) *eserr.Error {
	e := failedField(body, m.LastOff(), parser, m.Key, err)
	if loc, ok := locatedAt(asES(err)); ok {
		e.Reason = "[" + loc + "]" + e.Reason[strings.Index(e.Reason, "]")+1:]
	}
	return e
}

// parseClientAuthentication is CLIENT_AUTHENTICATION_PARSER: a scheme and
// a value, both required. Only the scheme is kept: esauth has no realm
// that takes client authentication.
func parseClientAuthentication(body []byte, obj member) (string, error) {
	const parser = "client_authentication"
	var scheme, value *string
	for _, m := range xcontent.Members(body, obj.ValOff, obj.Raw) {
		switch m.Key {
		case "scheme", "value":
			if m.Token() != xcontent.String {
				return "", xcontent.WrongType(body, m, parser)
			}
			s := m.Str()
			if m.Key == "scheme" {
				scheme = &s
			} else {
				value = &s
			}
		default:
			return "", xcontent.UnknownField(body, m, parser, []string{"scheme", "value"})
		}
	}
	var missing []string
	if scheme == nil {
		missing = append(missing, "scheme")
	}
	if value == nil {
		missing = append(missing, "value")
	}
	if len(missing) > 0 {
		return "", eserr.IllegalArgument("Required [%s]", strings.Join(missing, ", "))
	}
	return *scheme, nil
}

// sharedSecretScheme is the one client authentication scheme
// (JwtRealmSettings.HEADER_SHARED_SECRET_AUTHENTICATION_SCHEME).
const sharedSecretScheme = "SharedSecret"

// Validate is GrantApiKeyRequest.validate: the key's checks, then the
// grant's (Grant.validate), in one action_request_validation_exception.
func (r *GrantRequest) Validate() error {
	var v eserr.Validator
	r.APIKey.validate(&v)
	user.Grant{Type: r.Type, Username: r.Username, Password: r.Password, AccessToken: r.AccessToken, TypeSent: r.hasType}.Check(&v)
	switch {
	case !r.hasType || !r.HasClientAuth:
	case r.Type == GrantPassword:
		v.Add("[client_authentication] is not supported for grant_type [%s]", r.Type)
	case r.Type == GrantAccessToken && strings.TrimSpace(r.ClientScheme) != sharedSecretScheme:
		v.Add("[client_authentication.scheme] must be set to [%s]", sharedSecretScheme)
	}
	return v.Err()
}

// ErrClientAuthenticationUnsupported is the refusal of client
// authentication with an access token: only JWT realms take it, and
// esauth has none.
func ErrClientAuthenticationUnsupported() *eserr.Error {
	return eserr.Security(400, "[client_authentication] not supported with the supplied access_token type")
}
