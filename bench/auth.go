package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esauth/esauth/internal/passhash"
)

// noLockout keeps the brute-force lockout out of the figures that send
// wrong passwords on purpose from one address (every client here is
// 127.0.0.1, so the per-address block would stop the legitimate client too).
const noLockout = "esauth.security.lockout.enabled=false"

// The small JSON body every server of the authentication figures answers.
const authPath = "/_security/_authenticate"

// authSection compares cached authenticated requests with the bare Go
// ceiling and with caddy and nginx basic auth (bcrypt cost 10). The
// ceiling answers exactly the bytes esauth answers (captured from it);
// the old ceiling, a smaller body without esauth's product header, stays
// beside it. When cmd/esauth has a PGO profile, esauth built without it
// runs too, so that the report shows what the profile gives.
func authSection(ctx context.Context, b *bench) error {
	const sec = "HTTP Basic authentication (requests/s, wrk -t2 -c32)"
	es, err := b.startEsauth(ctx, "esauth-auth", filepath.Join(b.tmp, "auth-data"))
	if err != nil {
		return err
	}
	if err := es.putUser(ctx, benchUser, benchPassword); err != nil {
		return err
	}
	auth := "Authorization: " + basic(benchUser, benchPassword)
	same, err := b.startSameAnswer(ctx, es.url+authPath, basic(benchUser, benchPassword))
	if err != nil {
		return err
	}
	bare, err := b.startBare()
	if err != nil {
		return err
	}
	caddy, err := b.startCaddy(ctx)
	if err != nil {
		return err
	}
	nginx, err := b.startNginx(ctx)
	if err != nil {
		return err
	}
	l := load{threads: 2, conns: 32, duration: b.opt.duration}
	withAuth := l
	withAuth.headers = []string{auth}
	type server struct {
		name string
		l    load
		url  string
	}
	servers := []server{
		{fmt.Sprintf("bare Go net/http, esauth's answer (%d bytes, same headers), no auth (the ceiling)", same.size), l, same.url + authPath},
		{"bare Go net/http, small JSON, no auth (the old ceiling)", l, bare + "/"},
		{"esauth GET /_security/_authenticate, credentials cached", withAuth, es.url + authPath},
		{"caddy basicauth (bcrypt 10), small JSON file", withAuth, caddy + "/auth.json"},
		{"nginx auth_basic (bcrypt 10), small JSON file", withAuth, nginx + "/auth.json"},
	}
	const esauthRow = 2
	pgo := b.hasPGO()
	if pgo {
		off, err := b.startEsauthBinary(ctx, "esauth-nopgo", "esauth-auth-nopgo", filepath.Join(b.tmp, "auth-nopgo-data"))
		if err != nil {
			return err
		}
		if err := off.putUser(ctx, benchUser, benchPassword); err != nil {
			return err
		}
		servers = append(servers, server{"esauth, the same, built with -pgo=off (without " + pgoProfile + ")", withAuth, off.url + authPath})
	}
	runs := make([][]float64, len(servers))
	// Interleaved, so that a drift of the machine affects every server alike.
	for range b.opt.runs {
		for i, s := range servers {
			rps, err := okRPS(ctx, s.l, s.url)
			if err != nil {
				return err
			}
			runs[i] = append(runs[i], rps)
		}
	}
	figs := make([]*figure, len(servers))
	for i, s := range servers {
		figs[i] = b.add(sec, s.name, "req/s", runs[i]).ratio(figs[0])
	}
	ceiling, old, esauth, caddyF := figs[0], figs[1], figs[esauthRow], figs[3]
	b.maxRate["auth"] = esauth.Median
	b.atLeast("cached authentication / bare Go ceiling (same answer)", esauth.Median/ceiling.Median, 0.95, "×")
	b.atLeast("cached authentication / caddy basicauth", esauth.Median/caddyF.Median, 1.4, "×")
	b.note("Authentication: the ceiling answers the very bytes esauth answers the bench user (%d bytes of JSON, Content-Type and X-Elastic-Product, captured from esauth in the same run); "+
		"against the old ceiling (%d bytes, Content-Type only) esauth's ratio is %.3f.", same.size, len(oldBareBody), esauth.Median/old.Median)
	if pgo {
		off := figs[len(figs)-1]
		b.note("PGO: esauth built with %s / built with -pgo=off, cached authentication: %.3f (medians of %d interleaved runs each).",
			pgoProfile, esauth.Median/off.Median, b.opt.runs)
	}
	return nil
}

// oldBareBody is what bench/bare answers without -body.
const oldBareBody = `{"username":"bench","roles":["viewer"],"full_name":null,"email":null,"metadata":{},"enabled":true}` + "\n"

func (b *bench) startBare(args ...string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p, err := start(fmt.Sprintf("bare-%d", port), b.tmp, nil, append([]string{filepath.Join(b.tmp, "bare"), "-addr", addr}, args...)...)
	if err != nil {
		return "", err
	}
	url := "http://" + addr
	return url, waitHTTP(context.Background(), p, url+"/", "", http.StatusOK, 30*time.Second)
}

