package passhash

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// storedListText is the list from the spec (Hasher's stored-password
// algorithms, printed by Java's List.toString).
const storedListText = "[bcrypt, bcrypt4, bcrypt5, bcrypt6, bcrypt7, bcrypt8, bcrypt9, bcrypt10, bcrypt11, bcrypt12, bcrypt13, bcrypt14, " +
	"pbkdf2, pbkdf2_1000, pbkdf2_10000, pbkdf2_50000, pbkdf2_100000, pbkdf2_500000, pbkdf2_1000000, " +
	"pbkdf2_stretch, pbkdf2_stretch_1000, pbkdf2_stretch_10000, pbkdf2_stretch_50000, pbkdf2_stretch_100000, " +
	"pbkdf2_stretch_500000, pbkdf2_stretch_1000000]"

const notSupported = "The provided password hash is not a hash or it could not be resolved to a supported hash algorithm. " +
	"The supported password hash algorithms are " + storedListText

// Salt 00..1f and its PBKDF2-HMAC-SHA512 key for "test123" at 10000
// iterations, from the vectors file.
const (
	salt32 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	key32  = "lRUVcUNYcEfZhobZEeYihvZ8TpE52pX21IhdPaoBeUk="
	bc4    = "$2a$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa" // U21VniQwdEWATfqO
	bc4pw  = "U21VniQwdEWATfqO"
)

func TestVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(strconv.Itoa(v.line), func(t *testing.T) {
			t.Parallel()
			if h, err := Identify(v.hash); err == nil && h.fam == famBcrypt && h.cost > 10 && (raceEnabled || testing.Short()) {
				t.Skipf("bcrypt cost %d is verified in plain runs", h.cost)
			}
			got, err := Verify(v.password, v.hash)
			if err != nil || got != v.want {
				t.Errorf("Verify(%q, %q) [%s] = %v, %v; want %v, nil", v.password, v.hash, v.origin, got, err, v.want)
			}
		})
	}
}

func TestJDKUnicodeVector(t *testing.T) {
	hash := "{PBKDF2}10000$" + salt32 + "$i8XTVjSPdAc3R/eavCfcu1HA+PUUa8m8G4f4V7IZDwU="
	for _, tc := range []struct {
		password string
		want     bool
	}{
		{"pässwörd€😀", true},
		{"pa\u0308sswörd€😀", false}, // the same text in NFD: other bytes
		{"passwörd€😀", false},
	} {
		got, err := Verify(tc.password, hash)
		if err != nil || got != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v, nil", tc.password, got, err, tc.want)
		}
	}
}

func TestResolve(t *testing.T) {
	tests := []struct{ in, name string }{
		{"bcrypt", "bcrypt"},
		{"BCRYPT", "bcrypt"},
		{"bcrypt10", "bcrypt"},
		{"bcrypt4", "bcrypt4"},
		{"BCrypt14", "bcrypt14"},
		{"pbkdf2", "pbkdf2"},
		{"pbkdf2_10000", "pbkdf2"},
		{"PBKDF2_1000", "pbkdf2_1000"},
		{"pbkdf2_1000000", "pbkdf2_1000000"},
		{"pbkdf2_stretch", "pbkdf2_stretch"},
		{"pbkdf2_stretch_10000", "pbkdf2_stretch_10000"},
		{"pbkdf2_stretch_500000", "pbkdf2_stretch_500000"},
		{"sha1", "sha1"},
		{"MD5", "md5"},
		{"ssha256", "ssha256"},
		{"noop", "noop"},
		{"clear_text", "noop"},
		{"CLEAR_TEXT", "noop"},
		{"pb\u212adf2", "pbkdf2"}, // Kelvin sign: Java's toLowerCase(ROOT) also gives 'k'
	}
	for _, tc := range tests {
		h, err := Resolve(tc.in)
		if err != nil || h.Name() != tc.name {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tc.in, h.Name(), err, tc.name)
		}
		c, err := ResolveCache(tc.in)
		if err != nil || c != h {
			t.Errorf("ResolveCache(%q) = %q, %v; want %q", tc.in, c.Name(), err, h.Name())
		}
	}
	for _, name := range allNames() {
		if _, err := Resolve(name); err != nil {
			t.Errorf("Resolve(%q): %v", name, err)
		}
	}
	if mustResolve(t, "pbkdf2_stretch") == mustResolve(t, "pbkdf2_stretch_10000") {
		t.Error("pbkdf2_stretch and pbkdf2_stretch_10000 are distinct enum values in Elasticsearch")
	}
	if mustResolve(t, "pbkdf2") != mustResolve(t, "pbkdf2_10000") || mustResolve(t, "bcrypt") != mustResolve(t, "bcrypt10") {
		t.Error("resolve maps pbkdf2_10000 and bcrypt10 to the default constants")
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name    string
		resolve func(string) (Hasher, error)
		in      string
		want    string
	}{
		{"Resolve", Resolve, "foo", "unknown hash function [foo]"},
		{"Resolve", Resolve, "FOO", "unknown hash function [FOO]"},
		{"Resolve", Resolve, "sha256", "unknown hash function [sha256]"},
		{"Resolve", Resolve, "bcrypt15", "unknown hash function [bcrypt15]"},
		{"Resolve", Resolve, "bcrypt04", "unknown hash function [bcrypt04]"},
		{"Resolve", Resolve, "", "unknown hash function []"},
		{"ResolveCache", ResolveCache, "bogus", "unknown hash function [bogus]"},
		{"ResolveStored", ResolveStored, "sha1", "Invalid algorithm: sha1. Valid values for password hashing are " + storedListText},
		{"ResolveStored", ResolveStored, "NOOP", "Invalid algorithm: NOOP. Valid values for password hashing are " + storedListText},
		{"ResolveStored", ResolveStored, "ssha256", "Invalid algorithm: ssha256. Valid values for password hashing are " + storedListText},
		{"ResolveStored", ResolveStored, "clear_text", "Invalid algorithm: clear_text. Valid values for password hashing are " + storedListText},
	}
	for _, tc := range tests {
		h, err := tc.resolve(tc.in)
		if errText(err) != tc.want || h != (Hasher{}) {
			t.Errorf("%s(%q) = %q, %q; want error %q", tc.name, tc.in, h.Name(), errText(err), tc.want)
		}
	}
}

