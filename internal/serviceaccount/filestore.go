package serviceaccount

import (
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/filewatch"
	"github.com/esauth/esauth/internal/passhash"
)

// DefaultWatchInterval is how often WatchFile polls when given no
// interval. With the settle time of settlePolls intervals, an edit takes
// effect about 2 s after the file stops changing, within the 5 s of
// Elasticsearch's resource watcher (Frequency.HIGH).
const DefaultWatchInterval = 500 * time.Millisecond

// settlePolls is how many intervals the file must stay unchanged before it
// is loaded: polling cannot tell a finished file from a paused writer,
// only waiting can. The tool renames a complete file into place.
const settlePolls = 3

// fileState fingerprints the file as one read saw it; two reads compare
// equal exactly when the content (or its absence, or the reason it could
// not be read) is the same. A hash of the content also catches a rewrite
// of the same size within the file system's timestamp granularity.
type fileState struct {
	exists bool
	sum    [sha256.Size]byte
	err    string
}

// fileTable is one load of the file, replaced whole: a request sees one
// version of the file from start to end.
type fileTable struct {
	hashes map[string]string // qualified token name → hash
	state  fileState
}

// fileStore is FileServiceAccountTokenStore: the tokens of the
// service_tokens file, verified through their own cache.
type fileStore struct {
	path  string
	log   *slog.Logger
	table atomic.Pointer[fileTable]
	cache *authcache.Cache[struct{}]
}

// observe reads the file once. A missing file is a state of its own (no
// tokens); a file that cannot be read records why.
func observe(path string) (fileState, []byte) {
	data, err := readRegular(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fileState{}, nil
	case err != nil:
		return fileState{exists: true, err: err.Error()}, nil
	}
	return fileState{exists: true, sum: sha256.Sum256(data)}, data
}

// openFileStore loads dir/service_tokens strictly: at start-up a file that
// cannot be read or parsed is an error, as it stops Elasticsearch.
func openFileStore(dir string, cache authcache.Config, log *slog.Logger) (*fileStore, error) {
	f := &fileStore{path: filepath.Join(dir, TokensFile), log: log, cache: authcache.New[struct{}](cache)}
	st, data := observe(f.path)
	if st.err != "" {
		return nil, errors.New("failed to load service_tokens file [" + f.path + "]: " + st.err)
	}
	hashes, problems, err := ParseTokensFile(data)
	f.logProblems(problems)
	if err != nil {
		return nil, errors.New("failed to load service_tokens file [" + f.path + "]: " + err.Error())
	}
	f.table.Store(&fileTable{hashes: hashes, state: st})
	log.Debug("service tokens file loaded", "file", f.path, "tokens", len(hashes))
	return f, nil
}

func (f *fileStore) logProblems(problems []Problem) {
	for _, p := range problems {
		f.log.Warn("service tokens file: "+p.Msg, "file", f.path, "line", p.Line)
	}
}

// install swaps in what a reload read and reports whether the tokens
// changed. A file that cannot be read or parsed leaves no tokens, as
// Elasticsearch's lenient reload does; the old tokens must not outlive a
// broken edit that meant to remove one.
func (f *fileStore) install(st fileState, data []byte) bool {
	hashes := map[string]string{}
	if st.err != "" {
		f.log.Error("failed to read service tokens file; skipping/removing all tokens", "file", f.path, "error", st.err)
	} else if h, problems, err := ParseTokensFile(data); err != nil {
		f.log.Error("failed to parse service tokens file; skipping/removing all tokens", "file", f.path, "error", err.Error())
	} else {
		f.logProblems(problems)
		hashes = h
	}
	old := f.table.Swap(&fileTable{hashes: hashes, state: st})
	if maps.Equal(old.hashes, hashes) {
		return false
	}
	// After the swap: a load under way on the old table will not be
	// cached, and every later one reads the new table.
	f.cache.InvalidateAll()
	f.log.Info("service tokens file changed, tokens reloaded", "file", f.path, "tokens", len(hashes))
	return true
}

// watch polls the file and reloads it once a change has settled.
func (f *fileStore) watch(ctx context.Context, interval time.Duration, onChange func()) {
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	filewatch.Settled(ctx, interval, settlePolls,
		func() (fileState, []byte) { return observe(f.path) },
		func(st fileState) bool { return st == f.table.Load().state },
		func(st fileState, data []byte) {
			if f.install(st, data) && onChange != nil {
				onChange()
			}
		})
}

// verify checks a token against the file (FileServiceAccountTokenStore
// doAuthenticate: Hasher.verifyHash with the hash's own algorithm).
func (f *fileStore) verify(ctx context.Context, t Token) (bool, error) {
	_, ok, err := f.cache.Authenticate(ctx, t.QualifiedName(), t.secret, func(context.Context) (struct{}, bool, error) {
		hash, found := f.table.Load().hashes[t.QualifiedName()]
		if !found {
			return struct{}{}, false, nil
		}
		match, err := passhash.Verify(t.secret, hash)
		return struct{}{}, match && err == nil, err
	})
	return ok, err
}

// names lists the file tokens of an account (findTokensFor): the rest of
// every key that starts with "principal/", sorted. An empty principal
// lists every key whole.
func (f *fileStore) names(principal string) []string {
	hashes := f.table.Load().hashes
	keys := make([]string, 0, len(hashes))
	for key := range hashes {
		keys = append(keys, key)
	}
	if principal == "" {
		slices.Sort(keys)
		return keys
	}
	return NamesOf(keys, principal)
}
