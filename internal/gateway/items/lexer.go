package items

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// The lexer reproduces the token stream of the Jackson parser Elasticsearch
// reads JSON with (comments allowed, duplicate keys rejected, several root
// values allowed). Elasticsearch's request parsers walk that token stream
// rather than a decoded tree, and some of them skip into nested values they
// do not expect; a gateway that read the same bytes as a tree could see a
// different index than the cluster does. Walking the same tokens keeps both
// readings identical.

type tokKind uint8

const (
	tEnd tokKind = iota // no more input at the root: Jackson's null token
	tStartObject
	tEndObject
	tStartArray
	tEndArray
	tField
	tString
	tNumber
	tTrue
	tFalse
	tNull
)

// String is the name Elasticsearch prints for the token in its messages.
func (k tokKind) String() string {
	switch k {
	case tStartObject:
		return "START_OBJECT"
	case tEndObject:
		return "END_OBJECT"
	case tStartArray:
		return "START_ARRAY"
	case tEndArray:
		return "END_ARRAY"
	case tField:
		return "FIELD_NAME"
	case tString:
		return "VALUE_STRING"
	case tNumber:
		return "VALUE_NUMBER"
	case tTrue, tFalse:
		return "VALUE_BOOLEAN"
	case tNull:
		return "VALUE_NULL"
	}
	return "null" // Java's String.valueOf(null token)
}

// isValue is XContentParser.Token.isValue: strings, numbers and booleans,
// not null.
func (k tokKind) isValue() bool {
	return k == tString || k == tNumber || k == tTrue || k == tFalse
}

type token struct {
	kind tokKind
	// text is what XContentParser.text() returns: the decoded string or
	// field name, the number as written, or true/false.
	text string
	// start and end delimit the token's bytes; for END_OBJECT/END_ARRAY
	// end is just past the closing bracket.
	start, end int
	line, col  int // Jackson's token location, 1-based
}

// lexErr is a Jackson parse failure: XContentParseException, or
// XContentEOFException when the input ended inside a value.
type lexErr struct {
	line, col int
	msg       string
	eof       bool
}

func (e *lexErr) Error() string { return fmt.Sprintf("[%d:%d] %s", e.line, e.col, e.msg) }

// maxDepth is Jackson's StreamReadConstraints default nesting limit.
const maxDepth = 1000

// maxNumberLen is Jackson's StreamReadConstraints default number length.
const maxNumberLen = 1000

type frame struct {
	array     bool
	first     bool // nothing read in the container yet
	wantValue bool // an object's field name was read; its value is next
	names     []string
	nameSet   map[string]struct{}
}

type lexer struct {
	data      []byte
	pos       int
	line      int
	lineStart int
	stack     []frame
}

func newLexer(data []byte) *lexer {
	l := &lexer{}
	l.reset(data)
	return l
}

// reset starts the lexer on new input, keeping its buffers: NDJSON bodies
// lex one short line after another.
func (l *lexer) reset(data []byte) {
	*l = lexer{data: data, line: 1, stack: l.stack[:0]}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		l.pos = 3 // Jackson's bootstrapper drops a UTF-8 byte order mark
		l.lineStart = 3
	}
}

func (l *lexer) depth() int { return len(l.stack) }

// errAt reports a failure on the byte at i, at the location Jackson gives:
// just past the offending byte.
func (l *lexer) errAt(i int, format string, args ...any) error {
	return &lexErr{line: l.line, col: i - l.lineStart + 2, msg: fmt.Sprintf(format, args...)}
}

func (l *lexer) eofErr() error {
	return &lexErr{line: l.line, col: len(l.data) - l.lineStart + 1, msg: "Unexpected end of file", eof: true}
}