func TestResolveStored(t *testing.T) {
	for _, name := range StoredAlgorithms() {
		for _, in := range []string{name, strings.ToUpper(name)} {
			got, err := ResolveStored(in)
			if err != nil || got != mustResolve(t, name) {
				t.Errorf("ResolveStored(%q) = %q, %v", in, got.Name(), err)
			}
		}
	}
}

func TestStoredAlgorithms(t *testing.T) {
	want := strings.Split(strings.Trim(storedListText, "[]"), ", ")
	got := StoredAlgorithms()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("StoredAlgorithms() mismatch (-want +got):\n%s", diff)
	}
	got[0] = "changed"
	if StoredAlgorithms()[0] != "bcrypt" {
		t.Error("StoredAlgorithms shares its slice")
	}
}

func TestName(t *testing.T) {
	var got []string
	for _, name := range allNames() {
		got = append(got, mustResolve(t, name).Name())
	}
	want := append(StoredAlgorithms(), "sha1", "md5", "ssha256", "noop", "noop")
	want[7] = "bcrypt"  // bcrypt10
	want[14] = "pbkdf2" // pbkdf2_10000
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if n := (Hasher{}).Name(); n != "" {
		t.Errorf("zero Hasher name = %q", n)
	}
	if s := mustResolve(t, "bcrypt12").String(); s != "bcrypt12" {
		t.Errorf("String() = %q", s)
	}
}

