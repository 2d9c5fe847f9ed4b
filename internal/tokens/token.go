package tokens

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// The layout of a token's random bytes (TokenService.RAW_TOKEN_BYTES_LENGTH
// and RAW_TOKEN_DOC_ID_BYTES_LENGTH): 16 bytes of its own, then 8 bytes an
// access token shares with its refresh token, which name their document.
const (
	ownBytes   = 16
	docIDBytes = 8
	rawLen     = ownBytes + docIDBytes
)

// formatVersion is the version written in front of every token: the
// transport version from which Elasticsearch issues tokens in this layout
// (VERSION_GET_TOKEN_DOC_FOR_REFRESH, 8.500.035). Tokens are opaque to
// clients; the version only says how to read the bytes after it.
const formatVersion = 8_500_035

// docPrefix starts every token document's key (TOKEN_DOC_ID_PREFIX).
const docPrefix = "token_"

// raw is a token's random bytes.
type raw [rawLen]byte

// newPair returns fresh access token bytes and, when refresh is set,
// refresh token bytes sharing their document part.
func newPair(refresh bool) (access raw, ref *raw) {
	_, _ = rand.Read(access[:]) // crypto/rand never fails
	if !refresh {
		return access, nil
	}
	var r raw
	_, _ = rand.Read(r[:ownBytes])
	copy(r[ownBytes:], access[ownBytes:])
	return access, &r
}

// encode renders b as the token string clients get: standard base64 of
// the version and the bytes, each length-prefixed as Elasticsearch's
// StreamOutput writes them (a variable-length int, then a byte array).
func (b raw) encode() string {
	buf := make([]byte, 0, 5+1+rawLen)
	buf = appendVInt(buf, formatVersion)
	buf = appendVInt(buf, rawLen)
	buf = append(buf, b[:]...)
	return base64.StdEncoding.EncodeToString(buf)
}

// decode reads a token string; ok is false for anything this service did
// not issue in this layout (another kind of bearer token, garbage).
func decode(s string) (b raw, ok bool) {
	s = strings.TrimRight(s, "=")
	// 5 bytes of version at most, 1 of length, 24 of token: 40 characters.
	if len(s) > 40 || len(s) < 36 {
		return b, false
	}
	var src [40]byte // on the stack: this runs on every bearer request
	var buf [32]byte
	n, err := base64.RawStdEncoding.Decode(buf[:], src[:copy(src[:], s)])
	if err != nil {
		return b, false
	}
	in := buf[:n]
	version, in, ok := readVInt(in)
	if !ok || version < formatVersion {
		return b, false
	}
	length, in, ok := readVInt(in)
	if !ok || length != rawLen || len(in) != rawLen {
		return b, false
	}
	copy(b[:], in)
	return b, true
}

func appendVInt(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func readVInt(b []byte) (uint32, []byte, bool) {
	var v uint32
	for i := 0; i < 5 && i < len(b); i++ {
		v |= uint32(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, b[i+1:], true
		}
	}
	return 0, nil, false
}

// docID is the digest naming the token's document: of the bytes an
// access token shares with its refresh token.
func (b raw) docID() [sha256.Size]byte { return sha256.Sum256(b[ownBytes:]) }

// key is the store key of the token's document.
func (b raw) key() string { return keyOf(b.docID()) }

func keyOf(id [sha256.Size]byte) string {
	return docPrefix + base64.RawURLEncoding.EncodeToString(id[:])
}

// idOf reads a store key back into its digest; ok is false for any other key.
func idOf(key string) (id [sha256.Size]byte, ok bool) {
	enc, found := strings.CutPrefix(key, docPrefix)
	if !found || base64.RawURLEncoding.DecodedLen(len(enc)) != sha256.Size {
		return id, false
	}
	n, err := base64.RawURLEncoding.Decode(id[:], []byte(enc))
	return id, err == nil && n == sha256.Size
}

// digest is what the document keeps of a token: its SHA-256, which needs
// no salt since the token is 24 random bytes.
func (b raw) digest() string {
	sum := sha256.Sum256(b[:])
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// sameDigest compares digests in constant time.
func sameDigest(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
