package securityquery

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/eserr"
)

// The security index maps its dates with the format epoch_millis, so a
// date in a query is epoch milliseconds or date math ("now-1d/d",
// "1700000000000||+1M"). A range query may name other formats.

// dateFormat is one of the named formats a range query's "format" may
// use: epoch_millis, epoch_second and the ISO 8601 forms.
type dateFormat uint8

const (
	fmtEpochMillis dateFormat = iota
	fmtEpochSecond
	fmtISO // strict_date_optional_time and its relatives
)

// fieldFormat is the date fields' mapping format.
const fieldFormat = "epoch_millis"

// dateFormats parses a range query's format ("" is the field's own):
// names joined with "||".
func dateFormats(format string) ([]dateFormat, *eserr.Error) {
	if format == "" {
		return nil, nil
	}
	var out []dateFormat
	for _, name := range strings.Split(format, "||") {
		switch strings.TrimSpace(name) {
		case "epoch_millis":
			out = append(out, fmtEpochMillis)
		case "epoch_second":
			out = append(out, fmtEpochSecond)
		case "strict_date_optional_time", "date_optional_time", "strict_date_optional_time_nanos",
			"strict_date_time", "date_time", "strict_date", "date", "iso8601":
			out = append(out, fmtISO)
		default:
			return nil, eserr.IllegalArgument("Invalid format: [%s]: esauth knows the formats epoch_millis, epoch_second and strict_date_optional_time", format)
		}
	}
	return out, nil
}

func formatName(formats []dateFormat, given string) string {
	if len(formats) == 0 {
		return fieldFormat
	}
	return given
}

// parseDate is JavaDateMathParser.parse: "now" or a date, optionally
// followed ("||" after a date) by date math. roundUp makes rounding go
// to the last millisecond of the unit, and an ISO date without some
// fields fill them with their largest value. formats nil means the
// field's epoch_millis.
func parseDate(text string, formats []dateFormat, zone *time.Location, roundUp bool, now int64) (int64, *eserr.Error) {
	return parseDateNamed(text, formats, "", zone, roundUp, now)
}

func parseDateNamed(text string, formats []dateFormat, name string, zone *time.Location, roundUp bool, now int64) (int64, *eserr.Error) {
	if zone == nil {
		zone = time.UTC
	}
	var t time.Time
	var math string
	if rest, ok := strings.CutPrefix(text, "now"); ok {
		t = time.UnixMilli(now).In(zone)
		math = rest
	} else {
		date, m, hasMath := strings.Cut(text, "||")
		ms, err := parseDateTime(date, formats, formatName(formats, name), zone, roundUp && !hasMath)
		if err != nil {
			return 0, err
		}
		if !hasMath {
			return ms, nil
		}
		t = time.UnixMilli(ms).In(zone)
		math = m
	}
	return parseMath(math, t, roundUp)
}

