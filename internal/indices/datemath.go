package indices

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zone rules even where the host has no zoneinfo (distroless images)
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/esauth/esauth/internal/eserr"
)

// Date math in index names follows
// IndexNameExpressionResolver.DateMathExpressionResolver (8.x): an
// expression is date math only when it starts with '<' and ends with '>';
// `\` escapes the next character; {math{format|time_zone}} placeholders are
// replaced by the formatted date. The math is JavaDateMathParser's
// (now[+-]N unit, /unit rounding) and the format is a java.time pattern
// printed with Locale.ROOT and ISO week rules (IsoCalendarDataProvider:
// weeks start on Monday, week 1 has at least 4 days).
//
// Not supported, refused with a 400 that says so rather than guessed at:
//   - anchors other than "now" (an explicit date before "||" would need a
//     java.time parser for the format);
//   - named formats (strict_date_optional_time, epoch_millis, ...);
//   - pattern letters that print text or localized numbers (G E e c a B
//     F W n N A g V v z O p, MMM and longer, QQQ and longer, ZZZZ);
//   - years outside 1..9999 in the printed result.

// defaultDateFormat is DEFAULT_DATE_FORMATTER: "uuuu.MM.dd".
var defaultDateFormat = []fmtItem{{letter: 'u', count: 4}, {lit: "."}, {letter: 'M', count: 2}, {lit: "."}, {letter: 'd', count: 2}}

// ResolveDateMath resolves one <static{date-math{format|time_zone}}>
// expression at now (default format uuuu.MM.dd, default zone UTC), or
// returns name unchanged when it is not date math. Errors carry
// Elasticsearch's type, status and wording (parse_exception for the
// expression syntax and the math, date_time_exception and
// zone_rules_exception for time zones, illegal_argument_exception for
// formats), or an illegal_argument_exception naming what the gateway does
// not support.
func ResolveDateMath(name string, now time.Time) (string, error) {
	if !strings.HasPrefix(name, "<") || !strings.HasSuffix(name, ">") {
		return name, nil
	}
	return resolveDateMath(name, now)
}

func resolveDateMath(expr string, now time.Time) (string, error) {
	// Java quotes new String(text, 1, length-1): everything after '<',
	// the closing '>' included; positions count UTF-16 units of expr.
	shown := expr[1:]
	var before, placeholder strings.Builder
	escape, inPlaceholder, inFormat := false, false, false
	pos := 1
	body := expr[1 : len(expr)-1]
	for k := 0; k < len(body); {
		c, size := utf8.DecodeRuneInString(body[k:])
		raw := body[k : k+size] // written as is, so invalid UTF-8 survives
		k += size
		at := pos
		pos += max(utf16.RuneLen(c), 1)
		escaped := escape
		escape = false
		if c == '\\' {
			if escaped {
				// Java appends an escaped '\' to the text before the
				// placeholder even inside one; kept as is.
				before.WriteString(raw)
			} else {
				escape = true
			}
			continue
		}
		if inPlaceholder {
			switch {
			case c == '{' && inFormat && escaped:
				placeholder.WriteString(raw)
			case c == '{' && !inFormat:
				inFormat = true
				placeholder.WriteString(raw)
			case c == '{':
				return "", eserr.Parse("invalid dynamic name expression [%s]. invalid character in placeholder at position [%d]", shown, at)
			case c == '}' && inFormat && escaped:
				placeholder.WriteString(raw)
			case c == '}' && inFormat:
				inFormat = false
				placeholder.WriteString(raw)
			case c == '}':
				s, err := evalPlaceholder(placeholder.String(), now)
				if err != nil {
					return "", err
				}
				before.WriteString(s)
				placeholder.Reset()
				inPlaceholder = false
			default:
				placeholder.WriteString(raw)
			}
			continue
		}
		switch {
		case c == '{' && !escaped:
			inPlaceholder = true
		case c == '}' && !escaped:
			return "", eserr.Parse("invalid dynamic name expression [%s]. invalid character at position [%d]. "+
				"`{` and `}` are reserved characters and should be escaped when used as part of the index name using `\\` (e.g. `\\{text\\}`)", shown, at)
		default:
			before.WriteString(raw)
		}
	}
	if inPlaceholder {
		return "", eserr.Parse("invalid dynamic name expression [%s]. date math placeholder is open ended", shown)
	}
	if before.Len() == 0 {
		return "", eserr.Parse("nothing captured")
	}
	return before.String(), nil
}

