package authn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/lastauth"
	"github.com/esauth/esauth/internal/lockout"
	"github.com/esauth/esauth/internal/metrics"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
)

// Authenticator authenticates requests from their headers alone, so that
// nothing of a request's body is read before its caller is known.
type Authenticator struct {
	// Realms authenticate Basic credentials, in order.
	Realms realm.Chain
	// APIKeys verifies `ApiKey` credentials; nil when API keys are off,
	// and the header is then no credential at all, as in Elasticsearch.
	APIKeys APIKeyVerifier
	// ServiceTokens verifies service account tokens (Bearer); nil when
	// there are none.
	ServiceTokens ServiceTokenVerifier
	// Tokens verifies the token service's access tokens (Bearer), after
	// service tokens; nil when there is no token service.
	Tokens TokenVerifier
	// Lookup are every realm, in order, for finding a run-as user.
	Lookup []realm.Realm
	// Anonymous is the anonymous-access configuration: requests without
	// credentials run as it when it has roles, and its roles are added to
	// every authenticated user's.
	Anonymous config.Anonymous
	// Lockout blocks usernames and addresses after repeated failures; nil
	// when esauth.security.lockout.enabled is false.
	Lockout *lockout.Tracker
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the client; without them every client is its socket address.
	TrustedProxies lockout.TrustedProxies
	// SkipIP, when set, names the accounts whose logins neither count
	// against nor are blocked by their client address (recovery accounts).
	SkipIP func(username string) bool
	// LastAuth records native users' last successful authentication; nil
	// when not kept.
	LastAuth *lastauth.Recorder
	// Audit writes the authentication events; nil when auditing is off.
	Audit *audit.Logger
	// Metrics counts lockouts; nil when off.
	Metrics *metrics.Metrics
	Log     *slog.Logger
}

// settleWait bounds how long an attempt refused as busy waits for the
// user's other attempts: a few slow checks at high costs.
const settleWait = 3 * time.Second

// RunAsHeader names the user a request asks to run as (Elasticsearch's
// es-security-runas-user), in Go's canonical form.
const RunAsHeader = "Es-Security-Runas-User"

// Authenticate decides who sent r, and whom it runs as. Unknown users,
// wrong passwords and disabled users get one identical answer.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, ar audit.Request) (_ Authentication, err error) {
	if a.Metrics != nil {
		defer func() {
			a.Metrics.ObserveCredential(credentialKind(r.Header.Get("Authorization")), credentialResult(err))
		}()
	}
	auth, err := a.authenticate(ctx, r, ar)
	if err != nil {
		return Authentication{}, err
	}
	if _, sent := r.Header[RunAsHeader]; sent {
		// Never run with the caller's own privileges once run-as was asked.
		if auth, err = a.runAs(ctx, r, ar, auth); err != nil {
			return Authentication{}, err
		}
	}
	if !auth.IsAnonymous() {
		a.Audit.AuthenticationSuccess(ar, auth.Audit())
	}
	return auth, nil
}

// authenticate checks the credentials r carries.
func (a *Authenticator) authenticate(ctx context.Context, r *http.Request, ar audit.Request) (Authentication, error) {
	uri := r.RequestURI
	header := r.Header.Get("Authorization")
	if bearer, ok := bearerCredentials(header); ok {
		// Elasticsearch's chain starts with service accounts, then the
		// token service's access tokens.
		if a.ServiceTokens != nil {
			if auth, mine, err := a.serviceToken(ctx, bearer, ar); mine {
				return auth, err
			}
		}
		if a.Tokens != nil {
			if auth, mine, err := a.accessToken(ctx, bearer, ar); mine {
				return auth, err
			}
		}
		// A bearer token that nothing accepted is a failed credential,
		// not an absent one: Elasticsearch's chain then does not fall
		// back to anonymous (shouldFallbackToAnonymous).
		return Authentication{}, a.bearerRefused(ar)
	}
	if a.APIKeys != nil {
		if cred, ok := apiKeyCredentials(header); ok {
			return a.apiKey(ctx, cred, ar)
		}
	}
	username, password, found, err := ParseBasic(header)
	if err != nil {
		return Authentication{}, err
	}
	if !found {
		if a.Anonymous.Enabled() {
			return anonymous(a.Anonymous), nil
		}
		a.Audit.AnonymousAccessDenied(ar)
		return Authentication{}, Unauthenticated("missing authentication credentials for REST request [%s]", uri)
	}
	return a.login(ctx, r, ar, username, password, func() *eserr.Error {
		return Unauthenticated("unable to authenticate user [%s] for REST request [%s]", username, uri)
	})
}

