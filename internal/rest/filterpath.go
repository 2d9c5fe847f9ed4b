package rest

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/esauth/esauth/internal/pattern"
	"github.com/esauth/esauth/internal/xcontent"
)

// filterPath is Elasticsearch's filter_path response filter: comma-separated
// dotted paths whose segments may use "*" within a name and "**" for any
// number of levels; a leading "-" excludes instead. Arrays are transparent.
type filterPath struct {
	include, exclude [][]string
}

func parseFilterPath(s string) *filterPath {
	if s == "" {
		return nil
	}
	f := &filterPath{}
	for _, expr := range strings.Split(s, ",") {
		expr = strings.TrimSpace(expr)
		if expr == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(expr, "-"); ok {
			f.exclude = append(f.exclude, strings.Split(rest, "."))
		} else {
			f.include = append(f.include, strings.Split(expr, "."))
		}
	}
	if len(f.include) == 0 && len(f.exclude) == 0 {
		return nil
	}
	return f
}

// apply filters a JSON document; an empty result is "{}".
func (f *filterPath) apply(doc []byte) []byte {
	var v any = json.RawMessage(doc)
	if len(f.include) > 0 {
		v, _ = filterValue(json.RawMessage(doc), f.include, true)
	}
	if len(f.exclude) > 0 && v != nil {
		raw, _ := xcontent.Marshal(v)
		v, _ = filterValue(raw, f.exclude, false)
	}
	if v == nil {
		return []byte("{}")
	}
	out, err := xcontent.Marshal(v)
	if err != nil {
		return doc
	}
	return out
}

// filterValue keeps (include) or drops (exclude) the parts of raw that the
// remaining paths reach. It reports whether anything is left.
func filterValue(raw json.RawMessage, paths [][]string, include bool) (any, bool) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '{':
		var fields orderedRaw
		if json.Unmarshal(raw, &fields) != nil {
			return raw, true
		}
		out := xcontent.Object{}
		for _, fl := range fields {
			next, whole := step(paths, fl.key)
			switch {
			case whole && include:
				out = out.With(fl.key, fl.val)
			case whole:
				// excluded entirely
			case len(next) > 0:
				if v, ok := filterValue(fl.val, next, include); ok {
					out = out.With(fl.key, v)
				}
			case !include:
				out = out.With(fl.key, fl.val)
			}
		}
		return out, len(out) > 0 || !include
	case len(raw) > 0 && raw[0] == '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return raw, true
		}
		out := make([]any, 0, len(items))
		for _, it := range items {
			if v, ok := filterValue(it, paths, include); ok {
				out = append(out, v)
			}
		}
		return out, len(out) > 0 || !include
	}
	// A scalar reached with paths still left matches nothing below it.
	return raw, !include
}

// step matches one field name against every path and returns the paths
// that continue below it; whole reports that some path ends at it.
func step(paths [][]string, name string) (next [][]string, whole bool) {
	for _, p := range paths {
		for _, q := range advance(p, name) {
			if len(q) == 0 {
				whole = true
			} else {
				next = append(next, q)
			}
		}
	}
	return next, whole
}

// advance returns what remains of path p after it consumes name.
func advance(p []string, name string) [][]string {
	if len(p) == 0 {
		return nil
	}
	if p[0] == "**" {
		// "**" may consume this name and stay, or match nothing and let
		// the next segment try.
		out := [][]string{p}
		if len(p) == 1 {
			return [][]string{{}}
		}
		return append(out, advance(p[1:], name)...)
	}
	if pattern.SimpleMatch(p[0], name) {
		return [][]string{p[1:]}
	}
	return nil
}

// orderedRaw decodes a JSON object keeping its field order.
type orderedRaw []struct {
	key string
	val json.RawMessage
}

func (o *orderedRaw) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		*o = append(*o, struct {
			key string
			val json.RawMessage
		}{k.(string), v})
	}
	_, err := dec.Token()
	return err
}