// evalPlaceholder turns "math", "math{format}" or "math{format|zone}" into
// the formatted date, in Java's order: zone, then format, then math.
func evalPlaceholder(s string, now time.Time) (string, error) {
	math, items, loc := s, defaultDateFormat, time.UTC
	if open := strings.IndexByte(s, '{'); open >= 0 {
		if strings.LastIndexByte(s, '}') != len(s)-1 {
			return "", eserr.Parse("invalid dynamic name expression [%s]. missing closing `}` for date math format", s)
		}
		if open == len(s)-2 {
			return "", eserr.Parse("invalid dynamic name expression [%s]. missing date format", s)
		}
		math = s[:open]
		pattern := s[open+1 : len(s)-1]
		if bar := strings.IndexByte(pattern, '|'); bar >= 0 {
			l, err := zoneOf(pattern[bar+1:])
			if err != nil {
				return "", err
			}
			pattern, loc = pattern[:bar], l
		}
		var err error
		if items, err = compileFormat(pattern); err != nil {
			return "", err
		}
	}
	t, err := dateMath(math, now, loc)
	if err != nil {
		return "", err
	}
	return formatDate(items, t)
}

// dateMath is JavaDateMathParser.parse with roundUp=false.
func dateMath(text string, now time.Time, loc *time.Location) (time.Time, error) {
	var mathString string
	if strings.HasPrefix(text, "now") {
		mathString = text[len("now"):]
	} else {
		date := text
		if i := strings.Index(text, "||"); i >= 0 {
			date = text[:i]
		}
		if date == "" {
			return time.Time{}, eserr.Parse("cannot parse empty datetime")
		}
		return time.Time{}, unsupported("date math anchored at [%s]: the gateway resolves only date math that starts with [now]", date)
	}
	// "now" is read in milliseconds (Instant.ofEpochMilli).
	dt := time.UnixMilli(now.UnixMilli()).In(loc)
	for i := 0; i < len(mathString); {
		c := mathString[i]
		i++
		round := false
		sign := 1
		switch c {
		case '/':
			round = true
		case '+':
		case '-':
			sign = -1
		default:
			return time.Time{}, eserr.Parse("operator not supported for date math [%s]", mathString)
		}
		if i >= len(mathString) {
			return time.Time{}, eserr.Parse("truncated date math [%s]", mathString)
		}
		num := 1
		if r, _ := utf8.DecodeRuneInString(mathString[i:]); isJavaDigit(r) {
			from := i
			for i < len(mathString) {
				r, n := utf8.DecodeRuneInString(mathString[i:])
				if !isJavaDigit(r) {
					break
				}
				i += n
			}
			if i >= len(mathString) {
				return time.Time{}, eserr.Parse("truncated date math [%s]", mathString)
			}
			var err error
			if num, err = parseJavaInt(mathString[from:i]); err != nil {
				return time.Time{}, err
			}
		}
		if round && num != 1 {
			return time.Time{}, eserr.Parse("rounding `/` can only be used on single unit types [%s]", mathString)
		}
		unit, n := utf8.DecodeRuneInString(mathString[i:])
		i += n
		var err error
		if dt, err = applyMath(dt, unit, round, int64(sign)*int64(num), mathString); err != nil {
			return time.Time{}, err
		}
	}
	return dt, nil
}

// isJavaDigit is Character.isDigit on a Java char: any Unicode decimal
// digit, but only in the BMP (a supplementary digit is two chars).
func isJavaDigit(r rune) bool { return r <= 0xFFFF && unicode.IsDigit(r) }

// parseJavaInt is Integer.parseInt over the digits Character.isDigit
// accepts (any Unicode decimal digit, as Java's).
func parseJavaInt(s string) (int, error) {
	var v int64
	for _, r := range s {
		v = v*10 + int64(digitValue(r))
		if v > 1<<31-1 {
			return 0, &eserr.Error{Type: "number_format_exception", Status: http.StatusBadRequest,
				Reason: "For input string: \"" + s + "\""}
		}
	}
	return int(v), nil
}

// digitValue is Character.digit(r, 10) for a Unicode decimal digit:
// Unicode keeps every Nd run contiguous from 0 to 9.
func digitValue(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	start := r
	for unicode.IsDigit(start - 1) {
		start--
	}
	return int(r-start) % 10
}

