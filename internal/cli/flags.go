package cli

import (
	"flag"
	"io"
	"os"
	"strings"

	"github.com/esauth/esauth/internal/config"
)

// flags is the option parser every command shares: --config, -E and
// -h/--help, plus the command's own options.
type flags struct {
	fs        *flag.FlagSet
	file      string
	overrides config.Overrides
	help      bool
}

func newFlags(name string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// Errors are reported by run, after the command's own usage text;
	// flag's generated help would list every alias twice.
	fs.SetOutput(io.Discard)
	f := &flags{fs: fs}
	fs.StringVar(&f.file, "config", "", "")
	fs.Var(&f.overrides, "E", "")
	fs.BoolVar(&f.help, "h", false, "")
	fs.BoolVar(&f.help, "help", false, "")
	return f
}

// stringVar and boolVar register one option under each of its names
// (Elasticsearch's tools take "-p" and "--password" alike).
func (f *flags) stringVar(p *string, names ...string) {
	for _, n := range names {
		f.fs.StringVar(p, n, "", "")
	}
}

func (f *flags) boolVar(p *bool, names ...string) {
	for _, n := range names {
		f.fs.BoolVar(p, n, false, "")
	}
}

// isSet reports whether any of the names was given.
func (f *flags) isSet(names ...string) bool {
	set := false
	f.fs.Visit(func(fl *flag.Flag) {
		for _, n := range names {
			if fl.Name == n {
				set = true
			}
		}
	})
	return set
}

// parse reads args and returns the non-option arguments. Options may come
// before or after them, as joptsimple allows ("useradd NAME -p PW"); "--"
// ends the options. It returns errHelp for -h/--help.
func (f *flags) parse(args []string) ([]string, error) {
	args = splitAttachedE(args)
	var positional []string
	for {
		if err := f.fs.Parse(args); err != nil {
			return nil, fail(exitUsage, "%s", err.Error())
		}
		rest := f.fs.Args()
		if len(rest) == 0 {
			break
		}
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	if f.help {
		return nil, errHelp
	}
	return positional, nil
}

// settings loads the settings as the server does, from --config and -E.
func (f *flags) settings() (config.Config, error) {
	s, err := config.Load(f.file, f.overrides, os.LookupEnv)
	if err != nil {
		return config.Config{}, fail(exitConfig, "%v", err)
	}
	c, err := s.Config()
	if err != nil {
		return config.Config{}, fail(exitConfig, "%v", err)
	}
	return c, nil
}

// splitAttachedE turns Elasticsearch's attached form "-Ename=value" into
// "-E" "name=value", which the flag package understands.
func splitAttachedE(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if len(a) > 2 && strings.HasPrefix(a, "-E") && a[2] != '=' {
			out = append(out, "-E", a[2:])
			continue
		}
		out = append(out, a)
	}
	return out
}
