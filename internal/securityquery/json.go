package securityquery

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// kind is a JSON value's token as Elasticsearch's XContentParser names it.
type kind uint8

const (
	kObject kind = iota + 1
	kArray
	kString
	kNumber
	kBool
	kNull
)

// String is the XContentParser.Token name printed in Elasticsearch's
// messages ("found [VALUE_STRING]").
func (k kind) String() string {
	switch k {
	case kObject:
		return "START_OBJECT"
	case kArray:
		return "START_ARRAY"
	case kString:
		return "VALUE_STRING"
	case kNumber:
		return "VALUE_NUMBER"
	case kBool:
		return "VALUE_BOOLEAN"
	}
	return "VALUE_NULL"
}

// node is one JSON value with the byte offsets Elasticsearch's messages
// need: Jackson reports the line and column of the token the parser sits
// on, so every error here is located at some node's start or end.
type node struct {
	kind kind
	off  int    // first byte of the token
	end  int    // the closing bracket of an object or array
	str  string // a string's content or a number's literal
	b    bool
	// keys, koff and vals hold an object's members in order (koff is the
	// offset of each key's opening quote); vals alone holds array items.
	keys []string
	koff []int
	vals []*node
}

// isValue is XContentParser.Token.isValue(): a scalar other than null.
func (n *node) isValue() bool {
	return n.kind == kString || n.kind == kNumber || n.kind == kBool
}

// text is Jackson's getText() for a scalar: a string's content or the
// literal of a number or boolean.
func (n *node) text() string {
	switch n.kind {
	case kBool:
		if n.b {
			return "true"
		}
		return "false"
	case kNull:
		return "null"
	}
	return n.str
}

// jsonTree reads a whole body. It returns nil for anything that is not a
// single well-formed JSON value; the caller then asks xcontent for
// Elasticsearch's wording of the syntax error, so this parser only needs to
// be right about valid input and safe about the rest. dup is the first key
// repeated within an object, in document order, and dupOff where Jackson's
// strict duplicate detection reports it: just after the key.
func jsonTree(body []byte) (root *node, dup string, dupOff int) {
	p := treeParser{b: body, dupOff: -1}
	p.space()
	n := p.value(0)
	if n == nil {
		return nil, "", 0
	}
	p.space()
	if p.i != len(p.b) {
		return nil, "", 0
	}
	return n, p.dup, p.dupOff
}

// maxDepth bounds recursion on hostile bodies; encoding/json (which
// xcontent uses to validate) refuses deeper nesting anyway.
const maxDepth = 10000

type treeParser struct {
	b      []byte
	i      int
	dup    string
	dupOff int
}

func (p *treeParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *treeParser) value(depth int) *node {
	if p.i >= len(p.b) || depth > maxDepth {
		return nil
	}
	off := p.i
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, ok := p.string()
		if !ok {
			return nil
		}
		return &node{kind: kString, off: off, str: s}
	case c == 't':
		return p.literal("true", &node{kind: kBool, off: off, b: true})
	case c == 'f':
		return p.literal("false", &node{kind: kBool, off: off})
	case c == 'n':
		return p.literal("null", &node{kind: kNull, off: off})
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil
}

func (p *treeParser) literal(word string, n *node) *node {
	if !strings.HasPrefix(string(p.b[p.i:min(len(p.b), p.i+len(word))]), word) {
		return nil
	}
	p.i += len(word)
	return n
}

func (p *treeParser) number() *node {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if digits() == 0 {
		return nil
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil
		}
	}
	return &node{kind: kNumber, off: start, str: string(p.b[start:p.i])}
}

// string reads a quoted string; escapes are rare in these bodies, so only
// strings that have one go through encoding/json.
func (p *treeParser) string() (string, bool) {
	start := p.i
	p.i++
	escaped := false
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			raw := p.b[start:p.i]
			if !escaped && utf8.Valid(raw) {
				return string(raw[1 : len(raw)-1]), true
			}
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			escaped = true
			p.i += 2
		case c < 0x20:
			return "", false
		default:
			p.i++
		}
	}
	return "", false
}

func (p *treeParser) object(depth int) *node {
	n := &node{kind: kObject, off: p.i}
	p.i++
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		n.end = p.i
		p.i++
		return n
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil
		}
		koff := p.i
		k, ok := p.string()
		if !ok {
			return nil
		}
		if p.dupOff < 0 && slices.Contains(n.keys, k) {
			p.dup, p.dupOff = k, p.i
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil
		}
		p.i++
		p.space()
		v := p.value(depth + 1)
		if v == nil {
			return nil
		}
		n.keys = append(n.keys, k)
		n.koff = append(n.koff, koff)
		n.vals = append(n.vals, v)
		p.space()
		if p.i >= len(p.b) {
			return nil
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			n.end = p.i
			p.i++
			return n
		default:
			return nil
		}
	}
}

func (p *treeParser) array(depth int) *node {
	n := &node{kind: kArray, off: p.i}
	p.i++
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		n.end = p.i
		p.i++
		return n
	}
	for {
		p.space()
		v := p.value(depth + 1)
		if v == nil {
			return nil
		}
		n.vals = append(n.vals, v)
		p.space()
		if p.i >= len(p.b) {
			return nil
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			n.end = p.i
			p.i++
			return n
		default:
			return nil
		}
	}
}
