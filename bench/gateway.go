package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The upstream's answers: a search (about 300 bytes), the cluster's
// indices (which esauth fetches, and caches for 1 s, to expand
// wildcards) and a bulk without errors (which esauth passes back as is
// when it denied no item).
const (
	searchAnswer  = `{"took":1,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"total":{"value":1,"relation":"eq"},"max_score":1.0,"hits":[{"_index":"logs-1","_id":"1","_score":1.0,"_source":{"@timestamp":"2026-12-04T00:00:00Z","message":"GET /index.html 200"}}]}}`
	resolveAnswer = `{"indices":[{"name":"logs-1","attributes":["open"]},{"name":"logs-2","attributes":["open"]}],"aliases":[],"data_streams":[]}`
	bulkAnswer    = `{"errors":false,"took":1,"items":[]}`
	rootAnswer    = `{"name":"upstream","cluster_name":"bench","version":{"number":"8.15.0"},"tagline":"You Know, for Search"}`
	searchPath    = "/logs-1/_search"
)

// gatewayPeer is one way to reach the upstream.
type gatewayPeer struct {
	name, url string
	auth      bool // sends the bench user's Basic credentials
}

// The peers, in the order of gatewaySection's list.
const (
	goProxyPeer = iota
	upstreamPeer
	nginxPeer
	haproxyPeer
	caddyPeer
	esauthPeer
)

// gatewaySection measures esauth as a security gateway beside reverse
// proxies that could stand in front of a cluster, all in front of one
// upstream (nginx answering fixed JSON), in one run: search and bulk
// throughput, a 5 MB bulk with esauth's memory, and latency at a paced
// rate.
func gatewaySection(ctx context.Context, b *bench) error {
	loadBefore := loadAverage()
	up, err := b.startUpstream(ctx)
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
	nginx, err := b.startNginxProxy(ctx, up)
	if err != nil {
		return err
	}
	haproxy, err := b.startHAProxy(ctx, up)
	if err != nil {
		return err
	}
	caddy, err := b.startCaddyProxy(ctx, up, hash)
	if err != nil {
		return err
	}
	es, err := b.startGateway(ctx, up)
	if err != nil {
		return err
	}
	peers := []gatewayPeer{
		{"Go httputil.ReverseProxy + cached Basic (bcrypt 10)", goProxy, true},
		{"upstream directly (nginx, fixed JSON)", up, false},
		{"nginx proxy_pass, no auth (the ceiling for a proxy)", nginx, false},
		{"HAProxy http_auth, plain-text password in its userlist", haproxy, true},
		{"caddy basicauth (bcrypt 10, caches verified passwords) + reverse_proxy", caddy, true},
		{"esauth gateway, cached user", es.url, true},
	}
	if err := checkAnswer(ctx, http.MethodGet, es.url+"/logs-*/_search", "", searchAnswer); err != nil {
		return err
	}
	auth := "Authorization: " + basic(benchUser, benchPassword)
	headers := func(p gatewayPeer) []string {
		if p.auth {
			return []string{auth}
		}
		return nil
	}
	if err := gatewaySearch(ctx, b, peers, headers); err != nil {
		return err
	}
	if err := gatewaySmallBulk(ctx, b, peers, headers); err != nil {
		return err
	}
	if err := gatewayLargeBulk(ctx, b, es, up, auth); err != nil {
		return err
	}
	if err := gatewayPaced(ctx, b, peers, headers); err != nil {
		return err
	}
	b.note("Gateway: the machine's 1-minute load average was %s before the section and %s after it "+
		"(other work on the machine shows as noise, in the p99s first).", loadBefore, loadAverage())
	b.note("Gateway: the upstream and every proxy share the cores with the load generators; every proxy keeps its upstream connections alive.")
	b.note("Gateway 5 MB bulk: the upstream reads and drops the body (nginx, no indexing), so that ratio sets esauth's reading and " +
		"authorizing of every item against a bare copy over loopback; a cluster indexing the same bulk takes far longer than either.")
	b.note("Gateway latency: wrk cannot pace and wrk2 is not in Debian, so bench/paced.go sends at a fixed rate, open loop, and counts each latency from the request's scheduled time (no coordinated omission); its own lateness is reported beside the p99s.")
	return nil
}

