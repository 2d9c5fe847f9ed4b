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
	"time"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/lastauth"
	"github.com/esauth/esauth/internal/lockout"
	"github.com/esauth/esauth/internal/metrics"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/store"
)

// Authenticator authenticates requests from their headers alone, so that
// nothing of a request's body is read before its caller is known.
type Authenticator struct {
	// Realms authenticate Basic credentials, in order.
	Realms realm.Chain
	// Anonymous is the anonymous-access configuration: requests without
	// credentials run as it when it has roles, and its roles are added to
	// every authenticated user's.
	Anonymous config.Anonymous
	// Lockout blocks usernames and addresses after repeated failures; nil
	// when esauth.security.lockout.enabled is false.
	Lockout *lockout.Tracker
	// LastAuth records native users' last successful authentication; nil
	// when not kept.
	LastAuth *lastauth.Recorder
	// Audit writes the authentication events; nil when auditing is off.
	Audit *audit.Logger
	// Metrics counts lockouts; nil when off.
	Metrics *metrics.Metrics
	Log     *slog.Logger
}

// Authenticate decides who sent r. Unknown users, wrong passwords and
// disabled users get one identical answer.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, ar audit.Request) (Authentication, error) {
	uri := r.RequestURI
	username, password, found, err := ParseBasic(r.Header.Get("Authorization"))
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
	// The attempt reserves its place before any password is checked: a
	// blocked username or address is refused, even with the right
	// password, and so is an attempt past the limit while others are
	// still being checked.
	now := time.Now()
	client := lockout.ClientKey(r.RemoteAddr)
	attempt, allowed, after, kind := a.Lockout.Begin(username, client, false, now)
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
		return Authentication{}, Unauthenticated("unable to authenticate user [%s] for REST request [%s]", username, uri)
	}
	attempt.Succeeded(time.Now())
	a.Audit.AuthenticationSuccess(ar, AuditPrincipal(p, false))
	if a.LastAuth != nil && p.Realm.Type == config.RealmNative {
		a.LastAuth.Record(p.User.Username, now)
	}
	if a.Anonymous.Enabled() {
		// Elasticsearch gives every user the anonymous roles too.
		p.User.Roles = append(slices.Clip(p.User.Roles), a.Anonymous.Roles...)
	}
	return Authentication{Authenticating: p, Effective: p, Type: TypeRealm}, nil
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

// AuditPrincipal describes p to the audit log.
func AuditPrincipal(p realm.Principal, anonymous bool) audit.Principal {
	ap := audit.Principal{Name: p.User.Username, Realm: p.Realm.Name, Roles: p.User.Roles, Type: audit.Realm}
	if anonymous {
		ap.Type = audit.Anonymous
	}
	return ap
}

// Audit describes the caller to the audit log.
func (a Authentication) Audit() audit.Principal { return AuditPrincipal(a.Effective, a.IsAnonymous()) }
