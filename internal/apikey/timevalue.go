package apikey

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/eserr"
)

// Java's Long.parseLong, Double.parseDouble, and the two unit-less forms
// TimeValue accepts.
var (
	javaLong   = regexp.MustCompile(`^[+-]?[0-9]+$`)
	javaDouble = regexp.MustCompile(`^[+-]?(NaN|Infinity|([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[fFdD]?)$`)
	minusOne   = regexp.MustCompile(`^-0*1$`)
	zeros      = regexp.MustCompile(`^0+$`)
)

// parseExpiration is TimeValue.parseTimeValue(value, null, "expiration")
// with its IllegalArgumentExceptions, returning the whole seconds the key
// lives (TimeValue.getSeconds, which truncates toward zero): Elasticsearch
// adds only those to the creation time, so "500ms" expires at once and
// "-1" (TimeValue.MINUS_ONE, a millisecond) too. rep is the value as
// TimeValue prints itself (getStringRep: "1d", "-1", "0ms"), which the
// audit log records.
func parseExpiration(value string) (seconds int64, rep string, err error) {
	normalized := strings.TrimSpace(strings.ToLower(value))
	units := []struct {
		suffix string
		unit   time.Duration
		exact  bool // minutes: "M" is not "m"
	}{{"nanos", time.Nanosecond, false}, {"micros", time.Microsecond, false}, {"ms", time.Millisecond, false},
		{"s", time.Second, false}, {"m", time.Minute, true}, {"h", time.Hour, false}, {"d", 24 * time.Hour, false}}
	for _, u := range units {
		if u.exact && !strings.HasSuffix(value, u.suffix) || !strings.HasSuffix(normalized, u.suffix) {
			continue
		}
		n, err := parseTimeNumber(value, strings.TrimSpace(strings.TrimSuffix(normalized, u.suffix)))
		if err != nil {
			return 0, "", err
		}
		rep := strconv.FormatInt(n, 10) + u.suffix
		if n < 0 {
			rep = "-1"
		}
		return truncateToSeconds(n, u.unit), rep, nil
	}
	switch {
	case minusOne.MatchString(normalized):
		return 0, "-1", nil
	case zeros.MatchString(normalized):
		return 0, "0ms", nil
	}
	return 0, "", eserr.IllegalArgument("failed to parse setting [expiration] with value [%s] as a time value: unit is missing or unrecognized", value)
}

func parseTimeNumber(input, s string) (int64, error) {
	if javaLong.MatchString(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			if n < -1 {
				return 0, eserr.IllegalArgument("failed to parse setting [expiration] with value [%s] as a time value: negative durations are not supported", input)
			}
			return n, nil
		}
	}
	if javaDouble.MatchString(s) {
		return 0, eserr.IllegalArgument("failed to parse [%s], fractional time values are not supported", input)
	}
	return 0, eserr.IllegalArgument("failed to parse [%s]", input)
}

// maxExpirationSeconds keeps creation time plus expiration within epoch
// milliseconds: about three million years.
const maxExpirationSeconds = int64(1e14)

// truncateToSeconds is TimeUnit.toSeconds of n units, which truncates
// toward zero, capped at maxExpirationSeconds.
func truncateToSeconds(n int64, unit time.Duration) int64 {
	if unit < time.Second {
		return n / int64(time.Second/unit)
	}
	per := int64(unit / time.Second)
	if n > maxExpirationSeconds/per {
		return maxExpirationSeconds
	}
	return n * per
}
