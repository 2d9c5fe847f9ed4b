package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// fileValue is one setting read from the file. A YAML null (a key with no
// value) is kept so the key is still checked against the table, but it sets
// nothing, as in Elasticsearch.
type fileValue struct {
	value string
	null  bool
}

// readFile loads an elasticsearch.yml-style file into flat dotted keys.
func readFile(path string) (map[string]fileValue, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("Failed to load settings from [%s]: %w", path, err)
	}
	return parseYAML(path, data)
}

// parseYAML flattens the first YAML document in data. Nested maps become
// dotted keys, so "a: {b: 1}" and "a.b: 1" are the same setting, and giving
// it both ways is the duplicate Elasticsearch refuses.
func parseYAML(path string, data []byte) (map[string]fileValue, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return map[string]fileValue{}, nil
		}
		return nil, fmt.Errorf("Failed to load settings from [%s]: %w", path, err)
	}
	// Elasticsearch reads exactly one settings object and fails on anything
	// after it, rather than ignoring a second document a user meant to apply.
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, fmt.Errorf("Failed to load settings from [%s]: %w", path, err)
	default:
		return nil, fmt.Errorf("malformed, expected end of settings but encountered additional content starting at line number: [%d], column number: [%d]", extra.Line, extra.Column)
	}
	out := map[string]fileValue{}
	if len(doc.Content) == 0 {
		return out, nil
	}
	root := resolveAlias(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return out, nil // a file holding only "~" or "null" sets nothing
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("Failed to load settings from [%s]: expected a map of settings at line number [%d], column number [%d]", path, root.Line, root.Column)
	}
	if err := flatten(path, "", root, out); err != nil {
		return nil, err
	}
	return out, nil
}

// flatten walks a mapping node, adding "prefix+key" entries to out.
func flatten(path, prefix string, m *yaml.Node, out map[string]fileValue) error {
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolveAlias(m.Content[i]), resolveAlias(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return fmt.Errorf("Failed to load settings from [%s]: setting names must be plain strings, found a complex key at line number [%d], column number [%d]", path, k.Line, k.Column)
		}
		key := prefix + k.Value
		// The same name twice in one map is refused even when both values
		// are maps whose keys do not collide once flattened: Elasticsearch's
		// parser rejects duplicate fields outright. Scalar collisions are
		// left to the check below, which can show both values.
		if _, scalar := out[key]; seen[k.Value] && (v.Kind == yaml.MappingNode || !scalar) {
			return fmt.Errorf("duplicate settings key [%s] found at line number [%d], column number [%d]", key, k.Line, k.Column)
		}
		seen[k.Value] = true
		var fv fileValue
		switch v.Kind {
		case yaml.MappingNode:
			if err := flatten(path, key+".", v, out); err != nil {
				return err
			}
			continue
		case yaml.SequenceNode:
			// Elasticsearch list settings accept [a, b] and "a,b" alike, so
			// a list is stored as the comma-joined form.
			items := make([]string, 0, len(v.Content))
			for _, it := range v.Content {
				it = resolveAlias(it)
				if it.Kind != yaml.ScalarNode || it.Tag == "!!null" {
					return fmt.Errorf("Failed to load settings from [%s]: only value lists are allowed in serialized settings (setting [%s], line number [%d], column number [%d])", path, key, it.Line, it.Column)
				}
				items = append(items, it.Value)
			}
			fv.value = strings.Join(items, ",")
		case yaml.ScalarNode:
			if v.Tag == "!!null" {
				fv.null = true
			} else {
				fv.value = v.Value
			}
		default:
			return fmt.Errorf("Failed to load settings from [%s]: unsupported value for setting [%s] at line number [%d], column number [%d]", path, key, v.Line, v.Column)
		}
		if prev, dup := out[key]; dup {
			return fmt.Errorf("duplicate settings key [%s] found at line number [%d], column number [%d], previous value [%s], current value [%s]",
				key, v.Line, v.Column, prev.String(), fv.String())
		}
		out[key] = fv
	}
	return nil
}

// String renders the value as Elasticsearch's duplicate-key message does.
func (f fileValue) String() string {
	if f.null {
		return "null"
	}
	return f.value
}

// resolveAlias follows YAML aliases (*name) to the node they refer to, so
// anchors can be used for repeated values.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}
