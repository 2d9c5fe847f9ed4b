package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/esauth/esauth/internal/apikey"
	"github.com/esauth/esauth/internal/apppriv"
	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/filerealm"
	"github.com/esauth/esauth/internal/gateway"
	"github.com/esauth/esauth/internal/gateway/table"
	"github.com/esauth/esauth/internal/lastauth"
	"github.com/esauth/esauth/internal/metrics"
	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/peers"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/profiles"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/securityapi"
	"github.com/esauth/esauth/internal/serviceaccount"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/tokens"
	"github.com/esauth/esauth/internal/upstream"
	"github.com/esauth/esauth/internal/webui"
)

// Options are what a node needs besides its settings.
type Options struct {
	Config config.Config
	Log    *slog.Logger
	// Stdout receives the one-time message with a generated elastic password.
	Stdout io.Writer
	// Getenv reads ELASTIC_PASSWORD on the first start.
	Getenv func(string) string
	// Ready, when set, is called with the listening address once the node
	// answers requests.
	Ready func(addr net.Addr)
	// MetricsReady, when set, is called with the metrics listener's
	// address once it serves (only if esauth.metrics.address is set).
	MetricsReady func(addr net.Addr)

	// WrapStore, when set, wraps the store the node uses; tests use it to
	// fail or observe store calls. Nil in production.
	WrapStore func(store.Store) store.Store
	// Routes, when set, may wrap every route before the node serves it;
	// tests use it to see which routes ran. Nil in production.
	Routes func([]pipeline.Route) []pipeline.Route
}

// Node is one assembled esauth node: its store, caches, realms and
// request pipeline. New builds it, for Run and for tests alike.
type Node struct {
	handler http.Handler
	metrics *metrics.Metrics
	cfg     config.Config
	self    peers.Node
	caches  *caches
	peers   *peers.Peers
	// closers run in reverse order on Close.
	closers []func() error
	cancel  context.CancelFunc
}

// Handler serves the node's HTTP API.
func (n *Node) Handler() http.Handler { return n.handler }

// Metrics are the node's metrics; nil when esauth.metrics.address is unset.
func (n *Node) Metrics() *metrics.Metrics { return n.metrics }

// Close stops the node's background work and closes its store, after
// everything that writes to it.
func (n *Node) Close() error {
	n.cancel()
	var errs []error
	for i := len(n.closers) - 1; i >= 0; i-- {
		errs = append(errs, n.closers[i]())
	}
	return errors.Join(errs...)
}

func (n *Node) onClose(f func() error) { n.closers = append(n.closers, f) }

