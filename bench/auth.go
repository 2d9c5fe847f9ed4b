package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
// ceiling and with caddy and nginx basic auth (bcrypt cost 10).
func authSection(ctx context.Context, b *bench) error {
	const sec = "HTTP Basic authentication (requests/s, wrk -t2 -c32)"
	bare, err := b.startBare()
	if err != nil {
		return err
	}
	es, err := b.startEsauth(ctx, "esauth-auth", filepath.Join(b.tmp, "auth-data"))
	if err != nil {
		return err
	}
	if err := es.putUser(ctx, benchUser, benchPassword); err != nil {
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
	auth := "Authorization: " + basic(benchUser, benchPassword)
	l := load{threads: 2, conns: 32, duration: b.opt.duration}
	withAuth := l
	withAuth.headers = []string{auth}
	servers := []struct {
		name string
		l    load
		url  string
	}{
		{"bare Go net/http, small JSON, no auth (the ceiling)", l, bare + "/"},
		{"esauth GET /_security/_authenticate, credentials cached", withAuth, es.url + authPath},
		{"caddy basicauth (bcrypt 10), small JSON file", withAuth, caddy + "/auth.json"},
		{"nginx auth_basic (bcrypt 10), small JSON file", withAuth, nginx + "/auth.json"},
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
	ceiling := b.add(sec, servers[0].name, "req/s", runs[0])
	esauth := b.add(sec, servers[1].name, "req/s", runs[1]).ratio(ceiling)
	caddyF := b.add(sec, servers[2].name, "req/s", runs[2]).ratio(ceiling)
	b.add(sec, servers[3].name, "req/s", runs[3]).ratio(ceiling)
	b.atLeast("cached authentication / bare Go ceiling", esauth.Median/ceiling.Median, 0.95, "×")
	b.atLeast("cached authentication / caddy basicauth", esauth.Median/caddyF.Median, 1.4, "×")
	return nil
}

func (b *bench) startBare() (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p, err := start("bare", b.tmp, nil, filepath.Join(b.tmp, "bare"), "-addr", addr)
	if err != nil {
		return "", err
	}
	url := "http://" + addr
	return url, waitHTTP(context.Background(), p, url+"/", "", http.StatusOK, 30*time.Second)
}

// servedBody writes the file caddy and nginx serve.
func (b *bench) servedBody() (string, error) {
	dir := filepath.Join(b.tmp, "www")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	body := `{"username":"bench","roles":["viewer"],"full_name":null,"email":null,"metadata":{},"enabled":true}` + "\n"
	return dir, os.WriteFile(filepath.Join(dir, "auth.json"), []byte(body), 0o644)
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
