package timevalue

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Infinite is "-1": no limit.
const Infinite time.Duration = -1

// units are TimeValue's suffixes, longest first where one ends another.
var units = [...]struct {
	suffix string
	unit   time.Duration
}{{"nanos", time.Nanosecond}, {"micros", time.Microsecond}, {"ms", time.Millisecond},
	{"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}

// Parse is TimeValue.parseTimeValue: a whole number and a unit, "0", or
// "-1" (Infinite). name is the setting or parameter, for the error.
func Parse(name, value string) (time.Duration, error) {
	v := strings.ToLower(strings.TrimSpace(value))
	switch v {
	case "-1":
		return Infinite, nil
	case "0":
		return 0, nil
	}
	for _, u := range units {
		num, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if err != nil {
			break
		}
		if n < 0 && n != -1 {
			return 0, fmt.Errorf("failed to parse setting [%s] with value [%s] as a time value: negative durations are not supported", name, value)
		}
		return time.Duration(n) * u.unit, nil
	}
	return 0, fmt.Errorf("failed to parse setting [%s] with value [%s] as a time value: unit is missing or unrecognized", name, value)
}