func TestIdentify(t *testing.T) {
	tests := []struct {
		hash    string
		want    string // Name of the Hasher, when no error
		wantErr string
	}{
		// HasherTests.testResolveFromHash
		{hash: "$2a$10$1oZj.8KmlwiCy4DWKvDH3OU0Ko4WRF4FknyvCh3j/ZtaRCNYA6Xzm", want: "bcrypt"},
		{hash: "$2a$04$GwJtIQiGMHASEYphMiCpjeZh1cDyYC5U.DKfNKa4i/y0IbOvc2LiG", want: "bcrypt4"},
		{hash: "$2a$05$xLmwSB7Nw7PcqP.6hXdc4eUZbT.4.iAZ3CTPzSaUibrrYjC6Vwq1m", want: "bcrypt5"},
		{hash: "$2a$06$WQX1MALAjVOhR2YKmLcHYed2oROzBl3OZPtvq3FkVZYwm9X2LVKYm", want: "bcrypt6"},
		{hash: "$2a$07$Satxnu2fCvwYXpHIk8A2sO2uwROrsV7WrNiRJPq1oXEl5lc9FE.7S", want: "bcrypt7"},
		{hash: "$2a$08$LLfkTt2C9TUl5sDtgqmE3uRw9nHt748d3eMSGfbFYgQQQhjbXHFo2", want: "bcrypt8"},
		{hash: "$2a$09$.VCWA3yFVdd6gfI526TUrufb4TvxMuhW0jIuMfhd4/fy1Ak/zrSFe", want: "bcrypt9"},
		{hash: "$2a$11$Ya53LCozFlKABu05xsAbj.9xmrczyuAY/fTvxKkDiHOJc5GYcaNRy", want: "bcrypt11"},
		{hash: "$2a$12$oUW2hiWBHYwbJamWi6YDPeKS2NBCvD4GR50zh9QZCcgssNFcbpg/a", want: "bcrypt12"},
		{hash: "$2a$13$0PDx6mxKK4bLSgpc5H6eaeylWub7UFghjxV03lFYSz4WS4slDT30q", want: "bcrypt13"},
		{hash: "$2a$14$lFyXmX7p9/FHr7W4nxTnfuCkjAoBHv6awQlv8jlKZ/YCMI65i38e6", want: "bcrypt14"},
		{hash: "{PBKDF2}1000$oNl3JWiDZhXqhrpk9Kl+T0tKpVNNV3UHNxENPePpo2M=$g9lERDX5op20eX534bHdQy7ySRwobxwtaxxsz3AYPIU=", want: "pbkdf2_1000"},
		{hash: "{PBKDF2}10000$UrwrHBY4GA1na9KxRpoFkUiICTeZe+mMZCZOg6bRSLc=$1Wl32wRQ9Q3Sv1IFoNwgSrUa5YifLv0MoxAO6leyip8=", want: "pbkdf2"},
		{hash: "{PBKDF2}50000$mxa5m9AlgtKLUXKi/pE5+4w7ZexGSOtlUHD043NHVdc=$LE5Ncph672M8PtugfRgk2k3ue9qY2cKgiguuAd+e3I0=", want: "pbkdf2_50000"},
		{hash: "{PBKDF2}100000$qFs8H0FjietnI7sgr/1Av4H+Z7d/9dehfZ2ptU474jk=$OFj40Ha0XcHWUXSspRx6EeXnTcuN0Nva2/i2c/hvnZE=", want: "pbkdf2_100000"},
		{hash: "{PBKDF2}500000$wyttuDlppd5KYD35uDZN6vudB50Cjshm5efZhOxZZQI=$ADZpOHY6llJZsjupZCn6s4Eocg0dKKdBiNjDBYqhlzA=", want: "pbkdf2_500000"},
		{hash: "{PBKDF2}1000000$UuyhtjDEzWmE2wyY80akZKPWWpy2r2X50so41YML82U=$WFasYLelqbjQwt3EqFlUcwHiC38EZC45Iu/Iz0xL1GQ=", want: "pbkdf2_1000000"},
		{hash: "{PBKDF2_STRETCH}1000$sTyix9e0zNINzq2aDZ+GD5+QlO94xVyf/bv4pWNhBxo=$4KuzGPy9HXnhY3ANHn8rcIRQuJHPB6cEtLwnOhDI5d4=", want: "pbkdf2_stretch_1000"},
		{hash: "{PBKDF2_STRETCH}10000$8M9+Ww0xkdY250CROEutsd8UP6CrJESw7ZAFu1NGORo=$ai0gxBPtHTfZU/nbNGwL5zjC+eo2/ANQM17L/tllVeo=", want: "pbkdf2_stretch"},
		{hash: "{PBKDF2_STRETCH}50000$uupwXiq8W0+jrLtC3/aqzuvyZlRarlmx1+CQGEnomlk=$by8q/+oRPPWwDE6an7B9/ndz7UZ1UQpaGY4CGurtPTI=", want: "pbkdf2_stretch_50000"},
		{hash: "{PBKDF2_STRETCH}100000$E9VqtV76PcrQuCZ6wOMMNvs4CMPcANTpzRw8Wjd24PU=$j56uKUvwbvmgQgNFkbV7SRQVZ2QOarokAgBeA8xcFD8=", want: "pbkdf2_stretch_100000"},
		{hash: "{PBKDF2_STRETCH}500000$4dpTEbu4jfjhDOjWY6xdsnxuQs4dg4QbNzZJ0Z1Tm4s=$Us/yrlCxVaW7mz0go1qIygFqGgcfUMgCZfIl2AvI4I8=", want: "pbkdf2_stretch_500000"},
		{hash: "{PBKDF2_STRETCH}1000000$eKeQvMztiIcqBynTNDFBseOBww3GBpHDZI6EPPVHYUw=$4587yrxUa02RZ1jeW1WOaMjRn5qT9iQ5/DIHk0nW2bE=", want: "pbkdf2_stretch_1000000"},
		{hash: "notavalidhashformat", want: "noop"},

		// bcrypt minors: only a, b and y are bcrypt to Elasticsearch.
		{hash: "$2b$12$0313KXrdhWp6HLREsKxW/OWJQCxy2uYprv44b8MBk6dOj3PY6WSFG", want: "bcrypt12"},
		{hash: "$2y$10$flKBxak./o.7Hql0il/98ejdZyob67TmPhHbRy3qOnMtCBosAVSRy", want: "bcrypt"},
		{hash: "$2x$10$flKBxak./o.7Hql0il/98ejdZyob67TmPhHbRy3qOnMtCBosAVSRy", want: "noop"},
		{hash: "$2c$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa", want: "noop"},
		{hash: "$2A$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa", want: "noop"},
		{hash: "$2$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa", want: "noop"},
		{hash: "$apr1$R3DdqiAZ$aljIkaIVPSarmDMlJUBBP.", want: "noop"},
		// bcrypt costs Hasher.resolve does not know.
		{hash: "$2a$15$8Urbk50As1LIgDBWPmXcFOpMWJfy3ddFLgvDlH3G1y4TFo4sLXU9y", wantErr: "unknown hash function [bcrypt15]"},
		{hash: "$2a$03$8Urbk50As1LIgDBWPmXcFOpMWJfy3ddFLgvDlH3G1y4TFo4sLXU9y", wantErr: "unknown hash function [bcrypt3]"},
		{hash: "$2a$31$8Urbk50As1LIgDBWPmXcFOpMWJfy3ddFLgvDlH3G1y4TFo4sLXU9y", wantErr: "unknown hash function [bcrypt31]"},
		// The cost is the text between "$2a$" and the last 54 chars.
		{hash: "$2a$-4$8Urbk50As1LIgDBWPmXcFOpMWJfy3ddFLgvDlH3G1y4TFo4sLXU9y", wantErr: "unknown hash function [bcrypt-4]"},
		{hash: "$2a$+4$8Urbk50As1LIgDBWPmXcFOpMWJfy3ddFLgvDlH3G1y4TFo4sLXU9y", want: "bcrypt4"},
		{hash: "$2a$xy$8Urbk50As1LIgDBWPmXcFOpMWJfy3ddFLgvDlH3G1y4TFo4sLXU9y", wantErr: `For input string: "xy"`},
		{hash: "$2a$4$8Urbk50As1LIgDBWPmXcFOpMWJfy3ddFLgvDlH3G1y4TFo4sLXU9y", want: "bcrypt4"},
		{hash: "$2a$010$8Urbk50As1LIgDBWPmXcFOpMWJfy3ddFLgvDlH3G1y4TFo4sLXU9y", want: "bcrypt"},
		{hash: "$2a$10$8Urbk50As1LIgDBWPmXcFOpMWJfy3ddFLgvDlH3G1y4TFo4sLXU9yX", wantErr: `For input string: "10$"`},
		{hash: "$2a$10$8Urbk50As1LIgDBWPmXcFOpMWJfy3ddFLgvDlH3G1y4TFo4sLXU9", wantErr: "unknown hash function [bcrypt1]"},
		{hash: "$2a$", wantErr: "4 > -50"},
		{hash: "$2a$10$short", wantErr: "4 > -42"},
		{hash: "$2a$" + strings.Repeat("x", 54), wantErr: `For input string: ""`},
		// Lengths count Java chars: é is one char, so this is 60 long.
		{hash: "$2a$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGé", want: "bcrypt4"},
		{hash: "$2a$٠٤$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa", want: "bcrypt4"},

		// PBKDF2 iteration counts.
		{hash: "{PBKDF2}20000$" + salt32 + "$" + key32, wantErr: "unknown hash function [pbkdf2_20000]"},
		{hash: "{PBKDF2_STRETCH}20000$" + salt32 + "$" + key32, wantErr: "unknown hash function [pbkdf2_stretch_20000]"},
		{hash: "{PBKDF2}-1000$" + salt32 + "$" + key32, wantErr: "unknown hash function [pbkdf2_-1000]"},
		{hash: "{PBKDF2}+1000$x$y", want: "pbkdf2_1000"},
		{hash: "{PBKDF2}01000$x$y", want: "pbkdf2_1000"},
		{hash: "{PBKDF2}١٠٠٠٠$x$y", want: "pbkdf2"},
		{hash: "{PBKDF2}abc$x$y", wantErr: "The number of iterations could not be determined from the provided PBKDF2 hash."},
		{hash: "{PBKDF2}$x$y", wantErr: "The number of iterations could not be determined from the provided PBKDF2 hash."},
		{hash: "{PBKDF2}10000", wantErr: "The number of iterations could not be determined from the provided PBKDF2 hash."},
		{hash: "{PBKDF2}", wantErr: "The number of iterations could not be determined from the provided PBKDF2 hash."},
		{hash: "{PBKDF2}99999999999$x$y", wantErr: "The number of iterations could not be determined from the provided PBKDF2 hash."},
		{hash: "{PBKDF2_STRETCH}x$", wantErr: "The number of iterations could not be determined from the provided PBKDF2 hash."},
		{hash: "{PBKDF2_STRETCH}1000$x$y", want: "pbkdf2_stretch_1000"},
		{hash: "{PBKDF2", want: "noop"},
		{hash: "{pbkdf2}1000$x$y", want: "noop"},

		// The rest.
		{hash: "{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w=", want: "sha1"},
		{hash: "{SHA}", want: "sha1"},
		{hash: "{MD5}zAPnR6avu8v4vnZorP6+5Q==", want: "md5"},
		{hash: "{SSHA256}AQIDBAUGBwg=ZH2cU6+isJvNFU+s6CiamMesW+S81XTh5U9K+eV0hEE=", want: "ssha256"},
		{hash: "{SSHA256}", want: "ssha256"},
		{hash: "{sha}cojt0Pw//L6ToM8G41aOKFIWh7w=", want: "noop"},
		{hash: "{plain}test123", want: "noop"},
		{hash: "7NcYcNGWMxapfjrDQIyYNa2M8PPBvHA1J8MCZVNPda4", want: "noop"}, // unsalted SHA256 is never identified
		{hash: "", want: "noop"},
	}
	for _, tc := range tests {
		got, err := Identify(tc.hash)
		if errText(err) != tc.wantErr || got.Name() != tc.want {
			t.Errorf("Identify(%q) = %q, %q; want %q, %q", tc.hash, got.Name(), errText(err), tc.want, tc.wantErr)
		}
		if tc.wantErr == "" && got != mustResolve(t, tc.want) {
			t.Errorf("Identify(%q) = %#v; want Resolve(%q)", tc.hash, got, tc.want)
		}
	}
	// The default stretch count identifies as PBKDF2_STRETCH, never as the
	// separate PBKDF2_STRETCH_10000 constant.
	h, _ := Identify("{PBKDF2_STRETCH}10000$" + salt32 + "$" + key32)
	if h != mustResolve(t, "pbkdf2_stretch") || h == mustResolve(t, "pbkdf2_stretch_10000") {
		t.Errorf("Identify(stretch 10000) = %#v", h)
	}
}

