package serviceaccount

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/store"
)

const fleetFile = "elastic/fleet-server/token1:" + esHash + "\n"

func refusedMsg(principal, name string) string {
	return "refused: failed to authenticate service account [" + principal + "] with token name [" + name + "]"
}

// TestAuthenticateFileToken is ServiceAccountIT.testAuthenticate and
// testAuthenticateShouldNotFallThroughInCaseOfFailure, with the hash
// Elasticsearch's own tests use.
func TestAuthenticateFileToken(t *testing.T) {
	f := newFixture(t, fleetFile)
	if got := f.auth(esValidToken); got != "file:elastic/fleet-server/token1" {
		t.Errorf("valid token: %s", got)
	}
	if got := f.auth(esInvalidToken); got != refusedMsg("elastic/fleet-server", "token1") {
		t.Errorf("wrong secret: %s", got)
	}
	f.checkNoSecrets(t, esSecret, esHash, esValidToken, esInvalidToken, "3aJCLaQWRN2sXlOdtxA0SQ")
}

func TestAuthenticateOutcomes(t *testing.T) {
	// The file also holds Elasticsearch's token under names of accounts
	// that do not exist: they never authenticate.
	f := newFixture(t, fleetFile+"elastic/fleet/token1:"+esHash+"\nfoo/fleet-server/token1:"+esHash+"\n")
	secret := "0123456789abcdef"
	for _, tt := range []struct{ name, bearer, want string }{
		{"another namespace", bearer("foo/fleet-server/token1:" + esSecret), refusedMsg("foo/fleet-server", "token1")},
		{"an unknown account", bearer("elastic/fleet/token1:" + esSecret), refusedMsg("elastic/fleet", "token1")},
		{"the 7.13 token", "AAEAAWVsYXN0aWMvZmxlZXQvdG9rZW4xOnI1d2RiZGJvUVNlOXZHT0t3YUpHQXc", refusedMsg("elastic/fleet", "token1")},
		{"an unknown token", bearer("elastic/fleet-server/token2:" + esSecret), refusedMsg("elastic/fleet-server", "token2")},
		{"a secret of 9 chars", bearer("elastic/fleet-server/token1:" + secret[:9]), refusedMsg("elastic/fleet-server", "token1")},
		{"a secret of 10 chars, wrong", bearer("elastic/fleet-server/token1:" + secret[:10]), refusedMsg("elastic/fleet-server", "token1")},
		{"an empty secret", bearer("elastic/fleet-server/token1:"), refusedMsg("elastic/fleet-server", "token1")},
		{"empty parts", bearer("//:" + secret), refusedMsg("/", "")},
		{"a name the API would refuse", bearer("elastic/kibana/_x y:" + secret), refusedMsg("elastic/kibana", "_x y")},
		{"an OAuth2 token", "dGhpcyBpcyBub3QgYSBzZXJ2aWNlIHRva2Vu", "not mine"},
		{"bad base64", "not-base64!", "not mine"},
		{"no colon", bearer("elastic/fleet-server/token1"), "not mine"},
		{"two parts", bearer("elastic/fleet-server:" + secret), "not mine"},
	} {
		if got := f.auth(tt.bearer); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	// The shortest secret is 10 chars: a 9-char one is refused before any
	// store is asked, even one whose hash matches.
	h := fastHasher(t)
	ten, _ := h.Hash(secret[:10])
	nine, _ := h.Hash(secret[:9])
	writeFile(t, f.dir, "elastic/kibana/ten:"+ten+"\nelastic/kibana/nine:"+nine+"\n")
	f.reload(t)
	if got := f.auth(bearer("elastic/kibana/ten:" + secret[:10])); got != "file:elastic/kibana/ten" {
		t.Errorf("10-char secret: %s", got)
	}
	if got := f.auth(bearer("elastic/kibana/nine:" + secret[:9])); got != refusedMsg("elastic/kibana", "nine") {
		t.Errorf("9-char secret: %s", got)
	}
	// Chars, not bytes: five 2-byte characters are 5 chars.
	short, _ := h.Hash("ééééé")
	writeFile(t, f.dir, "elastic/kibana/short:"+short+"\n")
	f.reload(t)
	if got := f.auth(bearer("elastic/kibana/short:ééééé")); got != refusedMsg("elastic/kibana", "short") {
		t.Errorf("5-char secret of 10 bytes: %s", got)
	}

	// The 401 itself.
	_, err := f.svc.Authenticate(context.Background(), esInvalidToken)
	var r *Refused
	if !errors.As(err, &r) {
		t.Fatal(err)
	}
	e := r.ESError()
	if e.Type != "security_exception" || e.Status != http.StatusUnauthorized ||
		e.Reason != "failed to authenticate service account [elastic/fleet-server] with token name [token1]" {
		t.Errorf("ESError = %+v", e)
	}
	f.checkNoSecrets(t, esSecret, secret[:9], secret[:10], secret)
}

func TestIndexTokens(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "")
	c, err := f.svc.CreateToken(ctx, "elastic", "fleet-server", "api-token-1", creator)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ParseBearer(c.Value())
	if err != nil || tok.QualifiedName() != "elastic/fleet-server/api-token-1" {
		t.Fatalf("created value parses as %v, %v", tok, err)
	}
	if got := f.auth(c.Value()); got != "index:elastic/fleet-server/api-token-1" {
		t.Errorf("created token: %s", got)
	}
	wrong := bearer("elastic/fleet-server/api-token-1:" + strings.Repeat("x", 22))
	if got := f.auth(wrong); got != refusedMsg("elastic/fleet-server", "api-token-1") {
		t.Errorf("wrong secret: %s", got)
	}

	// The document, as IndexServiceAccountTokenStore.newDocument writes it.
	doc, err := f.db.Store.Get(ctx, store.ServiceTokens, "elastic/fleet-server/api-token-1")
	if err != nil {
		t.Fatal(err)
	}
	var fields struct{ Password string }
	_ = json.Unmarshal(doc, &fields)
	wantDoc := `{"doc_type":"service_account_token","version":8190099,"username":"elastic/fleet-server","name":"api-token-1",` +
		`"creation_time":1700000000123,"enabled":true,"creator":{"principal":"elastic","full_name":null,"email":null,` +
		`"metadata":{"_reserved":true},"realm":"reserved","realm_type":"reserved"},"password":"` + fields.Password + `"}`
	if string(doc) != wantDoc {
		t.Errorf("document =\n%s\nwant\n%s", doc, wantDoc)
	}
	if !strings.HasPrefix(fields.Password, "{PBKDF2_STRETCH}1000$") {
		t.Errorf("hash %q is not the configured pbkdf2_stretch_1000", fields.Password)
	}
	if ok, _ := passhash.Verify(tok.Secret(), fields.Password); !ok || strings.Contains(string(doc), tok.Secret()) {
		t.Error("the document does not hold the secret's hash, or holds the secret")
	}

	// A duplicate name is Elasticsearch's 409.
	_, err = f.svc.CreateToken(ctx, "elastic", "fleet-server", "api-token-1", creator)
	var e *eserr.Error
	if !errors.As(err, &e) {
		t.Fatalf("duplicate: %v", err)
	}
	if got, want := errorJSON(t, e), `{"error":{"root_cause":[{"type":"version_conflict_engine_exception",`+
		`"reason":"[service_account_token-elastic/fleet-server/api-token-1]: version conflict, document already exists (current version [1])",`+
		`"index_uuid":"_na_","shard":"0","index":".security-7"}],"type":"version_conflict_engine_exception",`+
		`"reason":"[service_account_token-elastic/fleet-server/api-token-1]: version conflict, document already exists (current version [1])",`+
		`"index_uuid":"_na_","shard":"0","index":".security-7"},"status":409}`; got != want {
		t.Errorf("duplicate:\n%s\nwant\n%s", got, want)
	}
	// ... and the first token still works.
	if got := f.auth(c.Value()); got != "index:elastic/fleet-server/api-token-1" {
		t.Errorf("after the duplicate: %s", got)
	}

	// Listing: by account, sorted.
	f.create(t, "fleet-server", "a-token")
	f.create(t, "kibana", "k")
	for principal, want := range map[string]string{
		"elastic/fleet-server": "[a-token api-token-1]", "elastic/kibana": "[k]", "elastic/auto-ops": "[]", "elastic/fleet": "[]",
	} {
		names, err := f.svc.IndexTokenNames(ctx, principal)
		if err != nil || fmt.Sprint(names) != want {
			t.Errorf("IndexTokenNames(%s) = %v, %v; want %s", principal, names, err, want)
		}
	}
	f.checkNoSecrets(t, tok.Secret(), c.Value(), fields.Password)
}

