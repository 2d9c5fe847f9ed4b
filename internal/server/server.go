package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/filerealm"
	"github.com/esauth/esauth/internal/httpapi"
	"github.com/esauth/esauth/internal/lastauth"
	"github.com/esauth/esauth/internal/lockout"
	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/user"
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
}

// readHeaderTimeout is how long a client may take to send its request
// head: a slow-loris client that trickles it is cut off then. A variable
// so that tests need not wait 10 s.
var readHeaderTimeout = 10 * time.Second

// shutdownGrace bounds how long in-flight requests may take to finish.
const shutdownGrace = 30 * time.Second

// Run starts a node and serves until ctx is cancelled, then shuts down
// gracefully: in-flight requests finish and the store is closed cleanly.
func Run(ctx context.Context, opt Options) (err error) {
	cfg, log := opt.Config, opt.Log
	db, err := OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}()
	mx, db := instrument(cfg, db)
	users := nativeusers.New(db)
	nodeID, err := loadNodeID(cfg.PathData)
	if err != nil {
		return fmt.Errorf("reading the node id: %w", err)
	}
	uuid, err := clusterUUID(ctx, db)
	if err != nil {
		return fmt.Errorf("reading the cluster UUID: %w", err)
	}
	if err := bootstrapElastic(ctx, users, opt); err != nil {
		return fmt.Errorf("bootstrapping the elastic user: %w", err)
	}
	// Making the fake hash also measures what one slow hash costs here,
	// which remembered failures then take to answer.
	begin := time.Now()
	fake, err := cfg.PasswordHasher.FakeHash()
	if err != nil {
		return err
	}
	failDelay := min(time.Since(begin), time.Second)
	realms, err := buildRealms(ctx, cfg, users, fake, failDelay, log)
	if err != nil {
		return err
	}
	stopMetrics, err := serveMetrics(cfg, mx, realms.cached, opt)
	if err != nil {
		return err
	}
	defer stopMetrics()
	if mx != nil {
		realms.chain.Observe = mx.ObserveAuth
		realms.chain.Gate.Observe = mx.ObserveSlowHash
	}
	auditLog, err := openAudit(cfg, nodeID, uuid, log)
	if err != nil {
		return err
	}
	defer auditLog.Close()
	tracker, err := newLockout(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	// Deferred after the store's Close, so they run before it.
	defer tracker.Close(context.WithoutCancel(ctx))
	lastAuth := lastauth.New(db, lastauth.Options{Log: log})
	defer lastAuth.Close(context.WithoutCancel(ctx))
	index := nativeusers.NewIndex(users)
	evict := users.Changed
	users.Changed = func(name string) {
		evict(name)
		if err := index.Refresh(ctx, name); err != nil {
			log.Error("refreshing the user index", "user", name, "err", err)
		}
	}
	fileRoles, err := roles.LoadFileRoles(cfg.ConfigDir, log)
	if err != nil {
		return fmt.Errorf("roles.yml: %w", err)
	}
	roleStore := roles.NewStore(db)
	roleSource := authz.NewSource(fileRoles, roleStore)
	// Role changes take effect on the next request: a native write evicts
	// the role; roles.yml is read live, so a reload needs no eviction.
	roleStore.Changed = roleSource.Invalidate
	go fileRoles.Watch(ctx, filerealm.DefaultInterval, func([]string) {})
	api := &httpapi.API{
		Node:             httpapi.Node{ID: nodeID, Name: cfg.NodeName, ClusterName: cfg.ClusterName, ClusterUUID: uuid},
		Users:            users,
		UserIndex:        index,
		Realms:           realms.chain,
		AllRealms:        realms.all(),
		FileUsers:        realms.file,
		Anonymous:        cfg.Anonymous,
		Authz:            authz.New(roleSource),
		RoleStore:        roleStore,
		RoleCache:        roleSource,
		Hasher:           cfg.PasswordHasher,
		PasswordPolicy:   cfg.PasswordPolicy,
		ReservedRealm:    cfg.ReservedRealmEnabled,
		MaxContentLength: cfg.MaxContentLength,
		Log:              log,
		Audit:            auditLog,
		Metrics:          mx,
		Lockout:          tracker,
		LastAuth:         lastAuth,
	}
	if w, ok := db.(store.Watcher); ok {
		c := &cluster{db: db, w: w, self: api.Node, log: log,
			evictUser: users.Changed,
			evictRole: roleSource.Invalidate,
			evictAll: func() {
				for _, r := range realms.cached {
					r.InvalidateAll()
				}
				roleSource.InvalidateAll()
				index.Reset()
				if err := tracker.Load(ctx); err != nil {
					log.Warn("reloading the lockouts", "err", err)
				}
			},
			userDeleted: lastAuth.Drop,
			lockoutChanged: func(key string) {
				if err := tracker.Refresh(ctx, key); err != nil {
					log.Warn("following a lockout of another node", "key", key, "err", err)
				}
			},
			clearRoles: func(names []string) {
				if names == nil {
					roleSource.InvalidateAll()
				}
				for _, n := range names {
					roleSource.Invalidate(n)
				}
			},
			clearRealm: func(names, users []string) { clearRealms(realms.cached, names, users) },
		}
		if err := c.register(ctx); err != nil {
			return fmt.Errorf("registering this node in the shared store: %w", err)
		}
		defer c.deregister(context.WithoutCancel(ctx))
		go c.follow(ctx)
		api.Cluster = c
	}
	ln, err := listen(cfg)
	if err != nil {
		return err
	}
	ln, scheme, err := secureListener(ctx, cfg, ln, log)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("esauth started", "address", scheme+"://"+ln.Addr().String(), "cluster_name", cfg.ClusterName,
		"node_name", cfg.NodeName, "cluster_uuid", uuid, "path.data", cfg.PathData)
	if opt.Ready != nil {
		opt.Ready(ln.Addr())
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

// backends opens each esauth.store.type (house rule: chosen by a map).
func backends() map[string]func(context.Context, config.Config) (store.Store, error) {
	return map[string]func(context.Context, config.Config) (store.Store, error){
		config.StoreBolt: func(_ context.Context, cfg config.Config) (store.Store, error) {
			return boltstore.Open(filepath.Join(cfg.PathData, "esauth.db"))
		},
		config.StoreEtcd: openEtcd,
	}
}

// OpenStore opens the configured backend (esauth.store.type); the
// command-line tools use it too, so they always change the store the
// nodes read.
func OpenStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	open, ok := backends()[cfg.Store.Type]
	if !ok {
		return nil, fmt.Errorf("esauth.store.type [%s] is not available in this build", cfg.Store.Type)
	}
	return open(ctx, cfg)
}

// clearRealms evicts users (nil: all) from the named realms (nil: all),
// ignoring names this node does not have.
func clearRealms(all []*realm.Cached, names, users []string) {
	for _, r := range all {
		if names != nil && !slices.Contains(names, r.Ref().Name) {
			continue
		}
		if users == nil {
			r.InvalidateAll()
		}
		for _, u := range users {
			r.Invalidate(u)
		}
	}
}

// realmSet is the node's realms: cached is every active realm behind its
// cache, chain the authenticating ones in order, file the file realm if
// any (so the API can tell file users apart).
type realmSet struct {
	cached []*realm.Cached
	chain  realm.Chain
	file   *filerealm.Realm
}

// all returns every active realm, for the API's cache clearing.
func (s realmSet) all() []realm.Realm {
	out := make([]realm.Realm, len(s.cached))
	for i, c := range s.cached {
		out[i] = c
	}
	return out
}

// buildRealms builds the reserved realm and the configured chain, each
// behind its credential cache, and keeps the caches right: every native
// write evicts that user from every realm (as Elasticsearch clears the
// user in all realms), and a file realm reload empties its cache. Failed
// attempts are remembered for esauth.security.authc.failed_cache.ttl and
// answered after failDelay, the cost of one slow hash.
func buildRealms(ctx context.Context, cfg config.Config, users *nativeusers.Store, fake string, failDelay time.Duration, log *slog.Logger) (realmSet, error) {
	// One gate for every realm: the cap is on the machine's cores, not per realm.
	gate := realm.NewGate(cfg.MaxConcurrentHashes)
	set := realmSet{chain: realm.Chain{FakeHash: fake, Gate: gate}}
	add := func(r realm.Realm, rc config.RealmConfig) *realm.Cached {
		c := realm.NewCached(r, authcache.Config{TTL: rc.CacheTTL, MaxUsers: rc.CacheMaxUsers, Hasher: rc.CacheHasher,
			FailTTL: cfg.FailedCacheTTL, FailDelay: failDelay}, gate)
		set.cached = append(set.cached, c)
		if rc.Authentication {
			set.chain.Realms = append(set.chain.Realms, c)
		}
		return c
	}
	if cfg.ReservedRealmEnabled {
		// The reserved realm caches with the default cache settings.
		h, _ := passhash.ResolveCache("ssha256")
		add(realm.NewReserved(users, fake), config.RealmConfig{Authentication: true,
			CacheTTL: 20 * time.Minute, CacheMaxUsers: 100000, CacheHasher: h})
	}
	for _, rc := range cfg.Realms {
		ref := realm.Ref{Name: rc.Name, Type: rc.Type}
		switch rc.Type {
		case config.RealmNative:
			add(realm.NewNative(ref, users), rc)
		case config.RealmFile:
			fr, err := filerealm.New(ref, cfg.ConfigDir, log)
			if err != nil {
				return realmSet{}, fmt.Errorf("file realm [%s]: %w", rc.Name, err)
			}
			set.file = fr
			c := add(fr, rc)
			go fr.Watch(ctx, filerealm.DefaultInterval, c.InvalidateAll)
		}
	}
	users.Changed = func(name string) {
		for _, c := range set.cached {
			c.Invalidate(name)
		}
	}
	return set, nil
}

// listen binds the first free port of http.port on http.host.
func listen(cfg config.Config) (net.Listener, error) {
	var errs []error
	for port := cfg.HTTPPortLow; port <= cfg.HTTPPortHigh; port++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(cfg.HTTPHost, strconv.Itoa(port)))
		if err == nil {
			return ln, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("cannot bind http.host [%s] http.port [%d-%d]: %w",
		cfg.HTTPHost, cfg.HTTPPortLow, cfg.HTTPPortHigh, errors.Join(errs...))
}

// clusterUUID returns the cluster's UUID, creating it on the first start.
// It is kept in the store so that every restart (and, with a shared store,
// every node) reports the same one.
func clusterUUID(ctx context.Context, db store.Store) (string, error) {
	const key = "cluster_uuid"
	var uuid string
	_, err := db.Update(ctx, store.Meta, key, func(cur []byte) ([]byte, error) {
		if cur != nil {
			uuid = string(cur)
			return cur, nil
		}
		uuid = randomID()
		return []byte(uuid), nil
	})
	return uuid, err
}

// loadNodeID returns this node's persistent id, kept in path.data like
// Elasticsearch's node id, creating it on the first start. It is a local
// file, not a store record, because several nodes may share one store.
func loadNodeID(dir string) (string, error) {
	path := filepath.Join(dir, "node.id")
	b, err := os.ReadFile(path)
	if err == nil && len(b) > 0 {
		return string(b), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	// With a shared store nothing else creates path.data.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	id := randomID()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(id), 0o600); err != nil {
		return "", err
	}
	return id, os.Rename(tmp, path)
}

// randomID is Elasticsearch's UUIDs.randomBase64UUID format: 16 random
// bytes, URL-safe base64 without padding (22 characters).
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// bootstrapElastic gives the elastic user its first password: from
// ELASTIC_PASSWORD as Elasticsearch's container image does, or generated
// and printed once. Later starts keep the stored password.
func bootstrapElastic(ctx context.Context, users *nativeusers.Store, opt Options) error {
	if !opt.Config.ReservedRealmEnabled {
		return nil
	}
	var generated string
	created, err := users.BootstrapReserved(ctx, user.Elastic, func() (string, error) {
		pw := opt.Getenv("ELASTIC_PASSWORD")
		if pw == "" {
			generated = generatePassword(20)
			pw = generated
		} else if err := user.ValidatePassword(pw); err != nil {
			return "", fmt.Errorf("ELASTIC_PASSWORD: %w", err)
		}
		return opt.Config.PasswordHasher.Hash(pw)
	})
	if err != nil {
		return err
	}
	switch {
	case created && generated != "":
		fmt.Fprintf(opt.Stdout, "\nPassword for the elastic user (reset with `esauth reset-password -u elastic`):\n  %s\n\n", generated)
	case created:
		opt.Log.Info("elastic user password set from ELASTIC_PASSWORD")
	}
	return nil
}

// generatePassword makes a random password of n characters, as
// Elasticsearch's auto-configuration does.
func generatePassword(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-*+="
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[randIntn(len(chars))]
	}
	return string(b)
}