func TestVerifyEdgeCases(t *testing.T) {
	replace := func(s string, i int, r string) string { return s[:i] + r + s[i+1:] }
	tests := []struct {
		name, password, hash string
		want                 bool
		wantErr              string
	}{
		// PBKDF2: lengths come from the hash; Java's base64 decoder.
		{"short salt", "test123", "{PBKDF2}10000$AAAAAA==$" + key32, false, "PBKDF2 salt must be at least [8 bytes] long"},
		{"7-byte salt", "test123", "{PBKDF2}1000$AAAAAAAAAA==$" + key32, false, "PBKDF2 salt must be at least [8 bytes] long"},
		{"empty salt", "test123", "{PBKDF2}10000$$" + key32, false, "PBKDF2 salt must be at least [8 bytes] long"},
		{"short key", "test123", "{PBKDF2}10000$" + salt32 + "$abc", false, "PBKDF2 key length must be positive and multiple of [128 bits]"},
		{"empty key", "test123", "{PBKDF2}10000$" + salt32 + "$", false, "PBKDF2 key length must be positive and multiple of [128 bits]"},
		{"key checked before salt", "test123", "{PBKDF2}10000$!!$abc", false, "PBKDF2 key length must be positive and multiple of [128 bits]"},
		{"bad salt char", "test123", "{PBKDF2}10000$AAEC.wQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=$" + key32, false, "Illegal base64 character 2e"},
		{"salt padding wrong", "test123", "{PBKDF2}10000$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=A$" + key32, false, "Input byte array has incorrect ending byte at 44"},
		{"unpadded salt", "test123", "{PBKDF2}10000$" + strings.TrimRight(salt32, "=") + "$" + key32, true, ""},
		{"unpadded key", "test123", "{PBKDF2}10000$" + salt32 + "$" + strings.TrimRight(key32, "="), false, ""},
		{"no key separator", "test123", "{PBKDF2}10000$" + salt32, false, ""},
		{"trailing field", "test123", "{PBKDF2}10000$" + salt32 + "$" + key32 + "$x", false, ""},
		{"plus sign count", "test123", "{PBKDF2}+10000$" + salt32 + "$" + key32, true, ""},
		{"leading zero count", "test123", "{PBKDF2}010000$" + salt32 + "$" + key32, true, ""},
		{"arabic-indic count", "test123", "{PBKDF2}١٠٠٠٠$" + salt32 + "$" + key32, true, ""},
		{"wrong password", "test124", "{PBKDF2}10000$" + salt32 + "$" + key32, false, ""},

		// SSHA256: the salt is the first 12 chars.
		{"ssha256 too short", "test123", "{SSHA256}short", false, "offset 0, count 12, length 5"},
		{"ssha256 no digest", "test123", "{SSHA256}AQIDBAUGBwg=", false, ""},
		{"ssha256 bad salt", "test123", "{SSHA256}AQIDBAUG.wg=ZH2cU6+isJvNFU+s6CiamMesW+S81XTh5U9K+eV0hEE=", false, "Illegal base64 character 2e"},
		{"ssha256 non-latin1 salt", "test123", "{SSHA256}AQIDBAUGB€g=ZH2cU6+isJvNFU+s6CiamMesW+S81XTh5U9K+eV0hEE=", false, "Illegal base64 character 3f"},
		{"ssha256 latin1 salt", "test123", "{SSHA256}AQIDBAUGBég=ZH2cU6+isJvNFU+s6CiamMesW+S81XTh5U9K+eV0hEE=", false, "Illegal base64 character -17"},
		{"ssha256 9-byte salt", "test123", "{SSHA256}AQIDBAUGBwgJZH2cU6+isJvNFU+s6CiamMesW+S81XTh5U9K+eV0hEE=", false, ""},

		// SHA1, MD5, NOOP.
		{"sha1 wrong", "test124", "{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w=", false, ""},
		{"sha1 empty", "", "{SHA}", false, ""},
		{"md5 wrong", "test124", "{MD5}zAPnR6avu8v4vnZorP6+5Q==", false, ""},
		{"noop", "secret123", "secret123", true, ""},
		{"noop wrong", "secret124", "secret123", false, ""},
		{"noop empty", "", "", true, ""},
		{"noop bcrypt-like", "$2x$10$flKBxak./o.7Hql0il/98ejdZyob67TmPhHbRy3qOnMtCBosAVSRy", "$2x$10$flKBxak./o.7Hql0il/98ejdZyob67TmPhHbRy3qOnMtCBosAVSRy", true, ""},
		{"noop unicode", "pässwörd", "pässwörd", true, ""},

		// bcrypt: jBCrypt compares its own re-encoding with the hash.
		{"bcrypt ok", bc4pw, bc4, true, ""},
		{"bcrypt $2b$", bc4pw, replace(bc4, 2, "b"), true, ""},
		{"bcrypt $2y$", bc4pw, replace(bc4, 2, "y"), true, ""},
		{"bcrypt non-canonical salt", bc4pw, replace(bc4, 28, "P"), false, ""},
		{"bcrypt signed cost", bc4pw, replace(bc4, 4, "+"), false, ""},
		{"bcrypt arabic-indic cost", bc4pw, "$2a$٠٤" + bc4[6:], false, ""},
		{"bcrypt low separator", bc4pw, replace(bc4, 6, "#"), false, ""},
		{"bcrypt missing rounds", bc4pw, replace(bc4, 6, "x"), false, "Missing salt rounds"},
		{"bcrypt bad first salt char", bc4pw, replace(bc4, 7, "!"), false, "Bad salt length"},
		{"bcrypt bad fourth salt char", bc4pw, replace(bc4, 10, "!"), false, ""},
		{"bcrypt U+0080 in salt", bc4pw, replace(bc4, 7, "\u0080"), false, "Index 128 out of bounds for length 128"},
		{"bcrypt non-ascii checksum", bc4pw, replace(bc4, 59, "é"), false, ""},
		{"bcrypt bad checksum char", bc4pw, replace(bc4, 59, "!"), false, ""},
		{"bcrypt single-digit cost", bc4pw, "$2a$4$" + bc4[7:], false, "Missing salt rounds"},
		{"bcrypt three-digit cost", bc4pw, "$2a$004$" + bc4[7:], false, "Missing salt rounds"},
		{"bcrypt cost 15", bc4pw, "$2a$15" + bc4[6:], false, "unknown hash function [bcrypt15]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Verify(tc.password, tc.hash)
			if got != tc.want || errText(err) != tc.wantErr {
				t.Errorf("Verify(%q, %q) = %v, %q; want %v, %q", tc.password, tc.hash, got, errText(err), tc.want, tc.wantErr)
			}
		})
	}
}

