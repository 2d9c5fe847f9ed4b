package filerealm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/esauth/esauth/internal/user"
)

// Problem is one line of a users or users_roles file that was skipped (or,
// for a duplicate user, overridden). Msg never quotes the line: a
// mis-edited line may hold a password hash or a plain-text password, and
// problems end up in logs.
type Problem struct {
	File string // path of the file; empty when parsed from a reader
	Line int    // 1-based
	Msg  string
}

func (p Problem) String() string {
	if p.File == "" {
		return fmt.Sprintf("line %d: %s", p.Line, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
}

// ErrInvalidUTF8 is returned for a file that is not UTF-8. Elasticsearch
// reads both files with a strict UTF-8 decoder, so such a file fails as a
// whole and contributes no entries at all.
var ErrInvalidUTF8 = errors.New("file is not valid UTF-8")

// ParseUsers reads a users file: one "username:hash" per line. It follows
// FileUserPasswdStore.parseFile: a line starting with '#' is a comment;
// other lines are trimmed and split at the first ':'; a line whose ':' is
// missing, first or last, or whose username is invalid, is skipped with a
// Problem; for a repeated username the last line wins. Blank lines are
// skipped silently (Elasticsearch logs them as invalid entries; nothing
// else differs). The error is for an unreadable or non-UTF-8 input, in
// which case the result is nil.
func ParseUsers(r io.Reader) (map[string]string, []Problem, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	return parseUsers(data)
}

func parseUsers(data []byte) (map[string]string, []Problem, error) {
	lines, err := splitLines(data)
	if err != nil {
		return nil, nil, err
	}
	users := make(map[string]string)
	seenAt := make(map[string]int)
	var problems []Problem
	for i, raw := range lines {
		n := i + 1
		// The comment test is on the untrimmed line, as in Elasticsearch.
		if strings.HasPrefix(raw, "#") {
			continue
		}
		line := javaTrim(raw)
		if line == "" {
			continue
		}
		c := strings.IndexByte(line, ':')
		if c <= 0 || c == len(line)-1 {
			problems = append(problems, Problem{Line: n, Msg: "invalid entry, expected username:hash; skipping"})
			continue
		}
		name, hash := line[:c], line[c+1:]
		if err := user.ValidateFileUsername(name); err != nil {
			// The validation message does not repeat the name.
			problems = append(problems, Problem{Line: n, Msg: "invalid username; skipping: " + err.Error()})
			continue
		}
		if prev, ok := seenAt[name]; ok {
			problems = append(problems, Problem{Line: n, Msg: fmt.Sprintf("user already defined on line %d; this line wins", prev)})
		}
		seenAt[name] = n
		users[name] = hash
	}
	return users, problems, nil
}

// javaSpace is the character set of Java's regex \s, which Elasticsearch's
// USERS_DELIM `\s*,\s*` strips around each comma.
const javaSpace = " \t\n\x0B\f\r"

// ParseUsersRoles reads a users_roles file: one "role:user1,user2" per line,
// spaces allowed around the commas. It follows FileUserRolesStore.parseFile
// and returns the inverted form, user → sorted, de-duplicated roles. Lines
// with an invalid role name or no users are skipped with a Problem.
// Usernames are validated as well (Elasticsearch does not; an invalid name
// could never match a user of the users file anyway), and an invalid one is
// dropped from its line with a Problem. The error is as for ParseUsers.
func ParseUsersRoles(r io.Reader) (map[string][]string, []Problem, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	return parseUsersRoles(data)
}

func parseUsersRoles(data []byte) (map[string][]string, []Problem, error) {
	lines, err := splitLines(data)
	if err != nil {
		return nil, nil, err
	}
	roles := make(map[string][]string)
	var problems []Problem
	for i, line := range lines {
		n := i + 1
		if strings.HasPrefix(line, "#") {
			continue
		}
		if javaTrim(line) == "" {
			continue
		}
		// Elasticsearch looks for ':' in the untrimmed line here.
		c := strings.IndexByte(line, ':')
		if c <= 0 || c == len(line)-1 {
			problems = append(problems, Problem{Line: n, Msg: "invalid entry, expected role:user1,user2; skipping"})
			continue
		}
		role := javaTrim(line[:c])
		if err := user.ValidateRoleName(role); err != nil {
			problems = append(problems, Problem{Line: n, Msg: "invalid role name; skipping: " + err.Error()})
			continue
		}
		list := javaTrim(line[c+1:])
		if list == "" {
			problems = append(problems, Problem{Line: n, Msg: fmt.Sprintf("no users found for role [%s]; skipping", role)})
			continue
		}
		names := strings.Split(list, ",")
		for j := range names {
			names[j] = strings.Trim(names[j], javaSpace)
		}
		// Java's String.split drops trailing empty strings: "a,b," is a, b.
		for len(names) > 0 && names[len(names)-1] == "" {
			names = names[:len(names)-1]
		}
		for _, name := range names {
			if err := user.ValidateFileUsername(name); err != nil {
				problems = append(problems, Problem{Line: n, Msg: fmt.Sprintf("invalid username for role [%s]; skipping that user: %s", role, err)})
				continue
			}
			roles[name] = append(roles[name], role)
		}
	}
	for name, rs := range roles {
		slices.Sort(rs)
		roles[name] = slices.Compact(rs)
	}
	return roles, problems, nil
}

// splitLines splits like Java's BufferedReader.readLine: at "\n", "\r" or
// "\r\n", with no empty last line after a final terminator.
func splitLines(data []byte) ([]string, error) {
	if !utf8.Valid(data) {
		return nil, ErrInvalidUTF8
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

// javaTrim is Java's String.trim: it strips every char <= U+0020 (all ASCII
// control characters, not only white space) from both ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}
