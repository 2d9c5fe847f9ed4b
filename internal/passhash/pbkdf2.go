package passhash

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
)

const (
	pbkdf2SaltBytes    = 32
	pbkdf2KeyBytes     = 32
	pbkdf2MinSaltBytes = 8
)

// stretch is the PBKDF2_STRETCH pre-hash. It turns any password into 128
// chars so that FIPS providers, which refuse short PBKDF2 passwords,
// accept it.
func stretch(password string) string {
	sum := sha512.Sum512([]byte(password))
	return hex.EncodeToString(sum[:])
}

func pbkdf2Hash(password string, iterations int, prefix string) (string, error) {
	salt := make([]byte, pbkdf2SaltBytes)
	_, _ = rand.Read(salt) // never fails since Go 1.24
	key, err := pbkdf2.Key(sha512.New, password, salt, iterations, pbkdf2KeyBytes)
	if err != nil {
		return "", providerError(err)
	}
	return prefix + strconv.Itoa(iterations) + "$" + base64.StdEncoding.EncodeToString(salt) +
		"$" + base64.StdEncoding.EncodeToString(key), nil
}

// providerError words a crypto/pbkdf2 failure (only possible in FIPS-only
// mode) as Elasticsearch does its security provider's.
func providerError(err error) error {
	return &exception{msg: "Error using PBKDF2 implementation from the selected Security Provider", cause: err}
}

// pbkdf2Verify is Hasher.verifyPbkdf2Hash. The iteration count is the
// Hasher's, not the hash's: the digits after the prefix are skipped by their
// expected length, which only matters when a cache Hasher reads a hash
// written with another count. Salt and key lengths come from the hash.
func pbkdf2Verify(password, hash string, iterations int, prefix string) (bool, error) {
	if !strings.HasPrefix(hash, prefix) {
		return false, nil
	}
	u := javaChars(hash)
	sep1 := indexChar(u, len(prefix)+len(strconv.Itoa(iterations)), '$')
	if sep1 < 0 {
		return false, nil
	}
	sep2 := indexChar(u, sep1+1, '$')
	if sep2 < 0 {
		return false, nil
	}
	saltChars, keyChars := u[sep1+1:sep2], u[sep2+1:]
	// The key length is the b64 length turned into bytes, rounded down to
	// whole SHA-512 blocks of 128 bits.
	keyBits := len(keyChars) * 3 / 64 * 128
	if keyBits <= 0 {
		return false, newException("PBKDF2 key length must be positive and multiple of [128 bits]")
	}
	salt, err := javaBase64Decode([]byte(javaString(saltChars)))
	if err != nil {
		return false, err
	}
	if len(salt) < pbkdf2MinSaltBytes {
		return false, newException("PBKDF2 salt must be at least [8 bytes] long")
	}
	key, err := pbkdf2.Key(sha512.New, password, salt, iterations, keyBits/8)
	if err != nil {
		return false, providerError(err)
	}
	return ctEqual(base64.StdEncoding.EncodeToString(key), javaString(keyChars)), nil
}

func indexChar(u []uint16, from int, c uint16) int {
	for i := from; i < len(u); i++ {
		if u[i] == c {
			return i
		}
	}
	return -1
}
