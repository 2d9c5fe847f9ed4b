package apikey

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"sync"
	"time"

	"github.com/esauth/esauth/internal/random"
)

// idGenerator is Elasticsearch's TimeBasedUUIDGenerator (UUIDs.base64UUID):
// 15 bytes from a sequence number, a millisecond clock that never goes
// back, and a per-process random "address", in 20 URL-safe base64
// characters. Ids are unique, not secret; the secret is separate.
type idGenerator struct {
	mu      sync.Mutex
	seq     uint32
	last    int64
	address [6]byte
	now     func() time.Time
}

func newIDGenerator(now func() time.Time) *idGenerator {
	g := &idGenerator{now: now}
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	// A random start makes a restart with a clock set back unlikely to
	// repeat a sequence number within the same millisecond.
	g.seq = binary.BigEndian.Uint32(b[:])
	// Elasticsearch XORs the MAC address with random bytes; the result is
	// random either way.
	_, _ = rand.Read(g.address[:])
	return g
}

func (g *idGenerator) next() string {
	g.mu.Lock()
	g.seq++
	seq := g.seq & 0xffffff
	ts := max(g.last, g.now().UnixMilli())
	if seq == 0 {
		ts++ // the sequence wrapped: move the clock on so no id repeats
	}
	g.last = ts
	g.mu.Unlock()

	var b [15]byte
	b[0] = byte(seq)
	b[1] = byte(seq >> 16)
	b[2] = byte(ts >> 16)
	b[3] = byte(ts >> 24)
	b[4] = byte(ts >> 32)
	b[5] = byte(ts >> 40)
	copy(b[6:12], g.address[:])
	b[12] = byte(ts >> 8)
	b[13] = byte(seq >> 8)
	b[14] = byte(ts)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// newSecret is UUIDs.randomBase64UUIDSecureString, Elasticsearch 8.x's API
// key secret: 16 random bytes (a version 4 UUID) in 22 URL-safe base64
// characters.
func newSecret() string { return random.ID() }