// answer is one HTTP answer: status, headers and body.
type answer struct {
	status  int
	headers []string // "Name: value", as the server sent them but Date and Content-Length
	body    []byte
}

// fetchAnswer sends GET url with the Authorization header auth (when
// set) and records the answer.
func fetchAnswer(ctx context.Context, url, auth string) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return answer{}, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: resp.StatusCode, body: body}
	for name, values := range resp.Header {
		if name == "Date" || name == "Content-Length" {
			continue // net/http writes both itself
		}
		for _, v := range values {
			a.headers = append(a.headers, name+": "+v)
		}
	}
	slices.Sort(a.headers)
	return a, nil
}

// sameAnswer is a bare server answering what esauth answers.
type sameAnswer struct {
	url  string
	size int
}

// startSameAnswer captures esauth's answer to GET url with auth and runs
// bench/bare answering the same headers and body to everything, then
// checks that it does.
func (b *bench) startSameAnswer(ctx context.Context, url, auth string) (sameAnswer, error) {
	want, err := fetchAnswer(ctx, url, auth)
	if err != nil {
		return sameAnswer{}, err
	}
	if want.status != http.StatusOK {
		return sameAnswer{}, fmt.Errorf("GET %s: %d %s", url, want.status, want.body)
	}
	path := filepath.Join(b.tmp, "authenticate-answer.json")
	if err := os.WriteFile(path, want.body, 0o644); err != nil {
		return sameAnswer{}, err
	}
	args := []string{"-body", path}
	for _, h := range want.headers {
		args = append(args, "-header", h)
	}
	bare, err := b.startBare(args...)
	if err != nil {
		return sameAnswer{}, err
	}
	got, err := fetchAnswer(ctx, bare+authPath, "")
	if err != nil {
		return sameAnswer{}, err
	}
	if err := sameAnswers(got, want); err != nil {
		return sameAnswer{}, fmt.Errorf("the bare server does not answer what esauth answers: %w", err)
	}
	// And byte for byte, header order included, but for the date.
	wantWire, err := wireAnswer(ctx, url, auth)
	if err != nil {
		return sameAnswer{}, err
	}
	gotWire, err := wireAnswer(ctx, bare+authPath, "")
	if err != nil {
		return sameAnswer{}, err
	}
	if gotWire != wantWire {
		return sameAnswer{}, fmt.Errorf("the bare server answers\n%s\nwhere esauth answers\n%s", gotWire, wantWire)
	}
	return sameAnswer{url: bare, size: len(want.body)}, nil
}

// dateLine is the Date header of an answer on the wire.
var dateLine = regexp.MustCompile(`(?m)^Date: [^\r\n]*\r\n`)

// wireAnswer sends GET url (with auth, when set) on a connection of its
// own and returns the answer's bytes as they came, but for the Date
// header's line.
func wireAnswer(ctx context.Context, url, auth string) (string, error) {
	t, err := parseTarget(url)
	if err != nil {
		return "", err
	}
	headers := []string{"Connection: close"}
	if auth != "" {
		headers = append(headers, "Authorization: "+auth)
	}
	conn, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(t.request(headers)); err != nil {
		return "", err
	}
	data, err := io.ReadAll(conn)
	if err != nil {
		return "", err
	}
	return dateLine.ReplaceAllString(string(data), ""), nil
}

// sameAnswers reports how got differs from want, if it does.
func sameAnswers(got, want answer) error {
	switch {
	case got.status != want.status:
		return fmt.Errorf("status %d, want %d", got.status, want.status)
	case !slices.Equal(got.headers, want.headers):
		return fmt.Errorf("headers %q, want %q", got.headers, want.headers)
	case string(got.body) != string(want.body):
		return fmt.Errorf("body %q, want %q", got.body, want.body)
	}
	return nil
}

// servedBody writes the file caddy and nginx serve.
func (b *bench) servedBody() (string, error) {
	dir := filepath.Join(b.tmp, "www")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "auth.json"), []byte(oldBareBody), 0o644)
}

