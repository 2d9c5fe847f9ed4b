package peers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
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
	// APIKeyChanged follows a write to an API key; ClearAPIKeys applies
	// another node's clear-cache request (nil: every key).
	APIKeyChanged(id string)
	ClearAPIKeys(ids []string)
	// ServiceTokenChanged follows a write to a service token of the
	// store; ClearServiceTokens applies a clear-cache request.
	ServiceTokenChanged(key string)
	ClearServiceTokens(keys []string)
	// AppPrivilegeChanged follows a write to an application privilege
	// ("application/name"); ClearAppPrivileges applies a clear-cache
	// request (nil: every application).
	AppPrivilegeChanged(key string)
	ClearAppPrivileges(applications []string)
	// Reset forgets everything cached: changes were missed.
	Reset()
}

// Kinds of cache-clearing request.
const (
	ClearRealmsKind  = "realms"
	ClearRolesKind   = "roles"
	ClearAPIKeysKind = "api_keys"
	// ClearServiceTokensKind's names are "namespace/service/token" keys.
	ClearServiceTokensKind = "service_tokens"
	// ClearAppPrivilegesKind's names are applications.
	ClearAppPrivilegesKind = "application_privileges"
)

// ackKind marks a node's answer to a cache-clearing request, keyed
// ack/<request id>/<node id>. Nodes that predate answers ignore the kind.
const ackKind = "ack"

// Defaults for the Options left zero.
const (
	// DefaultMemberTTL is how long a node that died without deregistering
	// stays in the node list.
	DefaultMemberTTL = 5 * time.Second
	// DefaultAckTimeout bounds the wait for the nodes' answers to a
	// cache-clearing request, as a nodes action's timeout does.
	DefaultAckTimeout = 10 * time.Second
)

// Options tune Peers; the zero value suits production.
type Options struct {
	// Leaser holds this node's entry in the node list under a lease, so
	// that a node that dies without Deregister leaves the list within
	// MemberTTL. Nil means db when it is a store.Leaser; without one the
	// entry stays until Deregister.
	Leaser store.Leaser
	// MemberTTL is the lease's time to live; default DefaultMemberTTL.
	MemberTTL time.Duration
	// AckTimeout bounds ClearCaches' wait; default DefaultAckTimeout.
	AckTimeout time.Duration
}

// Answers are the nodes' answers to a request sent to every node.
type Answers struct {
	// Done lists the nodes that applied the request.
	Done []Node
	// Failed lists the nodes that did not, and why.
	Failed []Failure
}

// Failure is why one node did not apply a request, as the Elasticsearch
// exception (type and reason) that a nodes response reports as the cause
// of its failed_node_exception.
type Failure struct {
	Node   Node
	Type   string
	Reason string
}

// Peers is this node's view of the nodes sharing a watchable store.
type Peers struct {
	db         store.Store
	w          store.Watcher
	self       Node
	handler    Handler
	log        *slog.Logger
	leaser     store.Leaser
	ttl        time.Duration
	ackTimeout time.Duration

	mu sync.Mutex
	// unlease ends the renewal of this node's entry; set by Register.
	unlease func()
	// registered is the context Register was given, for rewriting the
	// entry; fileTokens is what the entry publishes (Publish).
	registered context.Context
	fileTokens []string
	// followFrom is the store's revision before the first registration:
	// Follow starts there, so that a request sent to this node once it is
	// listed is never missed for having come before the watch began.
	followFrom int64
	// pending are this node's cache-clearing requests awaiting answers, by
	// request id.
	pending map[string]*request
}

// request is one cache-clearing request awaiting the nodes' answers; its
// fields are guarded by Peers.mu.
type request struct {
	waiting map[string]bool // ids of the nodes yet to answer
	left    map[string]bool // ids of the nodes that left the list unanswered
	done    chan struct{}   // closed once no node is waited for
}

// New returns the peers of self over db, whose changes go to h, with the
// default Options.
func New(db store.Store, w store.Watcher, self Node, h Handler, log *slog.Logger) *Peers {
	return NewWithOptions(db, w, self, h, log, Options{})
}

