package apikey

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
	"github.com/esauth/esauth/internal/xcontent"
)

// CreateRequest is a create API key body (CreateApiKeyRequest).
type CreateRequest struct {
	// ID is the new key's id: given by AssignID, or by Create.
	ID   string
	Name string
	// RoleDescriptors are the key's roles; empty (absent or {}) means the
	// owner's snapshot alone.
	RoleDescriptors []roles.Descriptor
	// ExpirationSeconds is the key's lifetime in whole seconds (what
	// Elasticsearch adds to the creation time); nil never expires.
	ExpirationSeconds *int64
	// Expiration is the expiration as Elasticsearch prints it back ("1d"),
	// for the audit log; "" when none was given.
	Expiration string
	// Metadata is a compact JSON object; nil when absent.
	Metadata json.RawMessage
}

var createFields = []string{"name", "role_descriptors", "expiration", "metadata"}

// ParseCreateRequest parses a create body as CreateRequestBuilder's
// ConstructingObjectParser("api_key_request") does, with its errors. It
// does not validate: call Validate, as Elasticsearch validates after
// parsing.
func ParseCreateRequest(body []byte) (*CreateRequest, error) {
	ms, err := xcontent.TopMembers(body)
	if err != nil {
		return nil, err
	}
	return parseCreate(body, ms)
}

