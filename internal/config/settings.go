package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Settings holds the effective settings: the values given in the file and
// by -E (after ${VAR} replacement), and the defaults of every known
// setting. It is read-only after Load and safe for concurrent use.
type Settings struct {
	table     []setting
	values    map[string]string // settings given explicitly
	defaults  map[string]string // defaults of concrete keys, computed once
	configDir string
}

// defaultConfigDir is ConfigDir when no settings file is given: the
// "config" directory Elasticsearch keeps beside its binaries.
const defaultConfigDir = "config"

// Load builds the effective settings from, in increasing precedence, the
// built-in defaults, the YAML file (none when file is ""), and overrides
// ("name=value", as given to -E). ${NAME} placeholders in values are
// replaced by env (os.LookupEnv when nil). It returns the first error found,
// in the order Elasticsearch reports them: malformed overrides, then the
// file, then placeholders, then settings in key order.
//
// A file that does not exist is an error (wrapping fs.ErrNotExist): a file
// named explicitly should not be silently ignored.
func Load(file string, overrides []string, env func(string) (string, bool)) (*Settings, error) {
	return load(builtinSettings(), file, overrides, env)
}

// load is Load with the table as a parameter, so tests can exercise the
// mechanism on settings that do not exist.
func load(table []setting, file string, overrides []string, env func(string) (string, bool)) (*Settings, error) {
	if env == nil {
		env = os.LookupEnv
	}
	given, err := parseOverrides(overrides)
	if err != nil {
		return nil, err
	}
	raw := map[string]fileValue{}
	configDir := defaultConfigDir
	if file != "" {
		configDir = filepath.Dir(file)
		if raw, err = readFile(file); err != nil {
			return nil, err
		}
	}
	for k, v := range given {
		raw[k] = fileValue{value: v}
	}

	s := &Settings{
		table:     table,
		values:    map[string]string{},
		defaults:  map[string]string{},
		configDir: configDir,
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys) // Elasticsearch validates in key order; so do we, for a stable first error

	for _, k := range keys {
		v := raw[k]
		if v.null {
			continue
		}
		resolved, err := replacePlaceholders(v.value, env)
		if err != nil {
			return nil, err
		}
		// Elasticsearch drops a setting whose value is empty after
		// replacement, so "${UNSET_OK:}" or "" falls back to the default.
		if resolved != "" {
			s.values[k] = resolved
		}
	}
	for _, k := range keys {
		row := lookup(table, k)
		if row == nil {
			return nil, unknownSettingError(table, k)
		}
		v, ok := s.values[k]
		if !ok || row.validate == nil {
			continue
		}
		if err := row.validate(k, v); err != nil {
			return nil, err
		}
	}
	for _, r := range table {
		if r.defFunc != nil && !r.isPattern() {
			s.defaults[r.key] = r.defFunc()
		}
	}
	return s, nil
}

// parseOverrides checks -E arguments as Elasticsearch's command line does:
// each must be name=value (the value may contain "="), non-empty, and given
// once.
func parseOverrides(args []string) (map[string]string, error) {
	out := make(map[string]string, len(args))
	for _, a := range args {
		k, v, err := splitOverride(a)
		if err != nil {
			return nil, err
		}
		if v == "" {
			return nil, fmt.Errorf("setting [%s] must not be empty", k)
		}
		if prev, dup := out[k]; dup {
			return nil, fmt.Errorf("setting [%s] already set, saw [%s] and [%s]", k, prev, v)
		}
		out[k] = v
	}
	return out, nil
}

// splitOverride splits "name=value" at the first "=".
func splitOverride(arg string) (key, value string, err error) {
	k, v, ok := strings.Cut(arg, "=")
	if !ok || k == "" {
		return "", "", fmt.Errorf("value [%s] must be in the form [key=value]", arg)
	}
	return k, v, nil
}

// Get returns the effective value of key: the value given, else the
// setting's default. A key matching no known setting returns "".
func (s *Settings) Get(key string) string {
	if v, ok := s.values[key]; ok {
		return v
	}
	if v, ok := s.defaults[key]; ok {
		return v
	}
	if r := lookup(s.table, key); r != nil {
		return r.def
	}
	return ""
}

// IsSet reports whether key was given a value by the file or -E, as opposed
// to falling back to its default.
func (s *Settings) IsSet(key string) bool {
	_, ok := s.values[key]
	return ok
}

// Matching returns, sorted, the keys given a value that match pattern,
// where a <name> segment matches any one segment. For example
// Matching("xpack.security.authc.realms.<type>.<name>.order") lists every
// realm's order setting.
func (s *Settings) Matching(pattern string) []string {
	var out []string
	for k := range s.values {
		if matchKey(pattern, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Groups returns, sorted and without repeats, the segments that follow
// prefix in the keys given a value, like Elasticsearch's
// Settings.getGroups: Groups("xpack.security.authc.realms.native") gives the
// names of the native realms configured. A missing trailing "." on prefix is
// implied.
func (s *Settings) Groups(prefix string) []string {
	if !strings.HasSuffix(prefix, ".") {
		prefix += "."
	}
	seen := map[string]bool{}
	var out []string
	for k := range s.values {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, ".")
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
