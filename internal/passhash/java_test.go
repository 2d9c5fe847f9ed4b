package passhash

import (
	"encoding/base64"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

func TestJavaParseInt(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr string
	}{
		{"10", 10, ""},
		{"0", 0, ""},
		{"+5", 5, ""},
		{"-5", -5, ""},
		{"007", 7, ""},
		{"2147483647", 2147483647, ""},
		{"-2147483648", -2147483648, ""},
		{"2147483648", 0, `For input string: "2147483648"`},
		{"-2147483649", 0, `For input string: "-2147483649"`},
		{"", 0, `For input string: ""`},
		{"+", 0, `For input string: "+"`},
		{"-", 0, `For input string: "-"`},
		{" 5", 0, `For input string: " 5"`},
		{"5 ", 0, `For input string: "5 "`},
		{"1e3", 0, `For input string: "1e3"`},
		{"٣", 3, ""},                      // ARABIC-INDIC DIGIT THREE
		{"１２", 12, ""},                    // FULLWIDTH DIGIT ONE, TWO
		{"߀߉", 9, ""},                     // NKO DIGIT ZERO, NINE
		{"𝟏", 0, `For input string: "𝟏"`}, // outside the BMP: two chars, neither a digit
		{"Ⅳ", 0, `For input string: "Ⅳ"`}, // a number, not a decimal digit
	}
	for _, tc := range tests {
		got, err := javaParseInt(javaChars(tc.in))
		if got != tc.want || errText(err) != tc.wantErr {
			t.Errorf("javaParseInt(%q) = %d, %q; want %d, %q", tc.in, got, errText(err), tc.want, tc.wantErr)
		}
	}
}

// TestDigitRuns checks what javaDigit relies on: every BMP run of decimal
// digits in Go's table starts at a zero and holds whole sets of ten.
func TestDigitRuns(t *testing.T) {
	for _, r := range unicode.Nd.R16 {
		if r.Stride != 1 || (r.Hi-r.Lo+1)%10 != 0 {
			t.Errorf("Nd range %U-%U stride %d", r.Lo, r.Hi, r.Stride)
		}
		if got := javaDigit(r.Lo); got != 0 {
			t.Errorf("javaDigit(%U) = %d", r.Lo, got)
		}
		if got := javaDigit(r.Hi); got != 9 {
			t.Errorf("javaDigit(%U) = %d", r.Hi, got)
		}
	}
}

func TestJavaBase64Decode(t *testing.T) {
	tests := []struct {
		in      string
		want    []byte
		wantErr string
	}{
		{"", []byte{}, ""},
		{"AQ==", []byte{1}, ""},
		{"AQ", []byte{1}, ""},
		{"AQI=", []byte{1, 2}, ""},
		{"AQI", []byte{1, 2}, ""},
		{"AQID", []byte{1, 2, 3}, ""},
		{"AQIDBA", []byte{1, 2, 3, 4}, ""},
		{"AR==", []byte{1}, ""}, // stray low bits are ignored
		{"A", nil, "Input byte[] should at least have 2 bytes for base64 bytes"},
		{"AQ=", nil, "Input byte array has wrong 4-byte ending unit"},
		{"AQ=A", nil, "Input byte array has wrong 4-byte ending unit"},
		{"AQID=", nil, "Input byte array has wrong 4-byte ending unit"},
		{"==", nil, "Input byte array has wrong 4-byte ending unit"},
		{"A===", nil, "Last unit does not have enough valid bits"},
		{"AQIDB", nil, "Last unit does not have enough valid bits"},
		{"AQ==A", nil, "Input byte array has incorrect ending byte at 4"},
		{"AQI==", nil, "Input byte array has incorrect ending byte at 4"},
		{"AQ.D", nil, "Illegal base64 character 2e"},
		{"AQ-D", nil, "Illegal base64 character 2d"},
		{"AQ\nD", nil, "Illegal base64 character a"},
		{"AQé", nil, "Illegal base64 character -3d"},
	}
	for _, tc := range tests {
		got, err := javaBase64Decode([]byte(tc.in))
		if errText(err) != tc.wantErr {
			t.Errorf("javaBase64Decode(%q) error = %q; want %q", tc.in, errText(err), tc.wantErr)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("javaBase64Decode(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestBcryptBase64(t *testing.T) {
	salt := []byte{0x39, 0x43, 0x4e, 0x7c, 0x62, 0xb8, 0x8c, 0x4c, 0x97, 0x8f, 0x42, 0x82, 0x41, 0x9b, 0x14, 0x8b}
	enc := bcryptEncode(salt)
	if want := base64.NewEncoding(bcryptAlphabet).WithPadding(base64.NoPadding).EncodeToString(salt); enc != want {
		t.Errorf("bcryptEncode(%x) = %q; want %q", salt, enc, want)
	}
	for n := range 5 {
		if got, want := bcryptEncode(salt[:n]), base64.NewEncoding(bcryptAlphabet).WithPadding(base64.NoPadding).EncodeToString(salt[:n]); got != want {
			t.Errorf("bcryptEncode(%x) = %q; want %q", salt[:n], got, want)
		}
	}
	got, err := bcryptDecode(javaChars(enc), 16)
	if err != nil || !cmp.Equal(salt, got) {
		t.Errorf("round trip of %x via %q = %x, %v", salt, enc, got, err)
	}
	for _, tc := range []struct {
		in      string
		wantLen int
		wantErr string
	}{
		{"OLNTeJiq3vjYqTZwgDi62O", 16, ""},
		{"OLNTeJiq3vjYqTZwgDi62P", 16, ""}, // stray low bits
		{"OLN!eJiq3vjYqTZwgDi62O", 16, ""}, // a bad fourth char becomes 0xff
		{"!LNTeJiq3vjYqTZwgDi62O", 0, ""},  // any other bad char stops decoding
		{"OLNTeJ!q3vjYqTZwgDi62O", 4, ""},  // third char of the second group
		{"OLNTeJiq3vjYqTZwgDi62", 15, ""},  // too short
		{"OLNTeJiq3vjYqTZwgDi6\u00802O", 0, "Index 128 out of bounds for length 128"},
		{"OLNTeJiq3vjYqTZwgDi6\u00812O", 15, ""},
	} {
		got, err := bcryptDecode(javaChars(tc.in), 16)
		if len(got) != tc.wantLen || errText(err) != tc.wantErr {
			t.Errorf("bcryptDecode(%q) = %d bytes, %q; want %d, %q", tc.in, len(got), errText(err), tc.wantLen, tc.wantErr)
		}
	}
}