// gatewaySearch measures GET searches through each peer, and esauth's
// search with a wildcard (expanded against the cached metadata).
func gatewaySearch(ctx context.Context, b *bench, peers []gatewayPeer, headers func(gatewayPeer) []string) error {
	const sec = "Gateway: GET /logs-1/_search through each proxy (requests/s, wrk -t2 -c32)"
	es := peers[esauthPeer]
	urls := make([]string, 0, len(peers)+1)
	for _, p := range peers {
		urls = append(urls, p.url+searchPath)
	}
	urls = append(urls, es.url+"/logs-*/_search")
	runs := make([][]float64, len(urls))
	for range b.opt.runs {
		for i, u := range urls {
			p := peers[min(i, len(peers)-1)]
			rps, err := okRPS(ctx, load{threads: 2, conns: 32, duration: b.opt.duration, headers: headers(p)}, u)
			if err != nil {
				return err
			}
			runs[i] = append(runs[i], rps)
		}
	}
	figs := make([]*figure, len(urls))
	for i := range urls {
		name := peers[min(i, len(peers)-1)].name
		if i == len(peers) {
			name = "esauth gateway, GET /logs-*/_search (wildcard narrowed to the user's indices)"
		}
		figs[i] = b.add(sec, name, "req/s", runs[i]).ratio(figs[0])
	}
	goProxy, nginx, caddy, esauth, wildcard := figs[goProxyPeer], figs[nginxPeer], figs[caddyPeer], figs[esauthPeer], figs[len(peers)]
	b.maxRate["gateway"] = esauth.Median
	b.atLeast("gateway search: esauth / caddy", esauth.Median/caddy.Median, 1.3, "×").Section = sec
	b.atLeast("gateway search: esauth / bare Go proxy", esauth.Median/goProxy.Median, 1.3, "×").Section = sec
	b.atLeast("gateway search: esauth / nginx proxy_pass (stretch)", esauth.Median/nginx.Median, 0.5, "×").Section = sec
	b.atLeast("gateway search: esauth wildcard / explicit index", wildcard.Median/esauth.Median, 0.9, "×").Section = sec
	return nil
}

// gatewaySmallBulk posts a 5 KB bulk through each peer: esauth reads
// and authorizes it item by item, the others forward it unread.
func gatewaySmallBulk(ctx context.Context, b *bench, peers []gatewayPeer, headers func(gatewayPeer) []string) error {
	body, items := bulkBody(5 << 10)
	script, err := b.bodyScript("bulk-5k", body)
	if err != nil {
		return err
	}
	sec := fmt.Sprintf("Gateway: POST /_bulk, 5 KB of NDJSON (%d index items on logs-1) (requests/s, wrk -t2 -c32)", items)
	if err := checkAnswer(ctx, http.MethodPost, peers[esauthPeer].url+"/_bulk", body, bulkAnswer); err != nil {
		return err // esauth answered items itself: it denied some
	}
	// caddy first: the section's baseline.
	order := []int{caddyPeer, goProxyPeer, upstreamPeer, nginxPeer, haproxyPeer, esauthPeer}
	runs := make([][]float64, len(order))
	for range b.opt.runs {
		for i, pi := range order {
			p := peers[pi]
			rps, err := okRPS(ctx, load{threads: 2, conns: 32, duration: b.opt.duration, headers: headers(p), script: script}, p.url+"/_bulk")
			if err != nil {
				return err
			}
			runs[i] = append(runs[i], rps)
		}
	}
	figs := make([]*figure, len(order))
	for i, pi := range order {
		figs[i] = b.add(sec, peers[pi].name, "req/s", runs[i]).ratio(figs[0])
	}
	caddy, esauth := figs[0], figs[len(figs)-1]
	b.atLeast("gateway 5 KB bulk: esauth / caddy", esauth.Median/caddy.Median, 1.0, "×").Section = sec
	return nil
}

