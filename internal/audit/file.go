package audit

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// FileName is the name of the active audit log in path.logs. Rotated logs
// are esauth_audit-1.json (the newest) to esauth_audit-<max_files>.json.
const FileName = "esauth_audit.json"

const (
	rotatedPrefix = "esauth_audit-"
	rotatedSuffix = ".json"
	// bufferSize is what may be lost in a crash at most, besides time:
	// a full buffer is written out at once.
	bufferSize = 64 << 10
)

// rotatingFile appends lines to FileName through a buffer, under a mutex
// so that lines written by concurrent requests never interleave, and
// rotates the file before a line would take it past maxSize.
type rotatingFile struct {
	dir      string
	maxSize  int64 // <= 0: never rotate
	maxFiles int
	through  bool // flush after every line
	onError  func(error)

	mu      sync.Mutex
	f       *os.File // nil after a failure; the next write reopens
	w       *bufio.Writer
	size    int64 // bytes in the active file, buffered ones included
	closed  bool
	failing bool // the last operation failed; report only the first
}

func openRotatingFile(dir string, maxSize int64, maxFiles int, through bool, onError func(error)) (*rotatingFile, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	r := &rotatingFile{dir: dir, maxSize: maxSize, maxFiles: max(maxFiles, 1), through: through, onError: onError}
	r.w = bufio.NewWriterSize(nil, bufferSize)
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

// open opens the active file for appending. The audit log names users and
// their addresses, so only the server's own account may read it.
func (r *rotatingFile) open() error {
	f, err := os.OpenFile(filepath.Join(r.dir, FileName), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	r.f, r.size = f, st.Size()
	r.w.Reset(f)
	return nil
}

func (r *rotatingFile) write(line []byte) {
	r.mu.Lock()
	err := r.writeLocked(line)
	report := r.noteLocked(err)
	r.mu.Unlock()
	if report != nil && r.onError != nil {
		r.onError(report)
	}
}

func (r *rotatingFile) writeLocked(line []byte) error {
	if r.closed {
		return nil // events racing with shutdown are dropped
	}
	if r.f == nil {
		if err := r.open(); err != nil {
			return err
		}
	}
	var rotateErr error
	if r.maxSize > 0 && r.size > 0 && r.size+int64(len(line)) > r.maxSize {
		// When rotation fails the line still goes to the active file: an
		// oversized log is better than a lost event.
		if rotateErr = r.rotate(); r.f == nil {
			if err := r.open(); err != nil {
				return errors.Join(rotateErr, err)
			}
		}
	}
	n, err := r.w.Write(line)
	r.size += int64(n)
	if err == nil && r.through {
		err = r.w.Flush()
	}
	if err != nil {
		r.drop()
	}
	return errors.Join(rotateErr, err)
}

// drop closes the file after a failed write: bufio keeps failing once it
// failed, so the next write starts afresh (after, say, disk space was
// freed) and the lines still buffered are lost, which the error reports.
func (r *rotatingFile) drop() {
	r.f.Close()
	r.f = nil
}

// rotate shifts esauth_audit-<i>.json to -<i+1>, dropping the oldest, and
// starts a new active file. Renaming a file that is open is fine on the
// systems esauth runs on, so a failure before the last step leaves the
// active file open and in use.
func (r *rotatingFile) rotate() error {
	if err := r.w.Flush(); err != nil {
		r.drop()
		return err
	}
	if err := removeIfExists(r.rotated(r.maxFiles)); err != nil {
		return err
	}
	for i := r.maxFiles - 1; i >= 1; i-- {
		if err := renameIfExists(r.rotated(i), r.rotated(i+1)); err != nil {
			return err
		}
	}
	if err := os.Rename(filepath.Join(r.dir, FileName), r.rotated(1)); err != nil {
		return err
	}
	closeErr := r.f.Close()
	r.f = nil
	return errors.Join(closeErr, r.open())
}

func (r *rotatingFile) rotated(i int) string {
	return filepath.Join(r.dir, rotatedPrefix+strconv.Itoa(i)+rotatedSuffix)
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func renameIfExists(from, to string) error {
	if err := os.Rename(from, to); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// flush writes buffered lines out to the file.
func (r *rotatingFile) flush() error {
	r.mu.Lock()
	var err error
	if r.f != nil && !r.closed {
		if err = r.w.Flush(); err != nil {
			r.drop()
		}
	}
	report := r.noteLocked(err)
	r.mu.Unlock()
	if report != nil && r.onError != nil {
		r.onError(report)
	}
	return err
}

// close flushes and closes the file; later writes are dropped.
func (r *rotatingFile) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	if r.f == nil {
		return nil
	}
	err := r.w.Flush()
	err = errors.Join(err, r.f.Close())
	r.f = nil
	return err
}

// noteLocked returns err when it starts a run of failures, so a full disk
// is reported once rather than once per request.
func (r *rotatingFile) noteLocked(err error) error {
	if err == nil {
		r.failing = false
		return nil
	}
	if r.failing {
		return nil
	}
	r.failing = true
	return err
}
