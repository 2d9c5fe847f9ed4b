package fakecluster

import (
	"strconv"
	"strings"
	"time"
)

// resolveDateMath evaluates an index name of the form
// <static{now/d{yyyy.MM.dd|UTC}}static> the way ES does before resolving
// names, so a gateway that forwards date math unresolved is observable. Names
// that are not date math, or that do not parse, come back unchanged.
func resolveDateMath(name string) string { return resolveDateMathAt(name, time.Now()) }

func resolveDateMathAt(name string, now time.Time) string {
	if len(name) < 2 || name[0] != '<' || name[len(name)-1] != '>' {
		return name
	}
	in := name[1 : len(name)-1]
	var out strings.Builder
	for i := 0; i < len(in); i++ {
		switch ch := in[i]; {
		case ch == '\\' && i+1 < len(in):
			i++
			out.WriteByte(in[i])
		case ch == '{':
			end, ok := closingBrace(in, i)
			if !ok {
				return name
			}
			v, ok := evalDateMath(in[i+1:end], now)
			if !ok {
				return name
			}
			out.WriteString(v)
			i = end
		default:
			out.WriteByte(ch)
		}
	}
	return out.String()
}

// closingBrace finds the brace closing the one at open, allowing one nested
// {format} block.
func closingBrace(s string, open int) (int, bool) {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i, true
			}
		}
	}
	return 0, false
}

// evalDateMath evaluates "now[+-N<unit>][/<unit>]{format|tz}".
func evalDateMath(expr string, now time.Time) (string, bool) {
	format, loc := "yyyy.MM.dd", time.UTC
	if i := strings.IndexByte(expr, '{'); i >= 0 {
		spec := strings.TrimSuffix(expr[i+1:], "}")
		expr = expr[:i]
		if f, tz, ok := strings.Cut(spec, "|"); ok {
			format = f
			if l, err := time.LoadLocation(tz); err == nil {
				loc = l
			}
		} else if spec != "" {
			format = spec
		}
	}
	if !strings.HasPrefix(expr, "now") {
		return "", false
	}
	t := now.In(loc)
	rest := expr[len("now"):]
	for rest != "" {
		op := rest[0]
		rest = rest[1:]
		switch op {
		case '+', '-':
			j := 0
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			n, err := strconv.Atoi(rest[:j])
			if err != nil || j == len(rest) {
				return "", false
			}
			if op == '-' {
				n = -n
			}
			var ok bool
			if t, ok = addUnit(t, rest[j], n); !ok {
				return "", false
			}
			rest = rest[j+1:]
		case '/':
			if rest == "" {
				return "", false
			}
			var ok bool
			if t, ok = roundDown(t, rest[0]); !ok {
				return "", false
			}
			rest = rest[1:]
		default:
			return "", false
		}
	}
	return javaFormat(t, format), true
}

func addUnit(t time.Time, unit byte, n int) (time.Time, bool) {
	switch unit {
	case 'y':
		return t.AddDate(n, 0, 0), true
	case 'M':
		return t.AddDate(0, n, 0), true
	case 'w':
		return t.AddDate(0, 0, 7*n), true
	case 'd':
		return t.AddDate(0, 0, n), true
	case 'h', 'H':
		return t.Add(time.Duration(n) * time.Hour), true
	case 'm':
		return t.Add(time.Duration(n) * time.Minute), true
	case 's':
		return t.Add(time.Duration(n) * time.Second), true
	}
	return t, false
}

func roundDown(t time.Time, unit byte) (time.Time, bool) {
	y, mo, d := t.Date()
	switch unit {
	case 'y':
		return time.Date(y, 1, 1, 0, 0, 0, 0, t.Location()), true
	case 'M':
		return time.Date(y, mo, 1, 0, 0, 0, 0, t.Location()), true
	case 'w':
		back := (int(t.Weekday()) + 6) % 7 // ISO weeks start on Monday
		return time.Date(y, mo, d-back, 0, 0, 0, 0, t.Location()), true
	case 'd':
		return time.Date(y, mo, d, 0, 0, 0, 0, t.Location()), true
	case 'h', 'H':
		return t.Truncate(time.Hour), true
	case 'm':
		return t.Truncate(time.Minute), true
	case 's':
		return t.Truncate(time.Second), true
	}
	return t, false
}

// javaFormat renders the common letters of a Java DateTimeFormatter
// pattern; anything else is copied as a literal.
func javaFormat(t time.Time, f string) string {
	repl := []struct{ java, goLayout string }{
		{"yyyy", "2006"}, {"yy", "06"}, {"MM", "01"}, {"dd", "02"}, {"HH", "15"}, {"mm", "04"}, {"ss", "05"},
	}
	var out strings.Builder
	for f != "" {
		matched := false
		for _, r := range repl {
			if strings.HasPrefix(f, r.java) {
				out.WriteString(t.Format(r.goLayout))
				f = f[len(r.java):]
				matched = true
				break
			}
		}
		if !matched {
			out.WriteByte(f[0])
			f = f[1:]
		}
	}
	return out.String()
}
