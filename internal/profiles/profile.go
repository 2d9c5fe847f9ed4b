package profiles

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/esauth/esauth/internal/xcontent"
)

// Realm names the realm a profile's user came from.
type Realm struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Subject is the user a profile belongs to, as their authentication
// described them when the profile was last activated.
type Subject struct {
	Username string
	// Roles are the user's own roles (without the anonymous roles, which
	// every check adds again).
	Roles    []string
	FullName *string
	Email    *string
	Realm    Realm
}

// SameUser is Subject.canAccessResourcesOf for profiles: the same username
// in the same realm, where the file and native realms are known by their
// type alone (there is only ever one of each).
func (s Subject) SameUser(o Subject) bool {
	if s.Username != o.Username || s.Realm.Type != o.Realm.Type {
		return false
	}
	return fileOrNative(s.Realm.Type) || s.Realm.Name == o.Realm.Name
}

func fileOrNative(realmType string) bool { return realmType == "file" || realmType == "native" }

// user is the document's user part, as ProfileDocumentUser writes it.
type user struct {
	Username string   `json:"username"`
	Roles    []string `json:"roles"`
	Realm    Realm    `json:"realm"`
	Email    *string  `json:"email"`
	FullName *string  `json:"full_name"`
}

func (u user) subject() Subject {
	return Subject{Username: u.Username, Roles: u.Roles, FullName: u.FullName, Email: u.Email, Realm: u.Realm}
}

func userOf(s Subject) user {
	roles := s.Roles
	if roles == nil {
		roles = []string{}
	}
	return user{Username: s.Username, Roles: roles, Realm: s.Realm, Email: s.Email, FullName: s.FullName}
}

func (u user) equal(o user) bool {
	return u.Username == o.Username && slices.Equal(u.Roles, o.Roles) && u.Realm == o.Realm &&
		eqPtr(u.Email, o.Email) && eqPtr(u.FullName, o.FullName)
}

func eqPtr(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// document is a stored profile: Elasticsearch's ProfileDocument, with the
// sequence number and primary term its index would keep beside it.
type document struct {
	UID              string          `json:"uid"`
	Enabled          bool            `json:"enabled"`
	LastSynchronized int64           `json:"last_synchronized"`
	User             user            `json:"user"`
	Labels           json.RawMessage `json:"labels"`
	Data             json.RawMessage `json:"application_data"`
	SeqNo            int64           `json:"_seq_no"`
	PrimaryTerm      int64           `json:"_primary_term"`
}

// primaryTerm is the one primary term of esauth's profile "index": the
// store has no shard copies to fail over between.
const primaryTerm = 1

func decode(b []byte) (*document, error) {
	var d document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("profiles: a stored profile does not parse: %w", err)
	}
	return &d, nil
}

func (d *document) encode() []byte {
	b, _ := xcontent.Marshal(d) // a document always encodes
	return b
}

// BaseUID is ProfileDocument.computeBaseUidForSubject: "u_" and the
// unpadded base64url SHA-256 of the username. A profile's uid is the base
// uid, "_" and a differentiator, 0 unless another user of the same name
// (from another realm) took it first.
func BaseUID(username string) string {
	sum := sha256.Sum256([]byte(username))
	return "u_" + base64.RawURLEncoding.EncodeToString(sum[:])
}

func uidOf(username string, differentiator int) string {
	return BaseUID(username) + "_" + strconv.Itoa(differentiator)
}

// Profile is a profile as the API shows it, with the parts of its data
// that were asked for.
type Profile struct {
	doc  *document
	data *node
}

// UID is the profile's unique id.
func (p Profile) UID() string { return p.doc.UID }

// Enabled reports whether the profile is enabled.
func (p Profile) Enabled() bool { return p.doc.Enabled }

// Subject is the user the profile belongs to.
func (p Profile) Subject() Subject { return p.doc.User.subject() }

// newProfile shows doc with the data its keys select ("*": all; none:
// nothing), as VersionedDocument.toProfile does.
func newProfile(doc *document, dataKeys []string) (Profile, error) {
	data := &node{kind: '{'}
	if len(dataKeys) > 0 {
		all, err := objectOrEmpty(doc.Data)
		if err != nil {
			return Profile{}, err
		}
		data = filter(all, dataKeys)
	}
	return Profile{doc: doc, data: data}, nil
}

// appendUser is Profile.ProfileUser's "user" object: null email and full
// name are left out, and so is realm_domain, esauth having no domains.
func (p Profile) appendUser(dst []byte) []byte {
	u := p.doc.User
	dst = append(dst, `"user":{"username":`...)
	dst = xcontent.AppendString(dst, u.Username)
	dst = append(dst, `,"roles":[`...)
	for i, r := range u.Roles {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = xcontent.AppendString(dst, r)
	}
	dst = append(dst, `],"realm_name":`...)
	dst = xcontent.AppendString(dst, u.Realm.Name)
	if u.Email != nil {
		dst = append(dst, `,"email":`...)
		dst = xcontent.AppendString(dst, *u.Email)
	}
	if u.FullName != nil {
		dst = append(dst, `,"full_name":`...)
		dst = xcontent.AppendString(dst, *u.FullName)
	}
	return append(dst, '}')
}

func (p Profile) appendLabelsAndData(dst []byte) ([]byte, error) {
	labels, err := objectOrEmpty(p.doc.Labels)
	if err != nil {
		return nil, err
	}
	dst = append(dst, `,"labels":`...)
	if dst, err = labels.AppendJSON(dst); err != nil {
		return nil, err
	}
	dst = append(dst, `,"data":`...)
	return p.data.AppendJSON(dst)
}

// AppendJSON is Profile.toXContent: the profile with its version control.
func (p Profile) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"uid":`...)
	dst = xcontent.AppendString(dst, p.doc.UID)
	dst = append(dst, `,"enabled":`...)
	dst = strconv.AppendBool(dst, p.doc.Enabled)
	dst = append(dst, `,"last_synchronized":`...)
	dst = strconv.AppendInt(dst, p.doc.LastSynchronized, 10)
	dst = append(dst, ',')
	dst = p.appendUser(dst)
	dst, err := p.appendLabelsAndData(dst)
	if err != nil {
		return nil, err
	}
	dst = append(dst, `,"_doc":{"_primary_term":`...)
	dst = strconv.AppendInt(dst, p.doc.PrimaryTerm, 10)
	dst = append(dst, `,"_seq_no":`...)
	dst = strconv.AppendInt(dst, p.doc.SeqNo, 10)
	return append(dst, "}}"...), nil
}

// MarshalJSON implements json.Marshaler.
func (p Profile) MarshalJSON() ([]byte, error) { return p.AppendJSON(nil) }
