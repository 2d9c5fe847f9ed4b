package serviceaccount

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/esauth/esauth/internal/passhash"
)

// TokensFile is the file of service tokens in the configuration directory
// (FileServiceAccountTokenStore.resolveFile).
const TokensFile = "service_tokens"

// TokensFileMode is the mode of a service_tokens file WriteTokensFile
// creates: Elasticsearch's writer creates a temporary file, which Java
// makes owner-only, and moves it into place. An existing file keeps its
// mode, minus any access for others: it holds hashes.
const TokensFileMode fs.FileMode = 0o600

// maxFileSize bounds what one read of the file takes into memory; real
// files are a few kilobytes.
const maxFileSize = 16 << 20

// Problem is a line of the service_tokens file that was skipped or is
// suspicious. Msg never quotes the hash part of the line, which may be a
// hash or, by mistake, a token or its secret.
type Problem struct {
	Line int // 1-based
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Msg) }

// FileError is a service_tokens file that cannot be used at all: not
// UTF-8, a line without ':', or a hash whose prefix names a hash
// Elasticsearch cannot resolve. Elasticsearch refuses to start with such
// a file and, when it appears on a reload, drops every file token.
type FileError struct {
	Line int // 0 when the file as a whole is at fault
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("%s at line #%d", e.Msg, e.Line)
}

// ParseTokensFile reads the content of a service_tokens file
// (FileServiceAccountTokenStore.parseFile and FileLineParser): one
// "namespace/service/token_name:hash" per line; lines starting with '#'
// and blank lines are skipped; other lines are trimmed and split at the
// first ':'. It returns qualified token name → hash.
//
// As in Elasticsearch, a line without ':' or with a hash of an unknown
// algorithm fails the whole file; a hash without a known prefix (which
// Elasticsearch would compare as plain text) is skipped, and of a key given
// twice the last line wins. Keys that can never authenticate (not three
// parts, an account that does not exist, a name the API would refuse) are
// kept, as Elasticsearch keeps them, but reported as Problems.
func ParseTokensFile(data []byte) (map[string]string, []Problem, error) {
	lines, err := splitLines(data)
	if err != nil {
		return nil, nil, err
	}
	out := map[string]string{}
	seen := map[string]int{}
	var problems []Problem
	for i, raw := range lines {
		n := i + 1
		if strings.HasPrefix(raw, "#") || isBlank(raw) {
			continue
		}
		line := javaTrim(raw)
		key, hash, ok := strings.Cut(line, ":")
		if !ok {
			return nil, nil, &FileError{Line: n, Msg: "Missing ':' character"}
		}
		h, err := passhash.Identify(hash)
		if err != nil {
			// Not the exception's text: it may quote part of the hash.
			return nil, nil, &FileError{Line: n, Msg: fmt.Sprintf(
				"Invalid hash for key [%s]: it starts like a %s hash, but with a cost Elasticsearch cannot read or does not support", key, hashFamily(hash))}
		}
		if h.Name() == "noop" {
			problems = append(problems, Problem{Line: n, Msg: fmt.Sprintf(
				"skipping plaintext service account token for key [%s]: the part after ':' must be a hash "+
					"(create tokens with the service-tokens tool)", key)})
			continue
		}
		if prev, dup := seen[key]; dup {
			problems = append(problems, Problem{Line: n, Msg: fmt.Sprintf(
				"found duplicated key [%s], already on line %d; earlier entries are overridden", key, prev)})
		}
		seen[key] = n
		out[key] = hash
		if msg := keyProblem(key); msg != "" {
			problems = append(problems, Problem{Line: n, Msg: msg})
		}
	}
	return out, problems, nil
}

// hashFamily names the algorithm a hash's prefix claims.
func hashFamily(hash string) string {
	switch {
	case strings.HasPrefix(hash, "{PBKDF2_STRETCH}"):
		return "PBKDF2_STRETCH"
	case strings.HasPrefix(hash, "{PBKDF2}"):
		return "PBKDF2"
	}
	return "bcrypt"
}

// keyProblem says why a key can never authenticate, or "".
func keyProblem(key string) string {
	parts := strings.Split(key, "/")
	if len(parts) != 3 {
		return fmt.Sprintf("key [%s] is not of the form namespace/service_name/token_name; it can never authenticate", key)
	}
	principal := parts[0] + "/" + parts[1]
	if _, ok := Lookup(principal); !ok {
		return fmt.Sprintf("key [%s] names the unknown service account [%s] (known: [%s]); it can never authenticate",
			key, principal, strings.Join(Principals(), ","))
	}
	if err := ValidateTokenName(parts[2]); err != nil {
		return fmt.Sprintf("key [%s]: %v; the token works but the API and the tool cannot manage it", key, err)
	}
	return ""
}

