//go:build unix

package serviceaccount

import (
	"io/fs"
	"os"
	"syscall"
)

// copyOwner gives the new file the old one's owner and group, as
// Elasticsearch's writer does. Only root may give files away; failure is
// ignored, as there.
func copyOwner(f *os.File, old fs.FileInfo) {
	if st, ok := old.Sys().(*syscall.Stat_t); ok {
		_ = f.Chown(int(st.Uid), int(st.Gid))
	}
}

// syncDir makes a rename durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
