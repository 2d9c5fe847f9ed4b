package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esauth/esauth/internal/passhash"
)

// latencySection measures latency, not throughput: each load runs open
// loop (bench/paced.go) at half the highest rate measured for it, and
// reports the 50th, 99th and 99.9th percentiles, for a cached
// authentication, a search through the gateway beside the same search
// sent to the upstream directly, and first logins during a flood of
// wrong passwords.
func latencySection(ctx context.Context, b *bench) error {
	if err := latencyAuth(ctx, b); err != nil {
		return err
	}
	stopAll()
	if err := latencyGateway(ctx, b); err != nil {
		return err
	}
	stopAll()
	return latencyFirstLogin(ctx, b)
}

// pacedConns is how many connections the paced loads use, as the
// gateway section's paced load does.
const pacedConns = 16

// percentiles collects paced runs' p50, p99 and p99.9 in ms.
type percentiles struct{ p50, p99, p999 []float64 }

func (p *percentiles) add(r pacedResult) {
	p.p50 = append(p.p50, ms(r.p50))
	p.p99 = append(p.p99, ms(r.p99))
	p.p999 = append(p.p999, ms(r.p999))
}

// figures records the three as figures named name, p50 first.
func (p *percentiles) figures(b *bench, sec, name string) (p50, p99, p999 *figure) {
	return b.add(sec, name+", p50", "ms", p.p50), b.add(sec, name+", p99", "ms", p.p99), b.add(sec, name+", p99.9", "ms", p.p999)
}

// maxRate is the rate an earlier section of this run measured for key,
// or else wrk's rate against url now (one run).
func (b *bench) maxRateOf(ctx context.Context, key string, l load, url string) (float64, string, error) {
	if r := b.maxRate[key]; r > 0 {
		return r, fmt.Sprintf("the %s section's median", key), nil
	}
	r, err := okRPS(ctx, l, url)
	if err != nil {
		return 0, "", err
	}
	b.maxRate[key] = r
	return r, fmt.Sprintf("wrk -t%d -c%d, one run of %s in this section", l.threads, l.conns, l.duration), nil
}

// half is half of rate, rounded down to a multiple of 100 above 1,000.
func half(rate float64) float64 {
	h := rate / 2
	if h >= 1000 {
		return math.Floor(h/100) * 100
	}
	return h
}

// latencyAuth paces cached GET /_security/_authenticate requests at half
// the auth section's maximum.
func latencyAuth(ctx context.Context, b *bench) error {
	es, err := b.startEsauth(ctx, "esauth-latency", filepath.Join(b.tmp, "latency-data"))
	if err != nil {
		return err
	}
	if err := es.putUser(ctx, benchUser, benchPassword); err != nil {
		return err
	}
	auth := "Authorization: " + basic(benchUser, benchPassword)
	url := es.url + authPath
	maxRate, from, err := b.maxRateOf(ctx, "auth", load{threads: 2, conns: 32, duration: b.opt.duration, headers: []string{auth}}, url)
	if err != nil {
		return err
	}
	rate := half(maxRate)
	sec := fmt.Sprintf("Latency: cached GET /_security/_authenticate at a paced %.0f req/s, half the maximum (ms, open loop, %d connections)", rate, pacedConns)
	var p percentiles
	var late []float64
	for range b.opt.runs {
		r, err := runPaced(ctx, pacedLoad{rate: rate, conns: pacedConns, warmup: time.Second, duration: b.opt.duration, headers: []string{auth}}, url)
		if err != nil {
			return err
		}
		p.add(r)
		late = append(late, ms(r.late99))
	}
	p.figures(b, sec, "esauth, credentials cached")
	b.add(sec, "the load generator's own lateness (p99), a floor under every percentile", "ms", late)
	b.note("Latency, cached authentication: the maximum, %.0f req/s, is %s.", maxRate, from)
	return nil
}

