package items

import (
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// javaHashOrder returns the order in which a java.util.HashMap filled with
// keys (distinct, in this insertion order) iterates them: by bucket, the
// hash spread as HashMap.hash does and masked by a table that starts at 16
// and doubles past a 0.75 load; within a bucket, insertion order, which
// resizing keeps. (A bucket of 8 or more keys would be treeified; the
// header keys Elasticsearch accepts never collide that much.)
func javaHashOrder(keys []string) []int {
	capacity := 16
	for float64(len(keys)) > float64(capacity)*0.75 {
		capacity *= 2
	}
	bucket := make([]uint32, len(keys))
	for i, k := range keys {
		h := uint32(javaHashCode(k))
		bucket[i] = (h ^ h>>16) & uint32(capacity-1)
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(bucket[a]) - int(bucket[b]) })
	return order
}

// javaHashCode is String.hashCode over UTF-16 code units.
func javaHashCode(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return h
}

// javaNumber is the toString() of the Number Jackson makes of a JSON
// number literal: Integer, Long or BigInteger for integers (so "-0" is "0"),
// Double for the rest.
func javaNumber(lit string) string {
	if !strings.ContainsAny(lit, ".eE") {
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return strconv.FormatInt(n, 10)
		}
		if b, ok := new(big.Int).SetString(lit, 10); ok {
			return b.String()
		}
		return lit
	}
	f, _ := strconv.ParseFloat(lit, 64) // ±Inf past the range, as in Java
	return javaDouble(f)
}

// javaDouble is Double.toString (JDK 19 and later: the shortest digits that
// read back as the same double): plain notation from 10^-3 up to 10^7,
// computerized scientific notation outside, and always a digit after the
// point.
func javaDouble(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, exps, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(exps)
	digits := strings.Replace(mant, ".", "", 1)
	if f >= 1e-3 && f < 1e7 {
		if exp < 0 {
			return sign + "0." + strings.Repeat("0", -exp-1) + digits
		}
		if len(digits) <= exp+1 {
			return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
		}
		return sign + digits[:exp+1] + "." + digits[exp+1:]
	}
	if len(digits) == 1 {
		// Java prints two digits at least, the pair nearest the value:
		// 4.9E-324 for the smallest subnormal, not 5.0E-324.
		e = strconv.FormatFloat(f, 'e', 1, 64)
		mant, exps, _ = strings.Cut(e, "e")
		exp, _ = strconv.Atoi(exps)
		digits = strings.Replace(mant, ".", "", 1)
	}
	return sign + digits[:1] + "." + digits[1:] + "E" + strconv.Itoa(exp)
}
