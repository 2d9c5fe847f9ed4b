package nativeusers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
	"github.com/esauth/esauth/internal/xcontent"
)

// Account is a user together with its password hash. It never leaves the
// server: handlers answer with Account.User only.
type Account struct {
	User         user.User
	PasswordHash string
}

// record is the stored form of a native user.
type record struct {
	Username string          `json:"username"`
	Password string          `json:"password"`
	Roles    []string        `json:"roles"`
	FullName *string         `json:"full_name"`
	Email    *string         `json:"email"`
	Metadata json.RawMessage `json:"metadata"`
	Enabled  bool            `json:"enabled"`
}

// Reserved is the stored state of a built-in user. An empty hash means no
// password was ever set: the user cannot log in.
type Reserved struct {
	PasswordHash string `json:"password"`
	Enabled      bool   `json:"enabled"`
}

// Store is the native users store. Changed, when set, is called with the
// username after every successful write so caches can evict it.
type Store struct {
	db      store.Store
	Changed func(username string)
}

// New returns a native users store over db.
func New(db store.Store) *Store { return &Store{db: db} }

func (s *Store) changed(name string) {
	if s.Changed != nil {
		s.Changed(name)
	}
}

// newRecord is what the store keeps for u and its hash.
func newRecord(u user.User, hash string) record {
	r := record{Username: u.Username, Password: hash, Roles: u.Roles,
		FullName: u.FullName, Email: u.Email, Metadata: u.Metadata, Enabled: u.Enabled}
	if len(r.Metadata) == 0 {
		r.Metadata = user.EmptyMetadata
	}
	return r
}

func (r record) account() Account {
	return Account{
		User: withDefaults(user.User{Username: r.Username, Roles: r.Roles, FullName: r.FullName,
			Email: r.Email, Metadata: r.Metadata, Enabled: r.Enabled}),
		PasswordHash: r.Password,
	}
}

// withDefaults gives a stored user the shape the API shows: roles [] and
// metadata {} (shared: most users have none) when absent.
func withDefaults(u user.User) user.User {
	if len(u.Metadata) == 0 || string(u.Metadata) == "{}" {
		u.Metadata = user.EmptyMetadata
	}
	if u.Roles == nil {
		u.Roles = []string{}
	}
	return u
}

func decode(val []byte) (record, error) {
	var r record
	if err := json.Unmarshal(val, &r); err != nil {
		return record{}, fmt.Errorf("nativeusers: corrupt user record: %w", err)
	}
	return r, nil
}

// Get returns a native user with its hash, or store.ErrNotFound.
func (s *Store) Get(ctx context.Context, name string) (Account, error) {
	val, err := s.db.Get(ctx, store.Users, name)
	if err != nil {
		return Account{}, err
	}
	r, err := decode(val)
	if err != nil {
		return Account{}, err
	}
	return r.account(), nil
}

// List calls fn for every native user in username order. Records are
// decoded without their hashes, which nothing listing users needs: a
// million of them would be a million strings of garbage.
func (s *Store) List(ctx context.Context, fn func(user.User) error) error {
	return s.db.List(ctx, store.Users, func(_ string, val []byte) error {
		var u user.User
		if err := json.Unmarshal(val, &u); err != nil {
			return fmt.Errorf("nativeusers: corrupt user record: %w", err)
		}
		return fn(withDefaults(u))
	})
}

// Put creates or replaces a native user. With a hash it overwrites the
// whole user; with an empty hash it rewrites every field but the password
// of an existing user (Elasticsearch's update), and fails for a new one.
func (s *Store) Put(ctx context.Context, u user.User, hash string) (created bool, err error) {
	created, err = s.db.Update(ctx, store.Users, u.Username, func(cur []byte) ([]byte, error) {
		r := newRecord(u, hash)
		if hash == "" {
			if cur == nil {
				return nil, eserr.Validation("password must be specified unless you are updating an existing user")
			}
			old, err := decode(cur)
			if err != nil {
				return nil, err
			}
			r.Password = old.Password
		}
		return xcontent.Marshal(r)
	})
	if err == nil {
		s.changed(u.Username)
	}
	return created, err
}

// update changes an existing native user; missing reports notFound.
func (s *Store) update(ctx context.Context, name string, notFound error, change func(*record)) error {
	_, err := s.db.Update(ctx, store.Users, name, func(cur []byte) ([]byte, error) {
		if cur == nil {
			return nil, notFound
		}
		r, err := decode(cur)
		if err != nil {
			return nil, err
		}
		change(&r)
		return xcontent.Marshal(r)
	})
	if err == nil {
		s.changed(name)
	}
	return err
}

