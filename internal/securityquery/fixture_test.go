package securityquery

import (
	"fmt"
	"strconv"

	"github.com/esauth/esauth/internal/user"
)

func ptr(s string) *string { return &s }

// fixture is a small set of native users covering every field's shapes:
// multi-valued and missing roles, missing full_name and email, mixed case.
func fixture() []user.User {
	return []user.User{
		{Username: "eve", Roles: []string{"test-role-1"}, FullName: ptr("Eve"), Email: ptr("EVE@Example.COM"), Enabled: false},
		{Username: "alice", Roles: []string{"dev", "admin"}, FullName: ptr("Alice Liddell"), Email: ptr("alice@example.com"), Enabled: true},
		{Username: "bob", Roles: []string{"dev"}, FullName: ptr("Bob Builder"), Email: ptr("bob.builder@corp.example.org"), Enabled: false},
		{Username: "carol", Enabled: true},
		{Username: "dave", Roles: []string{"ops", "admin"}, FullName: ptr("Dave O'Brien"), Email: ptr("dave@example.com"), Enabled: true},
		{Username: "Zed", Roles: []string{"test-role-2"}, FullName: ptr("zed zed"), Enabled: true},
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// generate makes n users: user000000... with one or two of a handful of
// roles, a full name, an email for most, a third disabled.
func generate(n int) []user.User {
	roles := []string{"admin", "dev", "ops", "viewer", "test-role-1", "test-role-2", "auditor"}
	out := make([]user.User, n)
	for i := range out {
		name := fmt.Sprintf("user%06d", (i*7919)%n) // not in username order
		u := user.User{
			Username: name,
			Roles:    []string{roles[i%len(roles)]},
			FullName: ptr(fmt.Sprintf("User Number %d", i)),
			Enabled:  i%3 != 0,
			Metadata: user.EmptyMetadata,
		}
		if i%5 == 0 {
			u.Roles = append(u.Roles, roles[(i/5)%len(roles)])
		}
		if i%4 != 0 {
			u.Email = ptr(name + "@example.com")
		}
		out[i] = u
	}
	return out
}
