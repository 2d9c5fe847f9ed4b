package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/lockout"
	"github.com/esauth/esauth/internal/metrics"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
)

// challenge is the WWW-Authenticate value of Elasticsearch 8.15 and later.
const challenge = `Basic realm="security", charset="UTF-8"`

func authError(format string, args ...any) *eserr.Error {
	e := eserr.Security(http.StatusUnauthorized, format, args...)
	e.Header = map[string][]string{"WWW-Authenticate": {challenge}}
	return e
}

// authenticate runs the Basic credentials through the realm chain. Unknown
// users, wrong passwords and disabled users get one identical answer.
func (a *API) authenticate(r *request) (realm.Principal, error) {
	uri := r.RequestURI
	username, password, found, err := parseBasic(r.Header.Get("Authorization"))
	if err != nil {
		return realm.Principal{}, err
	}
	if !found {
		if a.Anonymous.Enabled() {
			return a.anonymousPrincipal(), nil
		}
		if a.Audit != nil {
			a.Audit.AnonymousAccessDenied(r.audit)
		}
		return realm.Principal{}, authError("missing authentication credentials for REST request [%s]", uri)
	}
	// A blocked username or address is refused before its password is
	// checked, so that even the right password does not get in.
	var ip string
	var now time.Time
	if a.Lockout != nil {
		ip, now = lockout.ClientKey(r.RemoteAddr), time.Now()
		if blocked, after, kind := a.Lockout.Check(username, ip, now); blocked {
			if a.Audit != nil {
				a.Audit.AuthenticationFailed(r.audit, audit.Failure{Username: username, LockedOut: true})
			}
			return realm.Principal{}, lockedOut(username, kind, after)
		}
	}
	p, ok, err := a.Realms.Authenticate(r.Context(), username, password)
	if errors.Is(err, store.ErrUnavailable) {
		return realm.Principal{}, err // a 503: the client should retry
	}
	if err != nil {
		a.Log.Error("a realm failed while authenticating", "user", username, "err", err)
		return realm.Principal{}, authError("error attempting to authenticate request")
	}
	if !ok {
		if a.Audit != nil {
			a.Audit.AuthenticationFailed(r.audit, audit.Failure{Username: username})
		}
		if a.Lockout != nil {
			userBlocked, ipBlocked := a.Lockout.Failure(username, ip, now)
			if userBlocked {
				a.Metrics.Lockout(metrics.LockoutUser)
			}
			if ipBlocked {
				a.Metrics.Lockout(metrics.LockoutIP)
			}
		}
		return realm.Principal{}, authError("unable to authenticate user [%s] for REST request [%s]", username, uri)
	}
	if a.Audit != nil {
		a.Audit.AuthenticationSuccess(r.audit, auditPrincipal(p))
	}
	if a.Lockout != nil {
		a.Lockout.Success(username, ip, now)
	}
	if a.LastAuth != nil && p.Realm.Type == config.RealmNative {
		if now.IsZero() {
			now = time.Now()
		}
		a.LastAuth.Record(p.User.Username, now)
	}
	if a.Anonymous.Enabled() {
		// Elasticsearch gives every user the anonymous roles too.
		p.User.Roles = append(slices.Clip(p.User.Roles), a.Anonymous.Roles...)
	}
	return p, nil
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

// anonymousRef is the realm Elasticsearch reports for anonymous access.
var anonymousRef = realm.Ref{Name: "__anonymous", Type: "__anonymous"}

// anonymousUser is the anonymous user as GET and _authenticate show it.
func (a *API) anonymousUser() user.User {
	return user.User{Username: a.Anonymous.Username, Roles: a.Anonymous.Roles,
		Metadata: json.RawMessage(`{"_reserved":true}`), Enabled: true}
}

func (a *API) anonymousPrincipal() realm.Principal {
	return realm.Principal{User: a.anonymousUser(), Realm: anonymousRef}
}

// isAnonymous reports a request running as the anonymous user.
func (r *request) isAnonymous() bool { return r.principal.Realm == anonymousRef }

// parseBasic extracts Basic credentials as UsernamePasswordToken does: the
// scheme is case-insensitive, padding is optional, and the password is
// everything after the first colon. Other schemes carry no credentials
// esauth understands.
func parseBasic(h string) (username, password string, found bool, err error) {
	const prefix = "basic "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", "", false, nil
	}
	enc := strings.TrimRight(strings.TrimSpace(h[len(prefix):]), "=")
	// Decode on the stack when it fits: this runs on every request.
	var stack [256]byte
	raw := stack[:0]
	if n := base64.RawStdEncoding.DecodedLen(len(enc)); n > len(stack) {
		raw = make([]byte, n)
	}
	n, decErr := base64.RawStdEncoding.Decode(raw[:cap(raw)], []byte(enc))
	if decErr != nil {
		return "", "", false, authError("invalid basic authentication header encoding")
	}
	username, password, ok := strings.Cut(string(raw[:n]), ":")
	if !ok {
		return "", "", false, authError("invalid basic authentication header value")
	}
	return username, password, true, nil
}

// contentTypeProblem returns RestController's 406 message for a request
// body esauth cannot read, or "" when the body (if any) is acceptable.
func contentTypeProblem(r *http.Request) string {
	if r.ContentLength == 0 || (r.ContentLength < 0 && r.Body == http.NoBody) || r.Method == http.MethodHead {
		return ""
	}
	values := r.Header.Values("Content-Type")
	if len(values) == 0 {
		return "Content-Type header is missing"
	}
	mt, _, err := mime.ParseMediaType(values[0])
	if err != nil || !jsonMediaType(mt) {
		return fmt.Sprintf("Content-Type header [%s] is not supported", strings.Join(values, ","))
	}
	return ""
}

func jsonMediaType(mt string) bool {
	switch strings.ToLower(mt) {
	case "application/json", "application/vnd.elasticsearch+json", "application/x-ndjson", "application/vnd.elasticsearch+x-ndjson":
		return true
	}
	return false
}

// compatProblem checks the compatible-with versions the official clients
// send on Accept and Content-Type. esauth answers majors 7, 8 and 9, so
// that every current client works.
func compatProblem(r *http.Request) error {
	for _, name := range []string{"Accept", "Content-Type"} {
		for _, v := range r.Header.Values(name) {
			for _, item := range strings.Split(v, ",") {
				_, params, err := mime.ParseMediaType(strings.TrimSpace(item))
				if err != nil {
					continue
				}
				ver, ok := params["compatible-with"]
				if !ok || ver == "7" || ver == "8" || ver == "9" {
					continue
				}
				return &eserr.Error{Type: "media_type_header_exception", Status: http.StatusBadRequest,
					Reason: "Invalid media-type value on headers [" + name + "]",
					CausedBy: &eserr.Error{Type: "status_exception", Status: http.StatusBadRequest,
						Reason: fmt.Sprintf("%s version must be either version 9, 8 or 7, but found %s. %s=%s", name, ver, name, v)}}
			}
		}
	}
	return nil
}
