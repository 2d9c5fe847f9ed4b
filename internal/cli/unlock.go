package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/lockout"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
)

const unlockUsage = `Lifts login lockout blocks, even when the API that lifts them is
blocked too

Usage: esauth unlock user USERNAME [options]
       esauth unlock ip ADDRESS [options]
       esauth unlock --all [options]

Options
  --all                    lift every block in force
` + nodeOptionsUsage + commonOptions + `
ADDRESS is an IP address; an IPv6 address stands for its /64, as blocks
do. With a shared store (esauth.store.type: etcd), or with the node
stopped, the blocks are deleted from the store directly; running nodes
follow. With the embedded store of a running node (the file is then
locked), or with --url, the tool adds a temporary superuser to the file
realm, as reset-password does, and lifts the blocks through the API as
that user. That user is exempt from address blocks, so the tool works from
a blocked address too. That needs the file realm enabled.

Exit codes: 0 when the block was lifted (with --all, also when nothing
was locked); 67 when the user or address was not locked; 64 for a bad
command line; 66 when path.data holds no store; 69 or 75 when the node
cannot be reached or refuses; 78 for wrong settings or a node certificate
that is not trusted.
`

// unlockTarget is what to unlock: one key of a kind, or every block.
type unlockTarget struct {
	all       bool
	kind, key string
}

// describe names the target in messages: "User [bob]", "Address [10.0.0.1]".
func describe(kind, key string) string {
	if kind == lockout.KindIP {
		return "Address [" + key + "]"
	}
	return "User [" + key + "]"
}

// Unlock is "esauth unlock", which has no Elasticsearch counterpart:
// Elasticsearch has no lockout.
func Unlock(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, stdin, stdout, stderr, unlockUsage, func(e *env) error {
		f := newFlags("unlock")
		var o nodeOptions
		var all bool
		f.boolVar(&all, "all")
		o.register(f)
		pos, err := f.parse(args)
		if err != nil {
			return err
		}
		target, err := parseUnlockTarget(all, pos)
		if err != nil {
			return err
		}
		cfg, err := f.settings()
		if err != nil {
			return err
		}
		if err := o.check(cfg); err != nil {
			return err
		}
		if o.url == "" {
			db, err := openExistingStore(e.ctx, cfg)
			switch {
			case err == nil:
				defer db.Close()
				return unlockInStore(e, db, target)
			case !errors.Is(err, boltstore.ErrInUse):
				return err
			}
			// The node is running: go through its API.
		}
		return unlockThroughNode(e, cfg, o, target)
	})
}

// parseUnlockTarget reads "user NAME", "ip ADDRESS" or --all.
func parseUnlockTarget(all bool, pos []string) (unlockTarget, error) {
	if all {
		if len(pos) > 0 {
			return unlockTarget{}, fail(exitUsage, "--all takes no other argument")
		}
		return unlockTarget{all: true}, nil
	}
	if len(pos) == 0 {
		return unlockTarget{}, fail(exitUsage, "Missing what to unlock: [user NAME], [ip ADDRESS] or [--all]")
	}
	kind := pos[0]
	switch {
	case kind != lockout.KindUser && kind != lockout.KindIP:
		return unlockTarget{}, fail(exitUsage, "Unknown kind [%s]; use [%s] or [%s]", kind, lockout.KindUser, lockout.KindIP)
	case (len(pos) == 1 || pos[1] == "") && kind == lockout.KindUser:
		return unlockTarget{}, fail(exitUsage, "Missing the username to unlock")
	case len(pos) == 1 || pos[1] == "":
		return unlockTarget{}, fail(exitUsage, "Missing the address to unlock")
	case len(pos) > 2:
		return unlockTarget{}, fail(exitUsage, "Unexpected argument [%s]", pos[2])
	}
	key := pos[1]
	if kind == lockout.KindIP {
		var ok bool
		if key, ok = addressKey(key); !ok {
			return unlockTarget{}, fail(exitUsage, "[%s] is not an IP address", pos[1])
		}
	}
	return unlockTarget{kind: kind, key: key}, nil
}

// addressKey is the key an address is blocked under: the address, or the
// /64 of an IPv6 address, given as an address or as that prefix (as the
// locked-users API lists it).
func addressKey(s string) (string, bool) {
	if k := lockout.ClientKey(s); k != "" {
		return k, true
	}
	if p, err := netip.ParsePrefix(s); err == nil && p.Addr().Is6() && !p.Addr().Is4In6() && p.Bits() == 64 {
		return lockout.ClientKey(p.Addr().String()), true
	}
	return "", false
}

