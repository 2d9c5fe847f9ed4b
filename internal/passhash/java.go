package passhash

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
)

// Elasticsearch parses hashes as Java char arrays. The helpers here
// reproduce the Java behaviour that differs from Go's: offsets counted in
// UTF-16 units, Integer.parseInt and java.util.Base64's decoder. They only
// matter for odd input, where they decide between false and an error.

// javaChars returns s as the UTF-16 units Java would hold.
func javaChars(s string) []uint16 {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return utf16.Encode([]rune(s))
		}
	}
	u := make([]uint16, len(s))
	for i := 0; i < len(s); i++ {
		u[i] = uint16(s[i])
	}
	return u
}

func javaString(u []uint16) string { return string(utf16.Decode(u)) }

// javaParseInt is Integer.parseInt(s, 10): an optional sign, then decimal
// digits of any script, within int32.
func javaParseInt(s []uint16) (int, error) {
	nfe := func() error { return newException(`For input string: "` + javaString(s) + `"`) }
	if len(s) == 0 {
		return 0, nfe()
	}
	i, neg := 0, false
	if s[0] < '0' {
		switch s[0] {
		case '-':
			neg = true
		case '+':
		default:
			return 0, nfe()
		}
		if len(s) == 1 {
			return 0, nfe()
		}
		i = 1
	}
	limit := int64(math.MaxInt32)
	if neg {
		limit = -math.MinInt32
	}
	var n int64
	for ; i < len(s); i++ {
		d := javaDigit(s[i])
		if d < 0 {
			return 0, nfe()
		}
		n = n*10 + int64(d)
		if n > limit {
			return 0, nfe()
		}
	}
	if neg {
		n = -n
	}
	return int(n), nil
}

// javaDigit is Character.digit(c, 10). Unicode lays out every decimal digit
// set as ten consecutive code points from zero, and Go's Nd table keeps
// each run starting at a zero, so the offset in the run is the value.
func javaDigit(c uint16) int {
	if c >= '0' && c <= '9' {
		return int(c - '0')
	}
	r := rune(c)
	if c < 0x80 || utf16.IsSurrogate(r) || !unicode.Is(unicode.Nd, r) {
		return -1
	}
	for _, rg := range unicode.Nd.R16 {
		if rg.Stride == 1 && uint16(r) >= rg.Lo && uint16(r) <= rg.Hi {
			return int(uint16(r)-rg.Lo) % 10
		}
	}
	return -1
}

// javaBase64Decode is java.util.Base64.getDecoder().decode(byte[]): padding
// is optional but must be right when present, and nothing may follow it.
func javaBase64Decode(src []byte) ([]byte, error) {
	if len(src) == 0 {
		return []byte{}, nil
	}
	if len(src) < 2 {
		return nil, newException("Input byte[] should at least have 2 bytes for base64 bytes")
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	errEnding := newException("Input byte array has wrong 4-byte ending unit")
	dst := make([]byte, 0, (len(src)+3)/4*3)
	bits, shift, sp := 0, 18, 0
	for sp < len(src) {
		c := src[sp]
		sp++
		if c == '=' {
			if shift == 18 {
				return nil, errEnding
			}
			if shift == 6 {
				if sp == len(src) || src[sp] != '=' {
					return nil, errEnding
				}
				sp++
			}
			break
		}
		v := -1
		if c < 0x80 {
			v = strings.IndexByte(alphabet, c)
		}
		if v < 0 {
			// Java prints the signed byte in hex.
			return nil, newException("Illegal base64 character " + strconv.FormatInt(int64(int8(c)), 16))
		}
		bits |= v << shift
		shift -= 6
		if shift < 0 {
			dst = append(dst, byte(bits>>16), byte(bits>>8), byte(bits))
			shift, bits = 18, 0
		}
	}
	switch shift {
	case 6:
		dst = append(dst, byte(bits>>16))
	case 0:
		dst = append(dst, byte(bits>>16), byte(bits>>8))
	case 12:
		return nil, newException("Last unit does not have enough valid bits")
	}
	if sp < len(src) {
		return nil, newException("Input byte array has incorrect ending byte at " + strconv.Itoa(sp))
	}
	return dst, nil
}

// exception is an Elasticsearch exception as an error: Error returns its
// message verbatim, which breaks Go's conventions for error strings
// (capitals, final period) because callers send it to clients unchanged.
type exception struct {
	msg   string
	cause error
}

func (e *exception) Error() string { return e.msg }
func (e *exception) Unwrap() error { return e.cause }

func newException(msg string) error { return &exception{msg: msg} }