// parseMath applies "+1d", "-2h", "/M"... in order.
func parseMath(m string, t time.Time, roundUp bool) (int64, *eserr.Error) {
	for i := 0; i < len(m); {
		c := m[i]
		i++
		round, sign := false, 1
		switch c {
		case '/':
			round = true
		case '+':
		case '-':
			sign = -1
		default:
			return 0, newErr("parse_exception", 400, "operator not supported for date math ["+m+"]")
		}
		if i >= len(m) {
			return 0, newErr("parse_exception", 400, "truncated date math ["+m+"]")
		}
		num := 1
		if m[i] >= '0' && m[i] <= '9' {
			j := i
			for i < len(m) && m[i] >= '0' && m[i] <= '9' {
				i++
			}
			n, err := strconv.Atoi(m[j:i])
			if err != nil {
				return 0, newErr("parse_exception", 400, "failed to parse date math ["+m+"]")
			}
			num = n
		}
		if round && num != 1 {
			return 0, newErr("parse_exception", 400, "rounding `/` can only be used on single unit types ["+m+"]")
		}
		if i >= len(m) {
			return 0, newErr("parse_exception", 400, "truncated date math ["+m+"]")
		}
		unit := m[i]
		i++
		n := sign * num
		y, mo, d := t.Date()
		loc := t.Location()
		switch unit {
		case 'y':
			if round {
				t = time.Date(y, 1, 1, 0, 0, 0, 0, loc)
				if roundUp {
					t = t.AddDate(1, 0, 0)
				}
			} else {
				t = t.AddDate(n, 0, 0)
			}
		case 'M':
			if round {
				t = time.Date(y, mo, 1, 0, 0, 0, 0, loc)
				if roundUp {
					t = t.AddDate(0, 1, 0)
				}
			} else {
				t = t.AddDate(0, n, 0)
			}
		case 'w':
			if round {
				back := (int(t.Weekday()) + 6) % 7 // to Monday
				t = time.Date(y, mo, d-back, 0, 0, 0, 0, loc)
				if roundUp {
					t = t.AddDate(0, 0, 7)
				}
			} else {
				t = t.AddDate(0, 0, 7*n)
			}
		case 'd':
			if round {
				t = time.Date(y, mo, d, 0, 0, 0, 0, loc)
				if roundUp {
					t = t.AddDate(0, 0, 1)
				}
			} else {
				t = t.AddDate(0, 0, n)
			}
		case 'h', 'H':
			t = roundOrAdd(t, time.Hour, n, round, roundUp)
		case 'm':
			t = roundOrAdd(t, time.Minute, n, round, roundUp)
		case 's':
			t = roundOrAdd(t, time.Second, n, round, roundUp)
		default:
			return 0, newErr("parse_exception", 400, "unit ["+string(unit)+"] not supported for date math ["+m+"]")
		}
		if round && roundUp {
			t = t.Add(-time.Millisecond)
		}
	}
	return t.UnixMilli(), nil
}

func roundOrAdd(t time.Time, unit time.Duration, n int, round, roundUp bool) time.Time {
	if !round {
		return t.Add(time.Duration(n) * unit)
	}
	// Hours, minutes and seconds round in the zone's wall clock.
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	switch unit {
	case time.Hour:
		mi, s = 0, 0
	case time.Minute:
		s = 0
	}
	t = time.Date(y, mo, d, h, mi, s, 0, t.Location())
	if roundUp {
		t = t.Add(unit)
	}
	return t
}

// dateParseError is the exception chain of a date no format accepts:
// ElasticsearchParseException around JavaDateFormatter's
// IllegalArgumentException.
func dateParseError(text, format string) *eserr.Error {
	inner := eserr.IllegalArgument("failed to parse date field [%s] with format [%s]", text, format)
	e := newErr("parse_exception", 400, "failed to parse date field ["+text+"] with format ["+format+"]: ["+inner.Reason+"]")
	e.CausedBy = inner
	return e
}

// parseDateTime parses a date without math.
func parseDateTime(text string, formats []dateFormat, name string, zone *time.Location, roundUp bool) (int64, *eserr.Error) {
	if formats == nil {
		formats = []dateFormat{fmtEpochMillis}
	}
	for _, f := range formats {
		switch f {
		case fmtEpochMillis:
			if ms, ok := parseEpoch(text, 1); ok {
				return ms, nil
			}
		case fmtEpochSecond:
			if ms, ok := parseEpoch(text, 1000); ok {
				return ms, nil
			}
		case fmtISO:
			if ms, ok := parseISO(text, zone, roundUp); ok {
				return ms, nil
			}
		}
	}
	return 0, dateParseError(text, name)
}

