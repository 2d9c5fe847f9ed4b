package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	es8 "github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types"
	es9 "github.com/elastic/go-elasticsearch/v9"
	types9 "github.com/elastic/go-elasticsearch/v9/typedapi/types"
	"github.com/elastic/go-elasticsearch/v9/typedapi/types/enums/operationtype"

	"github.com/esauth/esauth/internal/fakecluster"
)

// startGateway runs the built binary in front of a fake cluster (no
// Elasticsearch or OpenSearch can be installed here) holding logs-1,
// logs-2 and payroll, and creates the user "logger": read and index on
// logs-*, nothing else.
func startGateway(t *testing.T) (gw *server, fc *fakecluster.Cluster, adminPW, loggerPW string) {
	t.Helper()
	fc = fakecluster.Start()
	t.Cleanup(fc.Close)
	for _, n := range []string{"logs-1", "logs-2", "payroll"} {
		fc.CreateIndex(n, fakecluster.IndexOpts{})
		fc.Put(n, "1", map[string]any{"msg": "first of " + n})
	}
	adminPW, loggerPW = newPassword("elastic"), newPassword("logger")
	gw = startServer(t, options{password: adminPW, args: []string{"-E", "esauth.gateway.upstream=" + fc.URL()}})
	admin, err := es8.NewClient(es8.Config{Addresses: []string{gw.url}, Username: "elastic", Password: adminPW})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := admin.Security.PutRole("logs_rw", strings.NewReader(`{"indices":[{"names":["logs-*"],"privileges":["read","index"]}]}`),
		admin.Security.PutRole.WithContext(ctx))
	decodeESAPI(t, "SecurityPutRole", res, err, http.StatusOK, nil)
	res, err = admin.Security.PutUser("logger", strings.NewReader(`{"password":"`+loggerPW+`","roles":["logs_rw"]}`),
		admin.Security.PutUser.WithContext(ctx))
	decodeESAPI(t, "SecurityPutUser", res, err, http.StatusOK, nil)
	return gw, fc, adminPW, loggerPW
}

// TestGatewayWithTheGoClient drives the gateway as an application would,
// with Elastic's official Go client (v8): what the roles allow reaches
// the cluster and answers as Elasticsearch would, what they do not is a
// 403 the client reports as Elasticsearch's error, item by item inside
// _bulk, _mget and _msearch.
func TestGatewayWithTheGoClient(t *testing.T) {
	t.Parallel()
	gw, fc, _, loggerPW := startGateway(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	es, err := es8.NewClient(es8.Config{Addresses: []string{gw.url}, Username: "logger", Password: loggerPW})
	if err != nil {
		t.Fatal(err)
	}

	// GET / is the cluster's, and needs the monitor privilege logger lacks.
	res, err := es.Info(es.Info.WithContext(ctx))
	refusal(t, "Info", res, err, nil)

	res, err = es.Index("logs-1", strings.NewReader(`{"msg":"from go"}`), es.Index.WithDocumentID("go-1"), es.Index.WithContext(ctx))
	decodeESAPI(t, "Index", res, err, http.StatusCreated, nil)
	if doc, ok := fc.Doc("logs-1", "go-1"); !ok || doc["msg"] != "from go" {
		t.Errorf("the cluster holds %v", doc)
	}
	res, err = es.Index("payroll", strings.NewReader(`{"msg":"no"}`), es.Index.WithDocumentID("go-2"), es.Index.WithContext(ctx))
	var refused struct {
		Error struct{ Type, Reason string }
	}
	refusal(t, "Index payroll", res, err, &refused)
	if refused.Error.Type != "security_exception" || !strings.Contains(refused.Error.Reason, "on indices [payroll]") {
		t.Errorf("index into payroll: %+v", refused)
	}

	// A wildcard search sees only what the roles allow.
	res, err = es.Search(es.Search.WithIndex("*"), es.Search.WithContext(ctx))
	var found struct {
		Hits struct {
			Hits []struct {
				Index string `json:"_index"`
			}
		}
	}
	decodeESAPI(t, "Search *", res, err, http.StatusOK, &found)
	var seen []string
	for _, h := range found.Hits.Hits {
		seen = append(seen, h.Index)
	}
	slices.Sort(seen)
	seen = slices.Compact(seen)
	if !slices.Equal(seen, []string{"logs-1", "logs-2"}) {
		t.Errorf("a search of * saw %v", seen)
	}

	// A bulk with a denied item: the allowed one runs, the denied one is
	// answered in its place.
	res, err = es.Bulk(strings.NewReader("{\"index\":{\"_index\":\"logs-2\",\"_id\":\"b1\"}}\n{\"n\":1}\n{\"index\":{\"_index\":\"payroll\",\"_id\":\"b2\"}}\n{\"n\":2}\n"),
		es.Bulk.WithContext(ctx))
	var bulk struct {
		Errors bool
		Items  []map[string]struct {
			Index  string `json:"_index"`
			Status int
			Error  *struct{ Type string }
		}
	}
	decodeESAPI(t, "Bulk", res, err, http.StatusOK, &bulk)
	if !bulk.Errors || len(bulk.Items) != 2 || bulk.Items[0]["index"].Error != nil || bulk.Items[1]["index"].Status != 403 {
		t.Errorf("bulk: %+v", bulk)
	}
	if _, ok := fc.Doc("payroll", "b2"); ok {
		t.Error("the denied bulk item was written")
	}

	res, err = es.Mget(strings.NewReader(`{"docs":[{"_index":"logs-2","_id":"b1"},{"_index":"payroll","_id":"1"}]}`), es.Mget.WithContext(ctx))
	var mget struct {
		Docs []struct {
			Found bool
			Error *struct{ Type string }
		}
	}
	decodeESAPI(t, "Mget", res, err, http.StatusOK, &mget)
	if len(mget.Docs) != 2 || !mget.Docs[0].Found || mget.Docs[1].Error == nil || mget.Docs[1].Error.Type != "security_exception" {
		t.Errorf("mget: %+v", mget)
	}

	res, err = es.Msearch(strings.NewReader("{\"index\":\"payroll\"}\n{}\n{\"index\":\"logs-*\"}\n{}\n"), es.Msearch.WithContext(ctx))
	var msearch struct {
		Responses []struct {
			Status int
			Error  *struct{ Type string }
		}
	}
	decodeESAPI(t, "Msearch", res, err, http.StatusOK, &msearch)
	if len(msearch.Responses) != 2 || msearch.Responses[0].Status != 403 || msearch.Responses[1].Status != 200 {
		t.Errorf("msearch: %+v", msearch)
	}

	// A scroll belongs to the user who opened it.
	res, err = es.Search(es.Search.WithIndex("logs-*"), es.Search.WithScroll(time.Minute), es.Search.WithSize(1), es.Search.WithContext(ctx))
	var page struct {
		ScrollID string `json:"_scroll_id"`
	}
	decodeESAPI(t, "Search with scroll", res, err, http.StatusOK, &page)
	res, err = es.Scroll(es.Scroll.WithScrollID(page.ScrollID), es.Scroll.WithScroll(time.Minute), es.Scroll.WithContext(ctx))
	decodeESAPI(t, "Scroll", res, err, http.StatusOK, nil)

	// The caller's credentials never reach the cluster.
	for _, r := range fc.Requests() {
		if r.Header.Get("Authorization") != "" {
			t.Errorf("%s %s reached the cluster with the caller's Authorization", r.Method, r.Path)
		}
	}
}

// TestGatewayWithTheTypedClient checks that a refusal reaches the typed
// client as *types.ElasticsearchError, as Elasticsearch's own would.
func TestGatewayWithTheTypedClient(t *testing.T) {
	t.Parallel()
	gw, _, _, loggerPW := startGateway(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	es, err := es8.NewTypedClient(es8.Config{Addresses: []string{gw.url}, Username: "logger", Password: loggerPW})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := es.Get("logs-1", "1").Do(ctx); err != nil {
		t.Errorf("get logs-1/1: %v", err)
	}
	_, err = es.Get("payroll", "1").Do(ctx)
	var ee *types.ElasticsearchError
	if !errors.As(err, &ee) || ee.Status != 403 || ee.ErrorCause.Type != "security_exception" {
		t.Errorf("get payroll/1: %v", err)
	}
	r, err := es.Count().Index("logs-*").Do(ctx)
	if err != nil || r.Count != 2 {
		t.Errorf("count logs-*: %+v %v", r, err)
	}
}

// refusal checks a 403 and decodes it; Elasticsearch sends security
// failures without X-Elastic-Product, so decodeESAPI does not apply.
func refusal(t *testing.T, call string, res *esapi.Response, err error, into any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("%s: %d %s %v, want 403", call, res.StatusCode, b, err)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("%s: decoding %s: %v", call, b, err)
		}
	}
}

