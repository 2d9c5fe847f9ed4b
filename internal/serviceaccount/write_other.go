//go:build !unix

package serviceaccount

import (
	"io/fs"
	"os"
)

// copyOwner does nothing where files have no POSIX owner.
func copyOwner(*os.File, fs.FileInfo) {}

// syncDir does nothing where directories cannot be opened for fsync.
func syncDir(string) error { return nil }