func TestCreateDeleteErrors(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "")
	for _, tt := range []struct {
		namespace, service, name string
		want                     string
	}{
		{"elastic", "foo", "t", `{"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"service account [elastic/foo] does not exist"}],` +
			`"type":"illegal_argument_exception","reason":"service account [elastic/foo] does not exist"},"status":400}`},
		{"foo", "fleet-server", "t", `{"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"service account [foo/fleet-server] does not exist"}],` +
			`"type":"illegal_argument_exception","reason":"service account [foo/fleet-server] does not exist"},"status":400}`},
		{"elastic", "fleet-server", "_t", `{"error":{"root_cause":[{"type":"action_request_validation_exception",` +
			`"reason":"Validation Failed: 1: invalid service token name [_t]. ` + InvalidTokenNameMessage + `;"}],"type":"action_request_validation_exception",` +
			`"reason":"Validation Failed: 1: invalid service token name [_t]. ` + InvalidTokenNameMessage + `;"},"status":400}`},
		{"", "", "", `{"error":{"root_cause":[{"type":"action_request_validation_exception",` +
			`"reason":"Validation Failed: 1: service account namespace is required;2: service account service-name is required;3: invalid service token name []. ` +
			InvalidTokenNameMessage + `;"}],"type":"action_request_validation_exception",` +
			`"reason":"Validation Failed: 1: service account namespace is required;2: service account service-name is required;3: invalid service token name []. ` +
			InvalidTokenNameMessage + `;"},"status":400}`},
	} {
		_, err := f.svc.CreateToken(ctx, tt.namespace, tt.service, tt.name, creator)
		var e *eserr.Error
		if !errors.As(err, &e) {
			t.Errorf("create %s/%s/%s: %v", tt.namespace, tt.service, tt.name, err)
			continue
		}
		if got := errorJSON(t, e); got != tt.want {
			t.Errorf("create %s/%s/%s:\n%s\nwant\n%s", tt.namespace, tt.service, tt.name, got, tt.want)
		}
	}
	// Delete: validation as create; an unknown account or token is found:false.
	if _, err := f.svc.DeleteToken(ctx, "elastic", "fleet-server", "a b"); err == nil ||
		err.Error() != "action_request_validation_exception: Validation Failed: 1: invalid service token name [a b]. "+InvalidTokenNameMessage+";" {
		t.Errorf("delete with a bad name: %v", err)
	}
	for _, key := range [][3]string{{"elastic", "foo", "t"}, {"elastic", "fleet-server", "non-such-thing"}, {"x", "y", "z"}} {
		d, err := f.svc.DeleteToken(ctx, key[0], key[1], key[2])
		if err != nil || d.Found || d.Status() != 404 || appendJSON(t, d) != `{"found":false}` {
			t.Errorf("delete %v: %+v, %v", key, d, err)
		}
	}
}

