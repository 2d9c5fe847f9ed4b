package timevalue

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"30s", 30 * time.Second, ""}, {"500ms", 500 * time.Millisecond, ""}, {"2m", 2 * time.Minute, ""},
		{"1d", 24 * time.Hour, ""}, {" 5S ", 5 * time.Second, ""}, {"10nanos", 10, ""}, {"3micros", 3 * time.Microsecond, ""},
		{"0", 0, ""}, {"-1", Infinite, ""}, {"-1s", -time.Second, ""},
		{"30", 0, "failed to parse setting [timeout] with value [30] as a time value: unit is missing or unrecognized"},
		{"1.5s", 0, "failed to parse setting [timeout] with value [1.5s] as a time value: unit is missing or unrecognized"},
		{"-2s", 0, "failed to parse setting [timeout] with value [-2s] as a time value: negative durations are not supported"},
		{"", 0, "failed to parse setting [timeout] with value [] as a time value: unit is missing or unrecognized"},
	} {
		got, err := Parse("timeout", tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("Parse(%q) error %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
		}
	}
}
