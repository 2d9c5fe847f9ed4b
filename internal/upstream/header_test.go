package upstream

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// recordingServer keeps the headers and request URI of the last request.
type recordingServer struct {
	*httptest.Server
	header chan http.Header
	uri    chan string
}

func newRecordingServer(t *testing.T, respond func(w http.ResponseWriter, r *http.Request)) *recordingServer {
	t.Helper()
	rs := &recordingServer{header: make(chan http.Header, 1), uri: make(chan string, 1)}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.header <- r.Header.Clone()
		rs.uri <- r.RequestURI
		if respond != nil {
			respond(w, r)
		}
	}))
	t.Cleanup(rs.Close)
	return rs
}

// callerHeader is what a careless gateway might hand to Do: the caller's
// credentials and every kind of hop-by-hop header.
func callerHeader() http.Header {
	return http.Header{
		"Authorization":              {"Basic Y2FsbGVyOnB3"},
		"Es-Security-Runas-User":     {"admin"},
		"Es-Secondary-Authorization": {"ApiKey c2Vjb25k"},
		"Connection":                 {"X-Hop-Req, keep-alive"},
		"X-Hop-Req":                  {"1"},
		"Keep-Alive":                 {"timeout=300"},
		"Proxy-Connection":           {"keep-alive"},
		"Proxy-Authorization":        {"Basic cHJveHk6cHc="},
		"Te":                         {"trailers"},
		"Trailer":                    {"X-Checksum"},
		"Upgrade":                    {"websocket"},
		"Expect":                     {"100-continue"},
		"X-Opaque-Id":                {"req-42"},
		"Traceparent":                {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
		"X-Elastic-Client-Meta":      {"es=9.5.2,go=1.26.8"},
		"User-Agent":                 {"go-elasticsearch/9.5.2"},
		"Content-Type":               {"application/json"},
	}
}

func TestRequestHeaders(t *testing.T) {
	dropped := []string{"Es-Security-Runas-User", "Es-Secondary-Authorization", "Connection", "X-Hop-Req", "Keep-Alive",
		"Proxy-Connection", "Proxy-Authorization", "Te", "Trailer", "Upgrade", "Expect"}
	kept := map[string]string{"X-Opaque-Id": "req-42", "Traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		"X-Elastic-Client-Meta": "es=9.5.2,go=1.26.8", "User-Agent": "go-elasticsearch/9.5.2", "Content-Type": "application/json"}

	for _, tt := range []struct {
		name, auth string
	}{
		{"configured credentials replace the caller's", "ApiKey Z2F0ZXdheQ=="},
		{"no credentials configured: none sent", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rs := newRecordingServer(t, nil)
			c, _ := newClient(t, Config{Auth: tt.auth}, rs.URL)
			in := callerHeader()
			resp, err := c.Do(testCtx(t), &Request{Method: http.MethodGet, Path: "/_search", Header: in})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := <-rs.header
			if v := got.Values("Authorization"); tt.auth == "" && len(v) != 0 || tt.auth != "" && !slices.Equal(v, []string{tt.auth}) {
				t.Errorf("Authorization %q, want %q", v, tt.auth)
			}
			for _, h := range dropped {
				if v, ok := got[h]; ok {
					t.Errorf("%s forwarded: %q", h, v)
				}
			}
			for h, want := range kept {
				if v := got.Values(h); !slices.Equal(v, []string{want}) {
					t.Errorf("%s: %q, want %q", h, v, want)
				}
			}
			// The caller's map is left alone.
			if in.Get("Authorization") != "Basic Y2FsbGVyOnB3" || in.Get("Connection") == "" {
				t.Errorf("caller's header modified: %v", in)
			}
		})
	}

	t.Run("no User-Agent added", func(t *testing.T) {
		rs := newRecordingServer(t, nil)
		c, _ := newClient(t, Config{}, rs.URL)
		resp, err := c.Do(testCtx(t), &Request{Path: "/"})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := <-rs.header; got.Get("User-Agent") != "" {
			t.Errorf("User-Agent %q", got.Get("User-Agent"))
		}
	})
}

func TestPathAndQueryForwardedVerbatim(t *testing.T) {
	rs := newRecordingServer(t, nil)
	c, _ := newClient(t, Config{}, rs.URL+"/es/")
	const path = "/logs%2A,a%2Fb/_doc/x%20y"
	resp, err := c.Do(testCtx(t), &Request{Method: http.MethodGet, Path: path, RawQuery: "routing=a%26b&pretty"})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	<-rs.header
	if got, want := <-rs.uri, "/es"+path+"?routing=a%26b&pretty"; got != want {
		t.Errorf("request URI %q, want %q", got, want)
	}
}

func TestResponseHeaders(t *testing.T) {
	rs := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Opaque-Id", r.Header.Get("X-Opaque-Id")) // as Elasticsearch echoes it
		h.Set("Connection", "X-Hop-Resp")
		h.Set("X-Hop-Resp", "1")
		h.Set("Keep-Alive", "timeout=5")
		h.Set("Proxy-Authenticate", `Basic realm="proxy"`)
		h.Set("Upgrade", "h2c")
		h.Set("Warning", `299 Elasticsearch-8.19.0 "deprecated"`)
		if r.URL.Path == "/es" {
			h.Set("X-elastic-product", "Elasticsearch")
		}
		w.Write([]byte("{}"))
	})
	c, _ := newClient(t, Config{}, rs.URL)
	g := front(t, c)

	for _, path := range []string{"/es", "/opensearch"} {
		resp, err := send(t, g, http.MethodGet, path, http.Header{"X-Opaque-Id": {"req-7"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		<-rs.header
		<-rs.uri
		h := resp.Header
		for _, name := range []string{"X-Hop-Resp", "Keep-Alive", "Proxy-Authenticate", "Upgrade"} {
			if v, ok := h[name]; ok {
				t.Errorf("%s: %s came back: %q", path, name, v)
			}
		}
		if v := h.Values("Connection"); len(v) > 0 && !slices.Equal(v, []string{"close"}) {
			t.Errorf("%s: Connection %q", path, v)
		}
		if got := h.Get("X-Opaque-Id"); got != "req-7" {
			t.Errorf("%s: X-Opaque-Id %q", path, got)
		}
		if got := h.Get("Warning"); got == "" {
			t.Errorf("%s: Warning lost", path)
		}
		// Added when missing (OpenSearch), never doubled.
		if got := h.Values("X-Elastic-Product"); !slices.Equal(got, []string{"Elasticsearch"}) {
			t.Errorf("%s: X-Elastic-Product %q", path, got)
		}
	}
}