// gatewayLargeBulk posts a 5 MB bulk to esauth and straight to the
// upstream, and samples esauth's resident memory meanwhile: esauth holds
// a bulk until it has read all of it.
func gatewayLargeBulk(ctx context.Context, b *bench, es *node, up, auth string) error {
	const conns = 4
	body, items := bulkBody(5 << 20)
	script, err := b.bodyScript("bulk-5m", body)
	if err != nil {
		return err
	}
	sec := fmt.Sprintf("Gateway: POST /_bulk, 5 MB of NDJSON (%d index items) (requests/s, wrk -t2 -c%d)", items, conns)
	before, err := es.memory()
	if err != nil {
		return err
	}
	var direct, through, peak []float64
	for range b.opt.runs {
		rps, err := okRPS(ctx, load{threads: 2, conns: conns, duration: b.opt.duration, script: script}, up+"/_bulk")
		if err != nil {
			return err
		}
		direct = append(direct, rps)
		var rss float64
		rps, err = whileSampling(es.proc, &rss, func() (float64, error) {
			return okRPS(ctx, load{threads: 2, conns: conns, duration: b.opt.duration, headers: []string{auth}, script: script}, es.url+"/_bulk")
		})
		if err != nil {
			return err
		}
		through = append(through, rps)
		peak = append(peak, rss)
	}
	d := b.add(sec, "upstream directly", "req/s", direct)
	e := b.add(sec, "esauth gateway, cached user", "req/s", through).ratio(d)
	b.add(sec, "esauth RSS before the 5 MB bulks", "MiB", []float64{before.rss})
	b.add(sec, fmt.Sprintf("esauth peak RSS during the 5 MB bulks (%d in flight)", conns), "MiB", peak)
	b.atMost("gateway 5 MB bulk: time per request through esauth / directly", d.Median/e.Median, 1.2, "×").Section = sec
	return nil
}

// whileSampling runs fn while it samples p's resident memory every 10 ms,
// and stores the highest in peak (MiB).
func whileSampling(p *proc, peak *float64, fn func() (float64, error)) (float64, error) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if m, err := p.memory(); err == nil {
				*peak = max(*peak, m.rss)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	v, err := fn()
	close(stop)
	wg.Wait()
	return v, err
}

// gatewayPaced measures latency at a fixed 1,000 requests per second.
func gatewayPaced(ctx context.Context, b *bench, peers []gatewayPeer, headers func(gatewayPeer) []string) error {
	const rate, conns = 1000, 16
	p99sec := fmt.Sprintf("Gateway: p99 latency of GET /logs-1/_search at a paced %d req/s (ms, open loop, %d connections)", rate, conns)
	p50sec := fmt.Sprintf("Gateway: p50 latency of GET /logs-1/_search at a paced %d req/s (ms, open loop, %d connections)", rate, conns)
	// nginx proxy_pass first: the sections' baseline.
	order := []int{nginxPeer, upstreamPeer, haproxyPeer, goProxyPeer, caddyPeer, esauthPeer}
	p50, p99 := make([][]float64, len(order)), make([][]float64, len(order))
	var late []float64
	for range b.opt.runs {
		for i, pi := range order {
			p := peers[pi]
			r, err := runPaced(ctx, pacedLoad{rate: rate, conns: conns, warmup: time.Second, duration: b.opt.duration, headers: headers(p)}, p.url+searchPath)
			if err != nil {
				return err
			}
			p50[i] = append(p50[i], ms(r.p50))
			p99[i] = append(p99[i], ms(r.p99))
			late = append(late, ms(r.late99))
		}
	}
	f99, f50 := make([]*figure, len(order)), make([]*figure, len(order))
	for i, pi := range order {
		f99[i] = b.add(p99sec, peers[pi].name, "ms", p99[i]).ratio(f99[0])
	}
	b.add(p99sec, "the load generator's own lateness (p99, every run), a floor under every p99", "ms", late)
	for i, pi := range order {
		f50[i] = b.add(p50sec, peers[pi].name, "ms", p50[i]).ratio(f50[0])
	}
	nginx, esauth := f99[0], f99[len(f99)-1]
	b.atMost("gateway p99 at 1,000 req/s: esauth / nginx proxy_pass", esauth.Median/nginx.Median, 1.0, "×").Section = p99sec
	return nil
}

// loadAverage is the machine's 1-minute load average.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(data) + " unknown")[0]
}

// bulkBody is NDJSON of index actions on logs-1 of about size bytes, and
// its number of items.
func bulkBody(size int) (string, int) {
	var s strings.Builder
	n := 0
	for s.Len() < size-200 {
		n++
		fmt.Fprintf(&s, `{"index":{"_index":"logs-1","_id":"%d"}}`+"\n", n)
		fmt.Fprintf(&s, `{"@timestamp":"2026-12-04T10:%02d:%02d.000Z","host":"web-%d","message":"GET /products/%d HTTP/1.1 200 5120","agent":"Mozilla/5.0 (X11; Linux x86_64)","bytes":5120,"took_ms":%d}`+"\n",
			n/60%60, n%60, n%16, n, n%97)
	}
	return s.String(), n
}

