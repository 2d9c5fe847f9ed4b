package apikey

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/store"
)

func TestHeaderCredentials(t *testing.T) {
	for _, tt := range []struct {
		header, want string
		ok           bool
	}{
		{"ApiKey abc", "abc", true},
		{"APIKey abc", "abc", true}, // the Go client's casing
		{"apikey abc", "abc", true},
		{"ApiKey  abc", " abc", true}, // exactly one space is the separator
		{"ApiKey ", "", false},
		{"ApiKey", "", false},
		{"ApiKeyabc", "", false},
		{"Basic abc", "", false},
		{"Bearer abc", "", false},
		{"", "", false},
	} {
		got, ok := HeaderCredentials(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%q: got %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestDecodeCredentials covers parseApiKey and java.util.Base64's decoder
// messages, which Elasticsearch passes through as they are.
func TestDecodeCredentials(t *testing.T) {
	for _, tt := range []struct{ payload, id, secret, err string }{
		{b64("id:secret"), "id", "secret", ""},
		{strings.TrimRight(b64("id:secret1"), "="), "id", "secret1", ""}, // padding is optional
		{b64("id:sec:ret"), "id", "sec:ret", ""},                         // split at the first colon
		{b64("id:"), "id", "", ""},
		{b64(":secret"), "", "", "invalid ApiKey value"},
		{b64("idsecret"), "", "", "invalid ApiKey value"},
		{"", "", "", "invalid ApiKey value"},
		{"aWQ6c2VjcmV0_", "", "", "Illegal base64 character 5f"}, // the raw secret's alphabet
		{"aWQ6-2VjcmV0", "", "", "Illegal base64 character 2d"},
		{"aWQ6c2Vj cmV0", "", "", "Illegal base64 character 20"},
		{"aWQ6c2Vj\r\ncmV0", "", "", "Illegal base64 character d"},
		{"aWQ6c2Vjé", "", "", "Illegal base64 character -3d"}, // Latin-1 é as UTF-8 C3 A9
		{"aWQ6c", "", "", "Last unit does not have enough valid bits"},
		{"aWQ6c2Vj=", "", "", "Input byte array has wrong 4-byte ending unit"},
		{"aWQ6cw=", "", "", "Input byte array has wrong 4-byte ending unit"},
		{"aWQ6cw=x", "", "", "Input byte array has wrong 4-byte ending unit"},
		{"aWQ6cw==x", "", "", "Input byte array has incorrect ending byte at 8"},
		{"aWQ6c2U=", "id", "se", ""},
		{"aWQ6c2U=aaaa", "", "", "Input byte array has incorrect ending byte at 8"},
	} {
		c, err := DecodeCredentials(tt.payload)
		if tt.err != "" {
			var ae *AuthError
			if !errors.As(err, &ae) || ae.Reason != tt.err {
				t.Errorf("%q: got %v, want %q", tt.payload, err, tt.err)
			}
			continue
		}
		if err != nil || c.ID != tt.id || c.Secret() != tt.secret {
			t.Errorf("%q: got %q %q %v", tt.payload, c.ID, c.Secret(), err)
		}
	}
	c, _ := DecodeCredentials(b64("someid:topsecret"))
	for _, s := range []string{c.String(), c.GoString(), c.LogValue().String()} {
		if strings.Contains(s, "topsecret") {
			t.Errorf("credentials print their secret: %s", s)
		}
	}
}

func authErr(t *testing.T, err error) *AuthError {
	t.Helper()
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want an *AuthError", err)
	}
	return ae
}

func TestAuthenticate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	resp := f.create(`{"name":"my-key","expiration":"1h","role_descriptors":{"r":{"cluster":["monitor"]}},"metadata":{"env":"prod"}}`, aliceCaller())
	a, err := f.svc.Authenticate(ctx, resp.Encoded())
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != resp.ID || a.Name != "my-key" || a.Type != "rest" || a.OwnerRealm != "default_native" || a.OwnerRealmType != "native" {
		t.Errorf("got %+v", a)
	}
	u, _ := json.Marshal(a.User)
	if want := `{"username":"alice","roles":[],"full_name":"Alice Liddell","email":null,"metadata":{"team":"blue"},"enabled":true}`; string(u) != want {
		t.Errorf("user %s, want %s", u, want)
	}
	if len(a.RoleDescriptors) != 1 || a.RoleDescriptors[0].Name != "r" || len(a.LimitedBy) != 1 || a.LimitedBy[0].Name != "logs_reader" {
		t.Errorf("roles %+v limited by %+v", a.RoleDescriptors, a.LimitedBy)
	}
	if a.LimitedBy[0].Description != "" {
		t.Error("the snapshot kept the owner's role description")
	}
	if string(a.Metadata) != `{"env":"prod"}` || a.Expiration == nil || !a.Expiration.Equal(t0.Add(time.Hour)) {
		t.Errorf("metadata %s expiration %v", a.Metadata, a.Expiration)
	}

	// Failures, in ApiKeyService's order, with its messages.
	wrong := base64.StdEncoding.EncodeToString([]byte(resp.ID + ":" + strings.Repeat("x", 22)))
	_, err = f.svc.Authenticate(ctx, wrong)
	if ae := authErr(t, err); ae.Reason != "invalid credentials for API key ["+resp.ID+"]" || ae.Terminate {
		t.Errorf("wrong secret: %+v", ae)
	}
	_, err = f.svc.Authenticate(ctx, b64("nosuchkey:"+resp.Secret()))
	if ae := authErr(t, err); ae.Reason != "unable to find apikey with id nosuchkey" || ae.Error() != "API key: unable to find apikey with id nosuchkey" {
		t.Errorf("unknown id: %+v", ae)
	}
	_, err = f.svc.Authenticate(ctx, "!!")
	if ae := authErr(t, err); ae.Reason != "Illegal base64 character 21" {
		t.Errorf("bad base64: %+v", ae)
	}

	f.clock.Add(time.Hour - time.Millisecond)
	if _, err := f.svc.Authenticate(ctx, resp.Encoded()); err != nil {
		t.Fatalf("a millisecond before expiry: %v", err)
	}
	f.clock.Add(time.Millisecond)
	_, err = f.svc.Authenticate(ctx, resp.Encoded())
	if ae := authErr(t, err); ae.Reason != "api key is expired" {
		t.Errorf("at expiry: %+v", ae)
	}
	// The wrong secret is refused before expiry is looked at.
	_, err = f.svc.Authenticate(ctx, wrong)
	if ae := authErr(t, err); !strings.HasPrefix(ae.Reason, "invalid credentials") {
		t.Errorf("wrong secret of an expired key: %+v", ae)
	}
}

// putDoc stores a document as another writer would (a migration from
// Elasticsearch, another node), then drops it from the caches.
func (f *fixture) putDoc(id, doc string) {
	f.t.Helper()
	if _, err := f.db.Update(context.Background(), store.APIKeys, id, func([]byte) ([]byte, error) { return []byte(doc), nil }); err != nil {
		f.t.Fatal(err)
	}
	f.svc.Invalidate(id)
}

func TestAuthenticateDocumentChecks(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	resp := f.create(`{"name":"k"}`, aliceCaller())
	doc := f.storedDoc(resp.ID)
	for _, tt := range []struct {
		name, from, to, want string
		terminate            bool
	}{
		{"doc type", `"doc_type":"api_key"`, `"doc_type":"token"`, "document [" + resp.ID + "] is [token] not an api key", false},
		{"invalidated field missing", `"api_key_invalidated":false,`, ``, "api key document is missing invalidated field", false},
		{"invalidated", `"api_key_invalidated":false`, `"api_key_invalidated":true`, "api key [" + resp.ID + "] has been invalidated", false},
		{"cross cluster", `"type":"rest"`, `"type":"cross_cluster"`, "authentication expected API key type of [rest], but API key [" + resp.ID + "] has type [cross_cluster]", true},
		{"expired long ago", `"expiration_time":null`, `"expiration_time":1`, "api key is expired", false},
		{"unreadable", `"creation_time":`, `"creation_time":"x",`, "apikey authentication for id " + resp.ID + " encountered a failure", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f.putDoc(resp.ID, strings.Replace(doc, tt.from, tt.to, 1))
			_, err := f.svc.Authenticate(ctx, resp.Encoded())
			if ae := authErr(t, err); ae.Reason != tt.want || ae.Terminate != tt.terminate {
				t.Errorf("got %q (terminate %v), want %q (%v)", ae.Reason, ae.Terminate, tt.want, tt.terminate)
			}
		})
	}
	// A document without "type" is a rest key (before 8.9).
	f.putDoc(resp.ID, strings.Replace(doc, `"type":"rest",`, ``, 1))
	if _, err := f.svc.Authenticate(ctx, resp.Encoded()); err != nil {
		t.Errorf("untyped document: %v", err)
	}
}