// TestHasherVerify covers a Hasher reading hashes itself, as a realm's
// cache does with cache.hash_algo.
func TestHasherVerify(t *testing.T) {
	pbkdf1000 := "{PBKDF2}1000$" + salt32 + "$P2va98nUAXhhu9HVFbF4tMKDEIN94kTRu8jLHSW2u2o="
	pbkdf10000 := "{PBKDF2}10000$" + salt32 + "$" + key32
	stretch10000 := "{PBKDF2_STRETCH}10000$" + salt32 + "$5KVnwEMKkimcjkEEbGKLwXLIt21bfL/G6hGelPEJ4Qw="
	ssha := "{SSHA256}AQIDBAUGBwg=ZH2cU6+isJvNFU+s6CiamMesW+S81XTh5U9K+eV0hEE="
	bc10 := "$2a$10$cFxpMx6YDrH/PXwLpTlux.KVykN1TG2Pgdl5oJX5/G/KYp3G6jbFG"
	tests := []struct {
		hasher, password, hash string
		want                   bool
	}{
		{"pbkdf2_1000", "test123", pbkdf1000, true},
		{"pbkdf2", "test123", pbkdf10000, true},
		{"pbkdf2_10000", "test123", pbkdf10000, true},
		// The count is the Hasher's, not the hash's.
		{"pbkdf2_1000", "test123", pbkdf10000, false},
		{"pbkdf2", "test123", pbkdf1000, false},
		{"pbkdf2_stretch", "test123", pbkdf10000, false},
		{"pbkdf2_stretch", "test123", stretch10000, true},
		{"pbkdf2_stretch_10000", "test123", stretch10000, true},
		{"pbkdf2", "test123", stretch10000, false},
		// bcrypt takes the cost from the hash.
		{"bcrypt4", "test123", bc10, true},
		{"bcrypt14", "test123", bc10, true},
		{"bcrypt", "test123", "$2x$10$cFxpMx6YDrH/PXwLpTlux.KVykN1TG2Pgdl5oJX5/G/KYp3G6jbFG", false},
		{"bcrypt", "test123", "$2a$10", false}, // jBCrypt throws
		{"bcrypt", "test123", "$2a$10$cFxpMx6YDrH", false},
		{"ssha256", "test123", ssha, true},
		{"ssha256", "test124", ssha, false},
		{"ssha256", "test123", "{SSHA256}x", false},
		{"sha1", "test123", "{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w=", true},
		{"sha1", "test123", "{MD5}zAPnR6avu8v4vnZorP6+5Q==", false},
		{"md5", "test123", "{MD5}zAPnR6avu8v4vnZorP6+5Q==", true},
		{"md5", "test123", "{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w=", false},
		// noop compares the text, whatever it looks like.
		{"noop", "{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w=", "{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w=", true},
		{"noop", "test123", "{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w=", false},
		{"clear_text", "test123", "test123", true},
	}
	for _, tc := range tests {
		if got := mustResolve(t, tc.hasher).Verify(tc.password, tc.hash); got != tc.want {
			t.Errorf("%s.Verify(%q, %q) = %v; want %v", tc.hasher, tc.password, tc.hash, got, tc.want)
		}
	}
	var zero Hasher
	if zero.Verify("", "") {
		t.Error("zero Hasher verified")
	}
	if _, err := zero.Hash("x"); err == nil {
		t.Error("zero Hasher hashed")
	}
	if _, err := zero.FakeHash(); err == nil {
		t.Error("zero Hasher made a fake hash")
	}
}

