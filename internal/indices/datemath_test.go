package indices

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestResolveDateMath(t *testing.T) {
	jan31 := time.Date(2024, 1, 31, 10, 0, 0, 0, time.UTC)
	newYear := time.Date(2021, 1, 1, 12, 0, 0, 0, time.UTC)
	early := time.Date(2024, 3, 22, 2, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		expr string
		at   time.Time
		want string
	}{
		// Not date math.
		{"logs", now, "logs"},
		{"<logs", now, "<logs"},
		{"logs>", now, "logs>"},
		{"<static>", now, "static"},
		// Defaults: uuuu.MM.dd in UTC.
		{"<logs-{now}>", now, "logs-2024.03.22"},
		{"<logs-{now/d}>", now, "logs-2024.03.22"},
		{"<logs-{now-1d}>", now, "logs-2024.03.21"},
		{"<logs-{now-1d/d}>", now, "logs-2024.03.21"},
		{"<logs-{now+10d}>", now, "logs-2024.04.01"},
		{"<logs-{now-3M}>", now, "logs-2023.12.22"},
		{"<logs-{now/M}>", now, "logs-2024.03.01"},
		{"<logs-{now/y}>", now, "logs-2024.01.01"},
		{"<logs-{now/w}>", now, "logs-2024.03.18"},
		{"<logs-{now-1w}>", now, "logs-2024.03.15"},
		{"<logs-{now+d}>", now, "logs-2024.03.23"},
		{"<logs-{now+١٠d}>", now, "logs-2024.04.01"}, // Java's isDigit takes any Unicode digit
		{"<logs-{now-12h}>", now, "logs-2024.03.22"},
		{"<logs-{now-16h}>", now, "logs-2024.03.21"},
		{"<logs-{now+9m+1s}>", now, "logs-2024.03.22"},
		// Month arithmetic clamps the day (LocalDate.plusMonths).
		{"<x-{now+1M}>", jan31, "x-2024.02.29"},
		{"<x-{now+1y+1M}>", jan31, "x-2025.02.28"},
		{"<x-{now+1y}>", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "x-2025.02.28"},
		{"<x-{now-12M}>", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "x-2023.02.28"},
		// Formats.
		{"<logs-{now/M{yyyy.MM}}>", now, "logs-2024.03"},
		{"<logs-{now{yyyy.MM.dd.HH}}>", now, "logs-2024.03.22.15"},
		{"<logs-{now/H{yyyy.MM.dd-HH:mm:ss}}>", now, "logs-2024.03.22-15:00:00"},
		{"<logs-{now/m{HH:mm:ss.SSS}}>", now, "logs-15:04:00.000"},
		{"<logs-{now{HH:mm:ss.SSS}}>", now, "logs-15:04:05.678"},
		{"<logs-{now{SSSSSS}}>", now, "logs-678000"}, // now is read in milliseconds
		{"<logs-{now{yy}}>", now, "logs-24"},
		{"<logs-{now{y}}>", now, "logs-2024"},
		{"<logs-{now{yyyyy}}>", now, "logs-02024"},
		{"<logs-{now{M-d-D-DDD}}>", now, "logs-3-22-82-082"},
		{"<logs-{now{h-K-k-Q}}>", now, "logs-3-3-15-1"},
		{"<logs-{now{8yyyy}}>", now, "logs-2024"},
		{"<logs-{now{'week'ww}}>", now, "logs-week12"},
		{"<logs-{now{yyyy''MM}}>", now, "logs-2024'03"},
		{"<logs-{now{[yyyy]}}>", now, "logs-2024"},
		// ISO weeks (IsoCalendarDataProvider): 2021-01-01 is in 2020-W53.
		{"<logs-{now{YYYY.ww}}>", now, "logs-2024.12"},
		{"<logs-{now{YYYY.ww}}>", newYear, "logs-2020.53"},
		{"<logs-{now{yyyy.ww}}>", newYear, "logs-2021.53"},
		{"<logs-{now/w{YYYY.ww}}>", newYear, "logs-2020.53"},
		// Time zones.
		{"<logs-{now/d{yyyy.MM.dd|+12:00}}>", now, "logs-2024.03.23"},
		{"<logs-{now/d{yyyy.MM.dd|-05}}>", now, "logs-2024.03.22"},
		{"<logs-{now/d{yyyy.MM.dd|America/New_York}}>", early, "logs-2024.03.21"},
		{"<logs-{now{HH|Europe/Paris}}>", now, "logs-16"},
		{"<logs-{now{HH|UTC+05:30}}>", now, "logs-20"},
		{"<logs-{now{HH|GMT}}>", now, "logs-15"},
		{"<logs-{now{HH|Z}}>", now, "logs-15"},
		{"<logs-{now{HH|EST}}>", now, "logs-10"},
		{"<logs-{now{HHmm|+0530}}>", now, "logs-2034"},
		{"<logs-{now{xxx|+05:30}}>", now, "logs-+05:30"},
		{"<logs-{now{X|+05:30}}>", now, "logs-+0530"},
		{"<logs-{now{X|+05:00}}>", now, "logs-+05"},
		{"<logs-{now{X}}>", now, "logs-Z"},
		{"<logs-{now{x}}>", now, "logs-+00"},
		{"<logs-{now{Z|-08:00}}>", now, "logs--0800"},
		{"<logs-{now{ZZZZZ}}>", now, "logs-Z"},
		// An offset of seconds only prints as zero where seconds are not
		// printed.
		{"<logs-{now{X|+00:00:30}}>", now, "logs-Z"},
		{"<logs-{now{x|+00:00:30}}>", now, "logs-+00"},
		{"<logs-{now{XXXXX|+00:00:30}}>", now, "logs-+00:00:30"},
		{"<logs-{now{XXXX|-01:30:15}}>", now, "logs--013015"},
		// Escapes.
		{`<logs-\{now\}-{now/d}>`, now, "logs-{now}-2024.03.22"},
		{`<a\\b-{now/d}>`, now, `a\b-2024.03.22`},
		{"<a\xffb-{now/d}>", now, "a\xffb-2024.03.22"}, // bytes survive as given
		{`<logs-{now/d{yyyy.MM.dd'\}'}}>`, now, "logs-2024.03.22}"},
	} {
		got, err := ResolveDateMath(tc.expr, tc.at)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.expr, got, tc.want)
		}
	}
}

