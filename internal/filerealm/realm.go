package filerealm

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync/atomic"

	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/user"
)

// The realm name and type Elasticsearch uses for the file realm when no
// realm is configured.
const (
	DefaultName = "default_file"
	Type        = "file"
)

// Realm authenticates the users of the users file. Its table is replaced
// as a whole, through one atomic pointer, so a request sees users and roles
// from the same load; requests never take a lock.
type Realm struct {
	ref    realm.Ref
	dir    string
	log    *slog.Logger
	verify func(password, hash string) (bool, error) // tests count calls
	table  atomic.Pointer[Table]
}

// New loads dir/users and dir/users_roles and returns the realm. An empty
// ref name or type defaults to "default_file" / "file". Skipped lines are logged. Unlike a later reload, which (as in
// Elasticsearch) drops an unreadable file's entries and carries on, an
// unreadable file here is an error: at start-up an operator is present to
// fix it. log may be nil.
func New(ref realm.Ref, dir string, log *slog.Logger) (*Realm, error) {
	if ref.Name == "" {
		ref.Name = DefaultName
	}
	if ref.Type == "" {
		ref.Type = Type
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Realm{ref: ref, dir: dir, log: log, verify: passhash.Verify}
	t, problems, errs := load(dir)
	r.logProblems(problems)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	r.table.Store(t)
	log.Info("file realm loaded", "realm", ref.Name, "dir", dir, "users", len(t.users))
	return r, nil
}

// Ref implements realm.Realm.
func (r *Realm) Ref() realm.Ref { return r.ref }

// Authenticate implements realm.Realm. An unknown user (Unknown: the chain
// verifies its fake hash if no realm knows the user) and a wrong password
// (Continue) both go on down the chain, as in Elasticsearch (not handled /
// unsuccessful); neither is an error.
func (r *Realm) Authenticate(_ context.Context, username, password string) (realm.Principal, realm.Outcome, error) {
	// One load: the hash and the roles below come from the same table even
	// if a reload swaps it meanwhile.
	t := r.table.Load()
	hash, ok := t.users[username]
	if !ok {
		return realm.Principal{}, realm.Unknown, nil
	}
	// The parser never stores an empty hash, which would otherwise match an
	// empty password as clear text.
	if match, err := r.verify(password, hash); err != nil || !match {
		return realm.Principal{}, realm.Continue, nil
	}
	return realm.Principal{User: fileUser(t, username), Realm: r.ref}, realm.Success, nil
}

// Owns implements realm.Owner, so the chain skips this realm (and its
// cache) for users it does not have.
func (r *Realm) Owns(username string) bool {
	_, ok := r.table.Load().users[username]
	return ok
}

// Lookup returns a user of the users file, for "is this a file user?"
// checks and run_as style look-ups.
func (r *Realm) Lookup(username string) (user.User, bool) {
	t := r.table.Load()
	if _, ok := t.users[username]; !ok {
		return user.User{}, false
	}
	return fileUser(t, username), true
}

// Users returns every user of the users file, sorted by name.
func (r *Realm) Users() []user.User {
	t := r.table.Load()
	names := t.Usernames()
	out := make([]user.User, len(names))
	for i, n := range names {
		out[i] = fileUser(t, n)
	}
	return out
}

// fileUser builds the user Elasticsearch's FileRealm returns: the roles of
// users_roles and nothing else (no full name, email or metadata), enabled.
// Slices are fresh so callers cannot modify the shared table.
func fileUser(t *Table, username string) user.User {
	return user.User{
		Username: username,
		Roles:    t.Roles(username),
		Metadata: json.RawMessage(`{}`),
		Enabled:  true,
	}
}

func (r *Realm) logProblems(problems []Problem) {
	for _, p := range problems {
		r.log.Error("file realm: bad line in file", "realm", r.ref.Name, "file", p.File, "line", p.Line, "problem", p.Msg)
	}
}

// LookupUser implements realm.Lookuper, for run-as.
func (r *Realm) LookupUser(_ context.Context, username string) (user.User, bool, error) {
	u, ok := r.Lookup(username)
	return u, ok, nil
}
