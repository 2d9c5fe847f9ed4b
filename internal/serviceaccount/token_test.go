package serviceaccount

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// Tokens of Elasticsearch's own tests (ServiceAccountIT, and the
// ServiceAccountSingleNodeTests token of es-hashing.md).
const (
	esValidToken   = "AAEAAWVsYXN0aWMvZmxlZXQtc2VydmVyL3Rva2VuMTpyNXdkYmRib1FTZTl2R09Ld2FKR0F3" // elastic/fleet-server/token1:r5wdbdboQSe9vGOKwaJGAw
	esInvalidToken = "AAEAAWVsYXN0aWMvZmxlZXQtc2VydmVyL3Rva2VuMTozYUpDTGFRV1JOMnNYbE9kdHhBMFNR" // same name, another secret
	esSecret       = "r5wdbdboQSe9vGOKwaJGAw"
	// esHash is the hash of esSecret in Elasticsearch's test file.
	esHash = "{PBKDF2_STRETCH}10000$8QN+eThJEaCd18sCP0nfzxJq2D9yhmSZgI20TDooYcE=$+0ELfqW4D2+/SlHvm/885dzv67qO2SMJg32Mv/9epXk="
)

// bearer encodes content after the service token prefix.
func bearer(content string) string {
	return base64.RawStdEncoding.EncodeToString(append([]byte{0, 1, 0, 1}, content...))
}

func TestParseBearer(t *testing.T) {
	for _, tt := range []struct {
		name, in                       string
		namespace, service, token, sec string
		notMine                        string // the reason, "" when it parses
	}{
		{name: "Elasticsearch's test token", in: esValidToken,
			namespace: "elastic", service: "fleet-server", token: "token1", sec: esSecret},
		{name: "7.13 account name", in: "AAEAAWVsYXN0aWMvZmxlZXQvdG9rZW4xOnI1d2RiZGJvUVNlOXZHT0t3YUpHQXc",
			namespace: "elastic", service: "fleet", token: "token1", sec: esSecret},
		{name: "padded", in: bearer("a/b/c:s") + strings.Repeat("=", (4-len(bearer("a/b/c:s"))%4)%4),
			namespace: "a", service: "b", token: "c", sec: "s"},
		{name: "split at the first colon", in: bearer("a/b/c:s:t:"), namespace: "a", service: "b", token: "c", sec: "s:t:"},
		{name: "empty secret", in: bearer("a/b/c:"), namespace: "a", service: "b", token: "c"},
		{name: "empty parts are parts", in: bearer("//:x"), sec: "x"},
		{name: "trailing slash makes an empty name", in: bearer("a/b/:x"), namespace: "a", service: "b", sec: "x"},
		{name: "slash in the secret", in: bearer("a/b/c:x/y/z"), namespace: "a", service: "b", token: "c", sec: "x/y/z"},
		{name: "what follows padding is never read", in: bearer("a/b/c:x") + "=!!not base64 at all",
			namespace: "a", service: "b", token: "c", sec: "x"},
		{name: "padding at a unit boundary", in: bearer("a/b/c:xy") + "==", notMine: "illegal base64 ending"},
		{name: "broken UTF-8 becomes U+FFFD", in: bearer("a/b/n\xe2\x82:s\xff"),
			namespace: "a", service: "b", token: "n\uFFFD", sec: "s\uFFFD"},

		{name: "empty", in: "", notMine: "the 4 leading bytes"},
		{name: "an OAuth2 access token", in: "dGhpcyBpcyBub3QgYSBzZXJ2aWNlIHRva2Vu", notMine: "the 4 leading bytes"},
		{name: "a JWT", in: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", notMine: "illegal base64 character"},
		{name: "prefix alone is too short", in: "AAEA", notMine: "the 4 leading bytes"},
		{name: "other prefix", in: base64.RawStdEncoding.EncodeToString([]byte("\x00\x01\x00\x02a/b/c:s")), notMine: "the 4 leading bytes"},
		{name: "URL-safe alphabet", in: strings.NewReplacer("+", "-", "/", "_").Replace(bearer("a/b/c:\xfb\xff")), notMine: "illegal base64 character"},
		{name: "line break", in: bearer("a/b/c:s")[:8] + "\n" + bearer("a/b/c:s")[8:], notMine: "illegal base64 character"},
		{name: "space", in: " " + bearer("a/b/c:s"), notMine: "illegal base64 character"},
		{name: "dangling character", in: bearer("a/b/c:s0") + "A", notMine: "dangling"},
		{name: "one padding after three characters", in: bearer("a/b/c:s") + "=", namespace: "a", service: "b", token: "c", sec: "s"},
		{name: "extra padding is never read", in: bearer("a/b/c:s") + "===", namespace: "a", service: "b", token: "c", sec: "s"},
		{name: "one padding after two characters", in: "AAEAAQ=", notMine: "illegal base64 ending"},
		{name: "padding after two characters then more", in: "AAEAAW=x", notMine: "illegal base64 ending"},
		{name: "the prefix alone, padded", in: "AAEAAQ==" + "=", notMine: "missing ':'"},
		{name: "padding alone", in: "=", notMine: "illegal base64 ending"},
		{name: "no colon", in: bearer("elastic/fleet-server/token1"), notMine: "missing ':'"},
		{name: "two parts", in: bearer("elastic/token1:secret"),
			notMine: "The qualified name of a service token should take format of 'namespace/service_name/token_name', got [elastic/token1]"},
		{name: "four parts", in: bearer("a/b/c/d:s"), notMine: "got [a/b/c/d]"},
		{name: "no name at all", in: bearer(":s"), notMine: "got []"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := ParseBearer(tt.in)
			switch {
			case tt.notMine != "":
				if !errors.Is(err, ErrNotServiceToken) || !strings.Contains(err.Error(), tt.notMine) {
					t.Fatalf("got %v, %v; want not mine: %q", tok, err, tt.notMine)
				}
				return
			case err != nil:
				t.Fatalf("ParseBearer: %v", err)
			}
			if tok.Namespace != tt.namespace || tok.Service != tt.service || tok.Name != tt.token || tok.Secret() != tt.sec {
				t.Errorf("got %q %q %q %q", tok.Namespace, tok.Service, tok.Name, tok.Secret())
			}
		})
	}
}

