package tokens

import (
	"net/http"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/xcontent"
)

// Grant types (CreateTokenRequest.GrantType).
const (
	GrantPassword          = "password"
	GrantKerberos          = "_kerberos"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// CreateRequest is the body of POST /_security/oauth2/token
// (RestGetTokenAction's token_request). A nil field was not sent.
type CreateRequest struct {
	GrantType, Username, Password, KerberosTicket, Scope, RefreshToken *string
}

var createFields = []string{"grant_type", "username", "password", "kerberos_ticket", "scope", "refresh_token"}

// ParseCreateRequest parses the body as Elasticsearch's strict parser
// does: every field a string, no other field.
func ParseCreateRequest(body []byte) (*CreateRequest, error) {
	const parser = "token_request"
	ms, err := xcontent.TopMembers(body)
	if err != nil {
		return nil, err
	}
	r := &CreateRequest{}
	dst := map[string]**string{"grant_type": &r.GrantType, "username": &r.Username, "password": &r.Password,
		"kerberos_ticket": &r.KerberosTicket, "scope": &r.Scope, "refresh_token": &r.RefreshToken}
	for _, m := range ms {
		p, ok := dst[m.Key]
		if !ok {
			return nil, xcontent.UnknownField(body, m, parser, createFields)
		}
		if m.Token() != xcontent.String {
			return nil, xcontent.WrongType(body, m, parser)
		}
		s := m.Str()
		*p = &s
	}
	return r, nil
}

// Validate is CreateTokenRequest.validate, answered as RestGetTokenAction
// answers an ActionRequestValidationException: unsupported_grant_type when
// a message names the grant_type, else invalid_request.
func (r *CreateRequest) Validate() *GrantError {
	var v eserr.Validator
	required := func(name string, val *string) {
		if val == nil || *val == "" {
			v.Add("%s is missing", name)
		}
	}
	unsupported := func(grant, name string, val *string) {
		if val != nil {
			v.Add("%s is not supported with the %s grant_type", name, grant)
		}
	}
	grant := ""
	if r.GrantType != nil {
		grant = *r.GrantType
	}
	switch grant {
	case GrantPassword:
		unsupported(grant, "kerberos_ticket", r.KerberosTicket)
		unsupported(grant, "refresh_token", r.RefreshToken)
		required("username", r.Username)
		required("password", r.Password)
	case GrantKerberos:
		unsupported(grant, "username", r.Username)
		unsupported(grant, "password", r.Password)
		unsupported(grant, "refresh_token", r.RefreshToken)
		required("kerberos_ticket", r.KerberosTicket)
	case GrantRefreshToken:
		unsupported(grant, "username", r.Username)
		unsupported(grant, "password", r.Password)
		unsupported(grant, "kerberos_ticket", r.KerberosTicket)
		required("refresh_token", r.RefreshToken)
	case GrantClientCredentials:
		unsupported(grant, "username", r.Username)
		unsupported(grant, "password", r.Password)
		unsupported(grant, "kerberos_ticket", r.KerberosTicket)
		unsupported(grant, "refresh_token", r.RefreshToken)
	default:
		v.Add("grant_type only supports the values: [password, _kerberos, refresh_token, client_credentials]")
	}
	err := v.Err()
	if err == nil {
		return nil
	}
	reason := err.(*eserr.Error).Reason
	code := "invalid_request"
	if strings.Contains(reason, "grant_type") {
		code = "unsupported_grant_type"
	}
	return &GrantError{Code: code, Description: reason}
}

// Grant is the grant type of a valid request.
func (r *CreateRequest) Grant() string { return deref(r.GrantType) }

// Scope is the scope the answer names: "full" when one was asked for,
// whatever it was, as the only scope there is.
func (r *CreateRequest) ResponseScope() string {
	if r.Scope != nil {
		return "full"
	}
	return ""
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// InvalidateRequest is the body of DELETE /_security/oauth2/token
// (RestInvalidateTokenAction's invalidate_token).
type InvalidateRequest struct {
	Token, RefreshToken, RealmName, Username string
}

var invalidateFields = []string{"token", "refresh_token", "realm_name", "username"}

// ParseInvalidateRequest parses the body as Elasticsearch's parser does,
// including its refusal of both token and refresh_token, raised by the
// request's constructor once every field it takes was read.
func ParseInvalidateRequest(body []byte) (*InvalidateRequest, error) {
	const parser = "invalidate_token"
	ms, err := xcontent.TopMembers(body)
	if err != nil {
		return nil, err
	}
	r := &InvalidateRequest{}
	dst := map[string]*string{"token": &r.Token, "refresh_token": &r.RefreshToken, "realm_name": &r.RealmName, "username": &r.Username}
	both := func() error {
		if r.Token != "" && r.RefreshToken != "" {
			return eserr.IllegalArgument("only one of [token, refresh_token] may be sent per request")
		}
		return nil
	}
	seen := map[string]bool{}
	for _, m := range ms {
		p, ok := dst[m.Key]
		if !ok {
			return nil, xcontent.UnknownField(body, m, parser, invalidateFields)
		}
		if m.Token() != xcontent.String {
			return nil, xcontent.WrongType(body, m, parser)
		}
		*p = m.Str()
		seen[m.Key] = true
		if len(seen) == len(invalidateFields) {
			if err := both(); err != nil {
				e := xcontent.ErrorAt(body, m.LastOff(), "[%s] failed to parse field [%s]", parser, m.Key)
				e.CausedBy = failedBuild(parser, err)
				return nil, e
			}
		}
	}
	if len(seen) < len(invalidateFields) {
		if err := both(); err != nil {
			return nil, failedBuild(parser, err)
		}
	}
	return r, nil
}

// Validate is InvalidateTokenRequest.validate.
func (r *InvalidateRequest) Validate() error {
	var v eserr.Validator
	hasText := func(s string) bool { return strings.TrimSpace(s) != "" }
	tok := r.Token
	if tok == "" {
		tok = r.RefreshToken
	}
	switch {
	case hasText(r.RealmName) || hasText(r.Username):
		if hasText(tok) {
			v.Add("token string must not be provided when realm name or username is specified")
		}
		if tok != "" {
			v.Add("token type must not be provided when realm name or username is specified")
		}
	case tok == "":
		v.Add("token string must be provided when not specifying a realm name or a username")
	}
	return v.Err()
}

// failedBuild is ConstructingObjectParser's wrapper around a failure of
// the request's constructor.
func failedBuild(parser string, cause error) *eserr.Error {
	e, _ := cause.(*eserr.Error)
	return &eserr.Error{Type: "x_content_parse_exception", Status: http.StatusBadRequest,
		Reason: "Failed to build [" + parser + "] after last required field arrived", CausedBy: e}
}