// parseCreate reads the fields ms of a create request found in body: the
// whole body, or the api_key object of a grant.
func parseCreate(body []byte, ms []member) (*CreateRequest, error) {
	const parser = "api_key_request"
	r := &CreateRequest{}
	err := parseCreateBody(body, ms, r, createBody{parser: parser, fields: createFields, required: []string{"name"},
		field: func(m member) (ok bool, err error) {
			if m.Key != "role_descriptors" {
				return false, nil
			}
			r.RoleDescriptors, err = parseRoleDescriptors(body, parser, m)
			return true, err
		}})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// createBody is the ConstructingObjectParser of a create body: name,
// expiration and metadata as every create body has them, and what differs.
type createBody struct {
	parser string
	// fields are all the body's fields, every one a constructor argument.
	fields []string
	// required are the constructor arguments that must be given, in their
	// declared order.
	required []string
	// field parses a field only this body has; false for one it does not
	// know.
	field func(m member) (bool, error)
	// build, if set, is the rest of the constructor, run once the
	// expiration is read.
	build func() error
}

// parseCreateBody reads the fields ms into r as b describes them. The
// constructor (the expiration, then b.build) runs when its last argument
// arrives, inside that field's parser, or at the end.
func parseCreateBody(body []byte, ms []member, r *CreateRequest, b createBody) error {
	var name, expiration *string
	given := map[string]bool{}
	construct := func() error {
		if err := buildExpiration(r, expiration); err != nil {
			return err
		}
		if b.build != nil {
			return b.build()
		}
		return nil
	}
	for _, m := range ms {
		switch m.Key {
		case "name":
			if m.Token() != xcontent.String {
				return xcontent.WrongType(body, m, b.parser)
			}
			s := m.Str()
			name = &s
		case "expiration":
			if m.Token() != xcontent.String {
				return xcontent.WrongType(body, m, b.parser)
			}
			s := m.Str()
			expiration = &s
		case "metadata":
			if m.Token() != xcontent.StartObject {
				return xcontent.WrongType(body, m, b.parser)
			}
			r.Metadata = compact(m.Raw)
		default:
			ok, err := b.field(m)
			if err != nil {
				return err
			}
			if !ok {
				return xcontent.UnknownField(body, m, b.parser, b.fields)
			}
		}
		given[m.Key] = true
		if len(given) == len(b.fields) {
			if err := construct(); err != nil {
				return failedField(body, m.LastOff(), b.parser, m.Key, failedBuild(b.parser, err))
			}
		}
	}
	var missing []string
	for _, f := range b.required {
		if !given[f] {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return eserr.IllegalArgument("Required [%s]", strings.Join(missing, ", "))
	}
	r.Name = *name
	if len(given) < len(b.fields) {
		if err := construct(); err != nil {
			return failedBuild(b.parser, err)
		}
	}
	return nil
}

func buildExpiration(r *CreateRequest, expiration *string) error {
	if expiration == nil {
		return nil
	}
	secs, rep, err := parseExpiration(*expiration)
	if err != nil {
		return err
	}
	r.ExpirationSeconds, r.Expiration = &secs, rep
	return nil
}

func compact(raw []byte) json.RawMessage {
	var b bytes.Buffer
	_ = json.Compact(&b, raw) // raw is well-formed
	return b.Bytes()
}

// Validate is CreateApiKeyRequest.validate: the name, the metadata keys,
// then every role, in one action_request_validation_exception.
func (r *CreateRequest) Validate() error {
	var v eserr.Validator
	r.validate(&v)
	return v.Err()
}

func (r *CreateRequest) validate(v *eserr.Validator) {
	if r.Name == "" {
		v.Add("api key name is required")
	} else {
		if len(utf16.Encode([]rune(r.Name))) > 256 {
			v.Add("api key name may not be more than 256 characters long")
		}
		if r.Name != javaTrim(r.Name) {
			v.Add("api key name may not begin or end with whitespace")
		}
		if strings.HasPrefix(r.Name, "_") {
			v.Add("api key name may not begin with an underscore")
		}
	}
	if hasReservedKey(r.Metadata) {
		v.Add("API key metadata keys may not start with [_]")
	}
	for _, d := range r.RoleDescriptors {
		for _, msg := range descriptorMessages(d) {
			v.Add("%s", msg)
		}
	}
}

// javaTrim is String.trim: it strips every char up to ' '.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// hasReservedKey is MetadataUtils.containsReservedMetadata.
func hasReservedKey(metadata json.RawMessage) bool {
	if len(metadata) == 0 {
		return false
	}
	for _, m := range xcontent.Members(metadata, 0, metadata) {
		if strings.HasPrefix(m.Key, "_") {
			return true
		}
	}
	return false
}

// ErrDerivedKey is TransportCreateApiKeyAction's refusal of a key created
// by a key that could grant any privilege.
func ErrDerivedKey() *eserr.Error {
	return eserr.IllegalArgument("creating derived api keys requires an explicit role descriptor that is empty (has no privileges)")
}

// CreateResponse is CreateApiKeyResponse. It holds the secret, which is
// shown here and nowhere else: its String and LogValue leave it out.
type CreateResponse struct {
	ID         string
	Name       string
	Expiration *time.Time
	secret     string
}

// Secret returns the new key's secret ("api_key").
func (r *CreateResponse) Secret() string { return r.secret }

// Encoded is base64(id:secret), what clients send after "ApiKey ".
func (r *CreateResponse) Encoded() string {
	return base64.StdEncoding.EncodeToString([]byte(r.ID + ":" + r.secret))
}

// AppendJSON renders {"id","name",["expiration"],"api_key","encoded"}.
func (r *CreateResponse) AppendJSON(dst []byte) ([]byte, error) {
	o := xcontent.Obj("id", r.ID, "name", r.Name)
	if r.Expiration != nil {
		o = o.With("expiration", r.Expiration.UnixMilli())
	}
	return o.With("api_key", r.secret).With("encoded", r.Encoded()).AppendJSON(dst)
}

// MarshalJSON implements json.Marshaler.
func (r *CreateResponse) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil) }

// String leaves the secret out.
func (r *CreateResponse) String() string { return fmt.Sprintf("API key [%s] id [%s]", r.Name, r.ID) }

// LogValue leaves the secret out.
func (r *CreateResponse) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", r.ID), slog.String("name", r.Name))
}

