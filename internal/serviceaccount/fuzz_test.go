package serviceaccount

import (
	"bytes"
	"encoding/base64"
	"errors"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/esauth/esauth/internal/passhash"
)

func FuzzParseBearer(f *testing.F) {
	for _, s := range []string{esValidToken, esInvalidToken, "", "AAEAAQ==", bearer("a/b/c:s") + "=x",
		bearer("//:"), bearer("a/b/c/d:e"), bearer("a/b/\xff:\xed\xa0\x80"), "eyJhbGciOiJIUzI1NiJ9.e30.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tok, err := ParseBearer(in)
		// Go's decoder agrees with Java's on what both accept: the
		// alphabet without padding or white space.
		if !strings.ContainsAny(in, "=\r\n") && len(in)%4 != 1 {
			want, goErr := base64.RawStdEncoding.DecodeString(in)
			got, javaErr := decodeJavaBase64(in)
			if (goErr == nil) != (javaErr == nil) || goErr == nil && !bytes.Equal(got, want) {
				t.Fatalf("decoders disagree on %q: %x %v / %x %v", in, want, goErr, got, javaErr)
			}
		}
		if err != nil {
			if !errors.Is(err, ErrNotServiceToken) {
				t.Fatalf("%q: error %v is not ErrNotServiceToken", in, err)
			}
			return
		}
		for _, s := range []string{tok.Namespace, tok.Service, tok.Name, tok.Secret()} {
			if !utf8.ValidString(s) {
				t.Fatalf("%q: invalid UTF-8 %q", in, s)
			}
		}
		if strings.Contains(tok.Namespace+tok.Service+tok.Name, "/") || strings.Contains(tok.QualifiedName(), ":") {
			t.Fatalf("%q: bad split %#v", in, []string{tok.Namespace, tok.Service, tok.Name})
		}
		// What parses re-encodes to a token that parses the same.
		back, err := ParseBearer(tok.Bearer())
		if err != nil || back != tok {
			t.Fatalf("%q: round trip %v, %v", in, back.QualifiedName(), err)
		}
	})
}

func FuzzParseTokensFile(f *testing.F) {
	for _, s := range []string{"", fleetFile, "# c\n\n" + fleetFile + fleetFile, "a/b/c\n", "x:y\r\nz:" + bcryptHash + "\r",
		"elastic/kibana/y:$2a$15$" + bcryptHash[7:], "\xff", " :{PBKDF2}1000$a$b\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tokens, problems, err := ParseTokensFile(data)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || tokens != nil {
				t.Fatalf("error %v of type %T, tokens %v", err, err, tokens)
			}
			return
		}
		for _, p := range problems {
			if p.Line < 1 || p.Msg == "" {
				t.Fatalf("bad problem %+v", p)
			}
		}
		for key, hash := range tokens {
			if strings.Contains(key, ":") {
				t.Fatalf("key %q holds a colon", key)
			}
			if h, err := passhash.Identify(hash); err != nil || h.Name() == "noop" {
				t.Fatalf("kept a hash Elasticsearch would not use: %v", err)
			}
		}
		// What the tool writes back reads back the same.
		dir := t.TempDir()
		if err := WriteTokensFile(dir, tokens); err != nil {
			return // keys with leading '#' or blanks cannot be written back
		}
		back, _, err := ReadTokensFile(dir)
		if err != nil || !maps.Equal(back, tokens) {
			t.Fatalf("write and read back: %v, %v", back, err)
		}
	})
}
