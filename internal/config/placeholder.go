package config

import (
	"fmt"
	"strings"
)

// Placeholder syntax, as Elasticsearch's PropertyPlaceholder("${", "}").
const (
	placeholderPrefix = "${"
	placeholderSuffix = "}"
)

// replacePlaceholders replaces ${NAME} and ${NAME:default} in value from the
// environment, following Elasticsearch's PropertyPlaceholder: names may
// themselves contain placeholders, a resolved value is expanded again, a
// cycle is an error, and an unresolvable name is an error naming it.
func replacePlaceholders(value string, env func(string) (string, bool)) (string, error) {
	return parsePlaceholders(value, env, map[string]bool{})
}

func parsePlaceholders(value string, env func(string) (string, bool), visited map[string]bool) (string, error) {
	buf := value
	start := strings.Index(buf, placeholderPrefix)
	for start != -1 {
		end := placeholderEnd(buf, start)
		if end == -1 {
			break
		}
		original := buf[start+len(placeholderPrefix) : end]
		if visited[original] {
			return "", fmt.Errorf("Circular placeholder reference '%s' in property definitions", original)
		}
		visited[original] = true
		name, err := parsePlaceholders(original, env, visited)
		if err != nil {
			return "", err
		}
		name, def, hasDef := strings.Cut(name, ":")
		resolved, ok := env(name)
		if !ok && hasDef {
			resolved, ok = def, true
		}
		if !ok {
			return "", fmt.Errorf("Could not resolve placeholder '%s'", name)
		}
		resolved, err = parsePlaceholders(resolved, env, visited)
		if err != nil {
			return "", err
		}
		buf = buf[:start] + resolved + buf[end+len(placeholderSuffix):]
		next := strings.Index(buf[start+len(resolved):], placeholderPrefix)
		if next == -1 {
			start = -1
		} else {
			start += len(resolved) + next
		}
		delete(visited, original)
	}
	return buf, nil
}

// placeholderEnd finds the suffix closing the placeholder that starts at
// start, skipping nested placeholders; -1 if it is never closed, in which
// case the text is kept as it is.
func placeholderEnd(buf string, start int) int {
	depth := 0
	for i := start + len(placeholderPrefix); i < len(buf); {
		switch {
		case strings.HasPrefix(buf[i:], placeholderSuffix):
			if depth == 0 {
				return i
			}
			depth--
			i += len(placeholderSuffix)
		case strings.HasPrefix(buf[i:], placeholderPrefix):
			depth++
			i += len(placeholderPrefix)
		default:
			i++
		}
	}
	return -1
}
