package cli

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/server"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
)

// storeFile is the bbolt file in path.data, as the server names it.
const storeFile = "esauth.db"

func storePath(cfg config.Config) string {
	return filepath.Join(cfg.PathData, storeFile)
}

// openStore opens the store the nodes use, through the server's own table
// of backends. The embedded store can be changed only while its node is
// stopped: a running node holds the file's lock, boltstore.Open fails with
// ErrInUse after about a second, and the caller decides what to do. A
// shared store (etcd) takes changes at any time; the nodes follow them.
func openStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	db, err := server.OpenStore(ctx, cfg)
	if err != nil && !errors.Is(err, boltstore.ErrInUse) {
		return nil, fail(exitIOError, "%v", err)
	}
	return db, err
}