func TestValidateStoredHash(t *testing.T) {
	accepted := []string{
		"$2a$04$GwJtIQiGMHASEYphMiCpjeZh1cDyYC5U.DKfNKa4i/y0IbOvc2LiG",
		"$2a$10$1oZj.8KmlwiCy4DWKvDH3OU0Ko4WRF4FknyvCh3j/ZtaRCNYA6Xzm",
		"$2a$14$lFyXmX7p9/FHr7W4nxTnfuCkjAoBHv6awQlv8jlKZ/YCMI65i38e6",
		"$2b$12$0313KXrdhWp6HLREsKxW/OWJQCxy2uYprv44b8MBk6dOj3PY6WSFG",
		"$2b$09$OLrfKSXQJxohtFnkU.VZCO1gKywaTSFi4KPHqhuyY3qetAbI8v6/S",
		"$2y$10$flKBxak./o.7Hql0il/98ejdZyob67TmPhHbRy3qOnMtCBosAVSRy",
		"$2y$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa",
	}
	for _, n := range []string{"1000", "10000", "50000", "100000", "500000", "1000000"} {
		accepted = append(accepted, "{PBKDF2}"+n+"$"+salt32+"$"+key32, "{PBKDF2_STRETCH}"+n+"$"+salt32+"$"+key32)
	}
	for _, configured := range StoredAlgorithms() {
		c := mustResolve(t, configured)
		for _, hash := range accepted {
			if err := ValidateStoredHash(hash, c); err != nil {
				t.Errorf("ValidateStoredHash(%q, %s): %v", hash, configured, err)
			}
		}
	}

	rejected := []struct{ hash, want string }{
		{"plain-password", notSupported},
		{"", notSupported},
		{"{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w=", notSupported},
		{"{MD5}zAPnR6avu8v4vnZorP6+5Q==", notSupported},
		{"{SSHA256}AQIDBAUGBwg=ZH2cU6+isJvNFU+s6CiamMesW+S81XTh5U9K+eV0hEE=", notSupported},
		{"$2x$10$flKBxak./o.7Hql0il/98ejdZyob67TmPhHbRy3qOnMtCBosAVSRy", notSupported},
		{"$apr1$R3DdqiAZ$aljIkaIVPSarmDMlJUBBP.", notSupported},
		{"$2a$15$8Urbk50As1LIgDBWPmXcFOpMWJfy3ddFLgvDlH3G1y4TFo4sLXU9y", "unknown hash function [bcrypt15]"},
		{"{PBKDF2}20000$" + salt32 + "$" + key32, "unknown hash function [pbkdf2_20000]"},
		{"{PBKDF2}x$", "The number of iterations could not be determined from the provided PBKDF2 hash."},
	}
	for _, configured := range []string{"bcrypt", "pbkdf2_stretch", "pbkdf2_1000"} {
		for _, tc := range rejected {
			if err := ValidateStoredHash(tc.hash, mustResolve(t, configured)); errText(err) != tc.want {
				t.Errorf("ValidateStoredHash(%q, %s) = %q; want %q", tc.hash, configured, errText(err), tc.want)
			}
		}
	}
	// The rule also admits the configured algorithm itself, which can only
	// matter for a Hasher the stored setting would never produce.
	if err := ValidateStoredHash("{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w=", mustResolve(t, "sha1")); err != nil {
		t.Errorf("sha1 hash with sha1 configured: %v", err)
	}
	if err := ValidateStoredHash("plain", mustResolve(t, "clear_text")); err != nil {
		t.Errorf("plain text with noop configured: %v", err)
	}
}

