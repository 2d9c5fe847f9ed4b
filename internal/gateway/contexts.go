package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/store"
)

// The kinds of search context whose ids are bound to their owner.
const (
	kindScroll = "scroll"
	kindPIT    = "pit"
	kindAsync  = "async"
)

// contexts remembers who opened each scroll, point in time and async
// search. Elasticsearch binds them to the user who created them; the
// cluster behind the gateway has no users, so the gateway keeps the
// binding, in the store so that every node sees it.
type contexts struct {
	db  store.Store
	now func() time.Time
}

// owner is who opened a context, as Elasticsearch compares them: the user,
// the type of the realm that vouched for them and, for realms other than
// the file and native ones, the realm's name
// (Authentication.canAccessResourcesOf).
type owner struct {
	User      string `json:"user"`
	RealmType string `json:"realm_type"`
	Realm     string `json:"realm,omitempty"`
	// Expires is when the record may be forgotten, in Unix milliseconds.
	Expires int64 `json:"expires"`
}

func ownerOf(auth authn.Authentication) owner {
	o := owner{User: auth.Effective.User.Username, RealmType: auth.Effective.Realm.Type}
	if o.RealmType != "file" && o.RealmType != "native" {
		o.Realm = auth.Effective.Realm.Name
	}
	return o
}

// key names a context without keeping its id, which is a credential of
// sorts: whoever has it may read the results.
func key(kind, id string) string {
	sum := sha256.Sum256([]byte(id))
	return kind + "/" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// record binds id to auth for keepAlive (and a margin, since the cluster
// counts from its own clock).
func (c *contexts) record(ctx context.Context, kind, id string, auth authn.Authentication, keepAlive time.Duration) error {
	o := ownerOf(auth)
	o.Expires = c.now().Add(keepAlive + time.Minute).UnixMilli()
	val, err := json.Marshal(o)
	if err != nil {
		return err
	}
	_, err = c.db.Update(ctx, store.SearchContexts, key(kind, id), func([]byte) ([]byte, error) { return val, nil })
	return err
}

// owns reports whether auth opened the context and it has not expired.
func (c *contexts) owns(ctx context.Context, kind, id string, auth authn.Authentication) (bool, error) {
	val, err := c.db.Get(ctx, store.SearchContexts, key(kind, id))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var o owner
	if err := json.Unmarshal(val, &o); err != nil {
		return false, nil // an unreadable record binds to no one
	}
	if c.now().UnixMilli() > o.Expires {
		_ = c.forget(ctx, kind, id)
		return false, nil
	}
	mine := ownerOf(auth)
	return o.User == mine.User && o.RealmType == mine.RealmType && o.Realm == mine.Realm, nil
}

// forget drops a context's record once it is closed.
func (c *contexts) forget(ctx context.Context, kind, id string) error {
	err := c.db.Delete(ctx, store.SearchContexts, key(kind, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// sweep forgets every expired record; the gateway runs it now and then.
func (c *contexts) sweep(ctx context.Context) error {
	var expired []string
	now := c.now().UnixMilli()
	err := c.db.List(ctx, store.SearchContexts, func(k string, val []byte) error {
		var o owner
		if json.Unmarshal(val, &o) != nil || now > o.Expires {
			expired = append(expired, k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range expired {
		if err := c.db.Delete(ctx, store.SearchContexts, k); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}