// htpasswdLine is the bench user's "name:hash" line, bcrypt cost 10.
func htpasswdLine(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "htpasswd", "-nbBC", "10", benchUser, benchPassword).Output()
	if err != nil {
		return "", fmt.Errorf("htpasswd: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func (b *bench) startCaddy(ctx context.Context) (string, error) {
	dir, err := b.servedBody()
	if err != nil {
		return "", err
	}
	// caddy hash-password uses cost 14; the comparison is at cost 10.
	line, err := htpasswdLine(ctx)
	if err != nil {
		return "", err
	}
	_, hash, _ := strings.Cut(line, ":")
	hash = strings.Replace(hash, "$2y$", "$2a$", 1)
	port, err := freePort()
	if err != nil {
		return "", err
	}
	conf := fmt.Sprintf(`{
	admin off
	auto_https off
}
http://127.0.0.1:%d {
	bind 127.0.0.1
	root * %s
	basicauth {
		%s %s
	}
	file_server
}
`, port, dir, benchUser, hash)
	path := filepath.Join(b.tmp, "Caddyfile")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return "", err
	}
	p, err := start("caddy", b.tmp, []string{"HOME=" + b.tmp, "XDG_DATA_HOME=" + b.tmp, "XDG_CONFIG_HOME=" + b.tmp},
		"caddy", "run", "--config", path, "--adapter", "caddyfile")
	if err != nil {
		return "", err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	return url, waitHTTP(ctx, p, url+"/auth.json", basic(benchUser, benchPassword), http.StatusOK, 30*time.Second)
}

func (b *bench) startNginx(ctx context.Context) (string, error) {
	dir, err := b.servedBody()
	if err != nil {
		return "", err
	}
	line, err := htpasswdLine(ctx)
	if err != nil {
		return "", err
	}
	pw := filepath.Join(b.tmp, "htpasswd")
	if err := os.WriteFile(pw, []byte(line+"\n"), 0o644); err != nil {
		return "", err
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	// A file, not `return 200`: return answers before auth_basic runs.
	conf := fmt.Sprintf(`worker_processes auto;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx-error.log;
events { worker_connections 1024; }
http {
	access_log off;
	default_type application/json;
	client_body_temp_path %[1]s;
	proxy_temp_path %[1]s;
	fastcgi_temp_path %[1]s;
	uwsgi_temp_path %[1]s;
	scgi_temp_path %[1]s;
	server {
		listen 127.0.0.1:%[2]d;
		root %[3]s;
		location / {
			auth_basic "bench";
			auth_basic_user_file %[4]s;
		}
	}
}
`, b.tmp, port, dir, pw)
	path := filepath.Join(b.tmp, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return "", err
	}
	p, err := start("nginx", b.tmp, nil, "nginx", "-c", path, "-p", b.tmp)
	if err != nil {
		return "", err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitHTTP(ctx, p, url+"/auth.json", "", http.StatusUnauthorized, 30*time.Second); err != nil {
		return "", err
	}
	return url, waitHTTP(ctx, p, url+"/auth.json", basic(benchUser, benchPassword), http.StatusOK, 30*time.Second)
}

// coldSection measures authentication with the credential cache off, so
// every request verifies bcrypt cost 10, against the rate at which the same
// cores verify bcrypt with nothing else around it.
func coldSection(ctx context.Context, b *bench) error {
	const sec = "Cold authentication: every request verifies bcrypt cost 10 (requests/s)"
	cpus := runtime.NumCPU()
	es, err := b.startEsauth(ctx, "esauth-cold", filepath.Join(b.tmp, "cold-data"), noLockout,
		"xpack.security.authc.realms.native.native1.order=0",
		"xpack.security.authc.realms.native.native1.cache.ttl=0",
		"esauth.security.authc.max_concurrent_hashes="+strconv.Itoa(cpus))
	if err != nil {
		return err
	}
	if err := es.putUser(ctx, benchUser, benchPassword); err != nil {
		return err
	}
	h, err := passhash.Resolve("bcrypt")
	if err != nil {
		return err
	}
	hash, err := h.Hash(benchPassword)
	if err != nil {
		return err
	}
	l := load{threads: 2, conns: 2 * cpus, duration: b.opt.duration, headers: []string{"Authorization: " + basic(benchUser, benchPassword)}}
	var raw, cold []float64
	for range b.opt.runs {
		raw = append(raw, rawHashRate(h, hash, cpus, b.opt.duration))
		rps, err := okRPS(ctx, l, es.url+authPath)
		if err != nil {
			return err
		}
		cold = append(cold, rps)
	}
	base := b.add(sec, fmt.Sprintf("raw bcrypt 10 verifications, %d goroutines, nothing else", cpus), "verif/s", raw)
	f := b.add(sec, fmt.Sprintf("esauth _authenticate, cache off, max_concurrent_hashes=%d", cpus), "req/s", cold).ratio(base)
	b.atLeast("cold authentication / raw hash rate of the same cores", f.Median/base.Median, 0.9, "×")
	b.note("The cold figures cap concurrent verifications at the number of cores. esauth's default cap is one core fewer (%d here), which keeps a core for cached requests under a flood and halves the cold rate on a 2-core machine.", max(cpus-1, 1))
	return nil
}

// rawHashRate verifies hash with n goroutines for d and returns
// verifications per second.
func rawHashRate(h passhash.Hasher, hash string, n int, d time.Duration) float64 {
	var count atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for time.Now().Before(stop) {
				if h.Verify(benchPassword, hash) {
					count.Add(1)
				}
			}
		})
	}
	begin := time.Now()
	wg.Wait()
	return float64(count.Load()) / time.Since(begin).Seconds()
}