// randIntn draws uniformly from [0, n) with crypto/rand.
func randIntn(n int) int {
	var b [1]byte
	limit := 256 - 256%n
	for {
		_, _ = rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// openAudit opens the audit log when xpack.security.audit.enabled is set;
// otherwise it returns a nil logger, which records nothing.
func openAudit(cfg config.Config, nodeID, uuid string, log *slog.Logger) (*audit.Logger, error) {
	host, _ := os.Hostname()
	opts := cfg.AuditOptions(audit.Node{ClusterName: cfg.ClusterName, ClusterUUID: uuid,
		NodeName: cfg.NodeName, NodeID: nodeID, HostName: host})
	opts.OnError = func(err error) { log.Error("writing the audit log failed", "err", err) }
	l, err := audit.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("opening the audit log: %w", err)
	}
	return l, nil
}

// newLockout starts the brute-force lockout (nil when disabled), with the
// blocks in force in the store, which it shares with the other nodes.
func newLockout(ctx context.Context, cfg config.Config, db store.Store, log *slog.Logger) (*lockout.Tracker, error) {
	if !cfg.Lockout.Enabled {
		return nil, nil
	}
	t, err := lockout.New(lockout.Config{MaxAttempts: cfg.Lockout.MaxAttempts, IPMaxAttempts: cfg.Lockout.IPMaxAttempts,
		Window: cfg.Lockout.Window, Duration: cfg.Lockout.Duration, Store: db, Log: log})
	if err != nil {
		return nil, err
	}
	if err := t.Load(ctx); err != nil {
		_ = t.Close(ctx)
		return nil, fmt.Errorf("loading the lockouts: %w", err)
	}
	return t, nil
}
