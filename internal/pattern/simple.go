package pattern

import "strings"

// SimpleMatch is Elasticsearch's Regex.simpleMatch, used by the query-users
// API and filter_path: only '*' is special (any run of characters,
// including none); there is no '?' and no escape; matching is
// case-sensitive; "" matches only "". It runs in O(len(p) × len(s)) at
// worst, never exponentially.
func SimpleMatch(p, s string) bool {
	i := strings.IndexByte(p, '*')
	if i < 0 {
		return p == s
	}
	if !strings.HasPrefix(s, p[:i]) {
		return false
	}
	s, p = s[i:], p[i+1:]
	j := strings.LastIndexByte(p, '*')
	if j < 0 {
		return strings.HasSuffix(s, p)
	}
	last := p[j+1:]
	if !strings.HasSuffix(s, last) {
		return false
	}
	s, p = s[:len(s)-len(last)], p[:j]
	// Each part between stars goes at its leftmost place: a star on either
	// side can absorb the rest.
	for p != "" {
		part := p
		if k := strings.IndexByte(p, '*'); k >= 0 {
			part, p = p[:k], p[k+1:]
		} else {
			p = ""
		}
		k := strings.Index(s, part)
		if k < 0 {
			return false
		}
		s = s[k+len(part):]
	}
	return true
}
