package etcdstore

import (
	"context"
	"sync"
)

// keyLocks is a mutex per key, for the keys that currently have a holder or
// a waiter; an entry goes away with its last user.
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	// token holds one value while the key is locked. Blocked senders on a
	// channel are served in arrival order, so waiters take turns.
	token chan struct{}
	users int // holder and waiters; guarded by keyLocks.mu
}

// lock waits until key is free or ctx ends; unlock must be called once.
func (l *keyLocks) lock(ctx context.Context, key string) (unlock func(), err error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = make(map[string]*keyLock)
	}
	k := l.locks[key]
	if k == nil {
		k = &keyLock{token: make(chan struct{}, 1)}
		l.locks[key] = k
	}
	k.users++
	l.mu.Unlock()

	select {
	case k.token <- struct{}{}:
		return func() {
			<-k.token
			l.release(key, k)
		}, nil
	case <-ctx.Done():
		l.release(key, k)
		return nil, ctx.Err()
	}
}

func (l *keyLocks) release(key string, k *keyLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k.users--; k.users == 0 {
		delete(l.locks, key)
	}
}

// held reports how many keys have a holder or a waiter, for tests.
func (l *keyLocks) held() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.locks)
}
