package audit

import (
	"sync"
	"time"
)

// Options configure a Logger; config.Config.AuditOptions builds them from
// the settings.
type Options struct {
	// Enabled is xpack.security.audit.enabled. When false, Open returns a
	// nil *Logger, which records nothing at no cost.
	Enabled bool
	// Dir is path.logs; the log is Dir/esauth_audit.json.
	Dir string
	// Events are the events to write; the zero set writes none.
	Events EventSet
	// Node is written into every event; empty fields are left out.
	Node Node
	// MaxSize is the size in bytes past which the file is rotated; 0 or
	// less never rotates. MaxFiles is how many rotated files are kept
	// (at least 1).
	MaxSize  int64
	MaxFiles int
	// FlushInterval is how often buffered events are written to the file.
	// A crash (not a Close) loses the events of the last interval at most,
	// as with log4j's buffered appenders; 0 or less writes every event
	// through at once, at the cost of one write system call per event.
	FlushInterval time.Duration
	// Now gives the events' time; nil means time.Now.
	Now func() time.Time
	// OnError, when set, is told about failures to write the file: the
	// first of each run of failures, so a full disk is reported once.
	OnError func(error)
}

// Logger writes audit events. Its methods are safe for concurrent use; a
// nil *Logger is valid and returns at once from every method without
// allocating, which is how a disabled audit log costs nothing.
//
// An event is rendered outside any lock, into a pooled buffer, then copied
// into a 64 KiB file buffer under a mutex, so lines never interleave. The
// buffer goes to the file when full, every FlushInterval and on Close.
// That keeps a system call off nearly every request, at two costs: a crash
// loses the events of the last interval (as log4j's buffered appenders
// do), and the request that fills the buffer writes it out while holding
// the mutex. A channel to a writer goroutine would avoid the second but
// allocate per event and lose events queued in it just the same.
type Logger struct {
	events EventSet
	node   []byte // the node's fields, rendered once
	now    func() time.Time
	out    *rotatingFile
	pool   sync.Pool // *[]byte line buffers

	stop      chan struct{}
	stopped   chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Open creates Dir if needed and opens the audit log for appending. It
// returns a nil Logger, and no error, when o.Enabled is false.
func Open(o Options) (*Logger, error) {
	if !o.Enabled {
		return nil, nil
	}
	out, err := openRotatingFile(o.Dir, o.MaxSize, o.MaxFiles, o.FlushInterval <= 0, o.OnError)
	if err != nil {
		return nil, err
	}
	l := &Logger{events: o.Events, node: renderNode(o.Node), now: o.Now, out: out}
	if l.now == nil {
		l.now = time.Now
	}
	l.pool.New = func() any {
		b := make([]byte, 0, 1024)
		return &b
	}
	if o.FlushInterval > 0 {
		l.stop, l.stopped = make(chan struct{}), make(chan struct{})
		go l.flushEvery(o.FlushInterval)
	}
	return l, nil
}

func (l *Logger) flushEvery(d time.Duration) {
	defer close(l.stopped)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = l.out.flush() // reported through OnError
		case <-l.stop:
			return
		}
	}
}

// Flush writes buffered events to the file now.
func (l *Logger) Flush() error {
	if l == nil {
		return nil
	}
	return l.out.flush()
}

// Close flushes buffered events and closes the file. Events logged after
// Close are dropped. Closing a nil Logger, or closing twice, does nothing.
func (l *Logger) Close() error {
	if l == nil {
		return nil
	}
	l.closeOnce.Do(func() {
		if l.stop != nil {
			close(l.stop)
			<-l.stopped
		}
		l.closeErr = l.out.close()
	})
	return l.closeErr
}

// AuthenticationSuccess records that p authenticated for req
// (authentication_success; not in Elasticsearch's default events, since it
// logs every request).
func (l *Logger) AuthenticationSuccess(req Request, p Principal) {
	if l == nil || !l.events.Has(EventAuthenticationSuccess) {
		return
	}
	l.write(&entry{eventType: "rest", action: EventAuthenticationSuccess, principal: &p, realm: p.Realm, req: &req, rest: true})
}

// AuthenticationFailed records credentials that were refused
// (authentication_failed), whether the user is unknown, the password wrong,
// the user disabled or, with f.LockedOut, locked out.
func (l *Logger) AuthenticationFailed(req Request, f Failure) {
	if l == nil || !l.events.Has(EventAuthenticationFailed) {
		return
	}
	l.write(&entry{eventType: "rest", action: EventAuthenticationFailed, userName: f.Username, req: &req, rest: true, lockedOut: f.LockedOut})
}

// AnonymousAccessDenied records a request refused because it carried no
// credentials and anonymous access is off (anonymous_access_denied).
func (l *Logger) AnonymousAccessDenied(req Request) {
	if l == nil || !l.events.Has(EventAnonymousAccessDenied) {
		return
	}
	l.write(&entry{eventType: "rest", action: EventAnonymousAccessDenied, req: &req, rest: true})
}

// AccessGranted records that p may run action, an Elasticsearch action
// name such as "cluster:admin/xpack/security/user/put" (access_granted).
func (l *Logger) AccessGranted(req Request, p Principal, action string) {
	if l == nil || !l.events.Has(EventAccessGranted) {
		return
	}
	l.write(&entry{eventType: "transport", action: EventAccessGranted, principal: &p, roles: true, req: &req, esAction: action})
}

// AccessDenied records that p may not run action (access_denied).
func (l *Logger) AccessDenied(req Request, p Principal, action string) {
	if l == nil || !l.events.Has(EventAccessDenied) {
		return
	}
	l.write(&entry{eventType: "transport", action: EventAccessDenied, principal: &p, roles: true, req: &req, esAction: action})
}

// RunAsGranted records that p.Name may run action as p.RunAsName
// (run_as_granted); p.Roles are the roles of the user who authenticated.
func (l *Logger) RunAsGranted(req Request, p Principal, action string) {
	if l == nil || !l.events.Has(EventRunAsGranted) {
		return
	}
	l.write(&entry{eventType: "transport", action: EventRunAsGranted, principal: &p, roles: true, req: &req, esAction: action})
}

// RunAsDenied records that p.Name may not run as p.RunAsName
// (run_as_denied): for action, or, with action "", at authentication
// (an empty run-as header), as a REST event.
func (l *Logger) RunAsDenied(req Request, p Principal, action string) {
	if l == nil || !l.events.Has(EventRunAsDenied) {
		return
	}
	if action == "" {
		l.write(&entry{eventType: "rest", action: EventRunAsDenied, principal: &p, req: &req, rest: true})
		return
	}
	l.write(&entry{eventType: "transport", action: EventRunAsDenied, principal: &p, roles: true, req: &req, esAction: action})
}

// SecurityConfigChange records a change to users or roles
// (security_config_change). As in Elasticsearch, call it once the request
// is parsed and authorized, before it is carried out, and only req.ID is
// written: such events carry no origin.
func (l *Logger) SecurityConfigChange(req Request, c Change) {
	if l == nil || !l.events.Has(EventSecurityConfigChange) || c.kind == 0 {
		return
	}
	l.write(&entry{eventType: "security_config_change", req: &req, change: &c})
}

// maxPooled keeps one huge event (a role with thousands of index names)
// from pinning its buffer forever.
const maxPooled = 64 << 10

func (l *Logger) write(e *entry) {
	bp := l.pool.Get().(*[]byte)
	b := l.render((*bp)[:0], e)
	l.out.write(b)
	if cap(b) <= maxPooled {
		*bp = b
		l.pool.Put(bp)
	}
}