// New assembles a node from settings. Its background work (watching
// files, following other nodes) runs until Close.
func New(ctx context.Context, opt Options) (_ *Node, err error) {
	cfg, log := opt.Config, opt.Log
	ctx, cancel := context.WithCancel(ctx)
	n := &Node{cfg: cfg, cancel: cancel}
	defer func() {
		if err != nil {
			_ = n.Close()
		}
	}()
	db, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	n.onClose(db.Close)
	// Taken before the test and metrics wrappers below, which hide it.
	leaser, _ := db.(store.Leaser)
	if opt.WrapStore != nil {
		db = opt.WrapStore(db)
	}
	mx, db := instrument(cfg, db)
	n.metrics = mx
	users := nativeusers.New(db)
	nodeID, err := loadNodeID(cfg.PathData)
	if err != nil {
		return nil, fmt.Errorf("reading the node id: %w", err)
	}
	uuid, err := clusterUUID(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("reading the cluster UUID: %w", err)
	}
	if err := bootstrapElastic(ctx, users, opt); err != nil {
		return nil, fmt.Errorf("bootstrapping the elastic user: %w", err)
	}
	// Making the fake hash also gives a first measure of what one slow
	// hash costs here, until the gate has timed real checks.
	begin := time.Now()
	fake, err := cfg.PasswordHasher.FakeHash()
	if err != nil {
		return nil, err
	}
	hashCost := min(time.Since(begin), time.Second)
	realms, err := buildRealms(ctx, cfg, users, fake, hashCost, log)
	if err != nil {
		return nil, err
	}
	if mx != nil {
		realms.chain.Observe = mx.ObserveAuth
		realms.chain.Gate.Observe = mx.ObserveSlowHash
		for _, r := range realms.cached {
			if err := mx.AddRealm(r.Ref().Name, r.Stats); err != nil {
				// Two realms of one name (the reserved realm and a configured
				// "reserved") would be one series; keep the first.
				log.Warn("credential cache metrics left out", "realm", r.Ref().Name, "err", err)
			}
		}
	}
	auditLog, err := openAudit(cfg, nodeID, uuid, log)
	if err != nil {
		return nil, err
	}
	n.onClose(auditLog.Close)
	tracker, err := newLockout(ctx, cfg, db, log)
	if err != nil {
		return nil, err
	}
	n.onClose(func() error { return tracker.Close(context.WithoutCancel(ctx)) })
	lastAuth := lastauth.New(db, lastauth.Options{Log: log})
	n.onClose(func() error { return lastAuth.Close(context.WithoutCancel(ctx)) })
	index := nativeusers.NewIndex(users)
	// Loaded now, in the background, so that the first query users does
	// not wait for every user to be read.
	go index.Preload(ctx)
	fileRoles, err := roles.LoadFileRoles(cfg.ConfigDir, log)
	if err != nil {
		return nil, fmt.Errorf("roles.yml: %w", err)
	}
	roleStore := roles.NewStore(db)
	roleSource := authz.NewSource(fileRoles, roleStore)
	appPrivs := apppriv.NewStore(db)
	authorizer := authz.New(roleSource, authz.Options{AnonymousAuthzException: cfg.Anonymous.AuthzException, Applications: appPrivs})

	apiKeys := apikey.New(db, cfg.APIKey, apikey.Options{Log: log, Gate: func(ctx context.Context) (func(), error) {
		return realms.chain.Gate.Acquire(ctx, apikey.RealmName)
	}})
	n.onClose(func() error { return apiKeys.Close(context.WithoutCancel(ctx)) })
	go apiKeys.RunSweeper(ctx)
	services, err := serviceaccount.New(cfg.ConfigDir, db, serviceaccount.Options{Hasher: cfg.ServiceAccount.TokenHasher,
		Cache: authcache.Config{TTL: cfg.ServiceAccount.CacheTTL, MaxUsers: cfg.ServiceAccount.CacheMaxTokens, Hasher: cfg.ServiceAccount.CacheHasher}, Log: log})
	if err != nil {
		return nil, err
	}
	tokenService := tokens.New(db, cfg.Token, tokens.Options{Log: log})
	go tokenService.RunSweeper(ctx)

	// Every write, local or on another node, reaches every cache through
	// this one fan-out.
	n.caches = &caches{ctx: ctx, log: log, realms: realms.cached, roles: roleSource, authz: authorizer,
		index: index, lastAuth: lastAuth, lockout: tracker, apiKeys: apiKeys, services: services, appPrivs: appPrivs}
	users.Changed = func(name string) { n.caches.UserChanged(name, false) }
	roleStore.Changed = n.caches.RoleChanged
	go fileRoles.Watch(ctx, filerealm.DefaultInterval, func([]string) { n.caches.FileRolesChanged() })

	self := peers.Node{ID: nodeID, Name: cfg.NodeName, ClusterName: cfg.ClusterName, ClusterUUID: uuid}
	n.self = self
	if w, ok := db.(store.Watcher); ok {
		n.peers = peers.NewWithOptions(db, w, self, n.caches, log, peers.Options{Leaser: leaser})
		_ = n.peers.Publish(services.FileTokenKeys()) // not registered yet: no write
		if err := n.peers.Register(ctx); err != nil {
			return nil, fmt.Errorf("registering this node in the shared store: %w", err)
		}
		n.onClose(func() error { n.peers.Deregister(context.WithoutCancel(ctx)); return nil })
		go n.peers.Follow(ctx)
		go tokenService.Follow(ctx, w)
	}

	go services.WatchFile(ctx, 0, func() {
		if n.peers == nil {
			return
		}
		if err := n.peers.Publish(services.FileTokenKeys()); err != nil {
			log.Warn("could not tell the other nodes of this node's file tokens", "err", err)
		}
	})

	api := &securityapi.API{
		Node:            self,
		Peers:           n.peers,
		Users:           users,
		UserIndex:       index,
		RoleStore:       roleStore,
		Authz:           authorizer,
		Realms:          realms.all(),
		Caches:          n.caches,
		Hasher:          cfg.PasswordHasher,
		PasswordPolicy:  cfg.PasswordPolicy,
		ReservedRealm:   cfg.ReservedRealmEnabled,
		Anonymous:       cfg.Anonymous,
		LastAuth:        lastAuth,
		Lockout:         tracker,
		APIKeys:         apiKeys,
		ServiceAccounts: services,
		Tokens:          tokenService,
		Profiles:        profiles.New(db),
		AppPrivileges:   appPrivs,
		Healthy:         storeHealthy(db, n.peers),
		Log:             log,
	}
	if realms.file != nil {
		api.FileUsers = realms.file
	}
	authenticator := &authn.Authenticator{Realms: realms.chain, APIKeys: apiKeyVerifier(apiKeys), ServiceTokens: serviceTokens{services}, Tokens: accessTokens{tokenService}, Lookup: realms.all(), Anonymous: cfg.Anonymous,
		Lockout: tracker, TrustedProxies: cfg.TrustedProxies, SkipIP: realms.recoveryAccount, LastAuth: lastAuth, Audit: auditLog, Metrics: mx, Log: log}
	api.Authn = authenticator
	routes := api.Routes()
	popt := pipeline.Options{MaxContentLength: cfg.MaxContentLength, Audit: auditLog, Metrics: mx, Log: log}
	if apiKeys.Enabled() || tokenService.Enabled() {
		popt.Challenges = challenges(apiKeys.Enabled(), tokenService.Enabled())
	}
	if cfg.Gateway.Enabled() {
		gw, err := n.gateway(ctx, cfg, db, log)
		if err != nil {
			return nil, err
		}
		routes, err = gatewayRoutes(routes, gw)
		if err != nil {
			return nil, err
		}
		popt.Fallback = gw.Fallback()
	}
	if opt.Routes != nil {
		routes = opt.Routes(routes)
	}
	p, err := pipeline.New(authenticator, authorizer, routes, popt)
	if err != nil {
		return nil, err
	}
	// The web page's static files (no data, no authentication) under
	// /_esauth/ui/; every other path takes the pipeline.
	n.handler = webui.Wrap(p)
	return n, nil
}

