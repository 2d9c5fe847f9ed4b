package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/user"
)

// seed writes n native users straight into a new bbolt file in dir, in
// batches, as a migration would.
func seed(dir string, n int) error {
	db, err := boltstore.Open(filepath.Join(dir, "esauth.db"))
	if err != nil {
		return err
	}
	h, _ := passhash.Resolve("bcrypt")
	hash, err := h.Hash(benchPassword)
	if err != nil {
		return err
	}
	accounts := make([]nativeusers.Account, n)
	for i := range accounts {
		full, email := fmt.Sprintf("User Number %d", i), fmt.Sprintf("user-%07d@example.com", i)
		accounts[i] = nativeusers.Account{User: user.User{Username: fmt.Sprintf("user-%07d", i),
			Roles: []string{"viewer", fmt.Sprintf("team-%d", i%100)}, FullName: &full, Email: &email, Enabled: true}, PasswordHash: hash}
	}
	if err := nativeusers.New(db).Import(context.Background(), accounts); err != nil {
		db.Close()
		return err
	}
	return db.Close()
}

// getAll times GET /_security/user, reading the whole answer.
func (n *node) getAll(ctx context.Context) (time.Duration, int64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.url+"/_security/user", nil)
	req.Header.Set("Authorization", elasticAuth)
	begin := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	size, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return 0, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("GET /_security/user: %d", resp.StatusCode)
	}
	return time.Since(begin), size, nil
}

// queryBody finds ten users by a username prefix, sorted.
const queryBody = `{"query":{"prefix":{"username":"user-00012"}},"sort":["username"],"size":10}`

// timeQuery times one query users request.
func (n *node) timeQuery(ctx context.Context) (time.Duration, error) {
	begin := time.Now()
	if err := n.mustCall(ctx, http.MethodPost, "/_security/_query/user", queryBody); err != nil {
		return 0, err
	}
	return time.Since(begin), nil
}

// storeRun is what one esauth process over a seeded store measured.
type storeRun struct {
	startup, getAll, firstQuery, query float64 // ms
	size                               int64   // bytes of GET all users
	atStart, afterGet, queried         memory
}

// storeRuns starts esauth over the store in dir once per run, each time a
// fresh process, and measures start-up, GET all users, query users and
// memory along the way.
func (b *bench) storeRuns(ctx context.Context, name, dir string) ([]storeRun, error) {
	var out []storeRun
	for i := range b.opt.runs {
		es, err := b.startEsauth(ctx, fmt.Sprintf("%s-%d", name, i), dir)
		if err != nil {
			return nil, err
		}
		r := storeRun{startup: ms(es.startup)}
		if r.atStart, err = es.memory(); err != nil {
			return nil, err
		}
		d, size, err := es.getAll(ctx)
		if err != nil {
			return nil, err
		}
		r.getAll, r.size = ms(d), size
		if r.afterGet, err = es.memory(); err != nil {
			return nil, err
		}
		if d, err = es.timeQuery(ctx); err != nil {
			return nil, err
		}
		r.firstQuery = ms(d)
		// The median of five queries once the index is in memory.
		var qs []float64
		for range 5 {
			if d, err = es.timeQuery(ctx); err != nil {
				return nil, err
			}
			qs = append(qs, ms(d))
		}
		slices.Sort(qs)
		r.query = qs[len(qs)/2]
		if r.queried, err = es.memory(); err != nil {
			return nil, err
		}
		es.stop()
		out = append(out, r)
	}
	return out, nil
}

func ms(d time.Duration) float64 { return d.Seconds() * 1000 }

// storeFigures records the runs' figures and returns the medians of
// start-up, GET all users and resident memory with the index loaded.
func (b *bench) storeFigures(sec string, users int, runs []storeRun) (startup, getAll, rss *figure) {
	col := func(f func(storeRun) float64) []float64 {
		var v []float64
		for _, r := range runs {
			v = append(v, f(r))
		}
		return v
	}
	startup = b.add(sec, "start-up to the first answered request", "ms", col(func(r storeRun) float64 { return r.startup }))
	getAll = b.add(sec, fmt.Sprintf("GET /_security/user, all %d users (%.0f MB of JSON)", users, float64(runs[0].size)/1e6), "ms",
		col(func(r storeRun) float64 { return r.getAll }))
	b.add(sec, "first query users (loads the in-memory index)", "ms", col(func(r storeRun) float64 { return r.firstQuery }))
	b.add(sec, "query users, username prefix, sorted, size 10 (median of 5)", "ms", col(func(r storeRun) float64 { return r.query }))
	for _, m := range []struct {
		when string
		f    func(storeRun) memory
	}{
		{"after start", func(r storeRun) memory { return r.atStart }},
		{"after GET all users (streamed)", func(r storeRun) memory { return r.afterGet }},
		{"after query users (index in memory)", func(r storeRun) memory { return r.queried }},
	} {
		f := b.add(sec, "RSS "+m.when, "MiB", col(func(r storeRun) float64 { return m.f(r).rss }))
		if m.when == "after query users (index in memory)" {
			rss = f
		}
		b.add(sec, "of which anonymous (heap), "+m.when, "MiB", col(func(r storeRun) float64 { return m.f(r).anon }))
	}
	return startup, getAll, rss
}

func users100kSection(ctx context.Context, b *bench) error {
	const users = 100000
	sec := "100,000 users"
	dir := filepath.Join(b.tmp, "data-100k")
	if err := seed(dir, users); err != nil {
		return err
	}
	runs, err := b.storeRuns(ctx, "esauth-100k", dir)
	if err != nil {
		return err
	}
	_, getAll, rss := b.storeFigures(sec, users, runs)
	b.atMost("GET all 100,000 users", getAll.Median, 1000, "ms")
	b.atMost("RSS with 100,000 users (index loaded)", rss.Median, 100, "MiB")
	return nil
}

func usersBigSection(ctx context.Context, b *bench) error {
	users := b.opt.bigUsers
	sec := fmt.Sprintf("%d users", users)
	dir := filepath.Join(b.tmp, "data-big")
	begin := time.Now()
	if err := seed(dir, users); err != nil {
		return err
	}
	b.note("Bulk load of %d users into bbolt, in batches of 10,000 (once, before the runs): %.1f s.", users, time.Since(begin).Seconds())
	runs, err := b.storeRuns(ctx, "esauth-big", dir)
	if err != nil {
		return err
	}
	startup, _, rss := b.storeFigures(sec, users, runs)
	var per []float64
	for _, v := range rss.Runs {
		per = append(per, v/(float64(users)/100000))
	}
	perHundredK := b.add(sec, "RSS per 100,000 users (index loaded)", "MiB", per)
	b.atMost(fmt.Sprintf("start-up with %d users", users), startup.Median, 1000, "ms")
	b.atMost(fmt.Sprintf("RSS per 100,000 users, at %d users", users), perHundredK.Median, 100, "MiB")
	return nil
}
