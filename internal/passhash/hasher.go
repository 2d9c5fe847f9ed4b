package passhash

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"hash"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

const (
	sha1Prefix    = "{SHA}"
	md5Prefix     = "{MD5}"
	ssha256Prefix = "{SSHA256}"
	pbkdf2Prefix  = "{PBKDF2}"
	stretchPrefix = "{PBKDF2_STRETCH}"

	bcryptDefaultCost = 10
	pbkdf2DefaultCost = 10000
	// bcryptMaxPassword is where jBCrypt's key schedule stops reading the
	// password; Go's GenerateFromPassword refuses longer input instead.
	bcryptMaxPassword = 72
)

type family uint8

const (
	famInvalid family = iota
	famBcrypt
	famPBKDF2
	famStretch
	famSHA1
	famMD5
	famSSHA256
	famNoop
)

// Hasher is one of Elasticsearch's hashing algorithms (bcrypt, bcrypt4..14,
// pbkdf2, pbkdf2_<n>, pbkdf2_stretch, pbkdf2_stretch_<n>, sha1, md5,
// ssha256, noop/clear_text). It is a comparable value: two Hashers are equal
// exactly when Elasticsearch's enum constants would be identical, which
// matters for ValidateStoredHash.
//
// The zero Hasher is not an algorithm: Name returns "", Hash and FakeHash
// fail and Verify reports false.
type Hasher struct {
	fam family
	// cost is the bcrypt log2 rounds or the PBKDF2 iteration count.
	cost int
	// named marks the enum constants that spell out the default cost
	// (BCRYPT10, PBKDF2_10000, PBKDF2_STRETCH_10000). Elasticsearch keeps
	// them apart from BCRYPT, PBKDF2 and PBKDF2_STRETCH although they hash
	// identically, and resolve("pbkdf2_stretch_10000") does return one.
	named bool
}

func bcryptHasher(cost int) Hasher { return Hasher{fam: famBcrypt, cost: cost} }
func pbkdf2Hasher(n int) Hasher    { return Hasher{fam: famPBKDF2, cost: n} }
func stretchHasher(n int) Hasher   { return Hasher{fam: famStretch, cost: n} }
func namedStretch(n int) Hasher    { return Hasher{fam: famStretch, cost: n, named: true} }
func simpleHasher(f family) Hasher { return Hasher{fam: f} }

func unknownHashFunction(name string) error {
	return newException("unknown hash function [" + name + "]")
}

// Resolve returns the Hasher for an algorithm name, as Hasher.resolve does:
// case-insensitive, with "bcrypt10" and "pbkdf2_10000" meaning the default
// bcrypt and pbkdf2 Hashers.
func Resolve(name string) (Hasher, error) {
	// Every accepted name is ASCII, and strings.ToLower agrees with Java's
	// toLowerCase(Locale.ROOT) on every character that lowers to ASCII.
	switch strings.ToLower(name) {
	case "bcrypt", "bcrypt10":
		return bcryptHasher(bcryptDefaultCost), nil
	case "bcrypt4":
		return bcryptHasher(4), nil
	case "bcrypt5":
		return bcryptHasher(5), nil
	case "bcrypt6":
		return bcryptHasher(6), nil
	case "bcrypt7":
		return bcryptHasher(7), nil
	case "bcrypt8":
		return bcryptHasher(8), nil
	case "bcrypt9":
		return bcryptHasher(9), nil
	case "bcrypt11":
		return bcryptHasher(11), nil
	case "bcrypt12":
		return bcryptHasher(12), nil
	case "bcrypt13":
		return bcryptHasher(13), nil
	case "bcrypt14":
		return bcryptHasher(14), nil
	case "pbkdf2", "pbkdf2_10000":
		return pbkdf2Hasher(pbkdf2DefaultCost), nil
	case "pbkdf2_1000":
		return pbkdf2Hasher(1000), nil
	case "pbkdf2_50000":
		return pbkdf2Hasher(50000), nil
	case "pbkdf2_100000":
		return pbkdf2Hasher(100000), nil
	case "pbkdf2_500000":
		return pbkdf2Hasher(500000), nil
	case "pbkdf2_1000000":
		return pbkdf2Hasher(1000000), nil
	case "pbkdf2_stretch":
		return stretchHasher(pbkdf2DefaultCost), nil
	case "pbkdf2_stretch_1000":
		return stretchHasher(1000), nil
	case "pbkdf2_stretch_10000":
		return namedStretch(pbkdf2DefaultCost), nil
	case "pbkdf2_stretch_50000":
		return stretchHasher(50000), nil
	case "pbkdf2_stretch_100000":
		return stretchHasher(100000), nil
	case "pbkdf2_stretch_500000":
		return stretchHasher(500000), nil
	case "pbkdf2_stretch_1000000":
		return stretchHasher(1000000), nil
	case "sha1":
		return simpleHasher(famSHA1), nil
	case "md5":
		return simpleHasher(famMD5), nil
	case "ssha256":
		return simpleHasher(famSSHA256), nil
	case "noop", "clear_text":
		return simpleHasher(famNoop), nil
	}
	return Hasher{}, unknownHashFunction(name)
}

