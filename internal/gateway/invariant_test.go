package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/fakecluster"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/server/servertest"
)

// Every data-plane route, sent no credentials, wrong credentials and a
// user without privileges, runs nothing and forwards nothing (the
// pipeline issue's invariant, over the gateway's routes).
func TestNoGatewayRouteRunsUnauthorized(t *testing.T) {
	fc := fakecluster.Start()
	t.Cleanup(fc.Close)
	fc.CreateIndex("logs-1", fakecluster.IndexOpts{})
	var mu sync.Mutex
	ran := map[string]bool{}
	var routes []pipeline.Route
	s := servertest.StartWith(t, servertest.Options{
		Settings: []string{"esauth.gateway.upstream=" + fc.URL(), "esauth.security.lockout.enabled=false"},
		Routes: func(rs []pipeline.Route) []pipeline.Route {
			for i := range rs {
				name := rs[i].Method + " " + rs[i].Path
				prepare := rs[i].Prepare
				rs[i].Prepare = func(c *pipeline.Call) (pipeline.Prepared, error) {
					p, err := prepare(c)
					if run := p.Run; run != nil {
						p.Run = func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
							mu.Lock()
							ran[name] = true
							mu.Unlock()
							return run(ctx, d)
						}
					}
					return p, err
				}
			}
			routes = rs
			return rs
		},
	})
	s.MustCall(t, 200, "PUT", "/_security/user/nopriv", servertest.Admin, `{"password":"nopriv-secret","roles":[]}`)
	fc.Reset()
	n := 0
	for _, rt := range routes {
		if strings.HasPrefix(rt.Path, "/_security") || strings.HasPrefix(rt.Path, "/_xpack/security") {
			continue
		}
		n++
		name := rt.Method + " " + rt.Path
		path := rt.Path
		for _, seg := range strings.Split(rt.Path, "/") {
			if strings.HasPrefix(seg, "{") {
				path = strings.Replace(path, seg, "logs-1", 1)
			}
		}
		body := `{}`
		if strings.Contains(rt.Path, "bulk") || strings.Contains(rt.Path, "msearch") {
			body = "{\"index\":{}}\n{}\n"
		}
		for _, auth := range []string{"", "nopriv:wrong", "nopriv:nopriv-secret"} {
			req, _ := http.NewRequest(rt.Method, s.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if auth != "" {
				req.Header.Set("Authorization", "Basic "+servertest.B64(auth))
			}
			r := s.Do(t, req)
			if r.Status < 400 {
				t.Errorf("%s with %q: %d %s", name, auth, r.Status, r.Body)
			}
			mu.Lock()
			if ran[name] {
				t.Errorf("%s with %q ran", name, auth)
			}
			mu.Unlock()
		}
	}
	if got := forwarded(fc); len(got) != 0 {
		t.Errorf("forwarded %d requests: %v", len(got), got[:min(5, len(got))])
	}
	if n < 500 {
		t.Errorf("only %d gateway routes walked", n)
	}
	t.Logf("%d gateway routes walked", n)
}
