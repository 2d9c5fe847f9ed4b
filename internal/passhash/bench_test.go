package passhash

import "testing"

// benchAlgorithms covers each family once, bcrypt also at its default cost.
func benchAlgorithms() []string {
	return []string{"bcrypt4", "bcrypt10", "pbkdf2_1000", "pbkdf2", "pbkdf2_stretch", "ssha256"}
}

const benchPassword = "benchmark-password-1"

func BenchmarkHash(b *testing.B) {
	for _, name := range benchAlgorithms() {
		h := mustResolve(b, name)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := h.Hash(benchPassword); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, name := range benchAlgorithms() {
		hash, err := mustResolve(b, name).Hash(benchPassword)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if ok, err := Verify(benchPassword, hash); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}
