package filerealm

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/user"
	"github.com/google/go-cmp/cmp"
)

func FuzzParseUsers(f *testing.F) {
	// Elasticsearch's file realm test resource, and edge cases.
	f.Add([]byte("# comment\nbcrypt:" + bcrypt2a + "\nsha:" + sha1Hash + "\npbkdf2:" + pbkdf2 +
		"\nmd5:$apr1$R3DdqiAZ$aljIkaIVPSarmDMlJUBBP.\ncrypt:hsP1PYSLsEEvs\nplain:{plain}test123\n"))
	f.Add([]byte("  alice:x  \r\n:y\nz:\n\nnocolon\na:b:c\r  #x:y\n"))
	f.Add([]byte("a:1\ra:2\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		users, problems, err := ParseUsers(bytes.NewReader(data))
		if err != nil {
			if users != nil {
				t.Fatal("users returned with an error")
			}
			return
		}
		lines, _ := splitLines(data)
		for _, p := range problems {
			if p.Line < 1 || p.Line > len(lines) {
				t.Fatalf("problem on line %d of %d", p.Line, len(lines))
			}
		}
		writable := map[string]string{}
		for name, hash := range users {
			if err := user.ValidateFileUsername(name); err != nil || strings.Contains(name, ":") {
				t.Fatalf("stored username %q: %v", name, err)
			}
			if hash == "" || strings.ContainsAny(hash, "\r\n") || hash[len(hash)-1] <= ' ' {
				t.Fatalf("stored hash %q", hash)
			}
			// '#'-names come from lines indented before the '#'; the
			// writer refuses them because it would write a comment.
			if !strings.HasPrefix(name, "#") {
				writable[name] = hash
			}
		}
		out, err := formatUsers(writable)
		if err != nil {
			t.Fatalf("parsed users cannot be written: %v", err)
		}
		back, problems, err := ParseUsers(bytes.NewReader(out))
		if err != nil || len(problems) > 0 {
			t.Fatalf("written file does not parse cleanly: %v %v", err, problems)
		}
		if d := cmp.Diff(writable, back); d != "" {
			t.Fatalf("round trip (-want +got):\n%s", d)
		}
	})
}

func FuzzParseUsersRoles(f *testing.F) {
	f.Add([]byte("# comment\nrole1:user1\nrole2: user1 , user2\nrole3:user3\n"))
	f.Add([]byte("role4:\n:user\nr:a,,b,\n x :y\n\tr2:\x01\nr3:a\r\nr3:a\n"))
	f.Add([]byte(" #r:a,b\nr:\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		roles, problems, err := ParseUsersRoles(bytes.NewReader(data))
		if err != nil {
			return
		}
		lines, _ := splitLines(data)
		for _, p := range problems {
			if p.Line < 1 || p.Line > len(lines) {
				t.Fatalf("problem on line %d of %d", p.Line, len(lines))
			}
		}
		writable := map[string][]string{}
		for name, rs := range roles {
			if err := user.ValidateFileUsername(name); err != nil || strings.Contains(name, ",") {
				t.Fatalf("stored username %q: %v", name, err)
			}
			if len(rs) == 0 || !slices.IsSorted(rs) || len(slices.Compact(slices.Clone(rs))) != len(rs) {
				t.Fatalf("roles of %q not sorted and unique: %q", name, rs)
			}
			var keep []string
			for _, r := range rs {
				if err := user.ValidateRoleName(r); err != nil {
					t.Fatalf("stored role %q: %v", r, err)
				}
				if !strings.HasPrefix(r, "#") {
					keep = append(keep, r)
				}
			}
			if len(keep) > 0 {
				writable[name] = keep
			}
		}
		out, err := formatUsersRoles(writable)
		if err != nil {
			t.Fatalf("parsed roles cannot be written: %v", err)
		}
		back, problems, err := ParseUsersRoles(bytes.NewReader(out))
		if err != nil || len(problems) > 0 {
			t.Fatalf("written file does not parse cleanly: %v %v", err, problems)
		}
		if d := cmp.Diff(writable, back); d != "" {
			t.Fatalf("round trip (-want +got):\n%s", d)
		}
	})
}