// NewWithOptions returns the peers of self over db, whose changes go to h.
func NewWithOptions(db store.Store, w store.Watcher, self Node, h Handler, log *slog.Logger, opt Options) *Peers {
	if opt.Leaser == nil {
		opt.Leaser, _ = db.(store.Leaser)
	}
	if opt.MemberTTL <= 0 {
		opt.MemberTTL = DefaultMemberTTL
	}
	if opt.AckTimeout <= 0 {
		opt.AckTimeout = DefaultAckTimeout
	}
	return &Peers{db: db, w: w, self: self, handler: h, log: log, leaser: opt.Leaser, ttl: opt.MemberTTL,
		ackTimeout: opt.AckTimeout, pending: make(map[string]*request)}
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
// a clean shutdown. With a Leaser the entry lasts while ctx does: once ctx
// ends (the node stops or dies) it vanishes about MemberTTL later, unless
// Deregister removed it first.
func (p *Peers) Register(ctx context.Context) error {
	p.mu.Lock()
	first := p.registered == nil
	p.mu.Unlock()
	if first && p.w != nil {
		if rev, err := p.w.Revision(ctx); err == nil {
			p.mu.Lock()
			p.followFrom = rev
			p.mu.Unlock()
		}
	}
	p.mu.Lock()
	p.registered = ctx
	val, _ := json.Marshal(nodeEntry{Name: p.self.Name, FileTokens: p.fileTokens})
	p.mu.Unlock()
	if p.leaser == nil {
		_, err := p.db.Update(ctx, store.Nodes, p.self.ID, func([]byte) ([]byte, error) { return val, nil })
		return err
	}
	lctx, cancel := context.WithCancel(ctx)
	done, err := p.leaser.PutLeased(lctx, store.Nodes, p.self.ID, val, p.ttl)
	if err != nil {
		cancel()
		return err
	}
	p.mu.Lock()
	prev := p.unlease
	p.unlease = func() { cancel(); <-done }
	p.mu.Unlock()
	if prev != nil {
		prev() // the entry is under the new lease already
	}
	return nil
}

// nodeEntry is a node's record in the node list.
type nodeEntry struct {
	Name string `json:"name"`
	// FileTokens are the service tokens of the node's own service_tokens
	// file, as "namespace/service/name": GET …/credential lists them by
	// node, and no node reads another's file.
	FileTokens []string `json:"file_tokens,omitempty"`
}

// Publish sets the file tokens this node's entry lists, rewriting the
// entry when the node is registered.
func (p *Peers) Publish(fileTokens []string) error {
	p.mu.Lock()
	p.fileTokens = slices.Clone(fileTokens)
	ctx := p.registered
	p.mu.Unlock()
	if ctx == nil || ctx.Err() != nil {
		return nil
	}
	return p.Register(ctx)
}

// NodeFileTokens is one node's published file tokens.
type NodeFileTokens struct {
	Node   Node
	Tokens []string
}

// FileTokens lists every registered node's file tokens, as each published
// them.
func (p *Peers) FileTokens(ctx context.Context) ([]NodeFileTokens, error) {
	var out []NodeFileTokens
	err := p.db.List(ctx, store.Nodes, func(id string, val []byte) error {
		var e nodeEntry
		if json.Unmarshal(val, &e) == nil {
			out = append(out, NodeFileTokens{Node: Node{ID: id, Name: e.Name, ClusterName: p.self.ClusterName}, Tokens: e.FileTokens})
		}
		return nil
	})
	return out, err
}

// Deregister removes this node from the shared list.
func (p *Peers) Deregister(ctx context.Context) {
	p.mu.Lock()
	stop := p.unlease
	p.unlease = nil
	p.mu.Unlock()
	if stop != nil {
		stop() // first, so that the renewal cannot write the entry back
	}
	if err := p.db.Delete(ctx, store.Nodes, p.self.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		p.log.Warn("could not remove this node from the node list", "err", err)
	}
}

// ClearCaches asks every node, this one included, to clear the named
// realms' (nil: all) caches for the users (nil: everyone), or with kind
// ClearRolesKind the named roles (nil: all), and waits, as Elasticsearch's
// nodes actions do, until every node of the node list has applied it. The
// wait ends after AckTimeout or with ctx at the latest; the nodes that had
// not answered by then, or left the list first, are the Failed answers.
// An error means that the request could not be sent.
//
// The request travels as the key of a record that is written and deleted
// at once; every node's watch sees it, and each node answers, once it has
// applied the request, with a record of the same kind whose key names the
// request and the node.
func (p *Peers) ClearCaches(ctx context.Context, kind string, names, users []string) (Answers, error) {
	nodes := p.Nodes(ctx)
	id := random.ID()
	req := &request{waiting: make(map[string]bool), left: make(map[string]bool), done: make(chan struct{})}
	for _, n := range nodes {
		req.waiting[n.ID] = true
	}
	// Registered before the request is written, so no answer is missed.
	p.mu.Lock()
	p.pending[id] = req
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.pending, id)
		p.mu.Unlock()
	}()

	q := url.Values{}
	if names != nil {
		q.Set("names", strings.Join(names, ","))
	}
	if users != nil {
		q.Set("users", strings.Join(users, ","))
	}
	if err := p.broadcast(ctx, kind+"/"+id+"?"+q.Encode()); err != nil {
		return Answers{}, err
	}
	start := time.Now()
	timer := time.NewTimer(p.ackTimeout)
	defer timer.Stop()
	select {
	case <-req.done:
	case <-timer.C:
	case <-ctx.Done():
	}
	waited := time.Since(start)

	p.mu.Lock()
	defer p.mu.Unlock()
	var ans Answers
	for _, n := range nodes {
		switch {
		case req.left[n.ID]:
			ans.Failed = append(ans.Failed, Failure{Node: n, Type: "node_not_connected_exception",
				Reason: fmt.Sprintf("[%s] Node not connected", n.Name)})
		case req.waiting[n.ID]:
			ans.Failed = append(ans.Failed, Failure{Node: n, Type: "receive_timeout_transport_exception",
				Reason: fmt.Sprintf("[%s][%s[n]] timed out after [%dms]", n.Name, clearAction(kind), waited.Milliseconds())})
		default:
			ans.Done = append(ans.Done, n)
		}
	}
	return ans, nil
}