// unexpected describes byte c as Jackson does.
func unexpected(c byte) string {
	if c < 0x20 {
		return fmt.Sprintf("Illegal character ((CTRL-CHAR, code %d))", c)
	}
	if c >= utf8.RuneSelf {
		return fmt.Sprintf("Unexpected character (code %d / 0x%x)", c, c)
	}
	return fmt.Sprintf("Unexpected character ('%c' (code %d))", c, c)
}

// skipSpace skips the white space and comments Jackson allows between
// tokens: space, tab, CR, LF, /* */ and // comments.
func (l *lexer) skipSpace() error {
	for l.pos < len(l.data) {
		switch c := l.data[l.pos]; c {
		case ' ', '\t':
			l.pos++
		case '\n':
			l.pos++
			l.newline()
		case '\r':
			l.pos++
			if l.pos < len(l.data) && l.data[l.pos] == '\n' {
				l.pos++
			}
			l.newline()
		case '/':
			if err := l.comment(); err != nil {
				return err
			}
		default:
			if c < 0x20 {
				return l.errAt(l.pos, "Illegal character ((CTRL-CHAR, code %d)): only regular white space (\\r, \\n, \\t) is allowed between tokens", c)
			}
			return nil
		}
	}
	return nil
}

func (l *lexer) newline() {
	l.line++
	l.lineStart = l.pos
}

func (l *lexer) comment() error {
	start := l.pos
	if l.pos+1 >= len(l.data) {
		return l.eofErr()
	}
	switch l.data[l.pos+1] {
	case '*':
		l.pos += 2
		for {
			if l.pos >= len(l.data) {
				return l.eofErr()
			}
			c := l.data[l.pos]
			switch {
			case c == '*' && l.pos+1 < len(l.data) && l.data[l.pos+1] == '/':
				l.pos += 2
				return nil
			case c == '\n':
				l.pos++
				l.newline()
			case c == '\r':
				l.pos++
				if l.pos < len(l.data) && l.data[l.pos] == '\n' {
					l.pos++
				}
				l.newline()
			default:
				l.pos++
			}
		}
	case '/':
		l.pos += 2
		for l.pos < len(l.data) && l.data[l.pos] != '\n' && l.data[l.pos] != '\r' {
			l.pos++
		}
		return nil
	}
	return l.errAt(start+1, "%s: was expecting either '*' or '/' for a comment", unexpected(l.data[start+1]))
}

func (l *lexer) tok(kind tokKind, start int) token {
	return token{kind: kind, start: start, end: l.pos, line: l.line, col: start - l.lineStart + 1}
}