// TestDateMathDST: date units keep the local time and the previous
// offset (ZonedDateTime.ofLocal); time units move the instant.
func TestDateMathDST(t *testing.T) {
	// Paris springs forward on 2024-03-31 at 02:00 (to 03:00) and falls
	// back on 2024-10-27 at 03:00 (to 02:00).
	for _, tc := range []struct {
		expr string
		at   time.Time
		want string
	}{
		{"<x-{now+1d{dd HH:mm|Europe/Paris}}>", time.Date(2024, 3, 30, 1, 30, 0, 0, time.UTC), "x-31 03:30"}, // 02:30 is in the gap
		{"<x-{now+1h{dd HH:mm|Europe/Paris}}>", time.Date(2024, 3, 31, 0, 30, 0, 0, time.UTC), "x-31 03:30"},
		// 02:xx happens twice on 2024-10-27; rounding keeps the offset it had.
		{"<x-{now/h{HH:mm xxx|Europe/Paris}}>", time.Date(2024, 10, 27, 0, 45, 0, 0, time.UTC), "x-02:00 +02:00"},
		{"<x-{now/h{HH:mm xxx|Europe/Paris}}>", time.Date(2024, 10, 27, 1, 45, 0, 0, time.UTC), "x-02:00 +01:00"},
		{"<x-{now/h+1h{HH:mm xxx|Europe/Paris}}>", time.Date(2024, 10, 27, 0, 45, 0, 0, time.UTC), "x-02:00 +01:00"},
		{"<x-{now/h+2h{HH:mm xxx|Europe/Paris}}>", time.Date(2024, 10, 27, 0, 45, 0, 0, time.UTC), "x-03:00 +01:00"},
		// Rounding to a day that starts in the overlap-free part.
		{"<x-{now-1d/d{dd HH:mm xxx|Europe/Paris}}>", time.Date(2024, 10, 28, 12, 0, 0, 0, time.UTC), "x-27 00:00 +02:00"},
		{"<x-{now/d{dd HH:mm xxx|Europe/Paris}}>", time.Date(2024, 10, 27, 12, 0, 0, 0, time.UTC), "x-27 00:00 +02:00"},
	} {
		got, err := ResolveDateMath(tc.expr, tc.at)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s at %s = %q, want %q", tc.expr, tc.at, got, tc.want)
		}
	}
}