// StoredAlgorithms lists the algorithms allowed for stored passwords
// (Hasher.getAvailableAlgoStoredHash), in Elasticsearch's enum order.
func StoredAlgorithms() []string {
	return []string{
		"bcrypt", "bcrypt4", "bcrypt5", "bcrypt6", "bcrypt7", "bcrypt8", "bcrypt9", "bcrypt10",
		"bcrypt11", "bcrypt12", "bcrypt13", "bcrypt14",
		"pbkdf2", "pbkdf2_1000", "pbkdf2_10000", "pbkdf2_50000", "pbkdf2_100000", "pbkdf2_500000", "pbkdf2_1000000",
		"pbkdf2_stretch", "pbkdf2_stretch_1000", "pbkdf2_stretch_10000", "pbkdf2_stretch_50000",
		"pbkdf2_stretch_100000", "pbkdf2_stretch_500000", "pbkdf2_stretch_1000000",
	}
}

// storedList renders StoredAlgorithms as Java's List.toString does, for
// error messages.
func storedList() string {
	return "[" + strings.Join(StoredAlgorithms(), ", ") + "]"
}

// ResolveStored resolves the value of
// xpack.security.authc.password_hashing.algorithm, which only admits the
// bcrypt and pbkdf2 families.
func ResolveStored(name string) (Hasher, error) {
	if !slices.Contains(StoredAlgorithms(), strings.ToLower(name)) {
		return Hasher{}, newException("Invalid algorithm: " + name + ". Valid values for password hashing are " + storedList())
	}
	return Resolve(name)
}

// ResolveCache resolves a realm's cache.hash_algo. Elasticsearch declares
// that setting as a plain string and only calls Hasher.resolve on it, so
// every name Resolve knows is accepted.
func ResolveCache(name string) (Hasher, error) {
	return Resolve(name)
}

// Name returns Elasticsearch's lower-case enum name, e.g. "bcrypt",
// "bcrypt12", "pbkdf2_1000", "pbkdf2_stretch", "ssha256" or "noop".
func (h Hasher) Name() string {
	switch h.fam {
	case famBcrypt:
		if h.cost == bcryptDefaultCost && !h.named {
			return "bcrypt"
		}
		return "bcrypt" + strconv.Itoa(h.cost)
	case famPBKDF2:
		if h.cost == pbkdf2DefaultCost && !h.named {
			return "pbkdf2"
		}
		return "pbkdf2_" + strconv.Itoa(h.cost)
	case famStretch:
		if h.cost == pbkdf2DefaultCost && !h.named {
			return "pbkdf2_stretch"
		}
		return "pbkdf2_stretch_" + strconv.Itoa(h.cost)
	case famSHA1:
		return "sha1"
	case famMD5:
		return "md5"
	case famSSHA256:
		return "ssha256"
	case famNoop:
		return "noop"
	}
	return ""
}

// String returns Name, so that a Hasher prints as its algorithm.
func (h Hasher) String() string { return h.Name() }

func errZeroHasher() error { return errors.New("passhash: zero Hasher has no algorithm") }

// Hash returns a new hash of password in Elasticsearch's encoding. Salts
// come from crypto/rand.
func (h Hasher) Hash(password string) (string, error) {
	switch h.fam {
	case famBcrypt:
		pw := []byte(password)
		if len(pw) > bcryptMaxPassword {
			pw = pw[:bcryptMaxPassword]
		}
		b, err := bcrypt.GenerateFromPassword(pw, h.cost)
		if err != nil {
			return "", err
		}
		return string(b), nil
	case famPBKDF2:
		return pbkdf2Hash(password, h.cost, pbkdf2Prefix)
	case famStretch:
		return pbkdf2Hash(stretch(password), h.cost, stretchPrefix)
	case famSHA1:
		sum := sha1.Sum([]byte(password))
		return sha1Prefix + base64.StdEncoding.EncodeToString(sum[:]), nil
	case famMD5:
		sum := md5.Sum([]byte(password))
		return md5Prefix + base64.StdEncoding.EncodeToString(sum[:]), nil
	case famSSHA256:
		salt := make([]byte, 8)
		_, _ = rand.Read(salt) // never fails since Go 1.24
		return ssha256Prefix + base64.StdEncoding.EncodeToString(salt) + ssha256Digest(password, salt), nil
	case famNoop:
		return password, nil
	}
	return "", errZeroHasher()
}

// Verify reports whether password matches hash when hash is read with this
// Hasher rather than with the one its prefix names; this is what a realm's
// credential cache does with cache.hash_algo. Wherever Elasticsearch would
// throw, Verify reports false.
func (h Hasher) Verify(password, hash string) bool {
	ok, err := h.verify(password, hash)
	return ok && err == nil
}