// next returns the next token. At the root, the end of input is tEnd; inside
// a container it is an XContentEOFException.
func (l *lexer) next() (token, error) {
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	if len(l.stack) == 0 {
		if l.pos >= len(l.data) {
			return token{kind: tEnd, start: l.pos, end: l.pos, line: l.line, col: l.pos - l.lineStart + 1}, nil
		}
		switch c := l.data[l.pos]; c {
		case ']':
			return token{}, l.errAt(l.pos, "Unexpected close marker ']': expected '}'")
		case '}':
			return token{}, l.errAt(l.pos, "Unexpected close marker '}': expected ']'")
		}
		return l.value()
	}
	if l.pos >= len(l.data) {
		return token{}, l.eofErr()
	}
	f := &l.stack[len(l.stack)-1]
	c := l.data[l.pos]
	if f.array {
		if c == ']' {
			return l.closeContainer(tEndArray), nil
		}
		if c == '}' {
			return token{}, l.errAt(l.pos, "Unexpected close marker '}': expected ']'")
		}
		if !f.first {
			if c != ',' {
				return token{}, l.errAt(l.pos, "%s: was expecting comma to separate Array entries", unexpected(c))
			}
			l.pos++
			if err := l.skipSpace(); err != nil {
				return token{}, err
			}
			if l.pos >= len(l.data) {
				return token{}, l.eofErr()
			}
			if c = l.data[l.pos]; c == ']' || c == '}' {
				return token{}, l.errAt(l.pos, "%s: expected a value", unexpected(c))
			}
		}
		f.first = false
		return l.value()
	}
	if f.wantValue {
		f.wantValue = false
		if c == '}' || c == ']' {
			return token{}, l.errAt(l.pos, "%s: expected a value", unexpected(c))
		}
		return l.value()
	}
	if c == '}' {
		return l.closeContainer(tEndObject), nil
	}
	if c == ']' {
		return token{}, l.errAt(l.pos, "Unexpected close marker ']': expected '}'")
	}
	if !f.first {
		if c != ',' {
			return token{}, l.errAt(l.pos, "%s: was expecting comma to separate Object entries", unexpected(c))
		}
		l.pos++
		if err := l.skipSpace(); err != nil {
			return token{}, err
		}
		if l.pos >= len(l.data) {
			return token{}, l.eofErr()
		}
		c = l.data[l.pos]
	}
	if c != '"' {
		return token{}, l.errAt(l.pos, "%s: was expecting double-quote to start field name", unexpected(c))
	}
	f.first = false
	start := l.pos
	name, err := l.str()
	if err != nil {
		return token{}, err
	}
	t := l.tok(tField, start)
	t.text = name
	if f.seen(name) {
		return token{}, &lexErr{line: l.line, col: l.pos - l.lineStart + 1, msg: "Duplicate field '" + name + "'"}
	}
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	if l.pos >= len(l.data) {
		return token{}, l.eofErr()
	}
	if c := l.data[l.pos]; c != ':' {
		return token{}, l.errAt(l.pos, "%s: was expecting a colon to separate field name and value", unexpected(c))
	}
	l.pos++
	f.wantValue = true
	return t, nil
}

// seen records an object's field name and reports a repeat, as Jackson's
// STRICT_DUPLICATE_DETECTION does.
func (f *frame) seen(name string) bool {
	if f.nameSet != nil {
		if _, ok := f.nameSet[name]; ok {
			return true
		}
		f.nameSet[name] = struct{}{}
		return false
	}
	for _, n := range f.names {
		if n == name {
			return true
		}
	}
	f.names = append(f.names, name)
	if len(f.names) > 16 {
		// a long object: a set keeps the check linear
		f.nameSet = make(map[string]struct{}, len(f.names)*2)
		for _, n := range f.names {
			f.nameSet[n] = struct{}{}
		}
		f.names = nil
	}
	return false
}

func (l *lexer) closeContainer(kind tokKind) token {
	start := l.pos
	l.pos++
	l.stack = l.stack[:len(l.stack)-1]
	return l.tok(kind, start)
}

func (l *lexer) open(array bool, kind tokKind) (token, error) {
	if len(l.stack) >= maxDepth {
		return token{}, l.errAt(l.pos, "Document nesting depth (%d) exceeds the maximum allowed (%d, from `StreamReadConstraints.getMaxNestingDepth()`)", len(l.stack)+1, maxDepth)
	}
	start := l.pos
	l.pos++
	if len(l.stack) < cap(l.stack) {
		// reuse the frame's name slice from an earlier line
		l.stack = l.stack[:len(l.stack)+1]
		f := &l.stack[len(l.stack)-1]
		*f = frame{array: array, first: true, names: f.names[:0]}
	} else {
		l.stack = append(l.stack, frame{array: array, first: true})
	}
	return l.tok(kind, start), nil
}

// value reads the value starting at l.pos (not white space, not EOF).
func (l *lexer) value() (token, error) {
	start := l.pos
	switch c := l.data[l.pos]; {
	case c == '{':
		return l.open(false, tStartObject)
	case c == '[':
		return l.open(true, tStartArray)
	case c == '"':
		s, err := l.str()
		if err != nil {
			return token{}, err
		}
		t := l.tok(tString, start)
		t.text = s
		return t, nil
	case c == '-' || (c >= '0' && c <= '9'):
		if err := l.number(); err != nil {
			return token{}, err
		}
		t := l.tok(tNumber, start)
		t.text = string(l.data[start:l.pos])
		return t, nil
	case c == 't' || c == 'f' || c == 'n':
		return l.literal()
	case isIdentByte(c):
		return token{}, l.unrecognized(start)
	default:
		return token{}, l.errAt(l.pos, "%s: expected a value", unexpected(c))
	}
}