// login checks a username and password through the lockout and the realm
// chain; refused is the 401 of credentials that are wrong.
func (a *Authenticator) login(ctx context.Context, r *http.Request, ar audit.Request, username, password string, refused func() *eserr.Error) (Authentication, error) {
	if len(username) > user.MaxFileNameLength {
		// No realm has such a user: refused before any realm, lockout or
		// cache keeps a key of this size.
		a.Audit.AuthenticationFailed(ar, audit.Failure{Username: username})
		return Authentication{}, refused()
	}
	now := time.Now()
	client := lockout.ClientKey(a.TrustedProxies.Client(r.RemoteAddr, r.Header.Values("X-Forwarded-For")))
	skipIP := a.SkipIP != nil && a.SkipIP(username)
	// Credentials the cache already proved right cost no slow check, so
	// they take no place among the attempts; a block still refuses them.
	if p, ok := a.Realms.Cached(username, password); ok {
		if allowed, after, kind := a.Lockout.Passed(username, client, skipIP, now); !allowed {
			a.Audit.AuthenticationFailed(ar, audit.Failure{Username: username, LockedOut: true})
			return Authentication{}, lockedOut(username, kind, after)
		}
		return a.succeeded(p, now), nil
	}
	// Any other attempt reserves its place before any password is
	// checked: a blocked username or address is refused, even with the
	// right password, and so is an attempt past the limit while others
	// are still being checked.
	attempt, allowed, after, kind := a.Lockout.Begin(username, client, skipIP, now)
	if !allowed && kind == lockout.KindUser && a.Lockout.Settled(ctx, username, settleWait) {
		// Refused only while the user's other attempts were checked:
		// if one of them proved these credentials, they pass.
		if p, ok := a.Realms.Cached(username, password); ok {
			if allowed, after, kind := a.Lockout.Passed(username, client, skipIP, time.Now()); !allowed {
				a.Audit.AuthenticationFailed(ar, audit.Failure{Username: username, LockedOut: true})
				return Authentication{}, lockedOut(username, kind, after)
			}
			return a.succeeded(p, now), nil
		}
	}
	if !allowed {
		a.Audit.AuthenticationFailed(ar, audit.Failure{Username: username, LockedOut: true})
		return Authentication{}, lockedOut(username, kind, after)
	}
	finished := false
	defer func() {
		if !finished { // a realm panicked: free the place, count nothing
			attempt.Abandon()
		}
	}()
	// The gate queues slow checks fairly by client and username.
	p, ok, err := a.Realms.Authenticate(realm.WithClient(ctx, client), username, password)
	finished = true
	var busy *realm.BusyError
	if errors.As(err, &busy) {
		attempt.Abandon()
		a.Realms.Gate.Stall(ctx)
		return Authentication{}, tooBusy(busy.RetryAfter)
	}
	if errors.Is(err, store.ErrUnavailable) {
		attempt.Abandon()
		return Authentication{}, err // a 503: the client should retry
	}
	if err != nil {
		attempt.Abandon()
		a.Log.Error("a realm failed while authenticating", "user", username, "err", err)
		return Authentication{}, Unauthenticated("error attempting to authenticate request")
	}
	if !ok {
		a.Audit.AuthenticationFailed(ar, audit.Failure{Username: username})
		userBlocked, ipBlocked := attempt.Failed(time.Now())
		if userBlocked {
			a.Metrics.Lockout(metrics.LockoutUser)
		}
		if ipBlocked {
			a.Metrics.Lockout(metrics.LockoutIP)
		}
		return Authentication{}, refused()
	}
	attempt.Succeeded(time.Now())
	return a.succeeded(p, now), nil
}

// succeeded is a successful login of p: its last login noted, and the
// anonymous roles added.
func (a *Authenticator) succeeded(p realm.Principal, now time.Time) Authentication {
	if a.LastAuth != nil && p.Realm.Type == config.RealmNative {
		a.LastAuth.Record(p.User.Username, now)
	}
	p.User.Roles = a.withAnonymousRoles(p.User.Roles)
	return Authentication{Authenticating: p, Effective: p, Type: TypeRealm}
}

// withAnonymousRoles adds the anonymous roles, which Elasticsearch gives
// every user while anonymous access is on.
func (a *Authenticator) withAnonymousRoles(roles []string) []string {
	if !a.Anonymous.Enabled() {
		return roles
	}
	return append(slices.Clip(roles), a.Anonymous.Roles...)
}

