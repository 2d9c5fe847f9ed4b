package peers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/google/go-cmp/cmp"
)

// scriptedWatcher plays watch sessions: each Watch call delivers the next
// script's events and returns its error.
type scriptedWatcher struct {
	mu      sync.Mutex
	rev     int64
	scripts []watchScript
	afters  []int64 // the `after` of each Watch call
}

type watchScript struct {
	events []store.Event
	err    error
}

func (w *scriptedWatcher) Revision(context.Context) (int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rev, nil
}

func (w *scriptedWatcher) Watch(ctx context.Context, after int64, fn func(store.Event)) error {
	w.mu.Lock()
	w.afters = append(w.afters, after)
	if len(w.scripts) == 0 {
		w.mu.Unlock()
		<-ctx.Done()
		return ctx.Err()
	}
	s := w.scripts[0]
	w.scripts = w.scripts[1:]
	w.mu.Unlock()
	for _, e := range s.events {
		fn(e)
	}
	return s.err
}

// recorder notes what the peers asked the node to do.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(s string) { r.mu.Lock(); r.events = append(r.events, s); r.mu.Unlock() }

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// recorder is a Handler that notes what it was asked to do.
func (r *recorder) UserChanged(name string, deleted bool) {
	if deleted {
		r.add("deleted:" + name)
		return
	}
	r.add("user:" + name)
}
func (r *recorder) RoleChanged(name string)   { r.add("role:" + name) }
func (r *recorder) LockoutChanged(key string) { r.add("lockout:" + key) }
func (r *recorder) ClearRealms(names, users []string) {
	r.add("realms:" + join(names) + ":" + join(users))
}
func (r *recorder) ClearRoles(names []string)        { r.add("roles:" + join(names)) }
func (r *recorder) APIKeyChanged(id string)          { r.add("api_key:" + id) }
func (r *recorder) ClearAPIKeys(ids []string)        { r.add("api_keys:" + join(ids)) }
func (r *recorder) ServiceTokenChanged(key string)   { r.add("service_token:" + key) }
func (r *recorder) ClearServiceTokens(keys []string) { r.add("service_tokens:" + join(keys)) }
func (r *recorder) AppPrivilegeChanged(key string)   { r.add("app_privilege:" + key) }
func (r *recorder) ClearAppPrivileges(apps []string) { r.add("app_privileges:" + join(apps)) }
func (r *recorder) Reset()                           { r.add("all") }

func join(s []string) string {
	if s == nil {
		return "*"
	}
	return strings.Join(s, ",")
}

func newTestPeers(t *testing.T, w store.Watcher) (*Peers, *recorder) {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rec := &recorder{}
	return New(db, w, Node{ID: "n1", Name: "node-1"}, rec, slog.New(slog.NewTextHandler(io.Discard, nil))), rec
}

// TestFollowResumesAndRecovers: a broken watch resumes after the last
// revision it delivered; a compacted one clears everything and restarts
// from the current revision.
func TestFollowResumesAndRecovers(t *testing.T) {
	w := &scriptedWatcher{rev: 10, scripts: []watchScript{
		{events: []store.Event{{Collection: store.Users, Key: "joe", Revision: 11}}, err: errors.New("stream broken")},
		{events: []store.Event{{Collection: store.Roles, Key: "r1", Revision: 12}}, err: store.ErrCompacted},
	}}
	c, rec := newTestPeers(t, w)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Follow(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		w.mu.Lock()
		n := len(w.afters)
		w.mu.Unlock()
		if n == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if diff := cmp.Diff([]string{"user:joe", "role:r1", "all"}, rec.list()); diff != "" {
		t.Errorf("evictions (-want +got):\n%s", diff)
	}
	// Start at 10; resume after 11 (the last event seen); after the
	// compaction, start over from the store's current revision (10 here).
	if diff := cmp.Diff([]int64{10, 11, 10}, w.afters); diff != "" {
		t.Errorf("watch starts (-want +got):\n%s", diff)
	}
}

// TestClearCachesTravelsToOtherNodes: the broadcast a node writes is
// decoded by the others into the same request, nil meaning "all".
func TestClearCachesTravelsToOtherNodes(t *testing.T) {
	tests := []struct {
		kind         string
		names, users []string
		want         string
	}{
		{"realms", nil, nil, "realms:*:*"},
		{"realms", []string{"default_native", "file1"}, []string{"joe", "ann"}, "realms:default_native,file1:joe,ann"},
		{"realms", []string{"default_native"}, nil, "realms:default_native:*"},
		{"roles", nil, nil, "roles:*"},
		{"roles", []string{"r1", "r 2"}, nil, "roles:r1,r 2"},
	}
	for _, tt := range tests {
		c, rec := newTestPeers(t, &scriptedWatcher{})
		c.ackTimeout = time.Millisecond // nothing follows the store here
		written := &recordingStore{Store: c.db}
		c.db = written
		ans, err := c.ClearCaches(t.Context(), tt.kind, tt.names, tt.users)
		if err != nil {
			t.Fatal(err)
		}
		if len(ans.Done) != 0 || len(ans.Failed) != 1 || ans.Failed[0].Type != "receive_timeout_transport_exception" {
			t.Errorf("answers with no node following: %+v", ans)
		}
		keys := written.list()
		if len(keys) != 1 {
			t.Fatalf("wrote %v", keys)
		}
		c.apply(t.Context(), store.Event{Collection: store.Events, Key: keys[0], Revision: 1})
		c.apply(t.Context(), store.Event{Collection: store.Events, Key: keys[0], Deleted: true, Revision: 2})
		if got := rec.list(); len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s %v %v: applied %v, want [%s]", tt.kind, tt.names, tt.users, got, tt.want)
		}
		// The node answers once it has applied the request.
		id := strings.TrimPrefix(keys[0][:strings.Index(keys[0], "?")], tt.kind+"/")
		want := "ack/" + id + "/n1"
		deadline := time.Now().Add(5 * time.Second)
		for !slices.Contains(written.list(), want) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if keys := written.list(); !slices.Equal(keys[1:], []string{want}) {
			t.Errorf("records written after applying: %v, want [%s]", keys[1:], want)
		}
	}
}

// recordingStore notes the keys created in the events collection.
type recordingStore struct {
	store.Store
	mu   sync.Mutex
	keys []string
}

func (r *recordingStore) Create(ctx context.Context, c store.Collection, key string, val []byte) error {
	if c == store.Events {
		r.mu.Lock()
		r.keys = append(r.keys, key)
		r.mu.Unlock()
	}
	return r.Store.Create(ctx, c, key, val)
}

func (r *recordingStore) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.keys)
}