// applyMath is one step of JavaDateMathParser.parseMath. Years, months,
// weeks and days move the local date-time and keep the previous offset
// when it is still valid (ZonedDateTime.plusDays and friends); hours,
// minutes and seconds move the instant (ZonedDateTime.plusHours).
func applyMath(dt time.Time, unit rune, round bool, n int64, mathString string) (time.Time, error) {
	y, mo, d := dt.Date()
	h, mi, s := dt.Clock()
	ns := dt.Nanosecond()
	_, prev := dt.Zone()
	year := int64(y)
	switch unit {
	case 'y':
		if round {
			mo, d, h, mi, s, ns = 1, 1, 0, 0, 0, 0
		} else {
			year += n
			d = clampDay(year, mo, d)
		}
	case 'M':
		if round {
			d, h, mi, s, ns = 1, 0, 0, 0, 0
		} else {
			months := year*12 + int64(mo-1) + n
			year = floorDiv(months, 12)
			mo = time.Month(months-year*12) + 1
			d = clampDay(year, mo, d)
		}
	case 'w':
		if round {
			back := (int(dt.Weekday()) + 6) % 7 // days since Monday
			year, mo, d = addDays(year, mo, d, -int64(back))
			h, mi, s, ns = 0, 0, 0, 0
		} else {
			year, mo, d = addDays(year, mo, d, 7*n)
		}
	case 'd':
		if round {
			h, mi, s, ns = 0, 0, 0, 0
		} else {
			year, mo, d = addDays(year, mo, d, n)
		}
	case 'h', 'H':
		if round {
			mi, s, ns = 0, 0, 0
		} else {
			return addSeconds(dt, n*3600)
		}
	case 'm':
		if round {
			s, ns = 0, 0
		} else {
			return addSeconds(dt, n*60)
		}
	case 's':
		if round {
			ns = 0
		} else {
			return addSeconds(dt, n)
		}
	default:
		return time.Time{}, eserr.Parse("unit [%c] not supported for date math [%s]", unit, mathString)
	}
	if err := checkYear(year); err != nil {
		return time.Time{}, err
	}
	return ofLocal(int(year), mo, d, h, mi, s, ns, dt.Location(), prev), nil
}

// maxJavaYear is java.time's Year.MAX_VALUE: beyond it Java throws.
const maxJavaYear = 999_999_999

func checkYear(year int64) error {
	if year < -maxJavaYear || year > maxJavaYear {
		// The text is ChronoField.YEAR's; Java reports other fields
		// (EpochDay, InstantSeconds) for day and time units.
		return &eserr.Error{Type: "date_time_exception", Status: http.StatusInternalServerError,
			Reason: "Invalid value for Year (valid values -999999999 - 999999999): " + strconv.FormatInt(year, 10)}
	}
	return nil
}

