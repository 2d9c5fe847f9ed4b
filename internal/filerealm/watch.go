package filerealm

import (
	"context"
	"path/filepath"
	"time"

	"github.com/esauth/esauth/internal/filewatch"
)

// DefaultInterval is the poll interval Watch uses when given none. With the
// settle time of settlePolls intervals, an edit takes effect about 2 to
// 2.5 s after the file stops changing, inside the 5 s of Elasticsearch's
// resource watcher ("high" frequency).
const DefaultInterval = 500 * time.Millisecond

// settlePolls is how many poll intervals the files must stay unchanged
// before a reload. Polling cannot tell a finished file from one whose
// writer paused: only waiting can. A writer that pauses for longer than
// this can still expose a half-written file; tools that rename a complete
// file into place (elasticsearch-users, WriteUsers) never do.
const settlePolls = 3

// Watch polls the users and users_roles files every interval (DefaultInterval
// if interval <= 0) and reloads the realm when either has changed, then
// calls onChange (which may be nil) once per reload that changed a user,
// hash or role; the caller clears the realm's credential cache there. It
// returns when ctx is done. Run at most one Watch per realm.
//
// Each poll reads both files in full and fingerprints them with SHA-256:
// the files are small, and unlike size and mtime the content also catches a
// same-size rewrite within the file system's timestamp granularity (a
// bcrypt hash is always 60 bytes). A changed state is loaded only once it
// has been seen unchanged for settlePolls*interval, so a file caught in the
// middle of an in-place rewrite is never loaded; the table is then built
// from exactly the bytes that were seen to be stable and swapped in whole.
// A missing file contributes no entries; an unreadable one contributes none
// either and is logged, as in Elasticsearch.
func (r *Realm) Watch(ctx context.Context, interval time.Duration, onChange func()) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	usersPath := filepath.Join(r.dir, UsersFile)
	rolesPath := filepath.Join(r.dir, UsersRolesFile)
	type files struct{ users, roles observation }
	filewatch.Settled(ctx, interval, settlePolls,
		func() (state, files) {
			f := files{observe(usersPath), observe(rolesPath)}
			return state{users: f.users.state, roles: f.roles.state}, f
		},
		func(st state) bool { return st == r.table.Load().state },
		func(_ state, f files) {
			if r.install(f.users, f.roles) && onChange != nil {
				onChange()
			}
		})
}

// install builds and swaps in a new table and reports whether it differs
// from the old one in anything that matters for authentication.
func (r *Realm) install(users, roles observation) bool {
	t, problems, errs := build(users, roles)
	r.logProblems(problems)
	for _, err := range errs {
		r.log.Error("file realm: file ignored", "realm", r.ref.Name, "error", err)
	}
	old := r.table.Swap(t)
	if old.state.users.exists && !t.state.users.exists {
		r.log.Warn("file realm: users file removed; no file users", "realm", r.ref.Name, "file", users.path)
	}
	if old.state.roles.exists && !t.state.roles.exists {
		r.log.Warn("file realm: users_roles file removed; file users have no roles", "realm", r.ref.Name, "file", roles.path)
	}
	if t.equal(old) {
		return false
	}
	r.log.Info("file realm: files changed, users reloaded", "realm", r.ref.Name, "users", len(t.users))
	return true
}