// parseEpoch reads an optionally signed decimal count of units (1 for
// milliseconds, 1000 for seconds), with up to six fraction digits for
// milliseconds (three for seconds), into epoch milliseconds.
func parseEpoch(s string, unit int64) (int64, bool) {
	t := s
	neg := false
	if strings.HasPrefix(t, "-") {
		neg, t = true, t[1:]
	}
	whole, frac, hasFrac := strings.Cut(t, ".")
	if whole == "" || len(whole) > 18 || strings.Trim(whole, "0123456789") != "" {
		return 0, false
	}
	maxFrac := 6
	if unit == 1000 {
		maxFrac = 9
	}
	if hasFrac && (frac == "" || len(frac) > maxFrac || strings.Trim(frac, "0123456789") != "") {
		return 0, false
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || n > math.MaxInt64/unit {
		return 0, false
	}
	ms := n * unit
	if hasFrac && unit == 1000 {
		f := (frac + "000")[:3]
		v, _ := strconv.ParseInt(f, 10, 64)
		ms += v
	}
	if neg {
		ms = -ms
	}
	return ms, true
}

// parseISO reads yyyy[-MM[-dd[THH[:mm[:ss[.fraction]]]]]][Z|±HH:mm].
// Missing fields are their smallest value, or with roundUp their largest.
func parseISO(s string, zone *time.Location, roundUp bool) (int64, bool) {
	p := 0
	num := func(n int) (int, bool) {
		if p+n > len(s) {
			return 0, false
		}
		v := 0
		for _, c := range s[p : p+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		p += n
		return v, true
	}
	lit := func(c byte) bool {
		if p < len(s) && s[p] == c {
			p++
			return true
		}
		return false
	}
	y, ok := num(4)
	if !ok {
		return 0, false
	}
	mo, d, h, mi, sec, nanos := 1, 1, 0, 0, 0, 0
	have := 1 // fields given: year, month, day, hour, minute, second, fraction
	if lit('-') {
		if mo, ok = num(2); !ok {
			return 0, false
		}
		have = 2
		if lit('-') {
			if d, ok = num(2); !ok {
				return 0, false
			}
			have = 3
			if lit('T') {
				if h, ok = num(2); !ok {
					return 0, false
				}
				have = 4
				if lit(':') {
					if mi, ok = num(2); !ok {
						return 0, false
					}
					have = 5
					if lit(':') {
						if sec, ok = num(2); !ok {
							return 0, false
						}
						have = 6
						if lit('.') || lit(',') {
							start := p
							for p < len(s) && s[p] >= '0' && s[p] <= '9' && p-start < 9 {
								p++
							}
							if p == start {
								return 0, false
							}
							f := (s[start:p] + "000000000")[:9]
							nanos, _ = strconv.Atoi(f)
							have = 7
						}
					}
				}
			}
		}
	}
	loc := zone
	switch {
	case p == len(s):
	case s[p] == 'Z' && p+1 == len(s):
		loc = time.UTC
	case s[p] == '+' || s[p] == '-':
		sign := 1
		if s[p] == '-' {
			sign = -1
		}
		p++
		oh, ok := num(2)
		if !ok {
			return 0, false
		}
		lit(':')
		om := 0
		if p < len(s) {
			if om, ok = num(2); !ok {
				return 0, false
			}
		}
		if p != len(s) || oh > 18 || om > 59 {
			return 0, false
		}
		loc = time.FixedZone("", sign*(oh*3600+om*60))
	default:
		return 0, false
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, nanos, loc)
	if t.Day() != d {
		return 0, false // 31 April and the like
	}
	if roundUp {
		switch have {
		case 1:
			t = t.AddDate(1, 0, 0)
		case 2:
			t = t.AddDate(0, 1, 0)
		case 3:
			t = t.AddDate(0, 0, 1)
		case 4:
			t = t.Add(time.Hour)
		case 5:
			t = t.Add(time.Minute)
		case 6:
			t = t.Add(time.Second)
		case 7:
			return t.UnixMilli(), true
		}
		t = t.Add(-time.Millisecond)
	}
	return t.UnixMilli(), true
}

// parseZone is ZoneId.of for a range query's time_zone.
func parseZone(s string) (*time.Location, bool) {
	switch s {
	case "Z", "UTC", "GMT", "UT":
		return time.UTC, true
	}
	if s != "" && (s[0] == '+' || s[0] == '-') {
		if ms, ok := parseISO("2000-01-01T00:00:00"+s, time.UTC, false); ok {
			off := int((time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() - ms) / 1000)
			return time.FixedZone(s, off), true
		}
		return nil, false
	}
	if !strings.Contains(s, "/") {
		return nil, false
	}
	loc, err := time.LoadLocation(s)
	return loc, err == nil
}

// formatMillis is the epoch_millis format of a date, as aggregations'
// key_as_string show it.
func formatMillis(ms int64) string { return strconv.FormatInt(ms, 10) }
