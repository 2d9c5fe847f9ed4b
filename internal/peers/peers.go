package peers

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/random"
	"github.com/esauth/esauth/internal/store"
)

// Node describes one esauth node as cluster answers show it.
type Node struct {
	ID          string
	Name        string
	ClusterName string
	ClusterUUID string
}

// Handler applies what other nodes changed to this node's caches. The
// server's one invalidation fan-out implements it, for local writes too.
type Handler interface {
	// UserChanged follows a write to a native or built-in user.
	UserChanged(name string, deleted bool)
	// RoleChanged follows a write to a native role.
	RoleChanged(name string)
	// LockoutChanged re-reads a block another node started or lifted.
	LockoutChanged(key string)
	// ClearRealms and ClearRoles apply another node's clear-cache request;
	// nil lists mean "all".
	ClearRealms(realms, users []string)
	ClearRoles(names []string)
	// Reset forgets everything cached: changes were missed.
	Reset()
}

// Kinds of cache-clearing request.
const (
	ClearRealmsKind = "realms"
	ClearRolesKind  = "roles"
)

// Peers is this node's view of the nodes sharing a watchable store.
type Peers struct {
	db      store.Store
	w       store.Watcher
	self    Node
	handler Handler
	log     *slog.Logger
}

// New returns the peers of self over db, whose changes go to h.
func New(db store.Store, w store.Watcher, self Node, h Handler, log *slog.Logger) *Peers {
	return &Peers{db: db, w: w, self: self, handler: h, log: log}
}

// Self is this node.
func (p *Peers) Self() Node { return p.self }

// Healthy reports whether the shared store answers.
func (p *Peers) Healthy(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := p.w.Revision(ctx)
	return err == nil
}

// Nodes lists every registered node, or this one alone when the store
// cannot say.
func (p *Peers) Nodes(ctx context.Context) []Node {
	var nodes []Node
	err := p.db.List(ctx, store.Nodes, func(id string, val []byte) error {
		var n struct{ Name string }
		if json.Unmarshal(val, &n) == nil {
			nodes = append(nodes, Node{ID: id, Name: n.Name, ClusterName: p.self.ClusterName})
		}
		return nil
	})
	if err != nil || len(nodes) == 0 {
		return []Node{p.self}
	}
	return nodes
}

// Register records this node in the shared list; Deregister removes it at
// a clean shutdown.
func (p *Peers) Register(ctx context.Context) error {
	val, _ := json.Marshal(map[string]string{"name": p.self.Name})
	_, err := p.db.Update(ctx, store.Nodes, p.self.ID, func([]byte) ([]byte, error) { return val, nil })
	return err
}

// Deregister removes this node from the shared list.
func (p *Peers) Deregister(ctx context.Context) {
	if err := p.db.Delete(ctx, store.Nodes, p.self.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		p.log.Warn("could not remove this node from the node list", "err", err)
	}
}

// ClearCaches asks every other node to clear the named realms' (nil: all)
// caches for the users (nil: everyone), or with kind ClearRolesKind the
// named roles (nil: all). The request travels as the key of a record that
// is written and deleted at once; every node's watch sees it.
func (p *Peers) ClearCaches(ctx context.Context, kind string, names, users []string) error {
	q := url.Values{}
	if names != nil {
		q.Set("names", strings.Join(names, ","))
	}
	if users != nil {
		q.Set("users", strings.Join(users, ","))
	}
	key := kind + "/" + random.ID() + "?" + q.Encode()
	if err := p.db.Create(ctx, store.Events, key, []byte{}); err != nil {
		return err
	}
	if err := p.db.Delete(ctx, store.Events, key); err != nil {
		p.log.Warn("could not remove a cache-clearing event", "err", err)
	}
	return nil
}

// Follow applies every change of the shared store to this node's caches
// until ctx ends. It resumes from the last revision it saw, so a cut watch
// misses nothing; if that revision was compacted away it cannot know what
// changed, so it resets everything.
func (p *Peers) Follow(ctx context.Context) {
	rev := p.currentRevision(ctx)
	for ctx.Err() == nil {
		err := p.w.Watch(ctx, rev, func(e store.Event) {
			rev = e.Revision
			p.apply(e)
		})
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, store.ErrCompacted):
			p.log.Warn("missed changes of the shared store; clearing every cache")
			p.handler.Reset()
			rev = p.currentRevision(ctx)
		default:
			p.log.Warn("watching the shared store failed; resuming", "err", err)
			sleep(ctx, time.Second)
		}
	}
}

// currentRevision waits until the store answers.
func (p *Peers) currentRevision(ctx context.Context) int64 {
	for ctx.Err() == nil {
		rev, err := p.w.Revision(ctx)
		if err == nil {
			return rev
		}
		p.log.Warn("the shared store is unavailable", "err", err)
		sleep(ctx, time.Second)
	}
	return 0
}

func (p *Peers) apply(e store.Event) {
	switch e.Collection {
	case store.Users:
		p.handler.UserChanged(e.Key, e.Deleted)
	case store.ReservedUsers:
		p.handler.UserChanged(e.Key, false)
	case store.Lockouts:
		p.handler.LockoutChanged(e.Key)
	case store.Roles:
		p.handler.RoleChanged(e.Key)
	case store.Events:
		if e.Deleted {
			return
		}
		kind, rest, _ := strings.Cut(e.Key, "/")
		_, query, _ := strings.Cut(rest, "?")
		q, _ := url.ParseQuery(query)
		list := func(k string) []string {
			if !q.Has(k) {
				return nil
			}
			return strings.Split(q.Get(k), ",")
		}
		switch kind {
		case ClearRealmsKind:
			p.handler.ClearRealms(list("names"), list("users"))
		case ClearRolesKind:
			p.handler.ClearRoles(list("names"))
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