// isIdentByte approximates Java's Character.isJavaIdentifierPart, which
// Jackson uses to find the end of a bad token.
func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= utf8.RuneSelf
}

func (l *lexer) unrecognized(start int) error {
	end := start
	for end < len(l.data) && isIdentByte(l.data[end]) && end-start < 256 {
		end++
	}
	return &lexErr{line: l.line, col: end - l.lineStart + 1,
		msg: fmt.Sprintf("Unrecognized token '%s': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", l.data[start:end])}
}

func (l *lexer) literal() (token, error) {
	start := l.pos
	var kind tokKind
	var word string
	switch l.data[start] {
	case 't':
		kind, word = tTrue, "true"
	case 'f':
		kind, word = tFalse, "false"
	default:
		kind, word = tNull, "null"
	}
	end := start + len(word)
	if end > len(l.data) || string(l.data[start:end]) != word {
		if end > len(l.data) && string(l.data[start:]) == word[:len(l.data)-start] {
			l.pos = len(l.data)
			return token{}, l.eofErr()
		}
		return token{}, l.unrecognized(start)
	}
	if end < len(l.data) && isIdentByte(l.data[end]) {
		return token{}, l.unrecognized(start)
	}
	l.pos = end
	t := l.tok(kind, start)
	t.text = word
	return t, nil
}

// number scans Jackson's number grammar; at the root a number must be
// followed by white space or the end (Jackson's _verifyRootSpace).
func (l *lexer) number() error {
	d := l.data
	i := l.pos
	if d[i] == '-' {
		i++
		if i >= len(d) {
			l.pos = i
			return l.eofErr()
		}
		if d[i] < '0' || d[i] > '9' {
			return l.errAt(i, "%s in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value", unexpected(d[i]))
		}
	}
	if d[i] == '0' && i+1 < len(d) && d[i+1] >= '0' && d[i+1] <= '9' {
		return l.errAt(i+1, "Invalid numeric value: Leading zeroes not allowed")
	}
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) {
			l.pos = i
			return l.eofErr()
		}
		if d[i] < '0' || d[i] > '9' {
			return l.errAt(i, "%s in numeric value: Decimal point not followed by a digit", unexpected(d[i]))
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) {
			l.pos = i
			return l.eofErr()
		}
		if d[i] < '0' || d[i] > '9' {
			return l.errAt(i, "%s in numeric value: Exponent indicator not followed by a digit", unexpected(d[i]))
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i-l.pos > maxNumberLen {
		return l.errAt(i-1, "Number value length (%d) exceeds the maximum allowed (%d, from `StreamReadConstraints.getMaxNumberLength()`)", i-l.pos, maxNumberLen)
	}
	if len(l.stack) == 0 && i < len(d) {
		switch d[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return l.errAt(i, "%s: Expected space separating root-level values", unexpected(d[i]))
		}
	}
	l.pos = i
	return nil
}