// latencyGateway paces GET /logs-1/_search through esauth's gateway,
// straight to the upstream and through the bare Go proxy (the ceiling for
// a Go gateway), in turn, at half the gateway's maximum: what the bare
// proxy adds at the same rate tells esauth's share from net/http's and
// the machine's.
func latencyGateway(ctx context.Context, b *bench) error {
	up, err := b.startUpstream(ctx)
	if err != nil {
		return err
	}
	es, err := b.startGateway(ctx, up)
	if err != nil {
		return err
	}
	hash, err := benchUserHash(ctx)
	if err != nil {
		return err
	}
	goProxy, err := b.startGoProxy(ctx, up, hash)
	if err != nil {
		return err
	}
	if err := checkAnswer(ctx, http.MethodGet, es.url+searchPath, "", searchAnswer); err != nil {
		return err
	}
	auth := "Authorization: " + basic(benchUser, benchPassword)
	maxRate, from, err := b.maxRateOf(ctx, "gateway", load{threads: 2, conns: 32, duration: b.opt.duration, headers: []string{auth}}, es.url+searchPath)
	if err != nil {
		return err
	}
	rate := half(maxRate)
	sec := fmt.Sprintf("Latency: GET /logs-1/_search at a paced %.0f req/s, half esauth gateway's maximum (ms, open loop, %d connections)", rate, pacedConns)
	var direct, through, added, bare, bareAdded percentiles
	var late []float64
	for range b.opt.runs {
		var rs [3]pacedResult
		for i, target := range []struct {
			url     string
			headers []string
		}{{up + searchPath, nil}, {es.url + searchPath, []string{auth}}, {goProxy + searchPath, []string{auth}}} {
			r, err := runPaced(ctx, pacedLoad{rate: rate, conns: pacedConns, warmup: time.Second, duration: b.opt.duration, headers: target.headers}, target.url)
			if err != nil {
				return err
			}
			rs[i] = r
			late = append(late, ms(r.late99))
		}
		direct.add(rs[0])
		through.add(rs[1])
		added.add(pacedResult{p50: rs[1].p50 - rs[0].p50, p99: rs[1].p99 - rs[0].p99, p999: rs[1].p999 - rs[0].p999})
		bare.add(rs[2])
		bareAdded.add(pacedResult{p50: rs[2].p50 - rs[0].p50, p99: rs[2].p99 - rs[0].p99, p999: rs[2].p999 - rs[0].p999})
	}
	direct.figures(b, sec, "upstream directly (nginx, fixed JSON)")
	through.figures(b, sec, "esauth gateway, cached user")
	_, a99, _ := added.figures(b, sec, "added by the gateway (esauth − directly, each run)")
	bare.figures(b, sec, "Go httputil.ReverseProxy + cached Basic (the bare Go proxy), same rate")
	bareAdded.figures(b, sec, "added by the bare Go proxy (proxy − directly, each run)")
	b.add(sec, "the load generator's own lateness (p99, every run), a floor under every percentile", "ms", late)
	b.atMost("gateway: p99 latency added at half its maximum rate", a99.Median, 1, "ms").Section = sec
	b.note("Latency, gateway: the maximum, %.0f req/s through esauth, is %s; the upstream directly gets the same rate.", maxRate, from)
	return nil
}

// latencyFirstLogin paces first logins, each a fresh user's first
// correct password (a cache miss: one slow check, bcrypt 10), from
// 127.0.0.2, alone and during a flood of ever new wrong passwords from
// 127.0.0.1, at half the rate such logins reach during the flood.
func latencyFirstLogin(ctx context.Context, b *bench) error {
	es, err := b.startEsauth(ctx, "esauth-latency-cold", filepath.Join(b.tmp, "latency-cold-data"), noLockout)
	if err != nil {
		return err
	}
	script, err := b.floodOfNewPasswords(ctx, es)
	if err != nil {
		return err
	}
	h, err := passhash.Resolve("bcrypt")
	if err != nil {
		return err
	}
	hash, err := h.Hash("cold-password")
	if err != nil {
		return err
	}
	users := &freshUsers{node: es, hash: hash}
	// flood runs the flood for d after a second's start, which fills the
	// gate's queue, while fn runs.
	flood := func(d time.Duration, fn func() error) error {
		done := make(chan error, 1)
		go func() {
			_, err := runWrk(ctx, load{threads: 1, conns: 16, duration: d + 2*time.Second, script: script}, es.url+authPath)
			done <- err
		}()
		time.Sleep(time.Second)
		err := fn()
		if ferr := <-done; err == nil {
			err = ferr
		}
		return err
	}
	var maxRate float64
	maxDur := 2 * b.opt.duration // a few dozen logins at ~60 ms a check
	err = flood(maxDur, func() error {
		var err error
		maxRate, err = users.closedLoop(ctx, 2, maxDur)
		return err
	})
	if err != nil {
		return err
	}
	rate := maxRate / 2
	// Some 50 logins a run, within 3 to 12 times -d.
	dur := min(max(time.Duration(50/rate*float64(time.Second)), 3*b.opt.duration), 12*b.opt.duration)
	sec := fmt.Sprintf("Latency: first logins (one bcrypt 10 check each) at a paced %.1f/s, half their maximum during a wrong-password flood, from another address (ms, open loop)", rate)
	var alone, under percentiles
	var late []float64
	count := 0
	for range b.opt.runs {
		for _, flooded := range []bool{false, true} {
			first, err := users.create(ctx, int(rate*(dur+time.Second).Seconds())+2)
			if err != nil {
				return err
			}
			l := pacedLoad{rate: rate, conns: 8, warmup: time.Second, duration: dur, local: net.IPv4(127, 0, 0, 2),
				headersFor: func(i int) []string { return []string{"Authorization: " + basic(freshName(first+i), "cold-password")} }}
			var r pacedResult
			run := func() (err error) { r, err = runPaced(ctx, l, es.url+authPath); return err }
			if flooded {
				err = flood(l.warmup+dur+time.Second, run)
			} else {
				err = run()
			}
			if err != nil {
				return err
			}
			if flooded {
				under.add(r)
				count += r.count
			} else {
				alone.add(r)
			}
			late = append(late, ms(r.late99))
		}
	}
	a50, _, _ := alone.figures(b, sec, "first login, alone")
	_, u99, _ := under.figures(b, sec, "first login during the flood")
	b.add(sec, "the load generator's own lateness (p99, every run)", "ms", late)
	b.atMost("first login under a flood: p99 / one slow check (p50 alone)", u99.Median/a50.Median, 4, "×").Section = sec
	b.note("Latency, first logins: %.1f/s is the rate 2 clients logging fresh users in one after another reached during the flood (%s); each paced run lasted %s, and %d logins were timed during the flood in all.",
		maxRate, maxDur, dur, count)
	return nil
}

