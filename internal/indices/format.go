package indices

import (
	"strconv"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/eserr"
)

// A fmtItem is one element of a compiled java.time pattern: a literal, or
// a pattern letter repeated count times.
type fmtItem struct {
	lit    string
	letter byte
	count  int
}

// namedFormats are the names DateFormatters.forPattern resolves before it
// reads a pattern (FormatNames); each also exists with a "strict_" prefix.
var namedFormats = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`iso8601 basic_date basic_date_time basic_date_time_no_millis
		basic_ordinal_date basic_ordinal_date_time basic_ordinal_date_time_no_millis basic_time
		basic_time_no_millis basic_t_time basic_t_time_no_millis basic_week_date basic_week_date_time
		basic_week_date_time_no_millis date date_hour date_hour_minute date_hour_minute_second
		date_hour_minute_second_fraction date_hour_minute_second_millis date_optional_time date_time
		date_time_no_millis hour hour_minute hour_minute_second hour_minute_second_fraction
		hour_minute_second_millis ordinal_date ordinal_date_time ordinal_date_time_no_millis time
		time_no_millis t_time t_time_no_millis week_date week_date_time week_date_time_no_millis
		weekyear weekyear_week weekyear_week_day year year_month year_month_day epoch_second
		epoch_millis date_optional_time_nanos`) {
		namedFormats[n] = true
		namedFormats["strict_"+n] = true
	}
}

// compileFormat is DateFormatter.forPattern: an optional legacy "8"
// prefix, then the pattern. Java also accepts several patterns joined by
// "||", but inside date math the first '|' already ends the format, so
// that form never arrives here.
func compileFormat(input string) ([]fmtItem, error) {
	if input == "" {
		return nil, eserr.IllegalArgument("No date pattern provided")
	}
	return compilePattern(strings.TrimPrefix(input, "8"))
}

// compilePattern is DateTimeFormatterBuilder.appendPattern, limited to the
// letters that print numbers. Java's own refusals keep Java's words,
// wrapped as DateFormatters.forPattern wraps them.
func compilePattern(p string) ([]fmtItem, error) {
	if namedFormats[p] {
		return nil, unsupported("named date format [%s]", p)
	}
	invalid := func(msg string) error {
		return eserr.IllegalArgument("Invalid format: [%s]: %s", p, msg)
	}
	var items []fmtItem
	optional := 0
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			n := 1
			for i+n < len(p) && p[i+n] == c {
				n++
			}
			i += n
			if err := checkLetter(c, n, invalid); err != nil {
				return nil, err
			}
			items = append(items, fmtItem{letter: c, count: n})
		case c == '\'':
			end := i + 1
			var lit strings.Builder
			for {
				if end >= len(p) {
					return nil, invalid("Pattern ends with an incomplete string literal: " + p)
				}
				if p[end] == '\'' {
					if end+1 < len(p) && p[end+1] == '\'' {
						lit.WriteByte('\'')
						end += 2
						continue
					}
					break
				}
				lit.WriteByte(p[end])
				end++
			}
			if end == i+1 {
				lit.WriteByte('\'') // '' is a quote
			}
			items = append(items, fmtItem{lit: lit.String()})
			i = end + 1
		case c == '[':
			// Optional sections print whenever their fields exist, and a
			// zoned date-time has them all.
			optional++
			i++
		case c == ']':
			if optional == 0 {
				return nil, invalid("Pattern invalid as it contains ] without previous [")
			}
			optional--
			i++
		case c == '{' || c == '}' || c == '#':
			return nil, invalid("Pattern includes reserved character: '" + string(c) + "'")
		default:
			j := i + 1
			for j < len(p) && !isPatternSyntax(p[j]) {
				j++
			}
			items = append(items, fmtItem{lit: p[i:j]})
			i = j
		}
	}
	return items, nil
}

func isPatternSyntax(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || strings.IndexByte("'[]{}#", c) >= 0
}

