package profiles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/store"
)

// Service keeps the profiles in a store.
type Service struct {
	db  store.Store
	now func() time.Time
}

// New returns the profile service over db.
func New(db store.Store) *Service { return &Service{db: db, now: time.Now} }

// The profile index's name and the shard its exceptions name.
const (
	indexName  = ".security-profile-8"
	docPrefix  = "profile_"
	maxDiffers = 9 // ProfileService.DIFFERENTIATOR_UPPER_LIMIT
	// activateInterval is ACTIVATE_INTERVAL_IN_MS: an activation that
	// changes nothing within it of the last one writes nothing.
	activateInterval = 30 * time.Second
)

// shardError is an exception of the profile index's only shard, with the
// metadata Elasticsearch adds (the index UUID is not known here).
func shardError(typ string, status int, reason string) *eserr.Error {
	return &eserr.Error{Type: typ, Status: status, Reason: reason,
		Metadata: [][2]string{{"index_uuid", "_na_"}, {"shard", "0"}, {"index", indexName}}}
}

// documentMissing is an update's DocumentMissingException.
func documentMissing(uid string) *eserr.Error {
	return shardError("document_missing_exception", http.StatusNotFound, "["+docPrefix+uid+"]: document missing")
}

// versionConflict is VersionConflictEngineException for a compare-and-set
// whose sequence number and primary term do not match the document's.
func versionConflict(uid string, seqNo, term int64, cur *document) *eserr.Error {
	return shardError("version_conflict_engine_exception", http.StatusConflict, fmt.Sprintf(
		"[%s%s]: version conflict, required seqNo [%d], primary term [%d]. current document has seqNo [%d] and primary term [%d]",
		docPrefix, uid, seqNo, term, cur.SeqNo, cur.PrimaryTerm))
}

// notFound is the per-profile error of a get or has_privileges of a uid
// that has no document.
func notFound() *eserr.Error {
	return &eserr.Error{Type: "resource_not_found_exception", Status: http.StatusNotFound, Reason: "profile document not found"}
}

// elasticsearchException is a bare ElasticsearchException (a 500).
func elasticsearchException(format string, args ...any) *eserr.Error {
	return &eserr.Error{Type: "exception", Status: http.StatusInternalServerError, Reason: fmt.Sprintf(format, args...)}
}

func (s *Service) get(ctx context.Context, uid string) (*document, error) {
	b, err := s.db.Get(ctx, store.Profiles, uid)
	if err != nil {
		return nil, err
	}
	return decode(b)
}

// Activate creates the subject's profile, or refreshes the one it has with
// what its authentication says now and enables it (ProfileService.
// activateProfile). Labels and data are kept.
func (s *Service) Activate(ctx context.Context, sub Subject) (Profile, error) {
	base := BaseUID(sub.Username)
	for n := 0; ; {
		uid := uidOf(sub.Username, n)
		doc, err := s.get(ctx, uid)
		if errors.Is(err, store.ErrNotFound) {
			doc, err = s.create(ctx, uid, sub)
			if errors.Is(err, store.ErrExists) {
				continue // made meanwhile, maybe for this very subject: look again
			}
			if err != nil {
				return Profile{}, err
			}
			return newProfile(doc, nil)
		}
		if err != nil {
			return Profile{}, err
		}
		if doc.User.subject().SameUser(sub) {
			return s.refresh(ctx, uid, sub)
		}
		// Another user of the same name holds this uid.
		if n >= maxDiffers {
			return Profile{}, elasticsearchException("profile differentiator value is too high for base Uid [%s]", base)
		}
		n++
	}
}

func (s *Service) create(ctx context.Context, uid string, sub Subject) (*document, error) {
	doc := &document{UID: uid, Enabled: true, LastSynchronized: s.now().UnixMilli(), User: userOf(sub),
		Labels: []byte("{}"), Data: []byte("{}"), PrimaryTerm: primaryTerm}
	if err := s.db.Create(ctx, store.Profiles, uid, doc.encode()); err != nil {
		return nil, err
	}
	return doc, nil
}