// checkAnswer sends one request as the bench user and insists on the
// answer want: a wrong answer measured fast would mislead.
func checkAnswer(ctx context.Context, method, url, body, want string) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", basic(benchUser, benchPassword))
	if body != "" {
		req.Header.Set("Content-Type", "application/x-ndjson")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || string(got) != want {
		return fmt.Errorf("%s %s: %d %s, want the upstream's %s", method, url, resp.StatusCode, got, want)
	}
	return nil
}

// bodyScript writes body to a file and a wrk script that posts it as
// NDJSON.
func (b *bench) bodyScript(name, body string) (string, error) {
	path := filepath.Join(b.tmp, name+".ndjson")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		return "", err
	}
	return b.writeScript(name, fmt.Sprintf(`local f = assert(io.open(%q, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/x-ndjson"
`, path))
}

// startUpstream runs the nginx that stands for the cluster. It reads a
// bulk's whole body before it answers, as a cluster does: a mirror
// subrequest with the body makes nginx read it first (return alone
// answers at once and drops the body, which wrk cannot follow), and
// POST to the static handler fails over to the fixed answer.
func (b *bench) startUpstream(ctx context.Context) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	server := fmt.Sprintf(`	server {
		listen 127.0.0.1:%d;
		add_header X-Elastic-Product Elasticsearch always;
		location ~ /_search$ { return 200 '%s'; }
		location /_resolve/index/ { return 200 '%s'; }
		location ~ /_bulk$ {
			client_body_buffer_size 8m;
			mirror /_read_body;
			mirror_request_body on;
			log_not_found off;
			error_page 404 405 =200 @bulk;
		}
		location @bulk { return 200 '%s'; }
		location = /_read_body { internal; return 204; }
		location / { return 200 '%s'; }
	}
`, port, searchAnswer, resolveAnswer, bulkAnswer, rootAnswer)
	return url, b.runNginx(ctx, "nginx-upstream", server, url+searchPath)
}

// startNginxProxy runs nginx proxy_pass to the upstream, without
// authentication: the ceiling for a proxy.
func (b *bench) startNginxProxy(ctx context.Context, up string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	server := fmt.Sprintf(`	upstream cluster {
		server %s;
		keepalive 64;
		keepalive_requests 1000000;
	}
	server {
		listen 127.0.0.1:%d;
		location / {
			proxy_pass http://cluster;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
		}
	}
`, strings.TrimPrefix(up, "http://"), port)
	return url, b.runNginx(ctx, "nginx-proxy", server, url+searchPath)
}

// runNginx runs an nginx whose http block holds servers, and waits until
// probe answers 200.
func (b *bench) runNginx(ctx context.Context, name, servers, probe string) error {
	conf := fmt.Sprintf(`worker_processes auto;
daemon off;
pid %[1]s/%[2]s.pid;
error_log %[1]s/%[2]s-error.log;
events { worker_connections 4096; }
http {
	access_log off;
	default_type application/json;
	client_max_body_size 0;
	client_body_buffer_size 64k;
	keepalive_requests 1000000;
	client_body_temp_path %[1]s;
	proxy_temp_path %[1]s;
	fastcgi_temp_path %[1]s;
	uwsgi_temp_path %[1]s;
	scgi_temp_path %[1]s;
%[3]s}
`, b.tmp, name, servers)
	path := filepath.Join(b.tmp, name+".conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return err
	}
	p, err := start(name, b.tmp, nil, "nginx", "-c", path, "-p", b.tmp)
	if err != nil {
		return err
	}
	return waitHTTP(ctx, p, probe, "", http.StatusOK, 30*time.Second)
}

// benchUserHash is the bench user's bcrypt hash as Go's bcrypt and caddy
// write it ($2a$, where htpasswd writes $2y$).
func benchUserHash(ctx context.Context) (string, error) {
	line, err := htpasswdLine(ctx)
	if err != nil {
		return "", err
	}
	_, hash, _ := strings.Cut(line, ":")
	return strings.Replace(hash, "$2y$", "$2a$", 1), nil
}