// unlockInStore deletes blocks from the store, reading them with the
// lockout package's own code so that only blocks in force are reported.
// The record of an ended block is deleted as well, and is not reported.
func unlockInStore(e *env, db store.Store, target unlockTarget) error {
	// The limits do not matter: this tracker only reads and deletes
	// records. Addresses must be tracked for their records to be read.
	t, err := lockout.New(lockout.Config{MaxAttempts: 1, IPMaxAttempts: 1, Window: time.Minute, Duration: time.Minute, Store: db})
	if err != nil {
		return fail(exitCodeError, "%v", err)
	}
	defer t.Close(context.WithoutCancel(e.ctx))
	if err := t.Load(e.ctx); err != nil {
		return storeFailure(e, "reading the blocks", err)
	}
	locked := t.Locked(time.Now())
	if target.all {
		if len(locked) == 0 {
			fmt.Fprintln(e.stdout, "No user or address is locked.")
			return nil
		}
		for _, l := range locked {
			if _, err := t.Unlock(e.ctx, l.Kind, l.Key); err != nil {
				return storeFailure(e, "unlocking", err)
			}
			fmt.Fprintf(e.stdout, "%s unlocked.\n", describe(l.Kind, l.Key))
		}
		return nil
	}
	inForce := false
	for _, l := range locked {
		inForce = inForce || l.Kind == target.kind && l.Key == target.key
	}
	// Nothing is deleted unless the block was read: a node may write it
	// between the read and a delete, which would then lift a block this
	// command reports as absent.
	if !inForce {
		return fail(exitNoUser, "%s is not locked", describe(target.kind, target.key))
	}
	if _, err := t.Unlock(e.ctx, target.kind, target.key); err != nil {
		return storeFailure(e, "unlocking", err)
	}
	fmt.Fprintf(e.stdout, "%s unlocked.\n", describe(target.kind, target.key))
	return nil
}

// storeFailure reports a failed store operation, or the interruption
// that caused it.
func storeFailure(e *env, what string, err error) error {
	if e.ctx.Err() != nil {
		return interrupted()
	}
	return fail(exitIOError, "Failed %s in the store: %v", what, err)
}

// lockedUsersPath is the node's locked-users API, relative to its URL.
const lockedUsersPath = "_security/_esauth/locked_users"

// unlockThroughNode lifts blocks with the node's API, as a temporary file
// realm superuser.
func unlockThroughNode(e *env, cfg config.Config, o nodeOptions, target unlockTarget) error {
	return asTempSuperuser(e, cfg, o, func(c *nodeClient) error {
		if !target.all {
			return unlockOne(e, c, target.kind, target.key, false)
		}
		status, body, err := c.do(http.MethodGet, lockedUsersPath, nil)
		if err := apiFailure(e, "list the blocks", status, body, err); err != nil {
			return err
		}
		var list struct {
			LockedUsers []struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
			} `json:"locked_users"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return fail(exitDataError, "Failed to list the blocks: unexpected answer from the node: %v", err)
		}
		lifted := 0
		for _, l := range list.LockedUsers {
			if err := unlockOne(e, c, l.Kind, l.Name, true); err != nil {
				return err
			}
			lifted++
		}
		if lifted == 0 {
			fmt.Fprintln(e.stdout, "No user or address is locked.")
		}
		return nil
	})
}

// unlockOne lifts one block through the API. With quiet, a block that
// ended meanwhile is not an error.
func unlockOne(e *env, c *nodeClient, kind, key string, quiet bool) error {
	status, body, err := c.do(http.MethodDelete, lockedUsersPath+"/"+url.PathEscape(kind)+"/"+url.PathEscape(key), nil)
	if err == nil && status == http.StatusNotFound {
		if quiet {
			return nil
		}
		return fail(exitNoUser, "%s is not locked", describe(kind, key))
	}
	if err := apiFailure(e, "unlock "+describe(kind, key), status, body, err); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s unlocked.\n", describe(kind, key))
	return nil
}

// apiFailure turns a failed call into the tool's error, as reset-password
// reports them; nil for a 200.
func apiFailure(e *env, what string, status int, body []byte, err error) error {
	switch {
	case err != nil && e.ctx.Err() != nil:
		return interrupted()
	case err != nil:
		return fail(exitTempFailure, "Failed to %s: %v", what, err)
	case status != http.StatusOK:
		msg := fmt.Sprintf("Failed to %s. Unexpected http status [%d].", what, status)
		if cause := errorCause(body); cause != "" {
			msg += " Cause was " + cause
		}
		return fail(exitTempFailure, "%s", msg)
	}
	return nil
}
