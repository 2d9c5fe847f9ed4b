package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/httpapi"
	"github.com/esauth/esauth/internal/store"
)

// cluster connects a node to the others sharing a watchable store: it
// follows their writes to keep this node's caches correct, relays cache
// clearing, and keeps the list of nodes.
type cluster struct {
	db   store.Store
	w    store.Watcher
	self httpapi.Node
	log  *slog.Logger
	// evictUser follows a write to a user; evictRole to a role; evictAll
	// forgets every cached user and role; clearRealm and clearRoles apply
	// another node's clear-cache request (nil lists mean "all").
	evictUser  func(name string)
	evictAll   func()
	evictRole  func(name string)
	clearRoles func(names []string)
	clearRealm func(realms, users []string)
	// userDeleted forgets what this node keeps about a deleted user;
	// lockoutChanged re-reads a lockout another node started or lifted.
	userDeleted    func(name string)
	lockoutChanged func(key string)
}

// Healthy implements httpapi.Cluster.
func (c *cluster) Healthy(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := c.w.Revision(ctx)
	return err == nil
}

// Nodes implements httpapi.Cluster: the registered nodes, or this one
// alone when the store cannot say.
func (c *cluster) Nodes(ctx context.Context) []httpapi.Node {
	var nodes []httpapi.Node
	err := c.db.List(ctx, store.Nodes, func(id string, val []byte) error {
		var n struct{ Name string }
		if json.Unmarshal(val, &n) == nil {
			nodes = append(nodes, httpapi.Node{ID: id, Name: n.Name, ClusterName: c.self.ClusterName})
		}
		return nil
	})
	if err != nil || len(nodes) == 0 {
		return []httpapi.Node{c.self}
	}
	return nodes
}

// register records this node in the shared list; deregister removes it at
// a clean shutdown.
func (c *cluster) register(ctx context.Context) error {
	val, _ := json.Marshal(map[string]string{"name": c.self.Name})
	_, err := c.db.Update(ctx, store.Nodes, c.self.ID, func([]byte) ([]byte, error) { return val, nil })
	return err
}

func (c *cluster) deregister(ctx context.Context) {
	if err := c.db.Delete(ctx, store.Nodes, c.self.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		c.log.Warn("could not remove this node from the node list", "err", err)
	}
}

// ClearCaches implements httpapi.Cluster: the request travels as the key
// of a record that is written and deleted at once; every node's watch
// sees it. Nil lists mean "all" and are left out of the key.
func (c *cluster) ClearCaches(ctx context.Context, kind string, names, users []string) error {
	q := url.Values{}
	if names != nil {
		q.Set("names", strings.Join(names, ","))
	}
	if users != nil {
		q.Set("users", strings.Join(users, ","))
	}
	key := kind + "/" + randomID() + "?" + q.Encode()
	if err := c.db.Create(ctx, store.Events, key, []byte{}); err != nil {
		return err
	}
	if err := c.db.Delete(ctx, store.Events, key); err != nil {
		c.log.Warn("could not remove a cache-clearing event", "err", err)
	}
	return nil
}

// follow applies every change of the shared store to this node's caches
// until ctx ends. It resumes from the last revision it saw, so a cut watch
// misses nothing; if that revision was compacted away it cannot know what
// changed, so it evicts everything.
func (c *cluster) follow(ctx context.Context) {
	rev := c.currentRevision(ctx)
	for ctx.Err() == nil {
		err := c.w.Watch(ctx, rev, func(e store.Event) {
			rev = e.Revision
			c.apply(e)
		})
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, store.ErrCompacted):
			c.log.Warn("missed changes of the shared store; clearing every cache")
			c.evictAll()
			rev = c.currentRevision(ctx)
		default:
			c.log.Warn("watching the shared store failed; resuming", "err", err)
			sleep(ctx, time.Second)
		}
	}
}

// currentRevision waits until the store answers.
func (c *cluster) currentRevision(ctx context.Context) int64 {
	for ctx.Err() == nil {
		rev, err := c.w.Revision(ctx)
		if err == nil {
			return rev
		}
		c.log.Warn("the shared store is unavailable", "err", err)
		sleep(ctx, time.Second)
	}
	return 0
}

func (c *cluster) apply(e store.Event) {
	switch e.Collection {
	case store.Users, store.ReservedUsers:
		c.evictUser(e.Key)
		if e.Deleted && e.Collection == store.Users && c.userDeleted != nil {
			c.userDeleted(e.Key)
		}
	case store.Lockouts:
		if c.lockoutChanged != nil {
			c.lockoutChanged(e.Key)
		}
	case store.Roles:
		c.evictRole(e.Key)
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
		case "realms":
			c.clearRealm(list("names"), list("users"))
		case "roles":
			c.clearRoles(list("names"))
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