// startGoProxy runs bench/gwproxy: httputil.ReverseProxy with a cached
// Basic check, the ceiling for a Go gateway on net/http's client.
func (b *bench) startGoProxy(ctx context.Context, up, hash string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p, err := start("gwproxy", b.tmp, nil, filepath.Join(b.tmp, "gwproxy"),
		"-addr", addr, "-upstream", up, "-user", benchUser, "-hash", hash)
	if err != nil {
		return "", err
	}
	url := "http://" + addr
	return url, waitHTTP(ctx, p, url+searchPath, basic(benchUser, benchPassword), http.StatusOK, 30*time.Second)
}

// startHAProxy runs HAProxy with http_auth against a userlist. Its
// password is in plain text: HAProxy checks a hashed one with crypt(3)
// on every request, without a cache (bcrypt 10 would allow ~30 req/s).
func (b *bench) startHAProxy(ctx context.Context, up string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	conf := fmt.Sprintf(`global
	nbthread 2
	maxconn 4096
defaults
	mode http
	timeout connect 5s
	timeout client 60s
	timeout server 60s
	option http-keep-alive
	http-reuse always
userlist benchusers
	user %s insecure-password %s
frontend gateway
	bind 127.0.0.1:%d
	http-request auth realm bench unless { http_auth(benchusers) }
	default_backend cluster
backend cluster
	server upstream %s
`, benchUser, benchPassword, port, strings.TrimPrefix(up, "http://"))
	path := filepath.Join(b.tmp, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return "", err
	}
	p, err := start("haproxy", b.tmp, nil, "haproxy", "-db", "-f", path)
	if err != nil {
		return "", err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitHTTP(ctx, p, url+searchPath, "", http.StatusUnauthorized, 30*time.Second); err != nil {
		return "", err
	}
	return url, waitHTTP(ctx, p, url+searchPath, basic(benchUser, benchPassword), http.StatusOK, 30*time.Second)
}

// startCaddyProxy runs caddy basicauth (bcrypt 10; the Caddyfile's
// basicauth keeps a cache of verified passwords) in front of
// reverse_proxy, which streams request bodies unread.
func (b *bench) startCaddyProxy(ctx context.Context, up, hash string) (string, error) {
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
	basicauth {
		%s %s
	}
	reverse_proxy %s {
		transport http {
			keepalive 2m
			keepalive_idle_conns_per_host 64
		}
	}
}
`, port, benchUser, hash, strings.TrimPrefix(up, "http://"))
	path := filepath.Join(b.tmp, "Caddyfile-gateway")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return "", err
	}
	p, err := start("caddy-gateway", b.tmp, []string{"HOME=" + b.tmp, "XDG_DATA_HOME=" + b.tmp, "XDG_CONFIG_HOME=" + b.tmp},
		"caddy", "run", "--config", path, "--adapter", "caddyfile")
	if err != nil {
		return "", err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	return url, waitHTTP(ctx, p, url+searchPath, basic(benchUser, benchPassword), http.StatusOK, 30*time.Second)
}

// startGateway runs esauth as the upstream's gateway with the bench user,
// whose role reads and indexes logs-*, and warms the user's cache entry.
func (b *bench) startGateway(ctx context.Context, up string) (*node, error) {
	return b.startGatewayEnv(ctx, "esauth", "esauth-gateway", up, nil)
}

// startGatewayEnv is startGateway with another build of esauth (binary,
// in the run's directory), its own name and extra environment variables.
func (b *bench) startGatewayEnv(ctx context.Context, binary, name, up string, env []string) (*node, error) {
	es, err := b.startEsauthEnv(ctx, binary, name, filepath.Join(b.tmp, name+"-data"), env,
		"esauth.gateway.upstream="+up, "xpack.security.authc.password_hashing.algorithm=bcrypt4")
	if err != nil {
		return nil, err
	}
	if err := es.mustCall(ctx, http.MethodPut, "/_security/role/logs-writer",
		`{"indices":[{"names":["logs-*"],"privileges":["read","index"]}]}`); err != nil {
		return nil, err
	}
	if err := es.mustCall(ctx, http.MethodPut, "/_security/user/"+benchUser,
		fmt.Sprintf(`{"password":%q,"roles":["logs-writer"]}`, benchPassword)); err != nil {
		return nil, err
	}
	return es, waitHTTP(ctx, es.proc, es.url+searchPath, basic(benchUser, benchPassword), http.StatusOK, 30*time.Second)
}
