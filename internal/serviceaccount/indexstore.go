package serviceaccount

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
	"github.com/esauth/esauth/internal/xcontent"
)

// DocType is the doc_type of a service token document
// (IndexServiceAccountTokenStore.SERVICE_ACCOUNT_TOKEN_DOC_TYPE).
const DocType = "service_account_token"

// docVersion is the "version" field of new documents: the id of the
// Elasticsearch version esauth answers as (rest.Version, 8.19.0), as
// Version.id computes it.
const docVersion = 8_19_00_99

// Creator is who created a token through the API, as the document's
// "creator" object records them.
type Creator struct {
	Principal string
	FullName  *string
	Email     *string
	// Metadata is the user's metadata as a compact JSON object; nil is {}.
	Metadata json.RawMessage
	// Realm and RealmType are the realm that authenticated the creator
	// (the one that looked them up, when running as another user).
	Realm, RealmType string
}

// CreatorOf describes a user authenticated by the named realm.
func CreatorOf(u user.User, realmName, realmType string) Creator {
	return Creator{Principal: u.Username, FullName: u.FullName, Email: u.Email, Metadata: u.Metadata, Realm: realmName, RealmType: realmType}
}

// indexStore is IndexServiceAccountTokenStore over store.ServiceTokens,
// keyed by qualified token name.
type indexStore struct {
	db     store.Store
	hasher passhash.Hasher
	cache  *authcache.Cache[struct{}]
	now    func() time.Time
}

// storedToken is what authentication reads of a document.
type storedToken struct {
	Password string `json:"password"`
}

// verify checks a token against its document.
func (s *indexStore) verify(ctx context.Context, t Token) (bool, error) {
	key := t.QualifiedName()
	_, ok, err := s.cache.Authenticate(ctx, key, t.secret, func(ctx context.Context) (struct{}, bool, error) {
		val, err := s.db.Get(ctx, store.ServiceTokens, key)
		if errors.Is(err, store.ErrNotFound) {
			return struct{}{}, false, nil
		}
		if err != nil {
			return struct{}{}, false, err
		}
		var doc storedToken
		if err := json.Unmarshal(val, &doc); err != nil || doc.Password == "" {
			return struct{}{}, false, fmt.Errorf("serviceaccount: the stored document of token [%s] has no readable hash", key)
		}
		match, err := passhash.Verify(t.secret, doc.Password)
		return struct{}{}, match && err == nil, err
	})
	return ok, err
}

// document is newDocument: the fields in Elasticsearch's order, the hash
// last.
func (s *indexStore) document(t Token, c Creator) ([]byte, error) {
	hash, err := s.hasher.Hash(t.secret)
	if err != nil {
		return nil, err
	}
	metadata := c.Metadata
	if len(metadata) == 0 {
		metadata = json.RawMessage(`{}`)
	}
	creator := xcontent.Obj("principal", c.Principal, "full_name", c.FullName, "email", c.Email,
		"metadata", metadata, "realm", c.Realm, "realm_type", c.RealmType)
	return xcontent.Obj(
		"doc_type", DocType,
		"version", docVersion,
		"username", t.Principal(),
		"name", t.Name,
		"creation_time", s.now().UnixMilli(),
		"enabled", true,
		"creator", creator,
		"password", hash,
	).AppendJSON(nil)
}

// ValidateTokenRequest is the validation of CreateServiceAccountTokenRequest
// and DeleteServiceAccountTokenRequest, which Elasticsearch runs before
// authorization: an action_request_validation_exception listing every
// failed check.
func ValidateTokenRequest(namespace, service, name string) error {
	var v eserr.Validator
	if namespace == "" {
		v.Add("service account namespace is required")
	}
	if service == "" {
		v.Add("service account service-name is required")
	}
	if err := ValidateTokenName(name); err != nil {
		v.Add("%s", err.Error())
	}
	return v.Err()
}

// CreateToken creates a token kept in the store
// (IndexServiceAccountTokenStore.createToken): 400 for an account that
// does not exist, 409 for a name the account already has. The answer holds
// the token's value, the only time it is ever shown.
func (s *Service) CreateToken(ctx context.Context, namespace, service, name string, creator Creator) (Created, error) {
	if err := ValidateTokenRequest(namespace, service, name); err != nil {
		return Created{}, err
	}
	a, ok := Lookup(namespace + "/" + service)
	if !ok {
		return Created{}, eserr.IllegalArgument("service account [%s/%s] does not exist", namespace, service)
	}
	t, err := NewToken(a, name)
	if err != nil {
		return Created{}, err
	}
	doc, err := s.index.document(t, creator)
	if err != nil {
		return Created{}, err
	}
	key := t.QualifiedName()
	if err := s.index.db.Create(ctx, store.ServiceTokens, key, doc); err != nil {
		if errors.Is(err, store.ErrExists) {
			return Created{}, versionConflict(key)
		}
		return Created{}, err
	}
	// A deleted token of the same name may still be cached on this node if
	// the delete came from elsewhere and its event is late.
	s.index.cache.Invalidate(key)
	s.log.Info("service account token created", "token", key, "creator", creator.Principal)
	return Created{Name: t.Name, value: t.Bearer()}, nil
}

// versionConflict is the 409 of creating a document that exists
// (VersionConflictEngineException of an OpType.CREATE index request, with
// its shard metadata; the index UUID is not known here).
func versionConflict(key string) *eserr.Error {
	return &eserr.Error{
		Type:   "version_conflict_engine_exception",
		Reason: "[" + DocType + "-" + key + "]: version conflict, document already exists (current version [1])",
		Status: http.StatusConflict,
		Metadata: [][2]string{
			{"index_uuid", "_na_"},
			{"shard", "0"},
			{"index", ".security-7"},
		},
	}
}

// DeleteToken deletes a token kept in the store and reports whether it
// existed; an account that does not exist has no tokens. The token stops
// working on this node before DeleteToken returns; other nodes follow
// the store's change (IndexTokenChanged).
func (s *Service) DeleteToken(ctx context.Context, namespace, service, name string) (Deleted, error) {
	if err := ValidateTokenRequest(namespace, service, name); err != nil {
		return Deleted{}, err
	}
	if _, ok := Lookup(namespace + "/" + service); !ok {
		return Deleted{}, nil
	}
	key := namespace + "/" + service + "/" + name
	err := s.index.db.Delete(ctx, store.ServiceTokens, key)
	// Evicted whatever the outcome: a failed delete may still have
	// happened, and a wrong eviction only costs one slow check.
	s.index.cache.Invalidate(key)
	if errors.Is(err, store.ErrNotFound) {
		return Deleted{}, nil
	}
	if err != nil {
		return Deleted{}, err
	}
	s.log.Info("service account token deleted", "token", key)
	return Deleted{Found: true}, nil
}

// IndexTokenNames lists the names of an account's tokens in the store,
// sorted (GetServiceAccountCredentialsResponse sorts them).
func (s *Service) IndexTokenNames(ctx context.Context, principal string) ([]string, error) {
	var out []string
	err := s.index.db.List(ctx, store.ServiceTokens, func(key string, _ []byte) error {
		if name, ok := strings.CutPrefix(key, principal+"/"); ok {
			out = append(out, strings.Clone(name))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}
