package metrics

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// ContentType is the media type of the text exposition format 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// appendHeader writes a family's HELP and TYPE lines.
func appendHeader(b []byte, name, help, typ string) []byte {
	b = append(b, "# HELP "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = appendEscaped(b, help, false)
	b = append(b, "\n# TYPE "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, typ...)
	return append(b, '\n')
}

// appendName writes a sample's name and labels. le, when not empty, is
// added last as the histogram bucket's bound.
func appendName(b []byte, name, suffix string, labels, values []string, le string) []byte {
	b = append(b, name...)
	b = append(b, suffix...)
	if len(labels) == 0 && le == "" {
		return append(b, ' ')
	}
	b = append(b, '{')
	for i, l := range labels {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendLabel(b, l, values[i])
	}
	if le != "" {
		if len(labels) > 0 {
			b = append(b, ',')
		}
		b = appendLabel(b, "le", le)
	}
	return append(b, "} "...)
}

func appendLabel(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, `="`...)
	b = appendEscaped(b, value, true)
	return append(b, '"')
}

// appendEscaped escapes as the format requires: backslash and newline
// everywhere, the double quote in label values only. The format is UTF-8,
// so invalid bytes become U+FFFD rather than breaking the parser.
func appendEscaped(b []byte, s string, quote bool) []byte {
	for _, r := range s {
		switch {
		case r == '\\':
			b = append(b, `\\`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = utf8.AppendRune(b, r) // an invalid byte arrives as utf8.RuneError
		}
	}
	return b
}

// appendFloat formats v as Prometheus parsers read it.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