// errorJSON renders an error as the REST layer does.
func errorJSON(t *testing.T, e *eserr.Error) string {
	t.Helper()
	b, err := rest.ErrorBody(e).AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFileAndIndexShareAName is ServiceAccountIT's
// testFileTokenAndApiTokenCanShareTheSameNameAndBothWorks, and checks the
// order: the file first, then the store.
func TestFileAndIndexShareAName(t *testing.T) {
	f := newFixture(t, fleetFile)
	api := f.create(t, "fleet-server", "token1")
	if got := f.auth(api); got != "index:elastic/fleet-server/token1" {
		t.Errorf("store token: %s", got)
	}
	if got := f.auth(esValidToken); got != "file:elastic/fleet-server/token1" {
		t.Errorf("file token: %s", got)
	}
	// A token both hold is the file's: the store is not even asked.
	tok, _ := ParseBearer(api)
	hash, _ := fastHasher(t).Hash(tok.Secret())
	writeFile(t, f.dir, "elastic/fleet-server/token1:"+hash+"\n")
	f.reload(t)
	reads := f.db.gets.Load()
	if got := f.auth(api); got != "file:elastic/fleet-server/token1" {
		t.Errorf("token in both: %s", got)
	}
	if f.db.gets.Load() != reads {
		t.Error("the store was read although the file verified the token")
	}
	if got := f.auth(esValidToken); got != refusedMsg("elastic/fleet-server", "token1") {
		t.Errorf("old file token after the reload: %s", got)
	}
}

// reload loads the file now, as the watcher does once a change settles.
func (f *fixture) reload(t *testing.T) bool {
	t.Helper()
	st, data := observe(f.svc.file.path)
	return f.svc.file.install(st, data)
}

// TestDeleteTakesEffectAtOnce deletes a cached token and checks the very
// next authentication; and that concurrent authentications never succeed
// after DeleteToken returned.
func TestDeleteTakesEffectAtOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "")
	for i := range 20 {
		name := fmt.Sprintf("t%d", i)
		value := f.create(t, "fleet-server", name)
		if got := f.auth(value); got != "index:elastic/fleet-server/"+name {
			t.Fatalf("before: %s", got)
		}
		var wg sync.WaitGroup
		deleted := make(chan struct{})
		stop := make(chan struct{})
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					after := false
					select {
					case <-deleted:
						after = true
					default:
					}
					got := f.auth(value)
					if after && got != refusedMsg("elastic/fleet-server", name) {
						t.Errorf("an authentication started after the delete: %s", got)
					}
				}
			}()
		}
		d, err := f.svc.DeleteToken(ctx, "elastic", "fleet-server", name)
		if err != nil || !d.Found || d.Status() != 200 || appendJSON(t, d) != `{"found":true}` {
			t.Fatalf("delete: %+v, %v", d, err)
		}
		close(deleted)
		if got := f.auth(value); got != refusedMsg("elastic/fleet-server", name) {
			t.Errorf("after the delete: %s", got)
		}
		close(stop)
		wg.Wait()
	}
}

