package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/filerealm"
	"github.com/esauth/esauth/internal/lockout"
	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/random"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/user"
)

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

// recoveryAccount reports a file-realm superuser: the account
// reset-password adds for itself, and the one an administrator keeps for
// emergencies. Failures from its address neither block it nor count
// against the address, so that others' failures from a shared address (a
// load balancer) cannot lock the way back in; its own limit still holds.
func (s realmSet) recoveryAccount(username string) bool {
	if s.file == nil {
		return false
	}
	u, ok := s.file.Lookup(username)
	return ok && slices.Contains(u.Roles, "superuser")
}

// buildRealms builds the reserved realm and the configured chain, each
// behind its credential cache; a file realm reload empties its cache. Failed
// attempts are remembered for esauth.security.authc.failed_cache.ttl; the
// gate answers a remembered one after as long as a slow check takes, which
// it measures, starting from hashCost, one hash timed at start-up.
func buildRealms(ctx context.Context, cfg config.Config, users *nativeusers.Store, fake string, hashCost time.Duration, log *slog.Logger) (realmSet, error) {
	// One gate for every realm: the cap is on the machine's cores, not per realm.
	gate := realm.NewGate(cfg.MaxConcurrentHashes, hashCost)
	set := realmSet{chain: realm.Chain{FakeHash: fake, Gate: gate}}
	add := func(r realm.Realm, rc config.RealmConfig) *realm.Cached {
		c := realm.NewCached(r, authcache.Config{TTL: rc.CacheTTL, MaxUsers: rc.CacheMaxUsers, Hasher: rc.CacheHasher,
			FailTTL: cfg.FailedCacheTTL}, gate)
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
	return set, nil
}

// clusterUUIDKey keeps the cluster's UUID in the store's meta collection.
const clusterUUIDKey = "cluster_uuid"

// clusterUUID returns the cluster's UUID, creating it on the first start.
// It is kept in the store so that every restart (and, with a shared store,
// every node) reports the same one.
func clusterUUID(ctx context.Context, db store.Store) (string, error) {
	var uuid string
	_, err := db.Update(ctx, store.Meta, clusterUUIDKey, func(cur []byte) ([]byte, error) {
		if cur != nil {
			uuid = string(cur)
			return cur, nil
		}
		uuid = random.ID()
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
	id := random.ID()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(id), 0o600); err != nil {
		return "", err
	}
	return id, os.Rename(tmp, path)
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
			generated = random.Password(20)
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
