package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/esauth/esauth/internal/authcache"
)

// Label values shared with the callers.
const (
	// UnmatchedRoute is the route of requests that matched no route (the
	// 400 "no handler found" and 405 answers): raw paths never become
	// label values, so the number of series stays bounded.
	UnmatchedRoute = "unmatched"

	ResultSuccess = "success"
	ResultFailure = "failure"
	// NoRealm is the realm of failures where no realm knew the user.
	// Elasticsearch keeps names starting with "_" for internal realms, so
	// it cannot clash with a configured realm.
	NoRealm = "_none"

	LockoutUser = "user"
	LockoutIP   = "ip"
)

// Credential kinds, by the scheme of the Authorization header: the values
// of the credential label.
const (
	CredentialBasic  = "basic"
	CredentialAPIKey = "api_key"
	// CredentialBearer is a service account token or an access token of
	// the token service: both are sent as Bearer.
	CredentialBearer = "bearer"
	CredentialNone   = "none"
	CredentialOther  = "other"
)

// Results of a credential check, the values of its result label.
const (
	// CredentialRefused is a check refused before it was made: a lockout
	// or a full queue (429).
	CredentialRefused = "refused"
	// CredentialError is a check that could not be made (the store out of
	// reach).
	CredentialError = "error"
)

var (
	credentialKinds   = []string{CredentialBasic, CredentialAPIKey, CredentialBearer, CredentialNone, CredentialOther}
	credentialResults = []string{ResultSuccess, ResultFailure, CredentialRefused, CredentialError}
)

// Store operations, the values of the operation label.
const (
	OpGet    = "get"
	OpList   = "list"
	OpCreate = "create"
	OpUpdate = "update"
	OpDelete = "delete"
)

// LatencyBuckets suit requests and store operations: from the ~20 µs of a
// cached authentication to the 5 s of etcd's default request timeout.
func LatencyBuckets() []float64 {
	return []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
		0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}
}

// HashBuckets suit slow password hashes: bcrypt and PBKDF2 take from about
// a millisecond (low costs) to about a second (high costs).
func HashBuckets() []float64 {
	return []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1}
}

// Metrics is esauth's metric set. Every Observe method and Lockout is safe
// on a nil *Metrics and then does nothing, so callers need no check when
// metrics are off.
type Metrics struct {
	reg *Registry

	// Requests counts HTTP requests by route pattern (as "GET
	// /_security/user/{username}") and status code.
	Requests *CounterVec
	// RequestDuration is the time to answer a request, by route.
	RequestDuration *HistogramVec
	// Authentications counts authentication results by realm and result.
	Authentications *CounterVec
	// SlowHashes times slow password verifications; its _count is their
	// number.
	SlowHashes *Histogram
	// StoreDuration times store operations by operation; StoreErrors
	// counts those that failed in the backend.
	StoreDuration *HistogramVec
	StoreErrors   *CounterVec
	// Lockouts counts lockouts by kind (user or ip).
	Lockouts *CounterVec
	// Credentials counts authenticated requests by credential kind and
	// result; credentials holds its every series, so that counting one
	// looks nothing up.
	Credentials *CounterVec
	credentials map[[2]string]*Counter

	// codes are the status labels "100" to "599", made once so that
	// ObserveRequest allocates nothing.
	codes []string

	gatewayOnce sync.Once
	gateway     *Gateway
}