func TestHashRoundTrip(t *testing.T) {
	b64 := `[A-Za-z0-9+/]`
	pbkdf2Format := func(prefix string) string {
		return `^\{` + prefix + `\}(\d+)\$` + b64 + `{43}=\$` + b64 + `{43}=$`
	}
	formats := map[family]*regexp.Regexp{
		famBcrypt:  regexp.MustCompile(`^\$2a\$(\d\d)\$[./A-Za-z0-9]{53}$`),
		famPBKDF2:  regexp.MustCompile(pbkdf2Format("PBKDF2")),
		famStretch: regexp.MustCompile(pbkdf2Format("PBKDF2_STRETCH")),
		famSHA1:    regexp.MustCompile(`^\{SHA\}` + b64 + `{27}=$`),
		famMD5:     regexp.MustCompile(`^\{MD5\}` + b64 + `{22}==$`),
		famSSHA256: regexp.MustCompile(`^\{SSHA256\}` + b64 + `{11}=` + b64 + `{43}=$`),
	}
	for _, name := range allNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := mustResolve(t, name)
			if slow(h, "") && (raceEnabled || testing.Short()) {
				t.Skip("slow; covered by plain runs")
			}
			const password = "correct horse battery staple ✓"
			hash, err := h.Hash(password)
			if err != nil {
				t.Fatal(err)
			}
			if h.fam == famNoop {
				if hash != password {
					t.Fatalf("noop hash = %q", hash)
				}
			} else if m := formats[h.fam].FindStringSubmatch(hash); m == nil {
				t.Fatalf("hash %q has the wrong format", hash)
			} else if len(m) > 1 {
				cost, _ := strconv.Atoi(m[1])
				if cost != h.cost {
					t.Fatalf("hash %q has cost %d; want %d", hash, cost, h.cost)
				}
			}
			if h.fam == famBcrypt && h.cost > 6 {
				return // the format is all that changes with the cost
			}
			if slow(h, hash) {
				if ok, err := Verify(password, hash); !ok || err != nil {
					t.Errorf("Verify(%q, %q) = %v, %v", password, hash, ok, err)
				}
				return
			}
			id, err := Identify(hash)
			if err != nil {
				t.Fatal(err)
			}
			// Identify returns the default constants for default costs.
			want := h
			want.named = false
			if id != want {
				t.Errorf("Identify(%q) = %s; want %s", hash, id, want)
			}
			for _, tc := range []struct {
				password string
				want     bool
			}{{password, true}, {password + " ", false}, {"", false}} {
				if got, err := Verify(tc.password, hash); got != tc.want || err != nil {
					t.Errorf("Verify(%q, %q) = %v, %v; want %v", tc.password, hash, got, err, tc.want)
				}
				if got := h.Verify(tc.password, hash); got != tc.want {
					t.Errorf("%s.Verify(%q, %q) = %v; want %v", name, tc.password, hash, got, tc.want)
				}
			}
			again, _ := h.Hash(password)
			if (again == hash) != (h.fam == famSHA1 || h.fam == famMD5 || h.fam == famNoop) {
				t.Errorf("two hashes of one password: %q, %q; only unsalted ones may match", hash, again)
			}
		})
	}
}