// str reads a string starting at the opening quote and returns it decoded.
func (l *lexer) str() (string, error) {
	d := l.data
	i := l.pos + 1
	// fast path: no escapes, all ASCII printable or valid UTF-8
	j := i
	for j < len(d) {
		c := d[j]
		if c == '"' {
			if !utf8.Valid(d[i:j]) {
				break
			}
			l.pos = j + 1
			return known(d[i:j]), nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		j++
	}
	var b []byte
	for {
		if i >= len(d) {
			l.pos = i
			return "", l.eofErr()
		}
		c := d[i]
		switch {
		case c == '"':
			l.pos = i + 1
			return string(b), nil
		case c < 0x20:
			return "", l.errAt(i, "Illegal unquoted character ((CTRL-CHAR, code %d)): has to be escaped using backslash to be included in string value", c)
		case c == '\\':
			if i+1 >= len(d) {
				l.pos = len(d)
				return "", l.eofErr()
			}
			e := d[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, n, err := l.hex4(i)
				if err != nil {
					return "", err
				}
				i = n
				if utf16.IsSurrogate(r) {
					// Jackson keeps a lone surrogate in the Java string;
					// Go cannot, and two different names must not read as
					// one, so a lone surrogate is refused.
					if r >= 0xDC00 || i+1 >= len(d) || d[i] != '\\' || d[i+1] != 'u' {
						return "", l.errAt(i-1, "Unpaired surrogate in \\u escape")
					}
					r2, n2, err := l.hex4(i + 2)
					if err != nil {
						return "", err
					}
					if r2 < 0xDC00 || r2 > 0xDFFF {
						return "", l.errAt(n2-1, "Unpaired surrogate in \\u escape")
					}
					r = utf16.DecodeRune(r, r2)
					i = n2
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", l.errAt(i-1, "Unrecognized character escape '%c' (code %d)", e, e)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size <= 1 {
				return "", l.badUTF8(i)
			}
			b = append(b, d[i:i+size]...)
			i += size
		}
	}
}

// badUTF8 reports the invalid UTF-8 sequence at i as Jackson words it: a
// byte no sequence starts with, a missing or wrong continuation byte, or the
// end of input inside the sequence.
func (l *lexer) badUTF8(i int) error {
	d := l.data
	c := d[i]
	var n int
	switch {
	case c >= 0xC2 && c <= 0xDF:
		n = 2
	case c >= 0xE0 && c <= 0xEF:
		n = 3
	case c >= 0xF0 && c <= 0xF4:
		n = 4
	default:
		return l.errAt(i, "Invalid UTF-8 start byte 0x%x", c)
	}
	for k := 1; k < n; k++ {
		if i+k >= len(d) {
			l.pos = len(d)
			return l.eofErr()
		}
		if d[i+k]&0xC0 != 0x80 {
			return l.errAt(i+k, "Invalid UTF-8 middle byte 0x%x", d[i+k])
		}
	}
	// well-formed bytes that Go still refuses: an encoded surrogate, an
	// overlong form or a code point past U+10FFFF
	return l.errAt(i, "Invalid UTF-8 start byte 0x%x", c)
}

// known returns the parameter names of action lines and headers without
// allocating; any other text is copied.
func known(b []byte) string {
	switch string(b) {
	case "index":
		return "index"
	case "create":
		return "create"
	case "update":
		return "update"
	case "delete":
		return "delete"
	case "_index":
		return "_index"
	case "_id":
		return "_id"
	case "routing":
		return "routing"
	case "pipeline":
		return "pipeline"
	case "op_type":
		return "op_type"
	}
	return string(b)
}

func (l *lexer) hex4(i int) (rune, int, error) {
	var r rune
	for k := 0; k < 4; k++ {
		if i+k >= len(l.data) {
			l.pos = len(l.data)
			return 0, 0, l.eofErr()
		}
		c := l.data[i+k]
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, 0, l.errAt(i+k, "%s: expected a hex-digit for character escape sequence", unexpected(c))
		}
		r = r<<4 | rune(v)
	}
	return r, i + 4, nil
}

// skipChildren consumes the rest of the container whose start token was just
// read, as XContentParser.skipChildren does; it returns the closing token.
func (l *lexer) skipChildren() (token, error) {
	target := len(l.stack) - 1
	for {
		t, err := l.next()
		if err != nil {
			return token{}, err
		}
		if (t.kind == tEndObject || t.kind == tEndArray) && len(l.stack) == target {
			return t, nil
		}
	}
}