// clearAction names a kind of request as Elasticsearch's transport action.
func clearAction(kind string) string {
	switch kind {
	case ClearRolesKind:
		return "cluster:admin/xpack/security/roles/cache/clear"
	case ClearAppPrivilegesKind:
		return "cluster:admin/xpack/security/privilege/cache/clear"
	}
	return "cluster:admin/xpack/security/realm/cache/clear"
}

// broadcast writes and deletes an event record: every node's watch sees
// its key, and nothing stays behind.
func (p *Peers) broadcast(ctx context.Context, key string) error {
	if err := p.db.Create(ctx, store.Events, key, []byte{}); err != nil {
		return err
	}
	if err := p.db.Delete(ctx, store.Events, key); err != nil {
		p.log.Warn("could not remove an event record", "key", key, "err", err)
	}
	return nil
}

// ack answers request id once this node has applied it.
func (p *Peers) ack(ctx context.Context, id string) {
	if err := p.broadcast(ctx, ackKind+"/"+id+"/"+p.self.ID); err != nil && ctx.Err() == nil {
		p.log.Warn("could not answer a cache-clearing request", "err", err)
	}
}

// answered notes that node has applied this node's request id.
func (p *Peers) answered(id, node string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if req := p.pending[id]; req != nil && req.waiting[node] {
		req.stopWaiting(node)
	}
}

// left stops waiting for a node that has left the list.
func (p *Peers) left(node string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, req := range p.pending {
		if req.waiting[node] {
			req.left[node] = true
			req.stopWaiting(node)
		}
	}
}

// stopWaiting drops a node that is waited for; Peers.mu is held.
func (r *request) stopWaiting(node string) {
	delete(r.waiting, node)
	if len(r.waiting) == 0 {
		close(r.done)
	}
}

// Follow applies every change of the shared store to this node's caches
// until ctx ends. It resumes from the last revision it saw, so a cut watch
// misses nothing; if that revision was compacted away it cannot know what
// changed, so it resets everything.
func (p *Peers) Follow(ctx context.Context) {
	p.mu.Lock()
	rev := p.followFrom
	p.followFrom = 0
	p.mu.Unlock()
	if rev == 0 {
		rev = p.currentRevision(ctx)
	}
	for ctx.Err() == nil {
		err := p.w.Watch(ctx, rev, func(e store.Event) {
			rev = e.Revision
			p.apply(ctx, e)
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

// apply follows one change; answers to cache-clearing requests are
// written in the background, so that the watch goes on meanwhile.
func (p *Peers) apply(ctx context.Context, e store.Event) {
	switch e.Collection {
	case store.Users:
		p.handler.UserChanged(e.Key, e.Deleted)
	case store.ReservedUsers:
		p.handler.UserChanged(e.Key, false)
	case store.Lockouts:
		p.handler.LockoutChanged(e.Key)
	case store.Roles:
		p.handler.RoleChanged(e.Key)
	case store.APIKeys:
		p.handler.APIKeyChanged(e.Key)
	case store.ServiceTokens:
		p.handler.ServiceTokenChanged(e.Key)
	case store.AppPrivileges:
		p.handler.AppPrivilegeChanged(e.Key)
	case store.Nodes:
		if e.Deleted {
			p.left(e.Key)
		}
	case store.Events:
		if e.Deleted {
			return
		}
		kind, rest, _ := strings.Cut(e.Key, "/")
		if kind == ackKind {
			id, node, _ := strings.Cut(rest, "/")
			p.answered(id, node)
			return
		}
		id, query, _ := strings.Cut(rest, "?")
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
		case ClearAPIKeysKind:
			p.handler.ClearAPIKeys(list("names"))
		case ClearServiceTokensKind:
			p.handler.ClearServiceTokens(list("names"))
		case ClearAppPrivilegesKind:
			p.handler.ClearAppPrivileges(list("names"))
		default:
			return // a kind of a newer version: not applied, so not answered
		}
		go p.ack(ctx, id)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