// FakeHash hashes a random password. Realms verify against it when a user
// does not exist so that the response time does not reveal that; each call
// does the full work, so callers compute it once and keep it.
func (h Hasher) FakeHash() (string, error) {
	secret := make([]byte, 24)
	_, _ = rand.Read(secret) // never fails since Go 1.24
	return h.Hash(base64.RawURLEncoding.EncodeToString(secret))
}

// verify is Hasher.verify with Elasticsearch's exceptions as errors.
func (h Hasher) verify(password, hash string) (bool, error) {
	switch h.fam {
	case famBcrypt:
		if !isBcryptPrefix(hash) {
			return false, nil
		}
		return bcryptCheck(password, hash)
	case famPBKDF2:
		return pbkdf2Verify(password, hash, h.cost, pbkdf2Prefix)
	case famStretch:
		return pbkdf2Verify(stretch(password), hash, h.cost, stretchPrefix)
	case famSHA1:
		rest, ok := strings.CutPrefix(hash, sha1Prefix)
		if !ok {
			return false, nil
		}
		sum := sha1.Sum([]byte(password))
		return ctEqual(rest, base64.StdEncoding.EncodeToString(sum[:])), nil
	case famMD5:
		rest, ok := strings.CutPrefix(hash, md5Prefix)
		if !ok {
			return false, nil
		}
		sum := md5.Sum([]byte(password))
		return ctEqual(rest, base64.StdEncoding.EncodeToString(sum[:])), nil
	case famSSHA256:
		return ssha256Verify(password, hash)
	case famNoop:
		return ctEqual(password, hash), nil
	}
	return false, errZeroHasher()
}

// ssha256Digest is the digest part of an {SSHA256} hash. Elasticsearch
// appends the salt to the password (unlike LDAP's layout, which appends it
// to the digest).
func ssha256Digest(password string, salt []byte) string {
	d := sha256.New()
	d.Write([]byte(password))
	d.Write(salt)
	return base64.StdEncoding.EncodeToString(d.Sum(nil))
}

func ssha256Verify(password, hash string) (bool, error) {
	rest, ok := strings.CutPrefix(hash, ssha256Prefix)
	if !ok {
		return false, nil
	}
	if ok, handled := ssha256Fast(password, rest); handled {
		return ok, nil
	}
	// The salt is the first 12 Java chars, decoded from their ISO-8859-1
	// bytes, whatever they are.
	u := javaChars(rest)
	if len(u) < 12 {
		return false, newException("offset 0, count 12, length " + strconv.Itoa(len(u)))
	}
	latin1 := make([]byte, 12)
	for i, c := range u[:12] {
		if c > 0xff {
			c = '?'
		}
		latin1[i] = byte(c)
	}
	salt, err := javaBase64Decode(latin1)
	if err != nil {
		return false, err
	}
	return ctEqual(ssha256Digest(password, salt), javaString(u[12:])), nil
}

// ssha256Fast verifies the canonical form Hash writes (8 salt bytes as 12
// base64 characters ending in one '=', then a 44-character digest) without
// allocating, because the credential cache verifies one on every
// authenticated request. Any other form is left to the general path
// (handled false), which reproduces Java's parsing of odd input.
func ssha256Fast(password, rest string) (ok, handled bool) {
	const saltChars, saltBytes, digestChars = 12, 8, 44
	if len(rest) != saltChars+digestChars || len(password) > 256 || rest[saltChars-1] != '=' {
		return false, false
	}
	for i := range saltChars - 1 {
		if !isBase64Char(rest[i]) {
			return false, false // line breaks or Latin-1: Java's rules apply
		}
	}
	s := ssha256Scratches.Get().(*ssha256Scratch)
	n := copy(s.buf[:], password)
	defer func() {
		clear(s.buf[:n]) // no password waits in the pool
		ssha256Scratches.Put(s)
	}()
	if m, err := base64.StdEncoding.Decode(s.buf[n:], []byte(rest[:saltChars])); err != nil || m != saltBytes {
		return false, false
	}
	s.h.Reset()
	s.h.Write(s.buf[:n+saltBytes])
	s.h.Sum(s.sum[:0])
	var enc [digestChars]byte
	base64.StdEncoding.Encode(enc[:], s.sum[:])
	return subtle.ConstantTimeCompare(enc[:], []byte(rest[saltChars:])) == 1, true
}

// ssha256Scratch is what ssha256Fast hashes with, reused through a pool:
// sha256.Sum256 keeps its digest on the stack only while the compiler
// inlines it whole, which a PGO build (cmd/esauth/default.pgo) did not,
// and then every cached authentication allocated one.
type ssha256Scratch struct {
	h   hash.Hash
	buf [256 + 8 + 1]byte // a password of up to 256 bytes and the 8-byte salt
	sum [sha256.Size]byte
}

var ssha256Scratches = sync.Pool{New: func() any { return &ssha256Scratch{h: sha256.New()} }}

func isBase64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

func ctEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
