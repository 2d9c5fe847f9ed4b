package tokens

import (
	"path/filepath"
	"testing"

	"github.com/esauth/esauth/internal/store/boltstore"
)

// BenchmarkVerifyWarm is one access token check the cache answers:
// decoding, two SHA-256 digests, a map read and the expiry.
func BenchmarkVerifyWarm(b *testing.B) {
	db, err := boltstore.Open(filepath.Join(b.TempDir(), "t.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := newService(db, &clock{now: t0})
	res, err := s.Create(b.Context(), joe, kibana, true)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(b.Context(), res.AccessToken); err != nil {
			b.Fatal(err)
		}
	}
}