// floodOfNewPasswords creates the flood section's victims and writes the
// wrk script that sends them ever new wrong passwords.
func (b *bench) floodOfNewPasswords(ctx context.Context, es *node) (string, error) {
	const victims = 10
	var fresh []string
	for i := range victims {
		name := fmt.Sprintf("victim-%d", i)
		if err := es.putUser(ctx, name, "victim-password-"+name); err != nil {
			return "", err
		}
	}
	for i := range 5000 {
		fresh = append(fresh, basic(fmt.Sprintf("victim-%d", i%victims), fmt.Sprintf("wrong-%d", i)))
	}
	return b.writeScript("latency-flood", floodScript(fresh))
}

// freshUsers creates users nobody has logged in as yet, numbered on.
type freshUsers struct {
	node *node
	hash string // bcrypt of "cold-password"
	next int
}

func freshName(i int) string { return fmt.Sprintf("fresh-%d", i) }

// create makes n more users (with a precomputed hash: a PUT that hashed
// would be slowed by a flood, and is not what is measured), four at a
// time, and returns the first one's number.
func (u *freshUsers) create(ctx context.Context, n int) (int, error) {
	first := u.next
	u.next += n
	body := fmt.Sprintf(`{"password_hash":%q,"roles":["viewer"]}`, u.hash)
	var (
		wg      sync.WaitGroup
		next    atomic.Int64
		errOnce sync.Once
		err     error
	)
	next.Store(int64(first))
	for range 4 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= first+n {
					return
				}
				if e := u.node.mustCall(ctx, http.MethodPut, "/_security/user/"+freshName(i), body); e != nil {
					errOnce.Do(func() { err = e })
					return
				}
			}
		})
	}
	wg.Wait()
	return first, err
}

// closedLoop logs fresh users in from 127.0.0.2 with conns clients, each
// one login after another, for d, and returns the logins per second.
func (u *freshUsers) closedLoop(ctx context.Context, conns int, d time.Duration) (float64, error) {
	// At most one check per 30 ms per core: room for any rate reachable.
	first, err := u.create(ctx, int(d.Seconds()*float64(runtime.NumCPU())*40)+conns)
	if err != nil {
		return 0, err
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	defer client.CloseIdleConnections()
	var (
		wg      sync.WaitGroup
		next    atomic.Int64
		done    atomic.Int64
		errOnce sync.Once
		firstE  error
	)
	next.Store(int64(first))
	begin := time.Now()
	stop := begin.Add(d)
	for range conns {
		wg.Go(func() {
			for time.Now().Before(stop) {
				i := int(next.Add(1) - 1)
				if i >= u.next {
					errOnce.Do(func() { firstE = fmt.Errorf("ran out of fresh users") })
					return
				}
				if err := get(ctx, client, u.node.url+authPath, []string{"Authorization: " + basic(freshName(i), "cold-password")}); err != nil {
					errOnce.Do(func() { firstE = err })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if firstE != nil {
		return 0, firstE
	}
	return float64(done.Load()) / time.Since(begin).Seconds(), nil
}