// TestAuthenticateAcceptsElasticsearchHashes verifies by each hash's own
// prefix, so keys copied from Elasticsearch (pbkdf2, 8.x) or hashed with
// another configured algorithm keep working.
func TestAuthenticateAcceptsElasticsearchHashes(t *testing.T) {
	f := newFixture(t)
	resp := f.create(`{"name":"k"}`, aliceCaller())
	doc := f.storedDoc(resp.ID)
	start := strings.Index(doc, `"api_key_hash":"`) + len(`"api_key_hash":"`)
	end := start + strings.IndexByte(doc[start:], '"')
	for _, algo := range []string{"pbkdf2", "bcrypt4", "ssha256", "pbkdf2_stretch_1000"} {
		h, _ := mustHasher(algo).Hash(resp.Secret())
		f.putDoc(resp.ID, doc[:start]+h+doc[end:])
		if _, err := f.svc.Authenticate(context.Background(), resp.Encoded()); err != nil {
			t.Errorf("%s: %v", algo, err)
		}
	}
}

// TestWarmCacheReadsNothing: with a warm cache a request reads no store
// and runs no slow hash.
func TestWarmCacheReadsNothing(t *testing.T) {
	f := newFixture(t, func(c *config.APIKeyConfig) { c.Hasher = mustHasher("pbkdf2") })
	ctx := context.Background()
	resp := f.create(`{"name":"k"}`, aliceCaller())
	created := f.svc.secrets.Stats().Loads // creation caches the secret
	if _, err := f.svc.Authenticate(ctx, resp.Encoded()); err != nil {
		t.Fatal(err)
	}
	reads, loads := f.db.gets.Load(), f.svc.secrets.Stats().Loads
	for range 100 {
		if _, err := f.svc.Authenticate(ctx, resp.Encoded()); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.db.gets.Load() - reads; got != 0 {
		t.Errorf("%d store reads with a warm cache", got)
	}
	if got := f.svc.secrets.Stats().Loads - loads; got != 0 {
		t.Errorf("%d slow hashes with a warm cache", got)
	}
	// Creation warmed the secret cache: the first use ran no slow hash.
	if got := f.svc.secrets.Stats().Loads - created; got != 0 {
		t.Errorf("%d slow hashes in all", got)
	}
	// The same wrong secret twice costs one slow hash.
	wrong := b64(resp.ID + ":" + strings.Repeat("y", 22))
	for range 2 {
		_, _ = f.svc.Authenticate(ctx, wrong)
	}
	if got := f.svc.secrets.Stats().Loads - created; got != 1 {
		t.Errorf("%d slow hashes for one wrong secret twice", got)
	}
	// The document cache expires after doc_cache.ttl.
	f.clock.Add(5 * time.Minute)
	_, _ = f.svc.Authenticate(ctx, resp.Encoded())
	if got := f.db.gets.Load() - reads; got != 1 {
		t.Errorf("%d store reads after doc_cache.ttl, want 1", got)
	}
}

func TestCacheOff(t *testing.T) {
	f := newFixture(t, func(c *config.APIKeyConfig) { c.CacheTTL = 0 })
	resp := f.create(`{"name":"k"}`, aliceCaller())
	for range 3 {
		if _, err := f.svc.Authenticate(context.Background(), resp.Encoded()); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.db.gets.Load(); got != 3 {
		t.Errorf("%d store reads with cache.ttl 0, want 3", got)
	}
	if got := f.svc.docs.len(); got != 0 {
		t.Errorf("%d cached documents with cache.ttl 0", got)
	}
}

// TestInvalidatedAtOnce: a key invalidated through the API is refused by
// the very next request, although the caches were warm.
func TestInvalidatedAtOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	resp := f.create(`{"name":"k"}`, aliceCaller())
	if _, err := f.svc.Authenticate(ctx, resp.Encoded()); err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.InvalidateKeys(ctx, &InvalidateRequest{IDs: []string{resp.ID}}, nil)
	if err != nil || len(out.Invalidated) != 1 {
		t.Fatalf("%+v %v", out, err)
	}
	_, err = f.svc.Authenticate(ctx, resp.Encoded())
	if ae := authErr(t, err); ae.Reason != "api key ["+resp.ID+"] has been invalidated" {
		t.Errorf("got %q", ae.Reason)
	}
}

// TestOtherNode: a second node sharing the store follows a change once its
// watch calls Invalidate, and only from then on serves the new state.
func TestOtherNode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other := f.newService()
	resp := f.create(`{"name":"k","role_descriptors":{"r":{"cluster":["monitor"]}}}`, aliceCaller())
	if _, err := other.Authenticate(ctx, resp.Encoded()); err != nil {
		t.Fatal(err)
	}
	upd, _ := ParseUpdateRequest([]byte(`{"role_descriptors":{"r":{"cluster":["manage"]}}}`))
	if _, err := f.svc.Update(ctx, resp.ID, upd, aliceCaller()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.InvalidateKeys(ctx, &InvalidateRequest{IDs: []string{resp.ID}}, nil); err != nil {
		t.Fatal(err)
	}
	other.Invalidate(resp.ID) // what the watch does
	_, err := other.Authenticate(ctx, resp.Encoded())
	if ae := authErr(t, err); !strings.Contains(ae.Reason, "has been invalidated") {
		t.Errorf("got %q", ae.Reason)
	}
	// InvalidateAll (a watch that missed events) has the same effect.
	resp2 := f.create(`{"name":"k2"}`, aliceCaller())
	if _, err := other.Authenticate(ctx, resp2.Encoded()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.InvalidateKeys(ctx, &InvalidateRequest{IDs: []string{resp2.ID}}, nil); err != nil {
		t.Fatal(err)
	}
	other.InvalidateAll()
	if _, err := other.Authenticate(ctx, resp2.Encoded()); err == nil {
		t.Error("an invalidated key authenticated after InvalidateAll")
	}
}

// TestStaleReadNotServed lines the race up: an authentication reads the
// key, the key is invalidated, and only then does the authentication go
// on. It must not succeed from what it read, nor leave that in the cache.
func TestStaleReadNotServed(t *testing.T) {
	for _, how := range []string{"api", "watch"} {
		t.Run(how, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			resp := f.create(`{"name":"k"}`, aliceCaller())
			doc := f.storedDoc(resp.ID)
			read, resume := make(chan struct{}), make(chan struct{})
			hook := func() { close(read); <-resume }
			f.db.afterGet.Store(&hook)
			done := make(chan error, 1)
			go func() {
				_, err := f.svc.Authenticate(ctx, resp.Encoded())
				done <- err
			}()
			<-read // the old document is in hand
			if how == "api" {
				if _, err := f.svc.InvalidateKeys(ctx, &InvalidateRequest{IDs: []string{resp.ID}}, nil); err != nil {
					t.Fatal(err)
				}
			} else {
				_, err := f.db.Update(ctx, store.APIKeys, resp.ID, func([]byte) ([]byte, error) {
					return []byte(strings.Replace(doc, `"api_key_invalidated":false`, `"api_key_invalidated":true`, 1)), nil
				})
				if err != nil {
					t.Fatal(err)
				}
				f.svc.Invalidate(resp.ID)
			}
			close(resume)
			if err := <-done; err == nil {
				t.Fatal("authenticated from a document read before the invalidation")
			}
			if _, err := f.svc.Authenticate(ctx, resp.Encoded()); err == nil {
				t.Fatal("the stale document was cached")
			}
		})
	}
}

// TestConcurrentInvalidation: many goroutines authenticate one key while it
// is invalidated; no call that starts after InvalidateKeys returned may
// succeed, and no call that finishes after it may either, unless it passed
// its final check before.
func TestConcurrentInvalidation(t *testing.T) {
	for round := range 20 {
		f := newFixture(t)
		ctx := context.Background()
		resp := f.create(`{"name":"k"}`, aliceCaller())
		var invalidated atomic.Bool
		var late atomic.Int64
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
					after := invalidated.Load()
					_, err := f.svc.Authenticate(ctx, resp.Encoded())
					if err == nil && after {
						late.Add(1)
					}
				}
			}()
		}
		time.Sleep(time.Millisecond)
		if _, err := f.svc.InvalidateKeys(ctx, &InvalidateRequest{IDs: []string{resp.ID}}, nil); err != nil {
			t.Fatal(err)
		}
		invalidated.Store(true)
		time.Sleep(2 * time.Millisecond)
		close(stop)
		wg.Wait()
		if n := late.Load(); n > 0 {
			t.Fatalf("round %d: %d authentications succeeded after the invalidation returned", round, n)
		}
	}
}