// TestGatewayWithTheV9Client drives the gateway with go-elasticsearch v9's
// typed client: a write, a narrowed wildcard search, a bulk with a denied
// item, an mget, and a refusal as *types.ElasticsearchError.
func TestGatewayWithTheV9Client(t *testing.T) {
	t.Parallel()
	gw, fc, _, loggerPW := startGateway(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	es, err := es9.NewTyped(es9.WithAddresses(gw.url), es9.WithBasicAuth("logger", loggerPW))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := es.Index("logs-2").Id("v9-1").Document(map[string]any{"msg": "from v9"}).Do(ctx); err != nil {
		t.Fatalf("index: %v", err)
	}
	if doc, _ := fc.Doc("logs-2", "v9-1"); doc["msg"] != "from v9" {
		t.Errorf("the cluster holds %v", doc)
	}
	res, err := es.Search().Index("*").Do(ctx)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	for _, h := range res.Hits.Hits {
		if h.Index_ != "logs-1" && h.Index_ != "logs-2" {
			t.Errorf("a search of * saw %s", h.Index_)
		}
	}
	bulk, err := es.Bulk().Raw(strings.NewReader("{\"index\":{\"_index\":\"logs-1\",\"_id\":\"v9b\"}}\n{}\n{\"delete\":{\"_index\":\"payroll\",\"_id\":\"1\"}}\n")).Do(ctx)
	if err != nil {
		t.Fatalf("bulk: %v", err)
	}
	if !bulk.Errors || len(bulk.Items) != 2 || bulk.Items[1][operationtype.Delete].Status != 403 {
		t.Errorf("bulk: %+v", bulk)
	}
	mget, err := es.Mget().Raw(strings.NewReader(`{"docs":[{"_index":"logs-1","_id":"v9b"},{"_index":"payroll","_id":"1"}]}`)).Do(ctx)
	if err != nil || len(mget.Docs) != 2 {
		t.Fatalf("mget: %+v %v", mget, err)
	}
	if _, denied := mget.Docs[1].(*types9.MultiGetError); !denied {
		t.Errorf("mget's payroll doc: %T %+v", mget.Docs[1], mget.Docs[1])
	}
	_, err = es.Get("payroll", "1").Do(ctx)
	var ee *types9.ElasticsearchError
	if !errors.As(err, &ee) || ee.Status != 403 {
		t.Errorf("get payroll/1: %v", err)
	}
}