func TestHashEncoding(t *testing.T) {
	const password = "test123"
	for _, name := range []string{"pbkdf2_1000", "pbkdf2_stretch_1000"} {
		hash, err := mustResolve(t, name).Hash(password)
		if err != nil {
			t.Fatal(err)
		}
		fields := strings.Split(hash, "$")
		if len(fields) != 3 {
			t.Fatalf("%s: %q", name, hash)
		}
		salt, err1 := base64.StdEncoding.DecodeString(fields[1])
		key, err2 := base64.StdEncoding.DecodeString(fields[2])
		if err1 != nil || err2 != nil || len(salt) != 32 || len(key) != 32 {
			t.Fatalf("%s: salt %d bytes (%v), key %d bytes (%v)", name, len(salt), err1, len(key), err2)
		}
		// The key is PBKDF2-HMAC-SHA512 of the password, or of the
		// lowercase hex of its SHA-512 for stretch.
		input := password
		if strings.Contains(name, "stretch") {
			sum := sha512.Sum512([]byte(password))
			input = hex.EncodeToString(sum[:])
		}
		want, err := pbkdf2.Key(sha512.New, input, salt, 1000, 32)
		if err != nil || !bytes.Equal(want, key) {
			t.Errorf("%s: key is not PBKDF2 of %q (%v)", name, input, err)
		}
	}

	hash, err := mustResolve(t, "ssha256").Hash(password)
	if err != nil {
		t.Fatal(err)
	}
	if len(hash) != len("{SSHA256}")+12+44 {
		t.Fatalf("ssha256 hash %q has length %d", hash, len(hash))
	}
	salt, err := base64.StdEncoding.DecodeString(hash[9:21])
	if err != nil || len(salt) != 8 {
		t.Fatalf("ssha256 salt %q: %v", hash[9:21], err)
	}
	if got, want := hash[21:], ssha256Digest(password, salt); got != want {
		t.Errorf("ssha256 digest %q; want %q", got, want)
	}

	for name, want := range map[string]string{
		"sha1": "{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w=",
		"md5":  "{MD5}zAPnR6avu8v4vnZorP6+5Q==",
		"noop": "test123",
	} {
		if got, err := mustResolve(t, name).Hash(password); got != want || err != nil {
			t.Errorf("%s hash = %q, %v; want %q", name, got, err, want)
		}
	}

	for _, cost := range []string{"4", "5", "6"} {
		hash, err := mustResolve(t, "bcrypt"+cost).Hash(password)
		if err != nil || !strings.HasPrefix(hash, "$2a$0"+cost+"$") || len(hash) != 60 {
			t.Errorf("bcrypt%s hash = %q, %v", cost, hash, err)
		}
	}
}

// TestBcrypt72Bytes checks that only the first 72 bytes of a password
// count, in both directions, as with jBCrypt.
func TestBcrypt72Bytes(t *testing.T) {
	long := strings.Repeat("0123456789", 8) // 80 bytes
	bcrypt4 := mustResolve(t, "bcrypt4")
	hashLong, err := bcrypt4.Hash(long)
	if err != nil {
		t.Fatalf("Hash of an 80-byte password: %v", err)
	}
	hash72, err := bcrypt4.Hash(long[:72])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		password, hash string
		want           bool
	}{
		{long, hashLong, true},
		{long[:72], hashLong, true},
		{long[:72] + "different tail", hashLong, true},
		{long[:71], hashLong, false},
		{long, hash72, true},
		{long[:71], hash72, false},
	}
	for _, tc := range tests {
		if got, err := Verify(tc.password, tc.hash); got != tc.want || err != nil {
			t.Errorf("Verify(%d bytes, %q) = %v, %v; want %v", len(tc.password), tc.hash, got, err, tc.want)
		}
	}
	// The cut is in bytes: it may split a UTF-8 sequence.
	split := strings.Repeat("a", 71) + "é"
	hash, err := bcrypt4.Hash(split)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := Verify(strings.Repeat("a", 71)+"è", hash); !ok || err != nil {
		t.Errorf("passwords with the same first 72 bytes: %v, %v", ok, err)
	}
}

func TestFakeHash(t *testing.T) {
	for _, name := range []string{"bcrypt4", "pbkdf2_1000", "pbkdf2_stretch_1000", "ssha256", "sha1", "noop"} {
		h := mustResolve(t, name)
		a, err := h.FakeHash()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := h.FakeHash()
		if a == b {
			t.Errorf("%s: FakeHash repeated itself: %q", name, a)
		}
		if id, err := Identify(a); err != nil || id != h {
			t.Errorf("%s: FakeHash %q identifies as %s, %v", name, a, id, err)
		}
		if ok, err := Verify("", a); ok || err != nil {
			t.Errorf("%s: FakeHash %q matched the empty password: %v, %v", name, a, ok, err)
		}
	}
}

// The allocation-free ssha256 check must agree with the general one on
// canonical hashes, and leave every other form to it.
func TestSSHA256FastPath(t *testing.T) {
	h, err := ResolveCache("ssha256")
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"", "secret", "日本語のパスワード", strings.Repeat("x", 300)} {
		hash, err := h.Hash(pw)
		if err != nil {
			t.Fatal(err)
		}
		rest := strings.TrimPrefix(hash, ssha256Prefix)
		for _, try := range []string{pw, pw + "x", "other"} {
			fast, handled := ssha256Fast(try, rest)
			slow, err := ssha256Verify(try, hash)
			if err != nil {
				t.Fatal(err)
			}
			if handled && fast != slow {
				t.Errorf("password %q: fast path %v, general path %v", try, fast, slow)
			}
			if !handled && len(try) <= 256 {
				t.Errorf("canonical hash of %q not handled by the fast path", try)
			}
			if h.Verify(try, hash) != (try == pw) {
				t.Errorf("Verify(%q) wrong", try)
			}
		}
	}
	for _, odd := range []string{"AAAAAAAAAAAA" + strings.Repeat("A", 44), "AAAAAAAAAA\n=" + strings.Repeat("A", 44), "short="} {
		if _, handled := ssha256Fast("pw", odd); handled {
			t.Errorf("non-canonical %q taken by the fast path", odd)
		}
	}
	hash, _ := h.Hash("secret")
	if n := testing.AllocsPerRun(100, func() { h.Verify("secret", hash) }); n != 0 {
		t.Errorf("cache hash check allocates %v times, want 0", n)
	}
}
