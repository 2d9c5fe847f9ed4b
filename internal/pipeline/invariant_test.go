package pipeline_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/server/servertest"
)

// ranLog records which routes prepared and which ran.
type ranLog struct {
	mu  sync.Mutex
	got map[string]bool
}

func (l *ranLog) add(what string) {
	l.mu.Lock()
	l.got[what] = true
	l.mu.Unlock()
}

func (l *ranLog) take() map[string]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	got := l.got
	l.got = map[string]bool{}
	return got
}

// observe wraps every route so the test sees which ones prepared and ran.
func (l *ranLog) observe(routes []pipeline.Route) []pipeline.Route {
	for i := range routes {
		name := routes[i].Method + " " + routes[i].Path
		prepare := routes[i].Prepare
		routes[i].Prepare = func(c *pipeline.Call) (pipeline.Prepared, error) {
			l.add("prepare " + name)
			p, err := prepare(c)
			if run := p.Run; run != nil {
				p.Run = func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
					l.add("run " + name)
					return run(ctx, d)
				}
			}
			return p, err
		}
	}
	return routes
}

// bodies are valid request bodies, by the last literal segment of a
// route, so that refusals come from authorization, not from parsing.
var bodies = map[string]string{
	"{username}":      `{"password":"new-password","roles":[]}`,
	"_password":       `{"password":"new-password"}`,
	"{name}":          `{"cluster":["monitor"]}`,
	"_has_privileges": `{"cluster":["monitor"]}`,
	"user":            `{"query":{"match_all":{}}}`,
	"api_key":         `{"name":"k"}`,
	"_bulk_update":    `{"ids":["x"]}`,
	"grant":           `{"grant_type":"password","username":"nopriv","password":"nopriv-secret","api_key":{"name":"k"}}`,
	"_activate":       `{"grant_type":"password","username":"nopriv","password":"nopriv-secret"}`,
	"_data":           `{"data":{"app":{}}}`,
	"_check":          `{"password":"candidate-password"}`,
	// By whole path where the last segment is ambiguous.
	"/_security/profile/_has_privileges": `{"uids":["x"],"privileges":{"cluster":["monitor"]}}`,
	"/_security/_query/api_key":          `{"query":{"match_all":{}},"aggs":{"n":{"terms":{"field":"name"}}}}`,
	"/_security/_query/role":             `{"query":{"match_all":{}}}`,
	"/_security/privilege":               `{"myapp":{"p":{"actions":["a:b"]}}}`,
	// The token routes: a valid request to get one (validated before it is
	// authorized) and one to invalidate.
	"POST /_security/oauth2/token":   `{"grant_type":"refresh_token","refresh_token":"x"}`,
	"DELETE /_security/oauth2/token": `{"refresh_token":"x"}`,
	// Cross-cluster API keys: create and update.
	"/_security/cross_cluster/api_key":      `{"name":"k","access":{"search":[{"names":["a"]}]}}`,
	"/_security/cross_cluster/api_key/{id}": `{"metadata":{}}`,
}

func basic(userPassword string) string { return "Basic " + servertest.B64(userPassword) }

