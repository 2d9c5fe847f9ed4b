package passhash

import (
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/crypto/bcrypt"
)

// bcryptAlphabet is the base64 alphabet of bcrypt salts and checksums.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// bcryptCheck is Elasticsearch's BCrypt.checkpw for a hash with a valid
// prefix: jBCrypt re-encodes the hash from the salt it parsed and compares
// the whole string. x/crypto/bcrypt compares only the checksum, so it would
// accept a salt with stray low bits or a cost written "+5" that Elasticsearch
// rejects; the parts jBCrypt parses are therefore ported here and
// x/crypto/bcrypt only derives the checksum.
func bcryptCheck(password, hash string) (bool, error) {
	u := javaChars(hash)
	minor := byte(u[2])
	if len(u) <= 6 {
		return false, newException("Index 6 out of bounds for length " + strconv.Itoa(len(u)))
	}
	if u[6] > '$' {
		return false, newException("Missing salt rounds")
	}
	rounds, err := javaParseInt(u[4:6])
	if err != nil {
		return false, err
	}
	if len(u) < 29 {
		return false, newException("begin 7, end 29, length " + strconv.Itoa(len(u)))
	}
	salt, err := bcryptDecode(u[7:29], 16)
	if err != nil {
		return false, err
	}
	if rounds < 4 || rounds > 30 {
		return false, newException("Bad number of rounds")
	}
	if len(salt) != 16 {
		return false, newException("Bad salt length")
	}
	canonical := fmt.Sprintf("$2%c$%02d$%s", minor, rounds, bcryptEncode(salt))
	if len(u) != 60 || javaString(u[:29]) != canonical {
		// jBCrypt derives the checksum before comparing, but the outcome
		// is already settled: its output cannot equal this hash.
		return false, nil
	}
	checksum := javaString(u[29:])
	if len(checksum) != 31 {
		return false, nil // non-ASCII, so never equal to jBCrypt's output
	}
	err = bcrypt.CompareHashAndPassword([]byte(canonical+checksum), []byte(password))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	}
	return false, err
}

// char64 is jBCrypt's lookup, including its off-by-one bound check that
// makes U+0080 an ArrayIndexOutOfBoundsException.
func char64(c uint16) (int8, error) {
	switch {
	case c == 128:
		return 0, newException("Index 128 out of bounds for length 128")
	case c > 128:
		return -1, nil
	}
	for i := 0; i < len(bcryptAlphabet); i++ {
		if bcryptAlphabet[i] == byte(c) {
			return int8(i), nil
		}
	}
	return -1, nil
}

// bcryptDecode is jBCrypt's decode_base64. It stops at the first invalid
// char of each group except the fourth, which it ORs in as -1 (0xff): such
// a salt still has 16 bytes and the hash fails the comparison instead of
// throwing.
func bcryptDecode(s []uint16, maxLen int) ([]byte, error) {
	out := make([]byte, 0, maxLen)
	off := 0
	next := func() (int8, error) {
		c, err := char64(s[off])
		off++
		return c, err
	}
	for off < len(s)-1 && len(out) < maxLen {
		c1, err := next()
		if err != nil {
			return nil, err
		}
		c2, err := next()
		if err != nil {
			return nil, err
		}
		if c1 == -1 || c2 == -1 {
			break
		}
		out = append(out, byte(c1<<2)|byte((c2&0x30)>>4))
		if len(out) >= maxLen || off >= len(s) {
			break
		}
		c3, err := next()
		if err != nil {
			return nil, err
		}
		if c3 == -1 {
			break
		}
		out = append(out, byte((c2&0x0f)<<4)|byte((c3&0x3c)>>2))
		if len(out) >= maxLen || off >= len(s) {
			break
		}
		c4, err := next()
		if err != nil {
			return nil, err
		}
		out = append(out, byte((c3&0x03)<<6)|byte(c4))
	}
	return out, nil
}

// bcryptEncode is jBCrypt's encode_base64: unpadded, bcrypt alphabet.
func bcryptEncode(d []byte) string {
	out := make([]byte, 0, (len(d)*4+2)/3)
	for off := 0; off < len(d); {
		c1 := d[off]
		off++
		out = append(out, bcryptAlphabet[c1>>2])
		c1 = (c1 & 0x03) << 4
		if off >= len(d) {
			out = append(out, bcryptAlphabet[c1])
			break
		}
		c2 := d[off]
		off++
		c1 |= c2 >> 4
		out = append(out, bcryptAlphabet[c1])
		c1 = (c2 & 0x0f) << 2
		if off >= len(d) {
			out = append(out, bcryptAlphabet[c1])
			break
		}
		c2 = d[off]
		off++
		c1 |= c2 >> 6
		out = append(out, bcryptAlphabet[c1], bcryptAlphabet[c2&0x3f])
	}
	return string(out)
}