// TestConcurrentInvalidationOnAnotherNode is the same race through the
// cache-invalidation path a node's watch takes: the store is written
// behind the node's back, then Invalidate is called.
func TestConcurrentInvalidationOnAnotherNode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	node := f.newService()
	resp := f.create(`{"name":"k"}`, aliceCaller())
	doc := f.storedDoc(resp.ID)
	var invalidated atomic.Bool
	var late atomic.Int64
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
				after := invalidated.Load()
				if _, err := node.Authenticate(ctx, resp.Encoded()); err == nil && after {
					late.Add(1)
				}
			}
		}()
	}
	time.Sleep(2 * time.Millisecond)
	if _, err := f.db.Update(ctx, store.APIKeys, resp.ID, func([]byte) ([]byte, error) {
		return []byte(strings.Replace(doc, `"api_key_invalidated":false`, `"api_key_invalidated":true`, 1)), nil
	}); err != nil {
		t.Fatal(err)
	}
	node.Invalidate(resp.ID)
	invalidated.Store(true)
	time.Sleep(5 * time.Millisecond)
	close(stop)
	wg.Wait()
	if n := late.Load(); n > 0 {
		t.Fatalf("%d authentications succeeded after Invalidate returned", n)
	}
}

func TestSecretNeverLogged(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	resp := f.create(`{"name":"k"}`, aliceCaller())
	// Make the key unreadable so that authentication logs a failure.
	f.putDoc(resp.ID, `{"doc_type":"api_key","creation_time":"broken"}`)
	_, _ = f.svc.Authenticate(ctx, resp.Encoded())
	if !strings.Contains(f.log.String(), resp.ID) {
		t.Fatalf("nothing was logged: %q", f.log.String())
	}
	if strings.Contains(f.log.String(), resp.Secret()) || strings.Contains(f.log.String(), resp.Encoded()) {
		t.Errorf("the log holds the secret: %s", f.log.String())
	}
}

func TestGate(t *testing.T) {
	f := newFixture(t)
	busy := errors.New("too many hashes")
	var entered atomic.Int64
	f.svc.gate = func(context.Context) (func(), error) {
		entered.Add(1)
		return nil, busy
	}
	resp := &CreateResponse{}
	if _, err := f.svc.Create(context.Background(), &CreateRequest{Name: "k"}, aliceCaller()); !errors.Is(err, busy) {
		t.Fatalf("create through a closed gate: %v", err)
	}
	f.svc.gate = nil
	resp = f.create(`{"name":"k"}`, aliceCaller())
	f.svc.InvalidateAll() // forget the secret creation cached
	f.svc.gate = func(context.Context) (func(), error) { entered.Add(1); return nil, busy }
	_, err := f.svc.Authenticate(context.Background(), resp.Encoded())
	if ae := authErr(t, err); ae.Reason != "server is too busy to respond" || !ae.Terminate || !errors.Is(err, busy) {
		t.Errorf("got %+v", ae)
	}
	if entered.Load() != 2 {
		t.Errorf("gate entered %d times, want 2", entered.Load())
	}
}
