package realm

import (
	"context"

	"github.com/esauth/esauth/internal/passhash"

	"github.com/esauth/esauth/internal/user"
)

// Ref names a realm the way _authenticate reports it.
type Ref struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// The realm references Elasticsearch uses for its built-in realms.
var (
	ReservedRef      = Ref{Name: "reserved", Type: "reserved"}
	DefaultNativeRef = Ref{Name: "default_native", Type: "native"}
)

// Principal is an authenticated user and the realm that vouched for it.
type Principal struct {
	User  user.User
	Realm Ref
}

// Outcome is a realm's verdict on one set of credentials.
type Outcome int

const (
	// Unknown: not this realm's user; no password was checked.
	Unknown Outcome = iota
	// Continue: this realm's user with a wrong password; ask the next realm.
	Continue
	// Success: the credentials are valid.
	Success
	// Terminate: fail now without asking other realms (a built-in user).
	Terminate
)

// Realm verifies credentials against one source of users.
type Realm interface {
	Ref() Ref
	Authenticate(ctx context.Context, username, password string) (Principal, Outcome, error)
}

// Owner is a realm that can tell from memory, at no cost, whether a user
// is its own; the chain then skips it (and its cache) for other users.
type Owner interface {
	Owns(username string) bool
}

// Chain asks realms in order until one succeeds or terminates.
type Chain struct {
	Realms []Realm
	// FakeHash, in the configured algorithm, is verified when no realm
	// checked a password or remembered the attempt failing, so an unknown
	// user costs the same time as a wrong password while realms that do
	// not know a user stay cheap.
	FakeHash string
	// Gate bounds the fake verification like every other slow check, and
	// times the pauses that stand for remembered failures' checks.
	Gate *Gate
	// Observe, when set, learns every result: the deciding realm's name
	// and whether it authenticated the user; "" when no realm knew him.
	Observe func(realm string, success bool)
	verify  verifier // nil: passhash.Verify; tests count calls
}

// spent is what one realm's answer cost in slow-check time.
type spent uint8

const (
	// free: no slow check, as for a cache hit or another realm's user.
	free spent = iota
	// paid: a slow check ran, or the caller waited for a shared one.
	paid
	// owed: answered from a remembered failure; no check ran, and the
	// time of one is owed.
	owed
)

// ask puts the credentials to r and says what its answer cost. A bare
// realm checks a password for every user it knows.
func ask(ctx context.Context, r Realm, username, password string) (Principal, Outcome, spent, error) {
	if c, ok := r.(*Cached); ok {
		return c.authenticate(ctx, username, password)
	}
	p, out, err := r.Authenticate(ctx, username, password)
	if out == Unknown {
		return p, out, free, err
	}
	return p, out, paid, err
}

// Cached returns the principal when the realms' credential caches alone
// prove the credentials right, as Authenticate would find them: the
// first realm that owns the user holds them. Anything else (a miss, a
// realm without a cache, a disabled user) needs Authenticate.
func (c Chain) Cached(username, password string) (Principal, bool) {
	for _, r := range c.Realms {
		cr, ok := r.(*Cached)
		if !ok {
			return Principal{}, false
		}
		if o, ok := cr.inner.(Owner); ok && !o.Owns(username) {
			continue
		}
		v, hit := cr.cache.Get(username, password)
		if !hit || v.out != Success || !v.p.User.Enabled {
			return Principal{}, false
		}
		if c.Observe != nil {
			c.Observe(r.Ref().Name, true)
		}
		return v.p, true
	}
	return Principal{}, false
}

// Authenticate returns the principal, or ok=false for bad credentials,
// unknown users and disabled users alike. An error means a realm could not
// decide (its store failed, or the gate's queue was full: ErrBusy); the
// caller must not treat it as a bad password.
//
// Every failed attempt costs one slow check's time, however it failed
// and whether or not it was tried before: a check that ran, else a pause
// in the gate if a realm remembered the failure, else the fake hash.
func (c Chain) Authenticate(ctx context.Context, username, password string) (p Principal, ok bool, err error) {
	observe := c.Observe
	if observe == nil {
		observe = func(string, bool) {}
	}
	last := "" // the last realm that knew the user
	var checked, remembered bool
	for _, r := range c.Realms {
		p, out, cost, err := ask(ctx, r, username, password)
		if err != nil {
			return Principal{}, false, err
		}
		checked = checked || cost == paid
		remembered = remembered || cost == owed
		switch out {
		case Success:
			// Elasticsearch checks enabled after the realm succeeded, so a
			// disabled user fails exactly like a wrong password.
			observe(r.Ref().Name, p.User.Enabled)
			if !p.User.Enabled {
				if err := c.settle(ctx, username, password, checked, remembered); err != nil {
					return Principal{}, false, err
				}
			}
			return p, p.User.Enabled, nil
		case Terminate:
			observe(r.Ref().Name, false)
			return Principal{}, false, c.settle(ctx, username, password, checked, remembered)
		case Continue:
			last = r.Ref().Name
		}
	}
	observe(last, false)
	return Principal{}, false, c.settle(ctx, username, password, checked, remembered)
}

// settle makes a failed attempt cost one slow check: nothing more if one
// ran; a pause in the gate if a realm answered from a remembered failure
// (a repeat, even of an unknown user, whose first try verified the fake
// hash); else the fake hash.
func (c Chain) settle(ctx context.Context, username, password string, checked, remembered bool) error {
	switch {
	case checked:
		return nil
	case remembered:
		return c.Gate.Pause(ctx, username)
	}
	verify := c.verify
	if verify == nil {
		verify = passhash.Verify
	}
	return c.Gate.Do(ctx, username, func() { _, _ = verify(password, c.FakeHash) })
}