// errUnchanged aborts an update that would write nothing.
var errUnchanged = errors.New("profiles: unchanged")

// refresh is updateProfileForActivate: the user part replaced, the
// profile enabled, unless nothing changed within the last 30 seconds.
func (s *Service) refresh(ctx context.Context, uid string, sub Subject) (Profile, error) {
	var out *document
	_, err := s.db.Update(ctx, store.Profiles, uid, func(cur []byte) ([]byte, error) {
		if cur == nil {
			return nil, store.ErrNotFound
		}
		doc, err := decode(cur)
		if err != nil {
			return nil, err
		}
		now := s.now().UnixMilli()
		u := userOf(sub)
		if doc.User.equal(u) && doc.Enabled && time.Duration(now-doc.LastSynchronized)*time.Millisecond < activateInterval {
			out = doc
			return nil, errUnchanged
		}
		doc.User, doc.Enabled, doc.LastSynchronized = u, true, now
		doc.SeqNo++
		out = doc
		return doc.encode(), nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return Profile{}, err
	}
	return newProfile(out, nil)
}

// Result is a profile or the error of one uid.
type Result struct {
	UID     string
	Profile Profile
	Err     *eserr.Error
}

// Get returns the profiles of uids in the order asked, each with the data
// dataKeys select, and an error for each uid that has none.
func (s *Service) Get(ctx context.Context, uids, dataKeys []string) ([]Profile, map[string]*eserr.Error, error) {
	var found []Profile
	errs := map[string]*eserr.Error{}
	for _, uid := range uids {
		doc, err := s.get(ctx, uid)
		if errors.Is(err, store.ErrNotFound) {
			errs[uid] = notFound()
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		p, err := newProfile(doc, dataKeys)
		if err != nil {
			return nil, nil, err
		}
		found = append(found, p)
	}
	return found, errs, nil
}

// Enabled returns the enabled profiles among uids, in the order asked
// without repeats, and an error for each uid that has no profile; disabled
// profiles are in neither (ProfileService.getProfileSubjects).
func (s *Service) Enabled(ctx context.Context, uids []string) ([]Profile, map[string]*eserr.Error, error) {
	var seen []string
	var out []Profile
	errs := map[string]*eserr.Error{}
	for _, uid := range uids {
		if slices.Contains(seen, uid) {
			continue
		}
		seen = append(seen, uid)
		doc, err := s.get(ctx, uid)
		if errors.Is(err, store.ErrNotFound) {
			errs[uid] = notFound()
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if doc.Enabled {
			out = append(out, Profile{doc: doc, data: &node{kind: '{'}})
		}
	}
	return out, errs, nil
}

// Version is an update's if_seq_no and if_primary_term; negative values
// are unset, as in UpdateRequestBuilder.
type Version struct {
	SeqNo, PrimaryTerm int64
}

// NoVersion asks for no compare-and-set.
var NoVersion = Version{SeqNo: -1, PrimaryTerm: -1}

// validate is UpdateRequest's check of the pair: a sequence number needs
// its primary term (unassigned: 0) and the other way round.
func (v Version) validate() error {
	term := max(v.PrimaryTerm, 0)
	var val eserr.Validator
	if term == 0 && v.SeqNo >= 0 {
		val.Add("ifSeqNo is set, but primary term is [0]")
	}
	if term != 0 && v.SeqNo < 0 {
		val.Add("ifSeqNo is unassigned, but primary term is [%d]", term)
	}
	return val.Err()
}

// UpdateData merges labels and data (objects, either may be nil) into the
// profile's, as a partial-document update does: objects merge key by key,
// anything else replaces. A version that does not match the profile's is a
// 409; an update that changes nothing writes nothing.
func (s *Service) UpdateData(ctx context.Context, uid string, labels, data []byte, v Version) error {
	if err := v.validate(); err != nil {
		return err
	}
	var changes [2]*node
	for i, raw := range [][]byte{labels, data} {
		if len(raw) == 0 {
			continue
		}
		n, err := parseTree(raw)
		if err != nil {
			return err
		}
		if len(n.keys) > 0 { // an empty map is not sent (updateProfileData)
			changes[i] = n
		}
	}
	return s.update(ctx, uid, v, func(doc *document) (bool, error) {
		changed := false
		for i, field := range []*json.RawMessage{&doc.Labels, &doc.Data} {
			if changes[i] == nil {
				continue
			}
			cur, err := objectOrEmpty(*field)
			if err != nil {
				return false, err
			}
			if merge(cur, changes[i]) {
				changed = true
			}
			*field = cur.bytes()
		}
		return changed, nil
	})
}

// SetEnabled enables or disables a profile.
func (s *Service) SetEnabled(ctx context.Context, uid string, enabled bool) error {
	return s.update(ctx, uid, NoVersion, func(doc *document) (bool, error) {
		changed := doc.Enabled != enabled
		doc.Enabled = enabled
		return changed, nil
	})
}

// update is an update request on the profile document: missing is a 404,
// a version mismatch a 409, and a change that changes nothing a noop that
// keeps the sequence number.
func (s *Service) update(ctx context.Context, uid string, v Version, change func(*document) (bool, error)) error {
	_, err := s.db.Update(ctx, store.Profiles, uid, func(cur []byte) ([]byte, error) {
		if cur == nil {
			return nil, documentMissing(uid)
		}
		doc, err := decode(cur)
		if err != nil {
			return nil, err
		}
		if v.SeqNo >= 0 && (v.SeqNo != doc.SeqNo || v.PrimaryTerm != doc.PrimaryTerm) {
			return nil, versionConflict(uid, v.SeqNo, v.PrimaryTerm, doc)
		}
		changed, err := change(doc)
		if err != nil {
			return nil, err
		}
		if !changed {
			return nil, errUnchanged
		}
		doc.SeqNo++
		return doc.encode(), nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

// UIDs finds the profiles of subjects, by username: what get user and
// query user show as profile_uid. Subjects without a profile are left out.
func (s *Service) UIDs(ctx context.Context, subjects []Subject) (map[string]string, error) {
	out := map[string]string{}
	if len(subjects) == 0 {
		return out, nil
	}
	if len(subjects) > 8 {
		// One pass over every profile beats a few reads per user.
		err := s.db.List(ctx, store.Profiles, func(_ string, val []byte) error {
			doc, err := decode(val)
			if err != nil {
				return err
			}
			for _, sub := range subjects {
				if doc.User.subject().SameUser(sub) {
					out[sub.Username] = doc.UID
				}
			}
			return nil
		})
		return out, err
	}
	for _, sub := range subjects {
		uid, err := s.find(ctx, sub)
		if err != nil {
			return nil, err
		}
		if uid != "" {
			out[sub.Username] = uid
		}
	}
	return out, nil
}

// find returns the uid of sub's profile, or "": its uid can only be the
// username's base uid with one of the differentiators, taken in order
// since profiles are never deleted.
func (s *Service) find(ctx context.Context, sub Subject) (string, error) {
	for n := 0; n <= maxDiffers; n++ {
		doc, err := s.get(ctx, uidOf(sub.Username, n))
		if errors.Is(err, store.ErrNotFound) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if doc.User.subject().SameUser(sub) {
			return doc.UID, nil
		}
	}
	return "", nil
}

// Each calls fn for every profile, enabled or not, without its data.
func (s *Service) Each(ctx context.Context, fn func(Profile) error) error {
	return s.db.List(ctx, store.Profiles, func(_ string, val []byte) error {
		doc, err := decode(val)
		if err != nil {
			return err
		}
		return fn(Profile{doc: doc, data: &node{kind: '{'}})
	})
}
