package securityquery

import (
	"regexp"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
)

// luceneRegexp is a Lucene RegExp as a terms aggregation's include or
// exclude uses it: it must match the whole term. The common syntax
// (. * + ? {n,m} | ( ) [ ] \ and Lucene's @ for any string and "..."
// for a literal) is translated to Go's RE2; Lucene's complement (~),
// intersection (&) and numeric intervals (<n-m>) are refused.
type luceneRegexp struct{ re *regexp.Regexp }

func compileLuceneRegexp(s string) (*luceneRegexp, *eserr.Error) {
	var b strings.Builder
	b.WriteString(`^(?:`)
	inClass := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteString(regexp.QuoteMeta(s[i : i+1]))
		case inClass:
			if c == ']' {
				inClass = false
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
		case c == '@':
			b.WriteString(`.*`)
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, eserr.IllegalArgument("expected '\"' at position %d", len(s))
			}
			b.WriteString(regexp.QuoteMeta(s[i+1 : i+1+j]))
			i += j + 1
		case c == '~' || c == '&' || c == '<' || c == '>' || c == '#':
			return nil, eserr.IllegalArgument("esauth does not support the Lucene regular expression operator [%c] in [%s]", c, s)
		case c == '^' || c == '$':
			b.WriteString(regexp.QuoteMeta(string(c)))
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString(`)$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, eserr.IllegalArgument("invalid regular expression [%s]", s)
	}
	return &luceneRegexp{re}, nil
}

func (r *luceneRegexp) matches(s string) bool { return r.re.MatchString(s) }
