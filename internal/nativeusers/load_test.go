package nativeusers

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/user"
)

// pausingStore holds every List of users, once it has read every record
// (and closed its read transaction, which bbolt writes may wait for),
// until proceed is closed; and it counts the Lists.
type pausingStore struct {
	store.Store
	lists   atomic.Int32
	paused  chan struct{} // closed once a List is held
	proceed chan struct{}
	once    sync.Once
}

func (p *pausingStore) List(ctx context.Context, c store.Collection, fn func(string, []byte) error) error {
	err := p.Store.List(ctx, c, fn)
	if c == store.Users {
		p.lists.Add(1)
		p.once.Do(func() { close(p.paused) })
		<-p.proceed
	}
	return err
}

func newPausing(t *testing.T) (*Store, *pausingStore) {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p := &pausingStore{Store: db, paused: make(chan struct{}), proceed: make(chan struct{})}
	return New(p), p
}

func summary(t *testing.T, x *Index) []string {
	t.Helper()
	us, err := x.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range us {
		out = append(out, fmt.Sprintf("%s:%v:%v", u.Username, u.Enabled, u.Roles))
	}
	slices.Sort(out)
	return out
}

// ListAll decodes on every core but answers exactly what List does, in
// the same order, across many batches.
func TestListAllMatchesList(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	var accounts []Account
	for i := range 3*listBatch + 7 {
		u := user.User{Username: fmt.Sprintf("u%05d", i), Enabled: i%3 != 0}
		if i%2 == 0 {
			u.Roles, u.FullName, u.Metadata = []string{"viewer"}, ptr("User"), []byte(`{"n":1}`)
		}
		accounts = append(accounts, Account{User: u, PasswordHash: "H"})
	}
	if err := s.Import(ctx, accounts); err != nil {
		t.Fatal(err)
	}
	var want []user.User
	if err := s.List(ctx, func(u user.User) error { want = append(want, u); return nil }); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d users, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("user %d: %v, want %v", i, got[i], want[i])
		}
	}
}

// Writes made while a load is under way wait for nothing and are in the
// loaded index, even those to users the load had already read.
func TestIndexLoadSeesWritesMadeDuringIt(t *testing.T) {
	ctx := context.Background()
	s, p := newPausing(t)
	x := NewIndex(s)
	s.Put(ctx, user.User{Username: "a", Enabled: true}, "H")
	s.Put(ctx, user.User{Username: "b", Enabled: true}, "H")
	s.Changed = func(name string) {
		if err := x.Refresh(ctx, name); err != nil {
			t.Error(err)
		}
	}
	loaded := make(chan struct{})
	go func() { x.Preload(ctx); close(loaded) }()
	<-p.paused // the load has read every user and waits
	writes := make(chan struct{})
	go func() {
		s.SetEnabled(ctx, "a", false)
		s.Delete(ctx, "b")
		s.Put(ctx, user.User{Username: "c", Enabled: true, Roles: []string{"r"}}, "H")
		close(writes)
	}()
	select {
	case <-writes:
	case <-time.After(10 * time.Second):
		t.Fatal("writes waited for the load")
	}
	close(p.proceed)
	<-loaded
	if got, want := summary(t, x), []string{"a:false:[]", "c:true:[r]"}; !slices.Equal(got, want) {
		t.Errorf("index %v, want %v", got, want)
	}
	if n := p.lists.Load(); n != 1 {
		t.Errorf("%d loads, want 1", n)
	}
}

// Queries that arrive during a load wait for that one load, however many.
func TestIndexOneLoadForConcurrentQueries(t *testing.T) {
	ctx := context.Background()
	s, p := newPausing(t)
	s.Put(ctx, user.User{Username: "a", Enabled: true}, "H")
	x := NewIndex(s)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := summary(t, x); len(got) != 1 {
				t.Errorf("index %v", got)
			}
		}()
	}
	<-p.paused
	close(p.proceed)
	wg.Wait()
	if n := p.lists.Load(); n != 1 {
		t.Errorf("%d loads, want 1", n)
	}
}

// A reset during a load (a node that missed changes) drops what the load
// read: the next query loads again.
func TestIndexResetDuringLoad(t *testing.T) {
	ctx := context.Background()
	s, p := newPausing(t)
	s.Put(ctx, user.User{Username: "a", Enabled: true}, "H")
	x := NewIndex(s)
	loaded := make(chan struct{})
	go func() { x.Preload(ctx); close(loaded) }()
	<-p.paused
	x.Reset()
	close(p.proceed)
	<-loaded
	if got := summary(t, x); len(got) != 1 {
		t.Errorf("index %v", got)
	}
	if n := p.lists.Load(); n != 2 {
		t.Errorf("%d loads, want 2: the reset one and a fresh one", n)
	}
}

// A query whose caller gives up stops waiting; the load goes on for the
// next.
func TestIndexQueryGivesUp(t *testing.T) {
	s, p := newPausing(t)
	s.Put(context.Background(), user.User{Username: "a", Enabled: true}, "H")
	x := NewIndex(s)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := x.Users(ctx); errc <- err }()
	<-p.paused
	cancel()
	select {
	case err := <-errc:
		if err != context.Canceled {
			t.Errorf("gave up with %v", err)
		}
	case <-time.After(10 * time.Second):
		close(p.proceed)
		t.Fatal("the query did not give up")
	}
	close(p.proceed)
	if got := summary(t, x); len(got) != 1 {
		t.Errorf("index %v", got)
	}
	if n := p.lists.Load(); n != 1 {
		t.Errorf("%d loads, want 1", n)
	}
}
