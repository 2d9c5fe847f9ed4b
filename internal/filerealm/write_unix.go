//go:build unix

package filerealm

import (
	"io/fs"
	"os"
	"syscall"
)

// copyOwner gives the new file the old one's owner and group. Failure is
// ignored, as in Elasticsearch: only root may give files away, and an
// unprivileged tool editing its own files keeps ownership anyway.
func copyOwner(f *os.File, old fs.FileInfo) {
	if st, ok := old.Sys().(*syscall.Stat_t); ok {
		_ = f.Chown(int(st.Uid), int(st.Gid))
	}
}

// syncDir makes the rename durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
