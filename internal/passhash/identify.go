package passhash

import (
	"slices"
	"strconv"
	"strings"
)

func errPBKDF2Iterations(cause error) error {
	return &exception{msg: "The number of iterations could not be determined from the provided PBKDF2 hash.", cause: cause}
}

// Identify picks the Hasher for a stored hash from its prefix, in the order
// of Hasher.resolveFromHash. A hash without a known prefix is clear text to
// Elasticsearch, so Identify returns the noop Hasher for it. Errors carry
// Elasticsearch's messages, e.g. "unknown hash function [bcrypt15]".
func Identify(hash string) (Hasher, error) {
	switch {
	case isBcryptPrefix(hash):
		// The cost is whatever sits between the prefix and the 54 chars of
		// "$", salt and checksum, counted in Java chars.
		u := javaChars(hash)
		end := len(u) - 54
		if end < 4 {
			// Arrays.copyOfRange's IllegalArgumentException.
			return Hasher{}, newException("4 > " + strconv.Itoa(end))
		}
		cost, err := javaParseInt(u[4:end])
		if err != nil {
			return Hasher{}, err
		}
		if cost == bcryptDefaultCost {
			return bcryptHasher(bcryptDefaultCost), nil
		}
		return Resolve("bcrypt" + strconv.Itoa(cost))
	// {PBKDF2_STRETCH} comes first because "{PBKDF2" starts both prefixes.
	case strings.HasPrefix(hash, stretchPrefix):
		n, err := pbkdf2Iterations(hash, stretchPrefix)
		if err != nil {
			return Hasher{}, err
		}
		if n == pbkdf2DefaultCost {
			return stretchHasher(pbkdf2DefaultCost), nil
		}
		return Resolve("pbkdf2_stretch_" + strconv.Itoa(n))
	case strings.HasPrefix(hash, pbkdf2Prefix):
		n, err := pbkdf2Iterations(hash, pbkdf2Prefix)
		if err != nil {
			return Hasher{}, err
		}
		if n == pbkdf2DefaultCost {
			return pbkdf2Hasher(pbkdf2DefaultCost), nil
		}
		return Resolve("pbkdf2_" + strconv.Itoa(n))
	case strings.HasPrefix(hash, sha1Prefix):
		return simpleHasher(famSHA1), nil
	case strings.HasPrefix(hash, md5Prefix):
		return simpleHasher(famMD5), nil
	case strings.HasPrefix(hash, ssha256Prefix):
		return simpleHasher(famSSHA256), nil
	}
	return simpleHasher(famNoop), nil
}

// isBcryptPrefix accepts only the minors jBCrypt accepts: x/crypto/bcrypt
// would also take $2x$, $2c$ or $2$, which Elasticsearch reads as clear text.
func isBcryptPrefix(hash string) bool {
	return len(hash) >= 4 && hash[0] == '$' && hash[1] == '2' && hash[3] == '$' &&
		(hash[2] == 'a' || hash[2] == 'b' || hash[2] == 'y')
}

// pbkdf2Iterations is Hasher.parsePbkdf2Iterations.
func pbkdf2Iterations(hash, prefix string) (int, error) {
	digits, _, found := strings.Cut(hash[len(prefix):], "$")
	if !found {
		return 0, errPBKDF2Iterations(nil)
	}
	n, err := javaParseInt(javaChars(digits))
	if err != nil {
		return 0, errPBKDF2Iterations(err)
	}
	return n, nil
}

// Verify checks password against a stored hash whose algorithm is read from
// its prefix (Hasher.verifyHash). A mismatch is (false, nil); a hash that
// Elasticsearch would reject with an exception gives that exception's
// message as the error.
func Verify(password, hash string) (bool, error) {
	h, err := Identify(hash)
	if err != nil {
		return false, err
	}
	return h.verify(password, hash)
}

// ValidateStoredHash applies the rule Elasticsearch 8.7+ uses for a
// user-supplied password_hash: it is accepted when its algorithm is the
// configured one or any bcrypt/pbkdf2 variant. Errors from Identify come back
// unchanged; every error is an IllegalArgumentException in Elasticsearch.
func ValidateStoredHash(hash string, configured Hasher) error {
	resolved, err := Identify(hash)
	if err != nil {
		return err
	}
	if resolved == configured || slices.Contains(StoredAlgorithms(), resolved.Name()) {
		return nil
	}
	return newException("The provided password hash is not a hash or it could not be resolved to a supported hash algorithm. " +
		"The supported password hash algorithms are " + storedList())
}