// checkLetter accepts the numeric letters with the counts Java accepts,
// refuses text letters as unsupported, and reports Java's errors for the
// rest.
func checkLetter(c byte, n int, invalid func(string) error) error {
	tooMany := func() error { return invalid("Too many pattern letters: " + string(c)) }
	switch c {
	case 'y', 'u', 'Y':
		return nil
	case 'M', 'L', 'Q', 'q':
		switch {
		case n <= 2:
			return nil
		case n <= 5:
			return unsupported("pattern letters [%s], which print text", strings.Repeat(string(c), n))
		}
		return tooMany()
	case 'd', 'H', 'h', 'K', 'k', 'm', 's', 'w':
		if n <= 2 {
			return nil
		}
		return tooMany()
	case 'D':
		if n <= 3 {
			return nil
		}
		return tooMany()
	case 'S':
		if n <= 9 {
			return nil
		}
		return invalid("Minimum width must be from 0 to 9 inclusive but was " + strconv.Itoa(n))
	case 'X', 'x':
		if n <= 5 {
			return nil
		}
		return tooMany()
	case 'Z':
		switch {
		case n <= 3 || n == 5:
			return nil
		case n == 4:
			return unsupported("pattern letters [ZZZZ], which print a localized offset")
		}
		return tooMany()
	case 'G', 'E', 'e', 'c', 'a', 'B', 'F', 'W', 'n', 'N', 'A', 'g', 'V', 'v', 'z', 'O', 'p':
		return unsupported("pattern letter [%c]", c)
	}
	return invalid("Unknown pattern letter: " + string(c))
}

// formatDate prints t (already in its zone) with a compiled pattern.
func formatDate(items []fmtItem, t time.Time) (string, error) {
	if y := t.Year(); y < 1 || y > 9999 {
		return "", unsupported("printing the year [%d]: the gateway prints years 1 to 9999 only", y)
	}
	var b strings.Builder
	for _, it := range items {
		if it.letter == 0 {
			b.WriteString(it.lit)
			continue
		}
		n := it.count
		switch it.letter {
		case 'y', 'u':
			year(&b, t.Year(), n)
		case 'Y':
			wy, _ := t.ISOWeek()
			year(&b, wy, n)
		case 'M', 'L':
			pad(&b, int(t.Month()), n)
		case 'Q', 'q':
			pad(&b, (int(t.Month())-1)/3+1, n)
		case 'd':
			pad(&b, t.Day(), n)
		case 'D':
			pad(&b, t.YearDay(), n)
		case 'w':
			_, w := t.ISOWeek()
			pad(&b, w, n)
		case 'H':
			pad(&b, t.Hour(), n)
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			pad(&b, h, n)
		case 'K':
			pad(&b, t.Hour()%12, n)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad(&b, h, n)
		case 'm':
			pad(&b, t.Minute(), n)
		case 's':
			pad(&b, t.Second(), n)
		case 'S':
			b.WriteString(strconv.Itoa(1_000_000_000 + t.Nanosecond())[1 : 1+n])
		case 'X', 'x', 'Z':
			_, off := t.Zone()
			offset(&b, off, it.letter, n)
		}
	}
	return b.String(), nil
}

// year prints a year of 1..9999: two letters print the last two digits
// (appendValueReduced, base 2000), any other count pads to that width.
func year(b *strings.Builder, y, n int) {
	if n == 2 {
		pad(b, y%100, 2)
		return
	}
	pad(b, y, n)
}

func pad(b *strings.Builder, v, width int) {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b.WriteByte('0')
	}
	b.WriteString(s)
}

// offset is OffsetIdPrinterParser.format for the patterns the letters
// select: X and x use +HHmm, +HHMM, +HH:MM, +HHMMss, +HH:MM:ss for 1 to 5
// letters; Z uses +HHMM for 1 to 3 and +HH:MM:ss for 5. X and ZZZZZ print
// "Z" for a zero offset, x and Z print zeros.
func offset(b *strings.Builder, secs int, letter byte, n int) {
	typ := [...]int{0, 1, 3, 4, 5, 6}[n] // index into Java's PATTERNS
	if letter == 'Z' {
		typ = 3
		if n == 5 {
			typ = 6
		}
	}
	zero := "Z"
	switch {
	case letter == 'x':
		zero = [...]string{"", "+00", "+0000", "+00:00", "+0000", "+00:00"}[n]
	case letter == 'Z' && n != 5:
		zero = "+0000"
	}
	if secs == 0 {
		b.WriteString(zero)
		return
	}
	colon := typ == 4 || typ == 6
	abs := max(secs, -secs)
	h, m, s := abs/3600%100, abs/60%60, abs%60
	var o strings.Builder
	if secs < 0 {
		o.WriteByte('-')
	} else {
		o.WriteByte('+')
	}
	pad(&o, h, 2)
	printed := h
	if typ >= 3 || m > 0 {
		if colon {
			o.WriteByte(':')
		}
		pad(&o, m, 2)
		printed += m
		if typ >= 5 && s > 0 {
			if colon {
				o.WriteByte(':')
			}
			pad(&o, s, 2)
			printed += s
		}
	}
	if printed == 0 {
		// Only seconds, which this pattern does not print: Java falls
		// back to the zero text rather than print "+00".
		b.WriteString(zero)
		return
	}
	b.WriteString(o.String())
}
