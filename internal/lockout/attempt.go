package lockout

import (
	"context"
	"time"
)

// busyRetry is the wait Begin asks for when it refuses because the
// attempts already in flight fill a key's run: they end within a password
// check or so, and then either a block starts or there is room again.
const busyRetry = time.Second

// Attempt is a login attempt reserved by Begin. Exactly one of Failed,
// Succeeded and Abandon must be called on it, once: an attempt never
// finished keeps its reservation, and enough of them refuse the key for
// good; one finished twice frees another attempt's place. The zero Attempt
// (lockout off, or nothing to track) may be finished and does nothing.
type Attempt struct {
	t *Tracker
	// The keys reserved, "" for none. user is the caller's string, kept
	// only until the outcome: the tables copy what they store.
	user, ip string
	uh, ih   uint64 // their hashes, computed once
}

// Begin reserves a login attempt for username from ip (a ClientKey)
// before any password is checked, and must be called before any
// credential cache too: a correct password does not get past a block.
//
// It refuses (ok false) when a block is in force for either key, for the
// time it has left (the longer one when both are blocked), or when the
// failures of a key's current run plus its attempts in flight reach its
// limit, for a second. With MaxAttempts 5, at most 5 attempts for
// one username are between Begin and their outcome at any time, and none
// once 5 have failed. kind is KindUser or KindIP, whichever refused.
//
// An empty username or ip is left out, and so is ip when skipIP is set:
// the address is then neither checked nor counted, for accounts that must
// stay reachable from an address blocked by others' failures (the
// username's own limit still holds). Admitting an attempt costs no
// allocation.
func (t *Tracker) Begin(username, ip string, skipIP bool, now time.Time) (a Attempt, ok bool, retryAfter time.Duration, kind string) {
	if t == nil {
		return Attempt{}, true, 0, ""
	}
	if skipIP || !t.ips.tracks(ip) {
		ip = ""
	}
	if username == "" && ip == "" {
		return Attempt{}, true, 0, ""
	}
	n := now.UnixNano()
	a = Attempt{t: t, user: username, ip: ip}
	if username != "" {
		a.uh = t.users.hash(username)
		if ok, blockedFor := t.users.reserve(username, a.uh, n); !ok {
			retryAfter, kind = t.refusedUser(blockedFor, ip, n)
			return Attempt{}, false, retryAfter, kind
		}
	}
	if ip != "" {
		a.ih = t.ips.hash(ip)
		if ok, blockedFor := t.ips.reserve(ip, a.ih, n); !ok {
			if username != "" {
				// Held for a moment only: a Begin for the same name in
				// between may be refused as busy, never admitted in excess.
				t.users.release(a.uh)
			}
			return Attempt{}, false, wait(blockedFor), KindIP
		}
	}
	t.inflight.Add(1)
	return a, true, 0, ""
}

// Passed admits a login the credential cache proved right with no slow
// check: refused while the username or the address is blocked, else the
// username's failures are forgotten, as after a checked success. It
// reserves no place: the places bound the slow checks of wrong guesses,
// and must not turn away a user's own concurrent requests.
func (t *Tracker) Passed(username, ip string, skipIP bool, now time.Time) (ok bool, retryAfter time.Duration, kind string) {
	if t == nil {
		return true, 0, ""
	}
	if skipIP || !t.ips.tracks(ip) {
		ip = ""
	}
	n := now.UnixNano()
	if ufor := t.users.remaining(username, n); ufor > 0 {
		retryAfter, kind = t.refusedUser(ufor, ip, n)
		return false, retryAfter, kind
	}
	if ifor := t.ips.remaining(ip, n); ifor > 0 {
		return false, wait(ifor), KindIP
	}
	t.users.cleared(username, n)
	return true, 0, ""
}

// settlePoll is how often Settled looks again.
const settlePoll = 2 * time.Millisecond

// Settled waits, at most max, until no attempt of username is in flight,
// and reports whether that happened with the username not blocked. A
// request refused only because the same user's other attempts are being
// checked (a client opening many connections at once with credentials
// not yet in the cache) may then find their verdict in the cache.
func (t *Tracker) Settled(ctx context.Context, username string, max time.Duration) bool {
	if t == nil {
		return true
	}
	deadline := time.Now().Add(max)
	for {
		if t.users.remaining(username, time.Now().UnixNano()) > 0 {
			return false
		}
		if !t.users.busy(username) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(settlePoll):
		}
	}
}

// refusedUser says why a username refused by its table is refused: the
// address's block wins over being busy, and over a shorter user block.
func (t *Tracker) refusedUser(blockedFor int64, ip string, now int64) (time.Duration, string) {
	if ipFor := t.ips.remaining(ip, now); ipFor > blockedFor {
		return time.Duration(ipFor), KindIP
	}
	return wait(blockedFor), KindUser
}

// wait turns a refusal's block time into a Retry-After: 0 means busy.
func wait(blockedFor int64) time.Duration {
	if blockedFor == 0 {
		return busyRetry
	}
	return time.Duration(blockedFor)
}

// Failed ends the attempt as rejected credentials (wrong password,
// unknown or disabled user): it counts a failure for the username and the
// address and reports whether it started a block of either. Call it only
// when a realm rejected well-formed credentials.
func (a Attempt) Failed(now time.Time) (userBlocked, ipBlocked bool) {
	if a.t == nil {
		return false, false
	}
	n := now.UnixNano()
	var e entry
	if a.user != "" {
		if userBlocked, e = a.t.users.failed(a.user, a.uh, true, n); userBlocked {
			a.t.persist(KindUser, a.user, e)
		}
	}
	if a.ip != "" {
		if ipBlocked, e = a.t.ips.failed(a.ip, a.ih, true, n); ipBlocked {
			a.t.persist(KindIP, a.ip, e)
		}
	}
	a.t.inflight.Add(-1)
	return userBlocked, ipBlocked
}

// Succeeded ends the attempt as accepted credentials: it forgets the
// username's run. The address keeps its count, so that one valid account
// does not let its holder keep guessing others', and a block in force
// stays.
func (a Attempt) Succeeded(now time.Time) {
	if a.t == nil {
		return
	}
	if a.user != "" {
		a.t.users.succeeded(a.user, a.uh, now.UnixNano())
	}
	if a.ip != "" {
		a.t.ips.release(a.ih)
	}
	a.t.inflight.Add(-1)
}

// Abandon ends the attempt without a verdict (the store was unavailable,
// the client went away, a realm failed): nothing is counted.
func (a Attempt) Abandon() {
	if a.t == nil {
		return
	}
	if a.user != "" {
		a.t.users.release(a.uh)
	}
	if a.ip != "" {
		a.t.ips.release(a.ih)
	}
	a.t.inflight.Add(-1)
}