// ChangePassword sets a native user's password hash.
func (s *Store) ChangePassword(ctx context.Context, name, hash string) error {
	return s.update(ctx, name, eserr.Validation("user must exist in order to change password"),
		func(r *record) { r.Password = hash })
}

// SetEnabled enables or disables a native user.
func (s *Store) SetEnabled(ctx context.Context, name string, enabled bool) error {
	verb := "disabled"
	if enabled {
		verb = "enabled"
	}
	return s.update(ctx, name, eserr.Validation("only existing users can be "+verb),
		func(r *record) { r.Enabled = enabled })
}

// Delete removes a native user and reports whether it existed.
func (s *Store) Delete(ctx context.Context, name string) (found bool, err error) {
	err = s.db.Delete(ctx, store.Users, name)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.changed(name)
	return true, nil
}

// GetReserved returns a built-in user's state; one that was never written
// is enabled and has no password.
func (s *Store) GetReserved(ctx context.Context, name string) (Reserved, error) {
	val, err := s.db.Get(ctx, store.ReservedUsers, name)
	if errors.Is(err, store.ErrNotFound) {
		return Reserved{Enabled: true}, nil
	}
	if err != nil {
		return Reserved{}, err
	}
	var r Reserved
	if err := json.Unmarshal(val, &r); err != nil {
		return Reserved{}, fmt.Errorf("nativeusers: corrupt reserved user record: %w", err)
	}
	return r, nil
}

// updateReserved upserts a built-in user's state, as Elasticsearch creates
// the reserved-user document on its first change.
func (s *Store) updateReserved(ctx context.Context, name string, change func(*Reserved)) error {
	_, err := s.db.Update(ctx, store.ReservedUsers, name, func(cur []byte) ([]byte, error) {
		r := Reserved{Enabled: true}
		if cur != nil {
			if err := json.Unmarshal(cur, &r); err != nil {
				return nil, fmt.Errorf("nativeusers: corrupt reserved user record: %w", err)
			}
		}
		change(&r)
		return xcontent.Marshal(r)
	})
	if err == nil {
		s.changed(name)
	}
	return err
}

// ChangeReservedPassword sets a built-in user's password hash.
func (s *Store) ChangeReservedPassword(ctx context.Context, name, hash string) error {
	return s.updateReserved(ctx, name, func(r *Reserved) { r.PasswordHash = hash })
}

// SetReservedEnabled enables or disables a built-in user.
func (s *Store) SetReservedEnabled(ctx context.Context, name string, enabled bool) error {
	return s.updateReserved(ctx, name, func(r *Reserved) { r.Enabled = enabled })
}

// BootstrapReserved gives a built-in user its first password unless its
// state already exists, and reports whether it did. hash is called only
// when needed; concurrent callers (nodes starting at once) create it once.
func (s *Store) BootstrapReserved(ctx context.Context, name string, hash func() (string, error)) (bool, error) {
	_, err := s.db.Get(ctx, store.ReservedUsers, name)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	h, err := hash()
	if err != nil {
		return false, err
	}
	val, err := xcontent.Marshal(Reserved{PasswordHash: h, Enabled: true})
	if err != nil {
		return false, err
	}
	err = s.db.Create(ctx, store.ReservedUsers, name, val)
	if errors.Is(err, store.ErrExists) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.changed(name)
	return true, nil
}

// Import creates many new users at once, for bulk loading: in batches of
// one commit each when the backend is a store.Loader, one by one
// otherwise. A user that exists already fails the batch it is in
// (store.ErrExists); earlier batches stay.
func (s *Store) Import(ctx context.Context, accounts []Account) error {
	const batch = 10000
	loader, bulk := s.db.(store.Loader)
	recs := make([]store.Record, 0, min(batch, len(accounts)))
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		err := loader.CreateAll(ctx, store.Users, recs)
		recs = recs[:0]
		return err
	}
	for _, a := range accounts {
		u := a.User
		val, err := xcontent.Marshal(newRecord(u, a.PasswordHash))
		if err != nil {
			return err
		}
		if !bulk {
			if err := s.db.Create(ctx, store.Users, u.Username, val); err != nil {
				return err
			}
			s.changed(u.Username)
			continue
		}
		if recs = append(recs, store.Record{Key: u.Username, Value: val}); len(recs) == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if bulk {
		if err := flush(); err != nil {
			return err
		}
		for _, a := range accounts {
			s.changed(a.User.Username)
		}
	}
	return nil
}