// splitLines splits like Java's BufferedReader.readLine (at "\n", "\r" or
// "\r\n"), after checking that the whole file is UTF-8, as
// Files.readAllLines does.
func splitLines(data []byte) ([]string, error) {
	if !utf8.Valid(data) {
		return nil, &FileError{Msg: "the file is not valid UTF-8"}
	}
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			lines = append(lines, string(data))
			break
		}
		lines = append(lines, string(data[:i]))
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return lines, nil
}

// javaTrim is String.trim: every char up to U+0020 goes from both ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// isBlank is Strings.isBlank: only characters Java's Character.isWhitespace
// accepts.
func isBlank(s string) bool {
	for _, r := range s {
		if !javaWhitespace(r) {
			return false
		}
	}
	return true
}

// javaWhitespace is Character.isWhitespace: Unicode space separators other
// than the no-break ones, and the ASCII controls \t \n \v \f \r and
// U+001C..U+001F.
func javaWhitespace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x1C && r <= 0x1F:
		return true
	case r == 0xA0, r == 0x2007, r == 0x202F:
		return false
	}
	return unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp)
}

// ReadTokensFile reads dir/service_tokens strictly, as the CLI and the
// start-up do. A missing file has no tokens.
func ReadTokensFile(dir string) (map[string]string, []Problem, error) {
	path := filepath.Join(dir, TokensFile)
	data, err := readRegular(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	tokens, problems, err := ParseTokensFile(data)
	if err != nil {
		return nil, problems, fmt.Errorf("failed to parse service tokens file [%s]: %w", path, err)
	}
	return tokens, problems, nil
}

// readRegular reads a regular file of at most maxFileSize bytes: a FIFO
// or device put in its place must not block the watcher.
func readRegular(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if fi.Size() > maxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxFileSize)
	}
	buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+1))
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, err
	}
	if buf.Len() > maxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxFileSize)
	}
	return buf.Bytes(), nil
}

// WriteTokensFile replaces dir/service_tokens with one "key:hash" line per
// token, sorted by key as FileTokensTool's TreeMap writes them. A reader
// sees the old file or the new one, never a mix. Entries that would not
// read back identically are refused.
func WriteTokensFile(dir string, tokens map[string]string) error {
	var b strings.Builder
	for _, key := range slices.Sorted(maps.Keys(tokens)) {
		hash := tokens[key]
		switch {
		// Lines are trimmed when read: a key may end in white space, but
		// not start with it.
		case key == "" || strings.ContainsAny(key, ":\r\n") || key[0] == '#' || key[0] <= ' ':
			return fmt.Errorf("serviceaccount: key [%s] cannot be stored in %s", key, TokensFile)
		case hash == "" || strings.ContainsAny(hash, "\r\n") || javaTrim(hash) != hash:
			// The hash is not quoted: it is secret.
			return fmt.Errorf("serviceaccount: the hash of key [%s] is empty, spans lines or is surrounded by white space", key)
		}
		b.WriteString(key)
		b.WriteByte(':')
		b.WriteString(hash)
		b.WriteByte('\n')
	}
	return writeAtomic(dir, TokensFile, []byte(b.String()))
}

// writeAtomic replaces dir/name: temporary file in the same directory,
// the old file's mode (never open to others) and owner, fsync, rename,
// fsync of the directory.
func writeAtomic(dir, name string, data []byte) (err error) {
	target := filepath.Join(dir, name)
	mode := TokensFileMode
	old, statErr := os.Stat(target)
	switch {
	case statErr == nil:
		mode = old.Mode().Perm() &^ 0o007
	case !errors.Is(statErr, fs.ErrNotExist):
		return fmt.Errorf("serviceaccount: %w", statErr)
	}
	// The watcher reads only the exact name, so it never sees the
	// temporary file.
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return fmt.Errorf("serviceaccount: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("serviceaccount: writing %s: %w", tmp, err)
	}
	if err = f.Chmod(mode); err != nil {
		return fmt.Errorf("serviceaccount: %w", err)
	}
	if old != nil {
		copyOwner(f, old)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("serviceaccount: syncing %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("serviceaccount: closing %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, target); err != nil {
		return fmt.Errorf("serviceaccount: %w", err)
	}
	if err = syncDir(dir); err != nil {
		return fmt.Errorf("serviceaccount: syncing directory %s: %w", dir, err)
	}
	return nil
}