func TestResolveDateMathErrors(t *testing.T) {
	parse := func(reason string) esErr { return esErr{Type: "parse_exception", Reason: reason, Status: 400} }
	iae := func(reason string) esErr {
		return esErr{Type: "illegal_argument_exception", Reason: reason, Status: 400}
	}
	dte := func(reason string) esErr { return esErr{Type: "date_time_exception", Reason: reason, Status: 500} }
	gw := func(reason string) esErr { return iae("not supported by the security gateway: " + reason) }
	for _, tc := range []struct {
		expr string
		want esErr
	}{
		{"<logs-{now/d>", parse("invalid dynamic name expression [logs-{now/d>]. date math placeholder is open ended")},
		{"<logs-}>", parse("invalid dynamic name expression [logs-}>]. invalid character at position [6]. " +
			"`{` and `}` are reserved characters and should be escaped when used as part of the index name using `\\` (e.g. `\\{text\\}`)")},
		{"<é-}>", parse("invalid dynamic name expression [é-}>]. invalid character at position [3]. " +
			"`{` and `}` are reserved characters and should be escaped when used as part of the index name using `\\` (e.g. `\\{text\\}`)")},
		{"<logs-{now{yyyy{}}>", parse("invalid dynamic name expression [logs-{now{yyyy{}}>]. invalid character in placeholder at position [15]")},
		{"<logs-{now{}}>", parse("invalid dynamic name expression [now{}]. missing date format")},
		{"<logs-{now{yyyy}x}>", parse("invalid dynamic name expression [now{yyyy}x]. missing closing `}` for date math format")},
		{"<>", parse("nothing captured")},
		{"<{now/d}>", esErr{}}, // a name that is only the date is fine
		{"<logs-{now+}>", parse("truncated date math [+]")},
		{"<logs-{now+1}>", parse("truncated date math [+1]")},
		{"<logs-{now*1d}>", parse("operator not supported for date math [*1d]")},
		{"<logs-{nowish}>", parse("operator not supported for date math [ish]")},
		{"<logs-{now/2d}>", parse("rounding `/` can only be used on single unit types [/2d]")},
		{"<logs-{now+1x}>", parse("unit [x] not supported for date math [+1x]")},
		{"<logs-{now+99999999999d}>", esErr{Type: "number_format_exception", Reason: `For input string: "99999999999"`, Status: 400}},
		{"<logs-{now+999999999y}>", dte("Invalid value for Year (valid values -999999999 - 999999999): 1000002023")},
		{"<logs-{}>", parse("cannot parse empty datetime")},
		{"<logs-{||+1d}>", parse("cannot parse empty datetime")},
		{"<logs-{2024.01.01||+1d}>", gw("date math anchored at [2024.01.01]: the gateway resolves only date math that starts with [now]")},
		{"<logs-{now{|UTC}}>", iae("No date pattern provided")},
		// The zone is split off at the first '|', so "||" never reaches the
		// format parser inside date math.
		{"<logs-{now{yyyy||MM}}>", dte("Invalid ID for region-based ZoneId, invalid format: |MM")},
		{"<logs-{now{yyyy|Mars/Phobos}}>", esErr{Type: "zone_rules_exception", Reason: "Unknown time-zone ID: Mars/Phobos", Status: 500}},
		{"<logs-{now{yyyy|Local}}>", esErr{Type: "zone_rules_exception", Reason: "Unknown time-zone ID: Local", Status: 500}},
		{"<logs-{now{yyyy|1bad}}>", dte("Invalid ID for region-based ZoneId, invalid format: 1bad")},
		{"<logs-{now{yyyy|+25:00}}>", dte("Zone offset hours not in valid range: value 25 is not in the range -18 to 18")},
		{"<logs-{now{yyyy|+18:30}}>", dte("Zone offset not in valid range: -18:00 to +18:00")},
		{"<logs-{now{yyyy|+1:00}}>", dte("Invalid ID for ZoneOffset, non numeric characters found: +1:00")},
		{"<logs-{now{yyyy|+01:0000}}>", dte("Invalid ID for ZoneOffset, invalid format: +01:0000")},
		{"<logs-{now{yyyy|+01-00}}>", dte("Invalid ID for ZoneOffset, colon not found when expected: +01-00")},
		{"<logs-{now{yyyy|+0a}}>", dte("Invalid ID for ZoneOffset, non numeric characters found: +0a")},
		{"<logs-{now{yyyy|Q}}>", dte("Invalid ID for ZoneOffset, invalid format: Q")},
		{"<logs-{now{yyyy|UTC+99}}>", esErr{Type: "date_time_exception", Reason: "Invalid ID for offset-based ZoneId: UTC+99", Status: 500,
			Cause: "date_time_exception: Zone offset hours not in valid range: value 99 is not in the range -18 to 18"}},
		{"<logs-{now{ddd}}>", iae("Invalid format: [ddd]: Too many pattern letters: d")},
		{"<logs-{now{tt}}>", iae("Invalid format: [tt]: Unknown pattern letter: t")},
		{"<logs-{now{yyyy#}}>", iae("Invalid format: [yyyy#]: Pattern includes reserved character: '#'")},
		{"<logs-{now{yyyy'x}}>", iae("Invalid format: [yyyy'x]: Pattern ends with an incomplete string literal: yyyy'x")},
		{"<logs-{now{yyyy]}}>", iae("Invalid format: [yyyy]]: Pattern invalid as it contains ] without previous [")},
		{"<logs-{now{SSSSSSSSSS}}>", iae("Invalid format: [SSSSSSSSSS]: Minimum width must be from 0 to 9 inclusive but was 10")},
		{"<logs-{now{EEE}}>", gw("pattern letter [E]")},
		{"<logs-{now{MMM}}>", gw("pattern letters [MMM], which print text")},
		{"<logs-{now{ZZZZ}}>", gw("pattern letters [ZZZZ], which print a localized offset")},
		{"<logs-{now{strict_date_optional_time}}>", gw("named date format [strict_date_optional_time]")},
		{"<logs-{now{date}}>", gw("named date format [date]")},
		{"<logs-{now+8000y}>", gw("printing the year [10024]: the gateway prints years 1 to 9999 only")},
	} {
		got, err := ResolveDateMath(tc.expr, now)
		if tc.want == (esErr{}) {
			if err != nil {
				t.Errorf("%s: %v", tc.expr, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s = %q, want an error", tc.expr, got)
			continue
		}
		if diff := cmp.Diff(tc.want, describe(t, err)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.expr, diff)
		}
	}
}
