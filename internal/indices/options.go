package indices

import (
	"net/http"

	"github.com/esauth/esauth/internal/eserr"
)

// Options are Elasticsearch's IndicesOptions as the REST layer reads them,
// plus two traits of the request type that decide how its expressions
// resolve. The zero value expands nothing and forgives nothing; start from
// one of the presets below, which are the Java constants of the same name.
type Options struct {
	// IgnoreUnavailable is ignore_unavailable: explicit names the user may
	// not touch are dropped instead of denied.
	IgnoreUnavailable bool
	// AllowNoIndices is allow_no_indices: a wildcard that matches nothing,
	// or a request left with no index, is an empty answer, not a 404.
	AllowNoIndices bool
	// ExpandOpen, ExpandClosed and ExpandHidden are expand_wildcards
	// (all = the three; none = none of them). Hidden alone expands nothing:
	// Elasticsearch expands wildcards only when open or closed is set.
	ExpandOpen, ExpandClosed, ExpandHidden bool

	// ExcludeDataStreams is set for requests whose includeDataStreams() is
	// false: wildcards then never match a data stream, and a backing index
	// is not reached through its data stream's privileges. Not a REST
	// parameter: the caller sets it per API (most data APIs include data
	// streams, hence the negative name, so that the zero value is common).
	ExcludeDataStreams bool
	// RemoteIndices is set for requests whose allowsRemoteIndices() is true
	// (search, count, msearch items, field_caps, open_point_in_time,
	// _resolve/index, EQL, async search). Only these split "cluster:index"
	// expressions off as remote names. Not a REST parameter.
	RemoteIndices bool
}

// The presets Elasticsearch's actions start from (IndicesOptions.java);
// es-gateway.md §3.9 lists which API uses which.
var (
	// StrictExpandOpen is IndicesOptions.strictExpandOpen(): the default of
	// search, count, refresh, get mapping and most others.
	StrictExpandOpen = Options{AllowNoIndices: true, ExpandOpen: true}
	// StrictExpandOpenClosed is strictExpand() (indices.delete).
	StrictExpandOpenClosed = Options{AllowNoIndices: true, ExpandOpen: true, ExpandClosed: true}
	// StrictExpandHidden is strictExpandHidden(): expand_wildcards=all
	// (get settings, get alias, cat indices).
	StrictExpandHidden = Options{AllowNoIndices: true, ExpandOpen: true, ExpandClosed: true, ExpandHidden: true}
	// LenientExpandOpen is lenientExpandOpen(): ignore_unavailable=true.
	LenientExpandOpen = Options{IgnoreUnavailable: true, AllowNoIndices: true, ExpandOpen: true}
)

// expandWildcards is IndicesOptions.expandWildcardExpressions(): hidden
// alone is a filter, not a state to expand to.
func (o Options) expandWildcards() bool { return o.ExpandOpen || o.ExpandClosed }

// ParseOptions reads expand_wildcards, allow_no_indices, ignore_throttled
// and ignore_unavailable from request parameters, starting from an API's
// defaults, as IndicesOptions.fromRequest does. param returns a
// parameter's value and whether it was given at all (a bare "?name" is
// given with the value "").
//
// The order of the checks is Elasticsearch's (fromParameters: wildcards
// and allow_no_indices, then ignore_throttled, then ignore_unavailable), so
// the first bad value reported is the same. ignore_throttled is only
// validated: it filters frozen indices inside Elasticsearch and has no
// effect on which names a user may touch.
//
// Booleans are strict since 8.x: only "true" and "false", and an empty
// value is an error too (XContentMapValues.nodeBooleanValue(Object,
// String), which has no default; earlier versions treated blanks as the
// default).
func ParseOptions(param func(name string) (string, bool), defaults Options) (Options, error) {
	wildcards, hasWildcards := param("expand_wildcards")
	ignoreUnavailable, hasIgnoreUnavailable := param("ignore_unavailable")
	allowNoIndices, hasAllowNoIndices := param("allow_no_indices")
	ignoreThrottled, hasIgnoreThrottled := param("ignore_throttled")
	if !hasWildcards && !hasIgnoreUnavailable && !hasAllowNoIndices && !hasIgnoreThrottled {
		return defaults, nil
	}
	opt := defaults
	if hasWildcards {
		// WildcardOptions.Builder.expandStates: start from nothing, apply
		// each value in order; "none" clears what came before it.
		opt.ExpandOpen, opt.ExpandClosed, opt.ExpandHidden = false, false, false
		for _, s := range Split(wildcards) {
			switch s {
			case "open":
				opt.ExpandOpen = true
			case "closed":
				opt.ExpandClosed = true
			case "hidden":
				opt.ExpandHidden = true
			case "all":
				opt.ExpandOpen, opt.ExpandClosed, opt.ExpandHidden = true, true, true
			case "none":
				opt.ExpandOpen, opt.ExpandClosed, opt.ExpandHidden = false, false, false
			default:
				return defaults, eserr.IllegalArgument("No valid expand wildcard value [%s]", s)
			}
		}
	}
	if hasAllowNoIndices {
		b, err := parseBool("allow_no_indices", allowNoIndices)
		if err != nil {
			return defaults, err
		}
		opt.AllowNoIndices = b
	}
	if hasIgnoreThrottled {
		if _, err := parseBool("ignore_throttled", ignoreThrottled); err != nil {
			return defaults, err
		}
	}
	if hasIgnoreUnavailable {
		b, err := parseBool("ignore_unavailable", ignoreUnavailable)
		if err != nil {
			return defaults, err
		}
		opt.IgnoreUnavailable = b
	}
	return opt, nil
}

// parseBool is XContentMapValues.nodeBooleanValue(node, name): the
// Booleans.parseBoolean failure becomes the cause of a "Could not
// convert" error.
func parseBool(name, v string) (bool, error) {
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, &eserr.Error{
		Type:   "illegal_argument_exception",
		Reason: "Could not convert [" + name + "] to boolean",
		Status: http.StatusBadRequest,
		CausedBy: &eserr.Error{
			Type:   "illegal_argument_exception",
			Reason: "Failed to parse value [" + v + "] as only [true] or [false] are allowed.",
			Status: http.StatusBadRequest,
		},
	}
}

// Split is Strings.splitStringByCommaToArray, which every REST handler
// applies to the {index} path segment after unescaping it: Java's
// String.split(","), so empty elements are kept except at the end ("a,,b"
// gives three, "a," one, "," and "" none).
func Split(list string) []string {
	if list == "" {
		return nil
	}
	n := 1
	for i := 0; i < len(list); i++ {
		if list[i] == ',' {
			n++
		}
	}
	out := make([]string, 0, n)
	start := 0
	for i := 0; i < len(list); i++ {
		if list[i] == ',' {
			out = append(out, list[start:i])
			start = i + 1
		}
	}
	out = append(out, list[start:])
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
