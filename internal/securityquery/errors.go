package securityquery

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"strconv"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/suggest"
)

// failure is a parse error on its way out through the enclosing object
// parsers. at is the offset of the token the parser stood on when it was
// thrown: ObjectParser's "failed to parse field" wrappers report that
// location, not the location inside the inner message.
type failure struct {
	err *eserr.Error
	at  int
}

// loc renders a byte offset as Jackson's "line:column" (1-based; the UTF-8
// stream parser Elasticsearch uses counts columns in bytes).
func loc(body []byte, off int) string {
	off = max(0, min(off, len(body)))
	before := body[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - bytes.LastIndexByte(before, '\n')
	return strconv.Itoa(line) + ":" + strconv.Itoa(col)
}

func newErr(typ string, status int, reason string) *eserr.Error {
	return &eserr.Error{Type: typ, Status: status, Reason: reason}
}

// xcp is an XContentParseException: the message carries its location.
func (p *parser) xcp(off, at int, format string, args ...any) *failure {
	msg := "[" + loc(p.body, off) + "] " + fmt.Sprintf(format, args...)
	return &failure{newErr("x_content_parse_exception", http.StatusBadRequest, msg), at}
}

// parsing is a ParsingException. Elasticsearch prints its location as
// separate "line"/"col" fields, which eserr.Error does not model, so only
// the message is kept.
func parsing(at int, format string, args ...any) *failure {
	return &failure{newErr("parsing_exception", http.StatusBadRequest, fmt.Sprintf(format, args...)), at}
}

func illegalArg(at int, format string, args ...any) *failure {
	return &failure{eserr.IllegalArgument(format, args...), at}
}

func illegalState(at int, format string, args ...any) *failure {
	return &failure{eserr.IllegalState(format, args...), at}
}

// numberFormat is Java's NumberFormatException (an IllegalArgumentException,
// hence 400).
func numberFormat(at int, reason string) *failure {
	return &failure{newErr("number_format_exception", http.StatusBadRequest, reason), at}
}

// wrapField is ObjectParser.throwFailedToParse: any exception from a field's
// parser becomes "[parser] failed to parse field [name]" at the parser's
// current token, with the original as its cause.
func (p *parser) wrapField(parserName, field string, f *failure) *failure {
	w := p.xcp(f.at, f.at, "[%s] failed to parse field [%s]", parserName, field)
	w.err.CausedBy = f.err
	return w
}

// unknownField is ObjectParser's error for an undeclared field: located at
// the field name, while the parser already stands on the value.
func (p *parser) unknownField(parserName string, n *node, i int, candidates []string) *failure {
	return p.xcp(n.koff[i], n.vals[i].off, "[%s] unknown field [%s]%s", parserName, n.keys[i], didYouMean(n.keys[i], candidates))
}

// wrongType is FieldParser.assertSupports.
func (p *parser) wrongType(parserName, field string, v *node) *failure {
	return p.xcp(v.off, v.off, "[%s] %s doesn't support values of type: %s", parserName, field, v.kind)
}

// Shard-level failures. Elasticsearch builds the Lucene query, the sort and
// the search_after key on the shard, so their errors come back as a
// search_phase_execution_exception ("all shards failed") whose cause is the
// shard's exception; its status is the shard failure's.
func shardFailure(cause *eserr.Error) *eserr.Error {
	return &eserr.Error{Type: "search_phase_execution_exception", Reason: "all shards failed", Status: cause.Status, CausedBy: cause}
}

// queryShard is a QueryShardException thrown as such by a field type
// ("Can only use prefix queries ...").
func queryShard(format string, args ...any) *eserr.Error {
	return newErr("query_shard_exception", http.StatusBadRequest, fmt.Sprintf(format, args...))
}

// createQueryFailed is SearchExecutionContext.toQuery wrapping any other
// exception from building the query.
func createQueryFailed(cause *eserr.Error) *eserr.Error {
	e := newErr("query_shard_exception", http.StatusBadRequest, "failed to create query: "+cause.Reason)
	e.CausedBy = cause
	return e
}

// didYouMean is SuggestingErrorOnUnknown.suggest: candidates whose Lucene
// Levenshtein similarity to the unknown name is above 0.5, best first, then
// by name.
func didYouMean(unknown string, candidates []string) string {
	var near []string
	for _, c := range candidates {
		// The distance is at least the length difference, so a name at
		// least twice as long (in UTF-16 units, of which a UTF-8 byte
		// count is at most three times) as an ASCII candidate cannot be
		// more than half similar; skipping it keeps a huge name cheap.
		if len(unknown) < 6*len(c) {
			near = append(near, c)
		}
	}
	if p := suggest.Phrase(suggest.Closest(unknown, near, 0.5)); p != "" {
		return " " + p
	}
	return ""
}

// numberType is Jackson's classification of a JSON number literal.
type numberType int

const (
	numInt numberType = iota
	numLong
	numBigInteger
	numDouble
)

func classify(lit string) numberType {
	if strings.ContainsAny(lit, ".eE") {
		return numDouble
	}
	v, err := strconv.ParseInt(lit, 10, 64)
	switch {
	case err != nil:
		return numBigInteger
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return numInt
	}
	return numLong
}

// javaNumber is the toString() of the Number Jackson makes of a literal,
// which is what Elasticsearch compares when a number is used as a keyword
// term, a range bound or a search_after value ("1.50" becomes "1.5").
func javaNumber(lit string) string {
	switch classify(lit) {
	case numInt, numLong:
		v, _ := strconv.ParseInt(lit, 10, 64)
		return strconv.FormatInt(v, 10)
	case numBigInteger:
		var b big.Int
		if _, ok := b.SetString(lit, 10); ok {
			return b.String()
		}
		return lit
	}
	f, _ := strconv.ParseFloat(lit, 64) // out of range gives ±Inf, as Jackson does
	return javaDouble(f)
}

// javaDouble is Double.toString (JDK 19+: the shortest representation).
func javaDouble(f float64) string { return javaFloating(f, 64) }

// javaFloat is Float.toString, for the few float values Elasticsearch
// prints in messages (fuzziness).
func javaFloat(f float32) string { return javaFloating(float64(f), 32) }

func javaFloating(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, bits) // 1.5e+07
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// parseJavaDouble is Double.parseDouble: surrounding whitespace (chars up to
// ' ') is ignored and a trailing type suffix allowed.
func parseJavaDouble(s string) (float64, bool) {
	t := strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if t == "" {
		return 0, false
	}
	switch t[len(t)-1] {
	case 'd', 'D', 'f', 'F':
		t = t[:len(t)-1]
	}
	switch t {
	case "NaN", "+NaN", "-NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	// Go accepts spellings Java does not ("inf", "0x1p3" is fine in both,
	// underscores); reject letters other than an exponent or hex forms.
	for _, r := range t {
		if r == '_' || r == 'i' || r == 'I' || r == 'n' || r == 'N' {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true // out of range is ±Inf or 0, as in Java
}

// javaNFE is NumberFormatException's message for a bad number string.
func javaNFE(s string) string {
	if strings.TrimFunc(s, func(r rune) bool { return r <= ' ' }) == "" {
		return "empty String"
	}
	return `For input string: "` + s + `"`
}

// parseJavaInt is Integer.parseInt: an optional sign and decimal digits.
func parseJavaInt(s string) (int32, bool) {
	v, err := strconv.ParseInt(s, 10, 32)
	return int32(v), err == nil
}
