package cli

import (
	"errors"
	"path/filepath"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/store/boltstore"
)

// storeFile is the bbolt file in path.data, as the server names it.
const storeFile = "esauth.db"

func storePath(cfg config.Config) string {
	return filepath.Join(cfg.PathData, storeFile)
}

// openStore opens the node's store for a command that changes it while
// the node is stopped. A running node holds the file's lock; then
// boltstore.Open fails with ErrInUse after about a second, and the caller
// decides what to do.
func openStore(cfg config.Config) (*boltstore.Store, error) {
	db, err := boltstore.Open(storePath(cfg))
	if err != nil && !errors.Is(err, boltstore.ErrInUse) {
		return nil, fail(exitIOError, "%v", err)
	}
	return db, err
}
