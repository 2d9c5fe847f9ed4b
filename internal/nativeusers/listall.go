package nativeusers

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
)

// listBatch is how many records one decoding job takes: large enough that
// handing jobs out costs nothing next to decoding them.
const listBatch = 2048

// ListAll returns every native user without its hash, in username order,
// decoding the records on every core: decoding is most of a load, and a
// million records take seconds on one core. At most two batches per core
// wait to be decoded, so the raw records never pile up in memory.
func (s *Store) ListAll(ctx context.Context) ([]user.User, error) {
	workers := runtime.GOMAXPROCS(0)
	type job struct {
		raw   [][]byte
		users []user.User
		err   error
		done  chan struct{}
	}
	jobs := make(chan *job, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.users = make([]user.User, 0, len(j.raw))
				for _, val := range j.raw {
					var u user.User
					if err := json.Unmarshal(val, &u); err != nil {
						j.err = fmt.Errorf("nativeusers: corrupt user record: %w", err)
						break
					}
					j.users = append(j.users, withDefaults(u))
				}
				j.raw = nil
				close(j.done)
			}
		}()
	}
	// Results are gathered in the order the batches were read, while
	// later batches are still being decoded.
	order := make(chan *job, 2*workers)
	var out []user.User
	var firstErr error
	gathered := make(chan struct{})
	go func() {
		defer close(gathered)
		for j := range order {
			<-j.done
			if j.err != nil && firstErr == nil {
				firstErr = j.err
			}
			if firstErr == nil {
				out = append(out, j.users...)
			}
		}
	}()
	cur := &job{done: make(chan struct{})}
	send := func() {
		order <- cur
		jobs <- cur
		cur = &job{done: make(chan struct{})}
	}
	err := s.db.List(ctx, store.Users, func(_ string, val []byte) error {
		// The store's value lives only as long as the callback.
		cur.raw = append(cur.raw, append([]byte(nil), val...))
		if len(cur.raw) == listBatch {
			send()
		}
		return nil
	})
	if len(cur.raw) > 0 {
		send()
	}
	close(jobs)
	close(order)
	<-gathered
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}
