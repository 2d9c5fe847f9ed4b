package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/passhash"
)

// floodSection measures a legitimate cached user's throughput alone and
// while other clients send wrong passwords for existing users: the same
// wrong password again and again (answered from the failed-attempt
// memory), and a new wrong password every time (each one a bcrypt, bounded
// by the cap on concurrent verifications).
func floodSection(ctx context.Context, b *bench) error {
	const sec = "A legitimate cached user under a wrong-password flood (legitimate requests/s, wrk -t1 -c16 each)"
	es, err := b.startEsauth(ctx, "esauth-flood", filepath.Join(b.tmp, "flood-data"), noLockout)
	if err != nil {
		return err
	}
	if err := es.putUser(ctx, benchUser, benchPassword); err != nil {
		return err
	}
	const victims = 10
	var repeated, fresh []string
	for i := range victims {
		name := fmt.Sprintf("victim-%d", i)
		if err := es.putUser(ctx, name, "victim-password-"+name); err != nil {
			return err
		}
		repeated = append(repeated, basic(name, "wrong-password"))
	}
	for i := range 5000 {
		fresh = append(fresh, basic(fmt.Sprintf("victim-%d", i%victims), fmt.Sprintf("wrong-%d", i)))
	}
	scripts := map[string]string{}
	for name, headers := range map[string][]string{"repeated": repeated, "fresh": fresh} {
		path, err := b.writeScript("flood-"+name, floodScript(headers))
		if err != nil {
			return err
		}
		scripts[name] = path
	}
	legit := load{threads: 1, conns: 16, duration: b.opt.duration, headers: []string{"Authorization: " + basic(benchUser, benchPassword)}}
	url := es.url + authPath
	var alone, underRepeated, underFresh, floodRepeated, floodFresh []float64
	for range b.opt.runs {
		rps, err := okRPS(ctx, legit, url)
		if err != nil {
			return err
		}
		alone = append(alone, rps)
		for _, v := range []struct {
			script     string
			legit, bad *[]float64
		}{{scripts["repeated"], &underRepeated, &floodRepeated}, {scripts["fresh"], &underFresh, &floodFresh}} {
			good, bad, err := underFlood(ctx, legit, url, v.script)
			if err != nil {
				return err
			}
			*v.legit = append(*v.legit, good)
			*v.bad = append(*v.bad, bad)
		}
	}
	base := b.add(sec, "legitimate user alone", "req/s", alone)
	r := b.add(sec, "legitimate user, flood repeating wrong passwords", "req/s", underRepeated).ratio(base)
	f := b.add(sec, "legitimate user, flood of ever new wrong passwords", "req/s", underFresh).ratio(base)
	b.add(sec, "flood answered (401 or 429), repeating wrong passwords", "req/s", floodRepeated)
	b.add(sec, "flood answered (401 or 429), ever new wrong passwords", "req/s", floodFresh)
	b.atLeast("legitimate throughput under a repeated-password flood / alone", r.Median/base.Median, 0.5, "×")
	b.atLeast("legitimate throughput under a new-password flood / alone", f.Median/base.Median, 0.5, "×")
	return coldUnderFlood(ctx, b, es, scripts["fresh"])
}

// coldUnderFlood times first logins (each a cache miss, one slow check)
// of users nobody has logged in as yet, alone and during a flood of ever
// new wrong passwords from another address. The slow-check gate queues
// by client and username, so a first login should wait for a few checks,
// not the flood's whole queue.
func coldUnderFlood(ctx context.Context, b *bench, es *node, floodScript string) error {
	const sec = "A first login (credentials not cached) under a wrong-password flood from another address (ms per login)"
	const logins = 10
	// The legitimate client comes from 127.0.0.2, the flood (wrk) from
	// 127.0.0.1: two clients, as an attacker and a user would be.
	client := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	next := 0
	// prepare creates the next users: a PUT hashes the password, which the
	// flood would slow down and which is not what is measured.
	prepare := func() error {
		for i := range logins {
			if err := es.putUser(ctx, fmt.Sprintf("cold-%d", next+i+1), "cold-password"); err != nil {
				return err
			}
		}
		return nil
	}
	coldLogins := func() ([]float64, error) {
		var ms []float64
		for range logins {
			next++
			name := fmt.Sprintf("cold-%d", next)
			req, _ := http.NewRequestWithContext(ctx, "GET", es.url+authPath, nil)
			req.Header.Set("Authorization", basic(name, "cold-password"))
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				return nil, err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("first login of %s: status %d", name, resp.StatusCode)
			}
			ms = append(ms, float64(time.Since(start).Microseconds())/1000)
		}
		return ms, nil
	}
	var alone, under, worst []float64
	for range b.opt.runs {
		if err := prepare(); err != nil {
			return err
		}
		a, err := coldLogins()
		if err != nil {
			return err
		}
		alone = append(alone, median(a))
		if err := prepare(); err != nil {
			return err
		}
		flood := load{threads: 1, conns: 16, duration: b.opt.duration, script: floodScript}
		done := make(chan error, 1)
		go func() {
			_, err := runWrk(ctx, flood, es.url+authPath)
			done <- err
		}()
		time.Sleep(time.Second) // let the flood fill the gate's queue
		u, err := coldLogins()
		if ferr := <-done; err == nil {
			err = ferr
		}
		if err != nil {
			return err
		}
		under = append(under, median(u))
		worst = append(worst, slices.Max(u))
	}
	base := b.add(sec, "first login, alone (median of 10)", "ms", alone)
	u := b.add(sec, "first login during the flood (median of 10)", "ms", under).ratio(base)
	b.add(sec, "first login during the flood (slowest of 10)", "ms", worst).ratio(base)
	b.atMost("first login under a flood / alone (slow checks waited for)", u.Median/base.Median, 4, "×")
	return nil
}