// TestOtherNodes: two nodes share a store. A token deleted or replaced
// on one works on the other from its cache until the store's change
// reaches it (IndexTokenChanged), and not after.
func TestOtherNodes(t *testing.T) {
	ctx := context.Background()
	db := openBolt(t)
	a := newNode(t, t.TempDir(), db, "", DefaultCache)
	b := newNode(t, t.TempDir(), db, "", DefaultCache)
	value := a.create(t, "kibana", "shared")
	if got := b.auth(value); got != "index:elastic/kibana/shared" {
		t.Fatalf("node b: %s", got)
	}
	if _, err := a.svc.DeleteToken(ctx, "elastic", "kibana", "shared"); err != nil {
		t.Fatal(err)
	}
	if got := b.auth(value); got != "index:elastic/kibana/shared" {
		t.Errorf("node b before the change reached it: %s (was the cache used?)", got)
	}
	b.svc.IndexTokenChanged("elastic/kibana/shared")
	if got := b.auth(value); got != refusedMsg("elastic/kibana", "shared") {
		t.Errorf("node b after the change: %s", got)
	}

	// The name reused for a new token: the old secret must not live on in
	// b's cache.
	b.svc.IndexTokenChanged("elastic/kibana/shared") // nothing cached: harmless
	old := a.create(t, "kibana", "again")
	if got := b.auth(old); got != "index:elastic/kibana/again" {
		t.Fatal(got)
	}
	if _, err := a.svc.DeleteToken(ctx, "elastic", "kibana", "again"); err != nil {
		t.Fatal(err)
	}
	renewed := a.create(t, "kibana", "again")
	b.svc.IndexTokenChanged("elastic/kibana/again") // the delete's and the create's events
	if got := b.auth(old); got != refusedMsg("elastic/kibana", "again") {
		t.Errorf("old secret of a reused name: %s", got)
	}
	if got := b.auth(renewed); got != "index:elastic/kibana/again" {
		t.Errorf("new secret: %s", got)
	}

	// A token deleted elsewhere and created again here before the
	// delete's event arrived: the node that creates forgets the old one.
	first := a.create(t, "kibana", "third")
	if got := a.auth(first); got != "index:elastic/kibana/third" {
		t.Fatal(got)
	}
	if _, err := b.svc.DeleteToken(ctx, "elastic", "kibana", "third"); err != nil {
		t.Fatal(err)
	}
	second := a.create(t, "kibana", "third")
	if got := a.auth(first); got != refusedMsg("elastic/kibana", "third") {
		t.Errorf("old secret on the creating node: %s", got)
	}
	if got := a.auth(second); got != "index:elastic/kibana/third" {
		t.Errorf("new secret on the creating node: %s", got)
	}
}

