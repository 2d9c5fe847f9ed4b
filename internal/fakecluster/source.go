package fakecluster

import (
	"net/url"
	"strings"
)

// sourceFilter is a _source fetch context: off, or include/exclude path
// patterns ('*' wildcards, dotted paths).
type sourceFilter struct {
	off      bool
	includes []string
	excludes []string
}

// filterFromParams reads _source, _source_includes and _source_excludes
// from the query string, on top of base (the body's or the API default).
func filterFromParams(q url.Values, base sourceFilter) sourceFilter {
	f := base
	if q.Has("_source") {
		switch v := q.Get("_source"); v {
		case "true", "":
			f.off = false
		case "false":
			f.off = true
		default:
			f.off, f.includes = false, splitNames(v)
		}
	}
	if v := q.Get("_source_includes"); v != "" {
		f.includes = splitNames(v)
	}
	if v := q.Get("_source_excludes"); v != "" {
		f.excludes = splitNames(v)
	}
	return f
}

// filterFromBody reads a body's _source: a boolean, a pattern, a list of
// patterns, or {includes, excludes}.
func filterFromBody(v any) (sourceFilter, *esError) {
	var f sourceFilter
	list := func(x any) ([]string, bool) {
		switch x := x.(type) {
		case nil:
			return nil, true
		case string:
			return []string{x}, true
		case []any:
			out := make([]string, 0, len(x))
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, false
				}
				out = append(out, s)
			}
			return out, true
		}
		return nil, false
	}
	switch v := v.(type) {
	case nil:
	case bool:
		f.off = !v
	case map[string]any:
		var ok1, ok2 bool
		f.includes, ok1 = list(firstOf(v, "includes", "include"))
		f.excludes, ok2 = list(firstOf(v, "excludes", "exclude"))
		if !ok1 || !ok2 {
			return f, parseError("[_source] includes and excludes must be strings or arrays of strings")
		}
	default:
		var ok bool
		if f.includes, ok = list(v); !ok {
			return f, parseError("[_source] must be a boolean, a string, an array or an object")
		}
	}
	return f, nil
}

func firstOf(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return nil
}

// render returns what to put under _source: the stored bytes untouched when
// nothing is filtered (ES returns the source as it was sent), else the
// filtered object.
func (f sourceFilter) render(d *doc) any {
	if len(f.includes) == 0 && len(f.excludes) == 0 {
		return d.raw
	}
	return filterObject(d.src, "", f.includes, f.excludes)
}

// filterObject keeps the leaves whose dotted path matches an include (or
// that lie under an included object) and matches no exclude.
func filterObject(m map[string]any, prefix string, inc, exc []string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		if v, ok := filterValue(v, path, inc, exc); ok {
			out[k] = v
		}
	}
	return out
}

func filterValue(v any, path string, inc, exc []string) (any, bool) {
	if matchesAny(exc, path) {
		return nil, false
	}
	included := len(inc) == 0 || matchesAny(inc, path)
	if !included && !mayMatchBelow(inc, path) {
		return nil, false
	}
	if included {
		// Everything below is in; only excludes can still cut.
		inc = nil
	}
	switch v := v.(type) {
	case map[string]any:
		sub := filterObject(v, path, inc, exc)
		if len(sub) == 0 && !included {
			return nil, false
		}
		return sub, true
	case []any:
		var out []any
		for _, e := range v {
			if ev, ok := filterValue(e, path, inc, exc); ok {
				out = append(out, ev)
			}
		}
		if len(out) == 0 && !included {
			return nil, false
		}
		if out == nil {
			out = []any{}
		}
		return out, true
	}
	return v, included
}

func matchesAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if simpleMatch(p, path) {
			return true
		}
	}
	return false
}

// mayMatchBelow reports whether some include pattern could match a path
// under path, so the object must be descended into.
func mayMatchBelow(patterns []string, path string) bool {
	for _, p := range patterns {
		if strings.HasPrefix(p, path+".") || strings.Contains(p, "*") {
			return true
		}
	}
	return false
}