// runAs looks up the user named by the run-as header, as Elasticsearch's
// authenticator chain does: an empty name fails authentication, a
// disabled user too, and a name no realm knows is not an error here (that
// would tell which users exist) but a user without a realm, whom
// authorization refuses.
func (a *Authenticator) runAs(ctx context.Context, r *http.Request, ar audit.Request, auth Authentication) (Authentication, error) {
	target := r.Header.Get(RunAsHeader)
	refused := func() error {
		return Unauthenticated("unable to authenticate user [%s] for REST request [%s]", auth.Authenticating.User.Username, r.RequestURI)
	}
	if target == "" {
		a.Audit.RunAsDenied(ar, auth.RunAs(realm.Principal{}).AuditRunAs(), "")
		return Authentication{}, refused()
	}
	eff, found, err := realm.Lookup(ctx, a.Lookup, target)
	if errors.Is(err, store.ErrUnavailable) {
		return Authentication{}, err
	}
	if err != nil {
		a.Log.Error("a realm failed while looking up a run-as user", "user", target, "err", err)
		return Authentication{}, Unauthenticated("error attempting to authenticate request")
	}
	if !found {
		return auth.RunAs(realm.Principal{User: user.User{Username: strings.Clone(target)}}), nil
	}
	if !eff.User.Enabled {
		a.Audit.AuthenticationFailed(ar, audit.Failure{Username: auth.Authenticating.User.Username})
		return Authentication{}, refused()
	}
	eff.User.Roles = a.withAnonymousRoles(eff.User.Roles)
	return auth.RunAs(eff), nil
}

// lockedOut is the 429 of a blocked username or address, with the
// Retry-After a client should wait, in whole seconds.
func lockedOut(username, kind string, after time.Duration) error {
	secs := int64(math.Ceil(after.Seconds()))
	who := fmt.Sprintf("user [%s]", username)
	if kind == lockout.KindIP {
		who = "this address"
	}
	e := eserr.Security(http.StatusTooManyRequests,
		"too many failed authentication attempts for %s; try again in %d seconds", who, secs)
	e.Header = map[string][]string{"Retry-After": {strconv.FormatInt(secs, 10)}}
	return e
}

// tooBusy is the 429 of a login refused because too many slow checks are
// waiting already, from this client or in all.
func tooBusy(after time.Duration) error {
	secs := max(1, int64(math.Ceil(after.Seconds())))
	e := eserr.Security(http.StatusTooManyRequests,
		"too many authentication attempts are being checked; try again in %d seconds", secs)
	e.Header = map[string][]string{"Retry-After": {strconv.FormatInt(secs, 10)}}
	return e
}

// Audit describes the caller to the audit log as its access events name
// it: the user the request runs as, and who it runs as them.
func (a Authentication) Audit() audit.Principal {
	ap := audit.Principal{Name: a.Effective.User.Username, Realm: a.Effective.Realm.Name, Roles: a.Effective.User.Roles, Type: audit.Realm}
	switch {
	case a.IsAnonymous():
		ap.Type = audit.Anonymous
	case a.APIKey != nil && !a.runAs:
		// Elasticsearch names the key's owner and the owner's realm.
		ap.Type, ap.Realm = audit.APIKey, a.APIKey.OwnerRealm.Name
		ap.APIKeyID, ap.APIKeyName = a.APIKey.ID, a.APIKey.Name
	case a.ServiceAccount != nil && !a.runAs:
		ap.Type = audit.Token
		ap.TokenName, ap.TokenType = a.ServiceAccount.TokenName, a.ServiceAccount.TokenType
	case a.Type == TypeToken && !a.runAs:
		ap.Type = audit.Token // an access token: the user and its realm
	}
	if a.runAs {
		ap.RunByName, ap.RunByRealm = a.Authenticating.User.Username, a.Authenticating.Realm.Name
	}
	return ap
}

// AuditRunAs describes a run-as as its run_as_granted and run_as_denied
// events name it: the user who authenticated, with their roles, and the
// user asked for.
func (a Authentication) AuditRunAs() audit.Principal {
	ap := audit.Principal{Name: a.Authenticating.User.Username, Realm: a.Authenticating.Realm.Name,
		Roles: a.Authenticating.User.Roles, Type: audit.Realm,
		RunAsName: a.Effective.User.Username, RunAsRealm: a.Effective.Realm.Name}
	if a.Type == TypeAnonymous {
		ap.Type = audit.Anonymous
	}
	return ap
}

// credentialKind names the credential an Authorization header carries,
// by its scheme, for the metrics.
func credentialKind(h string) string {
	scheme, _, _ := strings.Cut(h, " ")
	switch {
	case h == "":
		return metrics.CredentialNone
	case strings.EqualFold(scheme, "basic"):
		return metrics.CredentialBasic
	case strings.EqualFold(scheme, "apikey"):
		return metrics.CredentialAPIKey
	case strings.EqualFold(scheme, "bearer"):
		return metrics.CredentialBearer
	}
	return metrics.CredentialOther
}

// credentialResult classes an authentication's outcome for the metrics.
func credentialResult(err error) string {
	var e *eserr.Error
	switch {
	case err == nil:
		return metrics.ResultSuccess
	case errors.As(err, &e) && e.Status == http.StatusUnauthorized:
		return metrics.ResultFailure
	case errors.As(err, &e) && e.Status == http.StatusTooManyRequests:
		return metrics.CredentialRefused
	}
	return metrics.CredentialError
}
