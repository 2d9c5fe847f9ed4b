package gateway

import (
	"strings"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/indices"
	"github.com/esauth/esauth/internal/pattern"
)

// shorten returns a shorter list that the cluster expands to the same
// authorized names, or nil when it cannot find one: the request's own
// wildcards the roles cover whole, and the roles' own wildcard patterns
// that lie inside a requested wildcard, stand for the names they match;
// the request's exclusions go last, so they still remove what they
// removed. A pattern replaces names only when it agrees with the
// expression it lies in on a leading '.', which decides whether hidden
// names match implicitly.
func shorten(d authz.Decision, action string, exprs []string, res indices.Resolution) []string {
	if len(exprs) == 0 || (len(exprs) == 1 && exprs[0] == "_all") {
		exprs = []string{"*"} // all, as the cluster reads no index or _all
	}
	var wild, excl []string
	explicit := map[string]bool{}
	afterExclusion := false
	for _, x := range exprs {
		switch {
		case strings.HasPrefix(x, "<") || strings.HasPrefix(x, "-<") || x == "_all":
			return nil
		case strings.HasPrefix(x, "-") && len(wild) > 0:
			excl = append(excl, x)
			afterExclusion = true
		case strings.Contains(x, "*"):
			wild = append(wild, x)
		case afterExclusion:
			return nil // an explicit name after an exclusion: order matters
		default:
			explicit[x] = true
		}
	}
	var chosen []string
	for _, w := range wild {
		if d.Covers(action, w) {
			chosen = append(chosen, w)
			continue
		}
		for _, p := range d.WildcardPatterns(action) {
			if strings.HasPrefix(p, ".") == strings.HasPrefix(w, ".") && within(p, w) {
				chosen = append(chosen, p)
			}
		}
	}
	if len(chosen) == 0 {
		return nil
	}
	out := append([]string(nil), chosen...)
	for _, n := range res.Names {
		// Explicit names stay: the cluster must answer for them even if
		// they do not exist, which a wildcard would not.
		matched := explicit[n]
		if matched {
			out = append(out, n)
			continue
		}
		for _, p := range chosen {
			if pattern.SimpleMatch(p, n) {
				matched = true
				break
			}
		}
		if !matched {
			out = append(out, n)
		}
	}
	return append(out, excl...)
}

// within reports whether every name wildcard p matches, wildcard w
// matches too ('*' the only special character of both).
func within(p, w string) bool {
	pa, err1 := pattern.Compile(escapeWildcard(p))
	wa, err2 := pattern.Compile(escapeWildcard(w))
	if err1 != nil || err2 != nil {
		return false
	}
	sub, decided := pattern.Subset(pa.Automaton(), wa.Automaton())
	return sub && decided
}

func escapeWildcard(s string) string {
	parts := strings.Split(s, "*")
	for i, p := range parts {
		parts[i] = pattern.Escape(p)
	}
	return strings.Join(parts, "*")
}
