package profiles

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/esauth/esauth/internal/pattern"
	"github.com/esauth/esauth/internal/xcontent"
)

// node is a JSON value that keeps its objects' keys in order, as the
// ordered maps Elasticsearch parses sources into: labels and data are
// merged and filtered in this form and come back in the order they were
// written.
type node struct {
	kind   byte // '{', '[' or 0 for any other value
	keys   []string
	fields []*node // an object's values, by keys' index
	items  []*node // an array's values
	raw    json.RawMessage
}

// parseTree reads one JSON value; raw is known to be valid JSON.
func parseTree(raw []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return readNode(dec)
}

func readNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		b, err := xcontent.Marshal(tok)
		if err != nil {
			return nil, err
		}
		return &node{raw: b}, nil
	}
	n := &node{kind: byte(d)}
	for dec.More() {
		if d == '{' {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, ok := k.(string)
			if !ok {
				return nil, errors.New("profiles: object key is not a string")
			}
			v, err := readNode(dec)
			if err != nil {
				return nil, err
			}
			n.keys, n.fields = append(n.keys, key), append(n.fields, v)
			continue
		}
		v, err := readNode(dec)
		if err != nil {
			return nil, err
		}
		n.items = append(n.items, v)
	}
	_, err = dec.Token() // the closing delimiter
	return n, err
}

// objectOrEmpty parses a stored object, treating nothing as {}.
func objectOrEmpty(raw json.RawMessage) (*node, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return &node{kind: '{'}, nil
	}
	return parseTree(raw)
}

func (n *node) get(key string) (*node, int) {
	for i, k := range n.keys {
		if k == key {
			return n.fields[i], i
		}
	}
	return nil, -1
}

// AppendJSON writes n compactly.
func (n *node) AppendJSON(dst []byte) ([]byte, error) {
	switch n.kind {
	case '{':
		dst = append(dst, '{')
		for i, k := range n.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = xcontent.AppendString(dst, k)
			dst = append(dst, ':')
			var err error
			if dst, err = n.fields[i].AppendJSON(dst); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	case '[':
		dst = append(dst, '[')
		for i, it := range n.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = it.AppendJSON(dst); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	}
	return append(dst, n.raw...), nil
}

func (n *node) bytes() json.RawMessage {
	b, _ := n.AppendJSON(nil) // nothing in a node fails to encode
	return b
}

// merge is XContentHelper.update with noop detection: every key of
// changes replaces the source's, except that two objects merge key by key.
// It reports whether anything changed.
func merge(source, changes *node) bool {
	modified := false
	for i, key := range changes.keys {
		change := changes.fields[i]
		old, at := source.get(key)
		if old == nil {
			source.keys, source.fields = append(source.keys, key), append(source.fields, change)
			modified = true
			continue
		}
		if old.kind == '{' && change.kind == '{' {
			if merge(old, change) {
				modified = true
			}
			continue
		}
		source.fields[at] = change
		if !bytes.Equal(old.bytes(), change.bytes()) {
			modified = true
		}
	}
	return modified
}

// filter keeps the parts of an object that the include patterns select,
// as XContentMapValues.filter does for source filtering: a pattern ("*"
// matches any run of characters, dots included) that matches a key's
// dotted path keeps the whole value; one that may match below it keeps
// what matches inside objects (and objects inside arrays).
func filter(obj *node, includes []string) *node {
	return filterObject(obj, "", includes)
}

func filterObject(obj *node, prefix string, includes []string) *node {
	out := &node{kind: '{'}
	for i, key := range obj.keys {
		path := prefix + key
		v := obj.fields[i]
		if matchesAny(includes, path) {
			out.keys, out.fields = append(out.keys, key), append(out.fields, v)
			continue
		}
		if !prefixOfAny(includes, path+".") {
			continue
		}
		switch v.kind {
		case '{':
			if sub := filterObject(v, path+".", includes); len(sub.keys) > 0 {
				out.keys, out.fields = append(out.keys, key), append(out.fields, sub)
			}
		case '[':
			arr := &node{kind: '['}
			for _, it := range v.items {
				if it.kind != '{' {
					continue
				}
				if sub := filterObject(it, path+".", includes); len(sub.keys) > 0 {
					arr.items = append(arr.items, sub)
				}
			}
			if len(arr.items) > 0 {
				out.keys, out.fields = append(out.keys, key), append(out.fields, arr)
			}
		}
	}
	return out
}

func matchesAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if pattern.SimpleMatch(p, s) {
			return true
		}
	}
	return false
}

func prefixOfAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if globPrefix(p, s) {
			return true
		}
	}
	return false
}

// globPrefix reports whether some string that starts with s matches p.
func globPrefix(p, s string) bool {
	px, sx, star, mark := 0, 0, -1, 0
	for sx < len(s) {
		switch {
		case px < len(p) && p[px] == '*':
			star, mark = px, sx
			px++
		case px < len(p) && p[px] == s[sx]:
			px++
			sx++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	return true
}