func addSeconds(dt time.Time, secs int64) (time.Time, error) {
	t := time.Unix(dt.Unix()+secs, int64(dt.Nanosecond())).In(dt.Location())
	if err := checkYear(int64(t.Year())); err != nil {
		return time.Time{}, err
	}
	return t, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// clampDay is LocalDate.resolvePreviousValid: Jan 31 plus one month is
// Feb 28 or 29, never Mar 3.
func clampDay(year int64, mo time.Month, d int) int {
	if last := daysIn(year, mo); d > last {
		return last
	}
	return d
}

func daysIn(year int64, mo time.Month) int {
	switch mo {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// addDays moves a proleptic Gregorian date by n days (LocalDate.plusDays).
func addDays(year int64, mo time.Month, d int, n int64) (int64, time.Month, int) {
	days := epochDay(year, mo, d) + n
	return civil(days)
}

// epochDay and civil convert between dates and days since 1970-01-01
// (Howard Hinnant's algorithms), valid far beyond Java's year range.
func epochDay(y int64, m time.Month, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (int64(m) + 9) % 12
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civil(z int64) (int64, time.Month, int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := int(doy - (153*mp+2)/5 + 1)
	m := time.Month((mp+2)%12 + 1)
	if m <= 2 {
		y++
	}
	return y, m, d
}

// ofLocal is ZonedDateTime.ofLocal(ldt, zone, preferredOffset): in an
// overlap the previous offset wins when it is valid, else the earlier
// instant; in a gap the time moves later by the gap's length.
func ofLocal(y int, mo time.Month, d, h, mi, s, ns int, loc *time.Location, prev int) time.Time {
	local := time.Date(y, mo, d, h, mi, s, ns, time.UTC).Unix()
	offsetAt := func(unix int64) int {
		_, off := time.Unix(unix, 0).In(loc).Zone()
		return off
	}
	before, after := offsetAt(local-36*3600), offsetAt(local+36*3600)
	var valid []int
	for _, o := range []int{before, after} {
		if offsetAt(local-int64(o)) == o && (len(valid) == 0 || valid[0] != o) {
			valid = append(valid, o)
		}
	}
	var off int
	switch {
	case len(valid) == 1:
		off = valid[0]
	case len(valid) == 2:
		off = max(valid[0], valid[1]) // the earlier instant
		if prev == valid[0] || prev == valid[1] {
			off = prev
		}
	default:
		// A gap: read the local time with the offset before it.
		off = before
	}
	return time.Unix(local-int64(off), int64(ns)).In(loc)
}

// Time zones: DateUtils.of, then java.time.ZoneId.of.

var deprecatedShortZones = map[string]string{
	"EST": "-05:00", "HST": "-10:00", "MST": "-07:00", "ROC": "Asia/Taipei", "Eire": "Europe/London",
}

var zoneCache sync.Map // region ID → *time.Location

func zoneOf(id string) (*time.Location, error) {
	if m, ok := deprecatedShortZones[id]; ok {
		id = m
	}
	switch {
	case utf16Len(id) <= 1 || strings.HasPrefix(id, "+") || strings.HasPrefix(id, "-"):
		off, err := zoneOffsetOf(id)
		if err != nil {
			return nil, err
		}
		return time.FixedZone(id, off), nil
	case strings.HasPrefix(id, "UTC") || strings.HasPrefix(id, "GMT"):
		return zoneWithPrefix(id, 3)
	case strings.HasPrefix(id, "UT"):
		return zoneWithPrefix(id, 2)
	}
	return zoneRegion(id)
}

func zoneWithPrefix(id string, n int) (*time.Location, error) {
	if len(id) == n {
		return time.UTC, nil
	}
	if id[n] != '+' && id[n] != '-' {
		return zoneRegion(id)
	}
	off, err := zoneOffsetOf(id[n:])
	if err != nil {
		e := dateTimeError("Invalid ID for offset-based ZoneId: " + id)
		e.CausedBy = err.(*eserr.Error)
		return nil, e
	}
	return time.FixedZone(id, off), nil
}

func zoneRegion(id string) (*time.Location, error) {
	if !validRegionID(id) {
		return nil, dateTimeError("Invalid ID for region-based ZoneId, invalid format: " + id)
	}
	if l, ok := zoneCache.Load(id); ok {
		return l.(*time.Location), nil
	}
	// "Local" means the host's zone to Go and nothing to Java.
	l, err := time.LoadLocation(id)
	if id == "Local" || err != nil {
		return nil, &eserr.Error{Type: "zone_rules_exception", Status: http.StatusInternalServerError,
			Reason: "Unknown time-zone ID: " + id}
	}
	zoneCache.Store(id, l)
	return l, nil
}

// validRegionID is ZoneRegion.checkName: [A-Za-z][A-Za-z0-9~/._+-]+.
func validRegionID(id string) bool {
	if len(id) < 2 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if i == 0 && !letter {
			return false
		}
		if !letter && !(c >= '0' && c <= '9') && !strings.ContainsRune("~/._+-", rune(c)) {
			return false
		}
	}
	return true
}

// zoneOffsetOf is ZoneOffset.of: Z, ±h, ±hh, ±hh:mm, ±hhmm, ±hh:mm:ss,
// ±hhmmss, within ±18:00.
func zoneOffsetOf(id string) (int, error) {
	if id == "Z" {
		return 0, nil
	}
	orig := id
	var h, m, s int
	var err error
	num := func(pos int, colon bool) int {
		if err != nil {
			return 0
		}
		if colon && id[pos-1] != ':' {
			err = dateTimeError("Invalid ID for ZoneOffset, colon not found when expected: " + id)
			return 0
		}
		a, b := id[pos], id[pos+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			err = dateTimeError("Invalid ID for ZoneOffset, non numeric characters found: " + id)
			return 0
		}
		return int(a-'0')*10 + int(b-'0')
	}
	switch len(id) {
	case 2:
		id = id[:1] + "0" + id[1:]
		h = num(1, false)
	case 3:
		h = num(1, false)
	case 5:
		h, m = num(1, false), num(3, false)
	case 6:
		h, m = num(1, false), num(4, true)
	case 7:
		h, m, s = num(1, false), num(3, false), num(5, false)
	case 9:
		h, m, s = num(1, false), num(4, true), num(7, true)
	default:
		return 0, dateTimeError("Invalid ID for ZoneOffset, invalid format: " + orig)
	}
	if err != nil {
		return 0, err
	}
	switch id[0] {
	case '+':
	case '-':
		h, m, s = -h, -m, -s
	default:
		return 0, dateTimeError("Invalid ID for ZoneOffset, plus/minus not found when expected: " + id)
	}
	switch {
	case h < -18 || h > 18:
		return 0, dateTimeError("Zone offset hours not in valid range: value " + strconv.Itoa(h) + " is not in the range -18 to 18")
	case (h == 18 || h == -18) && (m != 0 || s != 0):
		return 0, dateTimeError("Zone offset not in valid range: -18:00 to +18:00")
	}
	return h*3600 + m*60 + s, nil
}

func dateTimeError(msg string) *eserr.Error {
	return &eserr.Error{Type: "date_time_exception", Status: http.StatusInternalServerError, Reason: msg}
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}

func unsupported(format string, args ...any) *eserr.Error {
	e := eserr.IllegalArgument(format, args...)
	e.Reason = "not supported by the security gateway: " + e.Reason
	return e
}
