package serviceaccount

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
)

// Source is where the token that authenticated is kept.
type Source string

// The token sources, as the "_token_source" metadata names them.
const (
	SourceFile  Source = "file"
	SourceIndex Source = "index"
)

// DefaultCache is xpack.security.authc.service_token.cache.* at their
// defaults (CachingServiceAccountTokenStore): 20 minutes after the write,
// 100000 tokens, ssha256.
var DefaultCache = authcache.Config{TTL: 20 * time.Minute, MaxUsers: 100_000}

// Options configure a Service.
type Options struct {
	// Hasher hashes the secrets of tokens created through the API
	// (xpack.security.authc.service_token_hashing.algorithm); the zero
	// Hasher means pbkdf2_stretch, the default.
	Hasher passhash.Hasher
	// Cache configures the verification cache of each token store (the
	// file's and the store's have one each, as in Elasticsearch). A zero
	// TTL or MaxUsers turns caching off; DefaultCache has the defaults.
	Cache authcache.Config
	// Log receives reloads, file problems and token writes; never a
	// secret or a hash. Nil discards.
	Log *slog.Logger
	// Now is the clock of creation times; nil is time.Now.
	Now func() time.Time
}

// Service is the service accounts of one node: the tokens of its
// service_tokens file and those of the shared store.
type Service struct {
	file  *fileStore
	index *indexStore
	log   *slog.Logger
}

// New loads configDir/service_tokens and serves the tokens of db. A file
// that cannot be read or parsed is an error here, as it stops
// Elasticsearch from starting; WatchFile reloads it later.
func New(configDir string, db store.Store, opt Options) (*Service, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Hasher == (passhash.Hasher{}) {
		h, err := passhash.ResolveStored("pbkdf2_stretch")
		if err != nil {
			return nil, err
		}
		opt.Hasher = h
	}
	f, err := openFileStore(configDir, opt.Cache, opt.Log)
	if err != nil {
		return nil, err
	}
	return &Service{
		file:  f,
		index: &indexStore{db: db, hasher: opt.Hasher, cache: authcache.New[struct{}](opt.Cache), now: opt.Now},
		log:   opt.Log,
	}, nil
}

// Principal is a request authenticated with a service token.
type Principal struct {
	Account   *Account
	TokenName string
	Source    Source
}

// User is the service account's user (username "elastic/fleet-server").
func (p Principal) User() user.User { return p.Account.User() }

// TokenType is "_service_account_file" or "_service_account_index", as
// _authenticate's token.type and the audit log's authentication.token.type
// name it.
func (p Principal) TokenType() string { return RealmType + "_" + string(p.Source) }

// Refused is a service token that failed to authenticate. Unlike
// ErrNotServiceToken it ends authentication: Elasticsearch answers 401 and
// tries nothing else (no anonymous access either).
type Refused struct {
	Principal, TokenName string
}

// Error is Elasticsearch's exact reason.
func (e *Refused) Error() string {
	return "failed to authenticate service account [" + e.Principal + "] with token name [" + e.TokenName + "]"
}

// ESError is the 401 security_exception; the caller adds WWW-Authenticate.
func (e *Refused) ESError() *eserr.Error {
	return eserr.Security(http.StatusUnauthorized, "%s", e.Error())
}

// Authenticate checks the value of an `Authorization: Bearer` header
// (ServiceAccountService.authenticateToken). The outcomes:
//   - an error wrapping ErrNotServiceToken: not a service token; offer it
//     to the next authenticator;
//   - *Refused: a service token of another namespace or an unknown
//     account, a secret shorter than MinSecretLength, or one no store
//     verifies;
//   - another error: a store failed (store.ErrUnavailable among them);
//   - nil: the Principal, from the file if the file verifies the token,
//     else from the store (CompositeServiceAccountTokenStore's order), so a
//     file token and a store token may share a name and both work.
func (s *Service) Authenticate(ctx context.Context, bearer string) (Principal, error) {
	t, err := ParseBearer(bearer)
	if err != nil {
		return Principal{}, err
	}
	refused := &Refused{Principal: t.Principal(), TokenName: t.Name}
	// Every built-in account is in the elastic namespace, so the lookup
	// also refuses tokens of any other namespace.
	a, ok := Lookup(t.Principal())
	switch {
	case !ok:
		s.log.Debug("service account token of an unknown account", "token", t.QualifiedName())
		return Principal{}, refused
	case secretLength(t.secret) < MinSecretLength:
		s.log.Debug("service account token secret too short", "token", t.QualifiedName())
		return Principal{}, refused
	}
	if ok, err := s.file.verify(ctx, t); err != nil {
		return Principal{}, err
	} else if ok {
		return Principal{Account: a, TokenName: t.Name, Source: SourceFile}, nil
	}
	if ok, err := s.index.verify(ctx, t); err != nil {
		return Principal{}, err
	} else if ok {
		return Principal{Account: a, TokenName: t.Name, Source: SourceIndex}, nil
	}
	s.log.Debug(refused.Error())
	return Principal{}, refused
}