func TestCacheAndClearCache(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "")
	value := f.create(t, "fleet-server", "t1")
	other := f.create(t, "kibana", "t2")
	f.auth(value)
	f.auth(other)
	reads := f.db.gets.Load()
	for range 10 {
		f.auth(value)
		f.auth(other)
	}
	if f.db.gets.Load() != reads {
		t.Fatalf("cached tokens read the store %d times", f.db.gets.Load()-reads)
	}
	// Failures are not cached.
	wrong := bearer("elastic/fleet-server/t1:" + strings.Repeat("w", 22))
	f.auth(wrong)
	f.auth(wrong)
	if got := f.db.gets.Load() - reads; got != 2 {
		t.Errorf("two failures read the store %d times, want 2", got)
	}

	count := func(fn func()) int64 {
		before := f.db.gets.Load()
		fn()
		return f.db.gets.Load() - before
	}
	both := func() { f.auth(value); f.auth(other) }
	keys, err := ClearCacheKeys("elastic", "fleet-server", "t1")
	if err != nil || fmt.Sprint(keys) != "[elastic/fleet-server/t1]" {
		t.Fatal(keys, err)
	}
	f.svc.ClearCache(keys)
	if n := count(both); n != 1 {
		t.Errorf("after clearing one token, %d reads; want 1", n)
	}
	keys, _ = ClearCacheKeys("elastic", "kibana", "*")
	f.svc.ClearCache(keys)
	if n := count(both); n < 1 {
		t.Errorf("after clearing an account, %d reads", n)
	}
	f.svc.ClearCache(nil)
	if n := count(both); n != 2 {
		t.Errorf("after clearing all, %d reads; want 2", n)
	}
	f.svc.Reset()
	if n := count(both); n != 2 {
		t.Errorf("after Reset, %d reads; want 2", n)
	}

	// Without a cache every authentication reads the store.
	g := newNode(t, t.TempDir(), f.db.Store, "", authcache.Config{})
	if n := func() int64 { b := g.db.gets.Load(); g.auth(value); g.auth(value); return g.db.gets.Load() - b }(); n != 2 {
		t.Errorf("no cache: %d reads, want 2", n)
	}
	_ = ctx
}

func TestClearCacheKeys(t *testing.T) {
	for _, tt := range []struct{ names, want, err string }{
		{"*", "[elastic/fleet-server/]", ""},
		{"_all", "[elastic/fleet-server/]", ""},
		{"", "[elastic/fleet-server/]", ""},
		{",", "[elastic/fleet-server/]", ""},
		{"a", "[elastic/fleet-server/a]", ""},
		{"a,b-c,", "[elastic/fleet-server/a elastic/fleet-server/b-c]", ""},
		{"a,,b", "", "illegal_argument_exception: invalid service token name []. " + InvalidTokenNameMessage},
		{"a,*", "", "illegal_argument_exception: invalid service token name [*]. " + InvalidTokenNameMessage},
		{"_x", "", "illegal_argument_exception: invalid service token name [_x]. " + InvalidTokenNameMessage},
	} {
		keys, err := ClearCacheKeys("elastic", "fleet-server", tt.names)
		if tt.err != "" {
			var e *eserr.Error
			if !errors.As(err, &e) || e.Status != 400 || err.Error() != tt.err {
				t.Errorf("%q: %v, want %s", tt.names, err, tt.err)
			}
			continue
		}
		if err != nil || fmt.Sprint(keys) != tt.want {
			t.Errorf("%q: %v, %v; want %s", tt.names, keys, err, tt.want)
		}
	}
}