// TestDecodeJavaBase64 pins the padding rules of Java's decoding stream.
func TestDecodeJavaBase64(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"QQ", "A", true},
		{"QQ==", "A", true},
		{"QQ==QUJD", "A", true}, // stops at the padding
		{"QUI", "AB", true},
		{"QUI=", "AB", true},
		{"QUI=QUJD", "AB", true},
		{"QUJD", "ABC", true},
		{"QR==", "A", true}, // unused bits are not checked
		{"Q", "", false},
		{"QUJDQ", "", false},
		{"=", "", false},
		{"QUJD=", "", false},
		{"Q=", "", false},
		{"QQ=", "", false},
		{"QQ=x", "", false},
		{"QU I", "", false},
		{"QU-I", "", false},
		{"QUÀ", "", false},
	} {
		got, err := decodeJavaBase64(tt.in)
		if (err == nil) != tt.ok || string(got) != tt.want {
			t.Errorf("%q: %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestDecodeUTF8(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain", "plain"},
		{"é", "é"},
		{"\uFFFD", "\uFFFD"},                   // a real replacement character stays one
		{"a\xffb", "a\uFFFDb"},                 // invalid byte
		{"a\xe2\x82b", "a\uFFFDb"},             // truncated 3-byte sequence: one maximal subpart
		{"a\xe2\x82", "a\uFFFD"},               // truncated at the end
		{"\xe0\x80\x80", "\uFFFD\uFFFD\uFFFD"}, // overlong: E0 needs A0..BF
		{"\xed\xa0\x80", "\uFFFD"},             // an encoded surrogate, as Java
		{"\xf0\x9f\x98", "\uFFFD"},             // truncated 4-byte sequence
		{"\xf4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"\xc0\xaf", "\uFFFD\uFFFD"},
	} {
		if got := decodeUTF8([]byte(tt.in)); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBearerCredentials(t *testing.T) {
	for _, tt := range []struct {
		header, want string
		ok           bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer abc", "abc", true},
		{"BEARER abc", "abc", true},
		{"Bearer  abc", " abc", true}, // exactly one space is the separator
		{"Bearer ", "", false},
		{"Bearer", "", false},
		{"Bearerabc", "", false},
		{"Basic abc", "", false},
		{"", "", false},
	} {
		got, ok := BearerCredentials(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%q: %q, %v", tt.header, got, ok)
		}
	}
}

func TestValidateTokenName(t *testing.T) {
	valid := []string{"a", "token1", "-", "-_-", "0", "A-z_9", strings.Repeat("x", 256), "token_" + timeBasedID()}
	invalid := []string{"", "_token", "_", "a b", "a.b", "a/b", "a:b", "é", strings.Repeat("x", 257), "tok\n", "*"}
	for _, n := range valid {
		if err := ValidateTokenName(n); err != nil {
			t.Errorf("%q: %v", n, err)
		}
	}
	for _, n := range invalid {
		err := ValidateTokenName(n)
		want := "invalid service token name [" + n + "]. service account token name must have at least 1 character " +
			"and at most 256 characters that are alphanumeric (A-Z, a-z, 0-9) or hyphen (-) or underscore (_). " +
			"It must not begin with an underscore (_)."
		if err == nil || err.Error() != want {
			t.Errorf("%q: %v", n, err)
		}
	}
	// The rule is Elasticsearch's pattern, character by character.
	re := regexp.MustCompile(`^[a-zA-Z0-9-][a-zA-Z0-9_-]{0,255}$`)
	for c := 0; c < 256; c++ {
		for _, n := range []string{string(rune(c)), "a" + string(rune(c)), string([]byte{byte(c)})} {
			if (ValidateTokenName(n) == nil) != re.MatchString(n) {
				t.Errorf("%q: validation disagrees with the pattern", n)
			}
		}
	}
}

func TestNewToken(t *testing.T) {
	a, _ := Lookup("elastic/fleet-server")
	tok, err := NewToken(a, "my-token")
	if err != nil {
		t.Fatal(err)
	}
	// UUIDs.randomBase64UUIDSecureString: 22 URL-safe characters of a
	// version 4 UUID.
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`).MatchString(tok.Secret()) {
		t.Errorf("secret %q is not 22 URL-safe base64 characters", tok.Secret())
	}
	if raw, _ := base64.RawURLEncoding.DecodeString(tok.Secret()); len(raw) != 16 || raw[6]>>4 != 4 || raw[8]>>6 != 2 {
		t.Errorf("secret is not a version 4 UUID: %x", raw)
	}
	b := tok.Bearer()
	if !strings.HasPrefix(b, "AAEAA") || strings.ContainsAny(b, "=-_") {
		t.Errorf("bearer %q: not the prefix, or not the standard alphabet without padding", b)
	}
	back, err := ParseBearer(b)
	if err != nil || back.QualifiedName() != "elastic/fleet-server/my-token" || back.Secret() != tok.Secret() {
		t.Errorf("round trip: %v %v", back, err)
	}
	other, _ := NewToken(a, "my-token")
	if other.Secret() == tok.Secret() {
		t.Error("two tokens share a secret")
	}
	if _, err := NewToken(a, "_bad"); err == nil {
		t.Error("NewToken took an invalid name")
	}
	// No way of printing a token shows its secret.
	for _, s := range []string{tok.String(), fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok)} {
		if strings.Contains(s, tok.Secret()) {
			t.Errorf("printed token holds the secret: %s", s)
		}
	}
}

func TestNewTokenName(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		n := NewTokenName()
		if !regexp.MustCompile(`^token_[A-Za-z0-9_-]{20}$`).MatchString(n) || ValidateTokenName(n) != nil {
			t.Fatalf("%q is not token_ and 20 URL-safe base64 characters", n)
		}
		if seen[n] {
			t.Fatalf("%q repeated", n)
		}
		seen[n] = true
	}
}

func TestSecretLength(t *testing.T) {
	for in, want := range map[string]int{"": 0, "abc": 3, "é": 1, "😀": 2, "\uFFFD": 1} {
		if got := secretLength(in); got != want {
			t.Errorf("%q: %d, want %d", in, got, want)
		}
	}
}