// Create makes a key for caller (ApiKeyService.createApiKey). req must be
// validated. A caller authenticated with an API key may only create keys
// whose roles are all empty (ErrDerivedKey), and such keys get an empty
// limited-by snapshot.
func (s *Service) Create(ctx context.Context, req *CreateRequest, caller Caller) (*CreateResponse, error) {
	if !s.cfg.Enabled {
		return nil, ErrDisabled()
	}
	if caller.ViaAPIKey && grantsAnyPrivileges(req.RoleDescriptors) {
		return nil, ErrDerivedKey()
	}
	limitedBy := []roles.Descriptor{}
	if !caller.ViaAPIKey {
		limitedBy = withoutDescriptions(caller.RoleDescriptors)
	}
	return s.insert(ctx, req, caller.Owner, typeREST, limitedBy)
}

// insert stores a new key of type typ (ApiKeyService.createApiKeyAndIndexIt)
// and caches its secret.
func (s *Service) insert(ctx context.Context, req *CreateRequest, o Owner, typ string, limitedBy []roles.Descriptor) (*CreateResponse, error) {
	created := s.now()
	var expiration *time.Time
	if req.ExpirationSeconds != nil {
		t := time.UnixMilli(created.UnixMilli() + *req.ExpirationSeconds*1000).UTC()
		expiration = &t
	}
	secret := newSecret()
	hash, err := s.hashSecret(ctx, secret)
	if err != nil {
		return nil, err
	}
	s.AssignID(req)
	id, name := req.ID, req.Name
	doc := &document{
		DocType: docType, Type: typ, CreationTime: created.UnixMilli(), Invalidated: new(bool), Hash: hash,
		RoleDescriptors: descriptorsJSON(req.RoleDescriptors, true), LimitedBy: descriptorsJSON(limitedBy, true),
		Name: &name, Version: docVersion, Metadata: req.Metadata, Creator: creatorOf(o),
	}
	if expiration != nil {
		ms := expiration.UnixMilli()
		doc.ExpirationTime = &ms
	}
	if err := s.db.Create(ctx, store.APIKeys, id, doc.encode()); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, &eserr.Error{Type: "version_conflict_engine_exception", Status: http.StatusConflict,
				Reason: "[" + id + "]: version conflict, document already exists (current version [1])"}
		}
		return nil, fmt.Errorf("apikey: create: %w", err)
	}
	// Elasticsearch puts the new secret in its cache at once, so the
	// key's first use costs no slow hash.
	_, _, _ = s.secrets.Authenticate(ctx, id, secret, func(context.Context) (string, bool, error) { return hash, true, nil })
	return &CreateResponse{ID: id, Name: name, Expiration: expiration, secret: secret}, nil
}

// AssignID gives req the id its key will have, as CreateApiKeyRequest
// does when it is built, so that the change can be audited before it is
// made.
func (s *Service) AssignID(req *CreateRequest) {
	if req.ID == "" {
		req.ID = s.ids.next()
	}
}

// grantsAnyPrivileges is TransportCreateApiKeyAction.grantsAnyPrivileges.
func grantsAnyPrivileges(ds []roles.Descriptor) bool {
	if len(ds) == 0 {
		return true
	}
	for _, d := range ds {
		if !isEmpty(d) {
			return true
		}
	}
	return false
}

func (s *Service) hashSecret(ctx context.Context, secret string) (string, error) {
	release, err := s.enter(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	h, err := s.cfg.Hasher.Hash(secret)
	if err != nil {
		return "", fmt.Errorf("apikey: hashing a secret: %w", err)
	}
	return h, nil
}

func creatorOf(o Owner) creator {
	meta := o.Metadata
	if len(meta) == 0 {
		meta = user.EmptyMetadata
	}
	return creator{Principal: o.Username, FullName: o.FullName, Email: o.Email, Metadata: meta, Realm: o.Realm, RealmType: o.RealmType}
}