// WatchFile polls the service_tokens file every interval
// (DefaultWatchInterval if <= 0) until ctx ends, and reloads it once a
// change has settled, emptying the file tokens' cache. onChange (may be
// nil) runs after each reload that changed a token. Run one WatchFile per
// Service.
func (s *Service) WatchFile(ctx context.Context, interval time.Duration, onChange func()) {
	s.file.watch(ctx, interval, onChange)
}

// FileTokenNames lists the tokens this node's service_tokens file holds
// for an account, sorted: this node's part of GET …/credential.
func (s *Service) FileTokenNames(principal string) []string { return s.file.names(principal) }

// FileTokenKeys lists every token of this node's service_tokens file as
// "namespace/service/name", sorted: what the node publishes to the others.
func (s *Service) FileTokenKeys() []string { return s.file.names("") }

// NamesOf picks the names of an account's tokens out of keys such as
// FileTokenKeys returns, sorted.
func NamesOf(keys []string, principal string) []string {
	var out []string
	for _, k := range keys {
		if name, ok := strings.CutPrefix(k, principal+"/"); ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// IndexTokenChanged evicts a token of the store from this node's cache.
// The node's fan-out calls it for every change the store reports under
// store.ServiceTokens (key = qualified token name), created or deleted:
// a token deleted elsewhere then stops working here, and a name reused
// for a new token never answers to the old secret.
func (s *Service) IndexTokenChanged(qualifiedName string) { s.index.cache.Invalidate(qualifiedName) }

// ClearCache evicts tokens from both caches, as ClearSecurityCacheAction
// does for the "service" cache: each key is a qualified token name, or
// "namespace/service/" for every token of an account; nil clears all.
// An account's prefix empties the caches whole: they cannot be walked by
// key, and evicting more only costs slow checks.
func (s *Service) ClearCache(keys []string) {
	for _, k := range keys {
		if strings.HasSuffix(k, "/") {
			keys = nil
			break
		}
	}
	if keys == nil {
		s.Reset()
		return
	}
	for _, k := range keys {
		s.file.cache.Invalidate(k)
		s.index.cache.Invalidate(k)
	}
}

// Reset empties both caches: this node missed changes of the shared store.
func (s *Service) Reset() {
	s.file.cache.InvalidateAll()
	s.index.cache.InvalidateAll()
}

// ClearCacheKeys reads the {name} of POST
// /_security/service/{namespace}/{service}/credential/token/{name}/_clear_cache
// (RestClearServiceAccountTokenStoreCacheAction): a comma-separated list of
// token names, or "*" or "_all" for every token of the account.
func ClearCacheKeys(namespace, service, names string) ([]string, error) {
	list := splitCommas(names)
	if len(list) == 0 || len(list) == 1 && (list[0] == "*" || list[0] == "_all") {
		return []string{namespace + "/" + service + "/"}, nil
	}
	keys := make([]string, 0, len(list))
	for _, n := range list {
		if err := ValidateTokenName(n); err != nil {
			return nil, eserr.IllegalArgument("%s", err.Error())
		}
		keys = append(keys, namespace+"/"+service+"/"+n)
	}
	return keys, nil
}

// splitCommas is Strings.splitStringByCommaToArray, which is Java's
// String.split(","): empty parts are kept, except at the end.
func splitCommas(s string) []string {
	parts := strings.Split(s, ",")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// Credentials gathers GET /_security/service/{namespace}/{service}/credential
// for a node alone: the tokens of the store and this node's file tokens.
// With several nodes, replace Nodes with every node's FileTokenNames. An
// account that does not exist has no tokens (200, count 0).
func (s *Service) Credentials(ctx context.Context, namespace, service, nodeName string) (Credentials, error) {
	principal := namespace + "/" + service
	index, err := s.IndexTokenNames(ctx, principal)
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{
		Principal:   principal,
		IndexTokens: index,
		Nodes:       []NodeTokens{{Node: nodeName, Tokens: s.FileTokenNames(principal)}},
	}, nil
}