// TestStoreFailure: a store that cannot be read is an error, never a
// refusal (which would be a 401 for a token that may be fine) and never
// a success.
func TestStoreFailure(t *testing.T) {
	f := newFixture(t, "")
	value := f.create(t, "fleet-server", "t1")
	unavailable := fmt.Errorf("bolt: %w", store.ErrUnavailable)
	f.db.fail.Store(&unavailable)
	_, err := f.svc.Authenticate(context.Background(), value)
	var r *Refused
	if !errors.Is(err, store.ErrUnavailable) || errors.As(err, &r) {
		t.Errorf("got %v", err)
	}
	// A file token does not need the store.
	if err := os.WriteFile(filepath.Join(f.dir, TokensFile), []byte(fleetFile), 0o600); err != nil {
		t.Fatal(err)
	}
	f.reload(t)
	if got := f.auth(esValidToken); got != "file:elastic/fleet-server/token1" {
		t.Errorf("file token while the store is down: %s", got)
	}
	f.db.fail.Store(nil)
	if got := f.auth(value); got != "index:elastic/fleet-server/t1" {
		t.Errorf("after the store is back: %s", got)
	}
	// A document without a hash is an error too.
	if _, err := f.db.Update(context.Background(), store.ServiceTokens, "elastic/fleet-server/t2", func([]byte) ([]byte, error) {
		return []byte(`{"doc_type":"service_account_token"}`), nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := f.auth(bearer("elastic/fleet-server/t2:0123456789")); got !=
		"error: serviceaccount: the stored document of token [elastic/fleet-server/t2] has no readable hash" {
		t.Errorf("document without a hash: %s", got)
	}
}

// TestConcurrentAuthentication runs authentications of file and store
// tokens while the file reloads and tokens come and go (go test -race).
func TestConcurrentAuthentication(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, fleetFile)
	stable := f.create(t, "kibana", "stable")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if got := f.auth(stable); got != "index:elastic/kibana/stable" {
					t.Errorf("stable store token: %s", got)
					return
				}
				if got := f.auth(esValidToken); got != "file:elastic/fleet-server/token1" {
					t.Errorf("stable file token: %s", got)
					return
				}
			}
		}()
	}
	for i := range 30 {
		name := fmt.Sprintf("churn%d", i)
		v := f.create(t, "auto-ops", name)
		f.auth(v)
		if _, err := f.svc.DeleteToken(ctx, "elastic", "auto-ops", name); err != nil {
			t.Error(err)
		}
		// Rewrite the file with one more token each time; token1 stays.
		writeFile(t, f.dir, fleetFile+fmt.Sprintf("elastic/auto-ops/f%d:%s\n", i, esHash))
		f.reload(t)
		f.svc.ClearCache(nil)
	}
	close(stop)
	wg.Wait()
}

func TestNewFailsOnABadFile(t *testing.T) {
	db := openBolt(t)
	dir := t.TempDir()
	writeFile(t, dir, "elastic/fleet-server/token1\n")
	_, err := New(dir, db, Options{})
	want := "failed to load service_tokens file [" + filepath.Join(dir, TokensFile) + "]: Missing ':' character at line #1"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if err := os.Remove(filepath.Join(dir, TokensFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, TokensFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := New(dir, db, Options{}); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("a directory in place of the file: %v", err)
	}
	// A missing file, or directory, has no tokens.
	s, err := New(filepath.Join(dir, "nowhere"), db, Options{})
	if err != nil || len(s.FileTokenNames("elastic/fleet-server")) != 0 {
		t.Errorf("missing file: %v", err)
	}
	// The default hasher is pbkdf2_stretch.
	if s.index.hasher.Name() != "pbkdf2_stretch" {
		t.Errorf("default hasher %s", s.index.hasher.Name())
	}
}
