package user

import "github.com/esauth/esauth/internal/eserr"

// Grant types (Grant.PASSWORD_GRANT_TYPE, Grant.ACCESS_TOKEN_GRANT_TYPE).
const (
	GrantPassword    = "password"
	GrantAccessToken = "access_token"
)

// Grant is the credentials a request body carries for a user (the grant
// of grant API key and profile activation, Elasticsearch's Grant).
// TypeSent tells a grant_type sent empty from one not sent at all.
type Grant struct {
	Type, Username, Password, AccessToken string
	TypeSent                              bool
}

// Check adds Grant.validate's messages to v, in its order, leaving out
// client_authentication, which only some requests take: their checks
// follow these.
func (g Grant) Check(v *eserr.Validator) {
	required := func(field, value string) {
		if value == "" {
			v.Add("[%s] is required for grant_type [%s]", field, g.Type)
		}
	}
	unsupported := func(field, value string) {
		if value != "" {
			v.Add("[%s] is not supported for grant_type [%s]", field, g.Type)
		}
	}
	switch {
	case !g.TypeSent:
		v.Add("[grant_type] is required")
	case g.Type == GrantPassword:
		required("username", g.Username)
		required("password", g.Password)
		unsupported("access_token", g.AccessToken)
	case g.Type == GrantAccessToken:
		required("access_token", g.AccessToken)
		unsupported("username", g.Username)
		unsupported("password", g.Password)
	default:
		v.Add("grant_type [%s] is not supported", g.Type)
	}
}