// TestNoRouteRunsUnauthorized walks every route the node serves and
// proves that (1) without credentials and (2) with wrong ones (a password
// or an API key) no route even prepares, and (3) a user or an API key
// without privileges runs none but those Elasticsearch lets every user
// run on themselves.
func TestNoRouteRunsUnauthorized(t *testing.T) {
	l := &ranLog{got: map[string]bool{}}
	var routes []pipeline.Route
	s := servertest.StartWith(t, servertest.Options{
		// Lockout would turn the many wrong passwords into 429s.
		Settings: []string{"esauth.security.lockout.enabled=false"},
		Routes: func(rs []pipeline.Route) []pipeline.Route {
			routes = l.observe(rs)
			return routes
		},
	})
	s.MustCall(t, 200, "PUT", "/_security/user/nopriv", servertest.Admin, `{"password":"nopriv-secret","roles":[]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/other", servertest.Admin, `{"password":"other-secret","roles":[]}`)
	// elastic's key, which asked for no privileges and so has none.
	var key struct{ ID, Encoded string }
	if err := json.Unmarshal([]byte(s.MustCall(t, 200, "POST", "/_security/api_key", servertest.Admin,
		`{"name":"nothing","role_descriptors":{"none":{}}}`)), &key); err != nil {
		t.Fatal(err)
	}
	l.take()
	if len(routes) < 50 {
		t.Fatalf("only %d routes", len(routes))
	}
	// What Elasticsearch lets every user do to themselves.
	selfAllowed := map[string]bool{
		"GET /_security/_authenticate": true, "GET /_xpack/security/_authenticate": true,
		"GET /_security/user/_privileges": true, "GET /_xpack/security/user/_privileges": true,
		// esauth's password dry-run check (authz.ActionCheckPassword).
		"POST /_security/_esauth/password/_check": true,
	}
	// restore puts nopriv's password back after it changed it itself.
	restore := func(path string) {
		if strings.HasSuffix(path, "_password") {
			s.MustCall(t, 200, "PUT", "/_security/user/nopriv/_password", servertest.Admin, `{"password":"nopriv-secret"}`)
			l.take()
		}
	}
	for _, rt := range routes {
		name := rt.Method + " " + rt.Path
		segs := strings.Split(rt.Path, "/")
		body := ""
		if rt.Body == rest.BodyBuffered {
			if body = bodies[rt.Method+" "+rt.Path]; body == "" {
				body = bodies[rt.Path]
			}
			if body == "" {
				body = bodies[segs[len(segs)-1]]
			}
		}
		path := strings.NewReplacer("{username}", "other", "{name}", "ops", "{realms}", "_all", "{kind}", "user", "{ids}", "x", "{uid}", "u_x_0").Replace(rt.Path)
		selfPath := strings.Replace(path, "/other", "/nopriv", 1)
		for _, c := range []struct {
			who, header, path string
			status            int
			mayPrepare, key   bool
		}{
			{"no credentials", "", path, 401, false, false},
			{"wrong credentials", basic("nopriv:wrong-password"), path, 401, false, false},
			{"no privileges", basic("nopriv:nopriv-secret"), path, 403, true, false},
			{"a wrong API key", "ApiKey " + servertest.B64(key.ID+":not-the-secret"), path, 401, false, true},
			{"an API key without privileges", "ApiKey " + key.Encoded, path, 403, true, true},
		} {
			req, _ := http.NewRequest(rt.Method, s.URL+c.path, strings.NewReader(body))
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			r := s.Do(t, req)
			got := l.take()
			// A key changes no password: only realms that keep one may.
			allowed := c.mayPrepare && (selfAllowed[name] || strings.HasSuffix(rt.Path, "/user/_has_privileges") ||
				strings.HasSuffix(rt.Path, "/user/_password") && !c.key)
			if allowed {
				if !got["run "+name] {
					t.Errorf("%s with %s: %d %s; the caller's own request did not run", name, c.who, r.Status, r.Body)
				}
				restore(rt.Path)
				continue
			}
			if r.Status != c.status {
				t.Errorf("%s with %s: status %d %s, want %d", name, c.who, r.Status, r.Body, c.status)
			}
			if got["run "+name] || (!c.mayPrepare && got["prepare "+name]) {
				t.Errorf("%s with %s: the route ran (%v)", name, c.who, got)
			}
		}
		// The caller's own password and privileges on the {username} routes.
		if strings.Contains(rt.Path, "{username}/_password") || strings.Contains(rt.Path, "{username}/_has_privileges") {
			req, _ := http.NewRequest(rt.Method, s.URL+selfPath, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Basic "+servertest.B64("nopriv:nopriv-secret"))
			if r := s.Do(t, req); !l.take()["run "+name] {
				t.Errorf("%s on oneself: %d %s; it did not run", name, r.Status, r.Body)
			}
			restore(rt.Path)
		}
	}
}