// median of a non-empty sample.
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// floodScript cycles wrk through Authorization headers.
func floodScript(headers []string) string {
	var s strings.Builder
	s.WriteString("local auths = {\n")
	for _, h := range headers {
		fmt.Fprintf(&s, "  %q,\n", h)
	}
	s.WriteString("}\nlocal i = 0\nrequest = function()\n  i = i % #auths + 1\n  wrk.headers[\"Authorization\"] = auths[i]\n  return wrk.format(\"GET\", \"" + authPath + "\")\nend\n")
	return s.String()
}

// underFlood runs the flood from a second wrk, starting a second before the
// legitimate load and ending after it, and returns both rates.
func underFlood(ctx context.Context, legit load, url, script string) (good, bad float64, err error) {
	flood := load{threads: 1, conns: 16, duration: legit.duration + 2*time.Second, script: script}
	type result struct {
		r   wrkResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := runWrk(ctx, flood, url)
		done <- result{r, err}
	}()
	time.Sleep(time.Second)
	good, err = okRPS(ctx, legit, url)
	fr := <-done
	if err != nil {
		return 0, 0, err
	}
	if fr.err != nil {
		return 0, 0, fr.err
	}
	if fr.r.non2xx != fr.r.total {
		return 0, 0, fmt.Errorf("the flood got %d successes", fr.r.total-fr.r.non2xx)
	}
	return good, fr.r.rps, nil
}

// writesSection measures PUT user throughput with each way of setting a
// password, from one client and from eight.
func writesSection(ctx context.Context, b *bench) error {
	const sec = "User writes: PUT /_security/user/{new user} (writes/s, durable bbolt commits)"
	h, err := passhash.Resolve("bcrypt")
	if err != nil {
		return err
	}
	hash, err := h.Hash(benchPassword)
	if err != nil {
		return err
	}
	cases := []struct {
		name, hasher, body string
	}{
		{"password, bcrypt cost 10 (the default)", "bcrypt", fmt.Sprintf(`{"password":%q,"roles":["viewer"]}`, benchPassword)},
		{"password, pbkdf2 (10,000 iterations)", "pbkdf2", fmt.Sprintf(`{"password":%q,"roles":["viewer"]}`, benchPassword)},
		{"password_hash (bcrypt, precomputed)", "bcrypt", fmt.Sprintf(`{"password_hash":%q,"roles":["viewer"]}`, hash)},
	}
	var hashed8 *figure
	for ci, c := range cases {
		es, err := b.startEsauth(ctx, fmt.Sprintf("esauth-writes-%d", ci), filepath.Join(b.tmp, fmt.Sprintf("writes-data-%d", ci)),
			"xpack.security.authc.password_hashing.algorithm="+c.hasher)
		if err != nil {
			return err
		}
		for _, clients := range []int{1, 8} {
			runs, err := b.repeat(func(i int) (float64, error) {
				script, err := b.writeScript(fmt.Sprintf("writes-%d-%d-%d", ci, clients, i),
					writeScript(fmt.Sprintf("c%d-%d-%d", ci, clients, i), c.body))
				if err != nil {
					return 0, err
				}
				l := load{threads: min(clients, 2), conns: clients, duration: b.opt.duration,
					headers: []string{"Authorization: " + elasticAuth, "Content-Type: application/json"}, script: script}
				return okRPS(ctx, l, es.url+"/")
			})
			if err != nil {
				return err
			}
			f := b.add(sec, fmt.Sprintf("%s, %d client(s)", c.name, clients), "writes/s", runs)
			if ci == 2 && clients == 8 {
				hashed8 = f
			}
		}
		es.stop()
	}
	b.atLeast("PUT user with password_hash, 8 clients", hashed8.Median, 1000, "writes/s")
	return nil
}

// writeScript makes each request create a new user.
func writeScript(tag, body string) string {
	return fmt.Sprintf(`local n = 0
local id = 0
function setup(thread)
  id = id + 1
  thread:set("tid", id)
end
request = function()
  n = n + 1
  return wrk.format("PUT", "/_security/user/u-%s-" .. tid .. "-" .. n, nil, %q)
end
`, tag, body)
}
