package config

import "strings"

// Overrides collects repeated -E name=value command-line arguments; it
// implements flag.Value so a command can register it with
// fs.Var(&o, "E", "configure a setting, name=value").
type Overrides []string

// String returns the overrides joined by spaces, for flag's help output.
func (o *Overrides) String() string {
	if o == nil {
		return ""
	}
	return strings.Join(*o, " ")
}

// Set appends one override, rejecting at parse time an argument without
// "=" so the flag package reports it next to the flag that was wrong. The
// other checks (empty value, repeated name) need every argument and are
// done by Load.
func (o *Overrides) Set(arg string) error {
	if _, _, err := splitOverride(arg); err != nil {
		return err
	}
	*o = append(*o, arg)
	return nil
}
