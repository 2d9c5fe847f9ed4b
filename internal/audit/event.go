package audit

import (
	"errors"
	"fmt"
	"strings"
)

// Event is one kind of audit event, named as
// xpack.security.audit.logfile.events.include names it.
type Event uint16

// The events Elasticsearch knows (its AuditLevel). esauth accepts every
// name so that an elasticsearch.yml copied from Elasticsearch still loads;
// it emits only those its Logger has a method for. The others
// (realm_authentication_failed, tampered_request, connection_*,
// system_access_granted) concern features esauth does not have.
const (
	EventAnonymousAccessDenied Event = 1 << iota
	EventAuthenticationFailed
	EventRealmAuthenticationFailed
	EventAccessGranted
	EventAccessDenied
	EventTamperedRequest
	EventConnectionGranted
	EventConnectionDenied
	EventSystemAccessGranted
	EventSecurityConfigChange
	EventAuthenticationSuccess
	EventRunAsGranted
	EventRunAsDenied

	lastEvent = EventRunAsDenied
)

// EventSet is a set of events: the ones a Logger writes.
type EventSet uint16

// AllEvents is what "_all" selects.
const AllEvents = EventSet(lastEvent<<1 - 1)

// DefaultEvents is Elasticsearch's default for events.include. It leaves
// out authentication_success, which would log every request, as well as
// realm_authentication_failed, connection_granted and system_access_granted.
const DefaultEvents = EventSet(EventAccessDenied | EventAccessGranted | EventAnonymousAccessDenied |
	EventAuthenticationFailed | EventConnectionDenied | EventTamperedRequest |
	EventRunAsDenied | EventRunAsGranted | EventSecurityConfigChange)

// Has reports whether e is in the set.
func (s EventSet) Has(e Event) bool { return s&EventSet(e) != 0 }

// String is the event's name in settings and in "event.action".
func (e Event) String() string {
	switch e {
	case EventAnonymousAccessDenied:
		return "anonymous_access_denied"
	case EventAuthenticationFailed:
		return "authentication_failed"
	case EventRealmAuthenticationFailed:
		return "realm_authentication_failed"
	case EventAccessGranted:
		return "access_granted"
	case EventAccessDenied:
		return "access_denied"
	case EventTamperedRequest:
		return "tampered_request"
	case EventConnectionGranted:
		return "connection_granted"
	case EventConnectionDenied:
		return "connection_denied"
	case EventSystemAccessGranted:
		return "system_access_granted"
	case EventSecurityConfigChange:
		return "security_config_change"
	case EventAuthenticationSuccess:
		return "authentication_success"
	case EventRunAsGranted:
		return "run_as_granted"
	case EventRunAsDenied:
		return "run_as_denied"
	}
	return fmt.Sprintf("Event(%d)", uint16(e))
}

// Names lists the events in the set, in Elasticsearch's AuditLevel order.
func (s EventSet) Names() []string {
	var out []string
	for e := Event(1); e <= lastEvent; e <<= 1 {
		if s.Has(e) {
			out = append(out, e.String())
		}
	}
	return out
}

// ErrInvalidEvent is returned for a name that is no event; the message
// reads as Elasticsearch's "invalid event name specified [x]".
var ErrInvalidEvent = errors.New("invalid event name")

// ParseEvents is AuditLevel.parse: the included events less the excluded
// ones. Names are trimmed and matched without regard to case, and "_all"
// stands for every event.
func ParseEvents(include, exclude []string) (EventSet, error) {
	in, err := parseNames(include)
	if err != nil {
		return 0, err
	}
	out, err := parseNames(exclude)
	if err != nil {
		return 0, err
	}
	return in &^ out, nil
}

func parseNames(names []string) (EventSet, error) {
	var s EventSet
	for _, name := range names {
		n := strings.ToLower(strings.TrimSpace(name))
		if n == "_all" {
			s |= AllEvents
			continue
		}
		e, ok := lookupEvent(n)
		if !ok {
			return 0, fmt.Errorf("%w specified [%s]", ErrInvalidEvent, name)
		}
		s |= EventSet(e)
	}
	return s, nil
}

func lookupEvent(name string) (Event, bool) {
	for e := Event(1); e <= lastEvent; e <<= 1 {
		if e.String() == name {
			return e, true
		}
	}
	return 0, false
}