// New returns the metric set in a registry of its own.
func New() *Metrics {
	r := NewRegistry()
	m := &Metrics{
		reg: r,
		Requests: r.NewCounterVec("esauth_http_requests_total",
			"HTTP requests answered, by route pattern and status code.", "route", "code"),
		RequestDuration: r.NewHistogramVec("esauth_http_request_duration_seconds",
			"Time to answer HTTP requests, by route pattern.", LatencyBuckets(), "route"),
		Authentications: r.NewCounterVec("esauth_authentications_total",
			"Authentication results by realm (_none: no realm knew the user) and result (success or failure).", "realm", "result"),
		SlowHashes: r.NewHistogram("esauth_slow_hash_duration_seconds",
			"Time of slow password verifications (credential cache misses, wrong passwords, unknown users).", HashBuckets()),
		StoreDuration: r.NewHistogramVec("esauth_store_operation_duration_seconds",
			"Time of store operations, by operation.", LatencyBuckets(), "operation"),
		StoreErrors: r.NewCounterVec("esauth_store_errors_total",
			"Store operations that failed in the backend, by operation (not found and already exists are not failures).", "operation"),
		Lockouts: r.NewCounterVec("esauth_lockouts_total",
			"Lockouts by kind (user or ip).", "kind"),
		Credentials: r.NewCounterVec("esauth_credentials_total",
			"Requests' credentials checked, by kind (the Authorization scheme: basic, api_key, bearer for service account and access tokens, none, other) and result (success, failure, refused by a lockout or a full queue, error).", "credential", "result"),
		credentials: map[[2]string]*Counter{},
	}
	for _, kind := range credentialKinds {
		for _, result := range credentialResults {
			m.credentials[[2]string{kind, result}] = m.Credentials.With(kind, result)
		}
	}
	for c := 100; c < 600; c++ {
		m.codes = append(m.codes, strconv.Itoa(c))
	}
	// Series that are known now start at zero, so that rates and alerts
	// work before the first event.
	for _, op := range []string{OpGet, OpList, OpCreate, OpUpdate, OpDelete} {
		m.StoreDuration.With(op)
		m.StoreErrors.With(op)
	}
	m.Lockouts.With(LockoutUser)
	m.Lockouts.With(LockoutIP)
	m.Authentications.With(NoRealm, ResultFailure)
	return m
}

// Registry returns the registry holding the set, for more metrics.
func (m *Metrics) Registry() *Registry { return m.reg }

// Handler serves the metrics in the text format.
func (m *Metrics) Handler() http.Handler { return m.reg.Handler() }

// ObserveRequest records one answered request. route is the matched route
// pattern, never the raw path (UnmatchedRoute when none matched).
func (m *Metrics) ObserveRequest(route string, code int, elapsed time.Duration) {
	if m == nil {
		return
	}
	m.Requests.With(route, m.code(code)).Inc()
	m.RequestDuration.With(route).ObserveDuration(elapsed)
}

func (m *Metrics) code(c int) string {
	if c >= 100 && c < 100+len(m.codes) {
		return m.codes[c-100]
	}
	return strconv.Itoa(c)
}

// ObserveAuth records an authentication result; realm "" means that no
// realm knew the user.
func (m *Metrics) ObserveAuth(realm string, success bool) {
	if m == nil {
		return
	}
	if realm == "" {
		realm = NoRealm
	}
	result := ResultFailure
	if success {
		result = ResultSuccess
	}
	m.Authentications.With(realm, result).Inc()
}

// ObserveCredential counts one request's credential check; kind and
// result are among the Credential and Result constants.
func (m *Metrics) ObserveCredential(kind, result string) {
	if m == nil {
		return
	}
	if c := m.credentials[[2]string{kind, result}]; c != nil {
		c.Inc()
	}
}

// ObserveSlowHash records the time of one slow password verification.
func (m *Metrics) ObserveSlowHash(d time.Duration) {
	if m == nil {
		return
	}
	m.SlowHashes.ObserveDuration(d)
}

// Lockout counts one lockout of kind LockoutUser or LockoutIP.
func (m *Metrics) Lockout(kind string) {
	if m == nil {
		return
	}
	m.Lockouts.With(kind).Inc()
}

// AddRealm exports a realm's credential cache counters, read from stats
// at scrape time, and starts its authentication results at zero. It fails
// if a realm of that name was added already.
func (m *Metrics) AddRealm(name string, stats func() authcache.Stats) error {
	realm := Label{Name: "realm", Value: name}
	funcs := []struct {
		name, help string
		f          func() float64
	}{
		{"esauth_credential_cache_hits_total", "Authentications answered by a realm's credential cache.",
			func() float64 { return float64(stats().Hits) }},
		{"esauth_credential_cache_misses_total", "Authentications a realm's credential cache could not answer.",
			func() float64 { return float64(stats().Misses) }},
		{"esauth_credential_cache_evictions_total", "Entries a realm's credential cache dropped because they expired or to make room.",
			func() float64 { return float64(stats().Evictions) }},
	}
	for _, f := range funcs {
		// Only the first can fail: the names are fixed, so a duplicate
		// realm is found before anything was added.
		if err := m.reg.CounterFunc(f.name, f.help, f.f, realm); err != nil {
			return err
		}
	}
	m.Authentications.With(name, ResultSuccess)
	m.Authentications.With(name, ResultFailure)
	return nil
}
