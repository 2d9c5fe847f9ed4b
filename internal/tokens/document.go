package tokens

import (
	"encoding/json"
	"time"

	"github.com/esauth/esauth/internal/user"
)

// Subject is a user and the realm that authenticated it (or, for the user
// a request runs as, looked it up).
type Subject struct {
	User      user.User `json:"user"`
	Realm     string    `json:"realm"`
	RealmType string    `json:"realm_type"`
}

// Authentication is who a token stands for, as it was when the token was
// created: the user's roles are those it had then (Elasticsearch stores
// the Authentication in the token), while what the roles grant is read
// again on every request.
type Authentication struct {
	Authenticating Subject `json:"authenticating"`
	// RunAs is the user the request that made the token ran as; nil when
	// it ran as Authenticating.
	RunAs *Subject `json:"run_as,omitempty"`
}

// Effective is the user requests with the token run as.
func (a Authentication) Effective() Subject {
	if a.RunAs != nil {
		return *a.RunAs
	}
	return a.Authenticating
}

// Client is who asked for a token; only the same client may refresh it
// (Authentication.canAccessResourcesOf): the same user in the same realm,
// or the same API key.
type Client struct {
	Username, Realm string
	APIKeyID        string
}

func (c Client) canRefresh(d clientDoc) bool {
	if c.APIKeyID != "" || d.APIKeyID != "" {
		return c.APIKeyID == d.APIKeyID
	}
	return c.Username == d.User && c.Realm == d.Realm
}

// docType marks token documents (TOKEN_DOC_TYPE).
const docType = "token"

// document is a token document, with Elasticsearch's field names
// (TokenService.createTokenDocument).
type document struct {
	DocType      string       `json:"doc_type"`
	CreationTime int64        `json:"creation_time"`
	RefreshToken *refreshPart `json:"refresh_token,omitempty"`
	AccessToken  accessPart   `json:"access_token"`
}

type refreshPart struct {
	// Token is the refresh token's digest.
	Token       string `json:"token"`
	Invalidated bool   `json:"invalidated"`
	Refreshed   bool   `json:"refreshed"`
	// RefreshTime is when it was used, in epoch milliseconds.
	RefreshTime *int64       `json:"refresh_time,omitempty"`
	Superseding *superseding `json:"superseding,omitempty"`
	Client      clientDoc    `json:"client"`
}

// superseding is the pair a refresh issued, encrypted with a key derived
// from the refresh token (standard base64, as Elasticsearch writes it).
type superseding struct {
	EncryptedTokens string `json:"encrypted_tokens"`
	EncryptionIV    string `json:"encryption_iv"`
	EncryptionSalt  string `json:"encryption_salt"`
}

type clientDoc struct {
	Type     string `json:"type"`
	User     string `json:"user"`
	Realm    string `json:"realm"`
	APIKeyID string `json:"api_key_id,omitempty"`
}

type accessPart struct {
	Invalidated bool `json:"invalidated"`
	// Token is the access token's digest.
	Token string `json:"token"`
	// Realm is the realm of the user the token runs as, for invalidation
	// by realm_name.
	Realm     string    `json:"realm"`
	UserToken userToken `json:"user_token"`
}

type userToken struct {
	ID             string         `json:"id"`
	Version        int            `json:"version"`
	ExpirationTime int64          `json:"expiration_time"`
	Authentication Authentication `json:"authentication"`
	Metadata       map[string]any `json:"metadata"`
}

func decodeDocument(b []byte) (*document, error) {
	var d document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

func (d *document) expiration() time.Time {
	return time.UnixMilli(d.AccessToken.UserToken.ExpirationTime)
}

func (d *document) created() time.Time { return time.UnixMilli(d.CreationTime) }