// gateway builds the data-plane route group in front of the configured
// cluster.
func (n *Node) gateway(ctx context.Context, cfg config.Config, db store.Store, log *slog.Logger) (*gateway.Gateway, error) {
	ucfg, err := upstream.FromConfig(cfg.Gateway, log)
	if err != nil {
		return nil, err
	}
	client, err := upstream.New(ucfg, log)
	if err != nil {
		return nil, err
	}
	n.onClose(func() error { client.Close(); return nil })
	gw := gateway.New(gateway.Options{Upstream: client, Store: db, MaxContentLength: cfg.MaxContentLength,
		Metrics: n.metrics.Gateway(), Log: log})
	go gw.Sweep(ctx, time.Minute)
	return gw, nil
}

// gatewayRoutes replaces the standalone answers to GET /, HEAD / and
// /_cluster/health with the cluster's, and adds every data-plane route:
// only the security API stays local.
func gatewayRoutes(security []pipeline.Route, gw *gateway.Gateway) ([]pipeline.Route, error) {
	eps, err := table.Endpoints()
	if err != nil {
		return nil, err
	}
	data, err := gw.Routes(eps)
	if err != nil {
		return nil, err
	}
	var routes []pipeline.Route
	for _, r := range security {
		if r.Path != "/" && r.Path != "/_cluster/health" {
			routes = append(routes, r)
		}
	}
	return append(routes, data...), nil
}

// storeHealthy reports whether the store answers within two seconds: the
// shared store's revision, or a read of the embedded one.
func storeHealthy(db store.Store, p *peers.Peers) func(context.Context) bool {
	if p != nil {
		return p.Healthy
	}
	return func(ctx context.Context) bool {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err := db.Get(ctx, store.Meta, clusterUUIDKey)
		return err == nil
	}
}

// Self describes this node.
func (n *Node) Self() peers.Node { return n.self }
