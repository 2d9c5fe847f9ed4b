package securityquery

import (
	"testing"
	"time"
)

func TestDateMath(t *testing.T) {
	// 2024-02-14T15:16:17.189Z, a Wednesday.
	base := time.Date(2024, 2, 14, 15, 16, 17, 189_000_000, time.UTC).UnixMilli()
	ms := func(s string) int64 {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UnixMilli()
	}
	iso := []dateFormat{fmtISO}
	paris, _ := parseZone("+01:00")
	tests := []struct {
		in      string
		formats []dateFormat
		zone    *time.Location
		roundUp bool
		want    int64
	}{
		{"now", nil, nil, false, base},
		{"now-1d", nil, nil, false, base - 86_400_000},
		{"now+2h-30m", nil, nil, false, base + 90*60_000},
		{"now/d", nil, nil, false, ms("2024-02-14T00:00:00Z")},
		{"now/d", nil, nil, true, ms("2024-02-14T23:59:59.999Z")},
		{"now/w", nil, nil, false, ms("2024-02-12T00:00:00Z")},
		{"now/w", nil, nil, true, ms("2024-02-18T23:59:59.999Z")},
		{"now/M", nil, nil, false, ms("2024-02-01T00:00:00Z")},
		{"now/M", nil, nil, true, ms("2024-02-29T23:59:59.999Z")},
		{"now/y", nil, nil, true, ms("2024-12-31T23:59:59.999Z")},
		{"now/h", nil, nil, false, ms("2024-02-14T15:00:00Z")},
		{"now/m", nil, nil, true, ms("2024-02-14T15:16:59.999Z")},
		{"now/s", nil, nil, false, ms("2024-02-14T15:16:17Z")},
		{"now-1M/M", nil, nil, false, ms("2024-01-01T00:00:00Z")},
		{"now/d", nil, paris, false, ms("2024-02-13T23:00:00Z")},
		{"1700000000000", nil, nil, true, 1700000000000},
		{"-5", nil, nil, false, -5},
		{"1700000000000.9", nil, nil, false, 1700000000000},
		{"1700000000000||+1s", nil, nil, false, 1700000001000},
		{"1700000000000||/d", nil, nil, true, ms("2023-11-14T23:59:59.999Z")},
		{"2024-02-14", iso, nil, false, ms("2024-02-14T00:00:00Z")},
		{"2024-02-14", iso, nil, true, ms("2024-02-14T23:59:59.999Z")},
		{"2024-02", iso, nil, true, ms("2024-02-29T23:59:59.999Z")},
		{"2024-02-14T10:20", iso, nil, true, ms("2024-02-14T10:20:59.999Z")},
		{"2024-02-14T10:20:30.5+02:00", iso, nil, false, ms("2024-02-14T08:20:30.5Z")},
		{"2024-02-14T10:20:30", iso, paris, false, ms("2024-02-14T09:20:30Z")},
		{"1700", []dateFormat{fmtEpochSecond}, nil, false, 1_700_000},
		{"2024-02-14||+1d", iso, nil, false, ms("2024-02-15T00:00:00Z")},
	}
	for _, tt := range tests {
		got, err := parseDate(tt.in, tt.formats, tt.zone, tt.roundUp, base)
		if err != nil || got != tt.want {
			t.Errorf("parseDate(%q, roundUp %v) = %d (%v), %v; want %d (%v)", tt.in, tt.roundUp, got, time.UnixMilli(got).UTC(), err, tt.want, time.UnixMilli(tt.want).UTC())
		}
	}
	for _, bad := range []struct{ in, reason string }{
		{"2024-02-14", "failed to parse date field [2024-02-14] with format [epoch_millis]: [failed to parse date field [2024-02-14] with format [epoch_millis]]"},
		{"12x", "failed to parse date field [12x] with format [epoch_millis]: [failed to parse date field [12x] with format [epoch_millis]]"},
		{"now+", "truncated date math [+]"},
		{"now!1d", "operator not supported for date math [!1d]"},
		{"now/2d", "rounding `/` can only be used on single unit types [/2d]"},
		{"now+1", "truncated date math [+1]"},
		{"now+1x", "unit [x] not supported for date math [+1x]"},
	} {
		if _, err := parseDate(bad.in, nil, nil, false, base); err == nil || err.Reason != bad.reason || err.Type != "parse_exception" {
			t.Errorf("parseDate(%q) error %v, want parse_exception %q", bad.in, err, bad.reason)
		}
	}
	for _, bad := range []string{"2024-13-01", "2024-02-30", "2024-02-14T25:00", "2024-02-14T10:00Zx", "24-02-14"} {
		if _, ok := parseISO(bad, time.UTC, false); ok {
			t.Errorf("parseISO(%q) accepted", bad)
		}
	}
}
