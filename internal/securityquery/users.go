package securityquery

import (
	"strings"

	"github.com/esauth/esauth/internal/user"
)

// Users is the Query User API's schema (USER_FIELD_NAME_TRANSLATORS):
// username and roles are keywords, enabled a boolean, full_name text
// (standard analyzer) and email text with the security index's "email"
// analyzer; neither text field sorts. A user's _id is "user-" + username.
var Users = (&Schema{
	Payload:  "query_user_request_payload",
	IDPrefix: "user-",
	Fields: []Field{
		{Name: "username", Index: "username", Kind: Keyword},
		{Name: "roles", Index: "roles", Kind: Keyword},
		{Name: "enabled", Index: "enabled", Kind: Boolean},
		{Name: "full_name", Index: "full_name", Kind: Text, Analyzer: "standard", NoSort: true},
		{Name: "email", Index: "email", Kind: Text, Analyzer: "email", NoSort: true},
	},
}).init()

// The Users fields by number.
const (
	userUsername = iota
	userRoles
	userEnabled
	userFullName
	userEmail
)

// UserRequest is a parsed query-users body.
type UserRequest struct{ r *Request }

// ParseUsers parses a query-users body (see Schema.Parse).
func ParseUsers(body []byte) (*UserRequest, error) {
	r, err := Users.Parse(body)
	if err != nil {
		return nil, err
	}
	return &UserRequest{r}, nil
}

// UserHit is one user of the page and its sort values (see Hit).
type UserHit struct {
	User user.User
	Sort []any
}

// UserResult is the number of matching users and the page.
type UserResult struct {
	Total int
	Hits  []UserHit
}

// Run evaluates the request over users, given in any order; their index
// order is username order. The users are not modified.
func (u *UserRequest) Run(users []user.User) UserResult {
	res := u.r.Run(userSource(users))
	out := UserResult{Total: res.Total}
	if res.Hits != nil {
		out.Hits = make([]UserHit, len(res.Hits))
		for i, h := range res.Hits {
			out.Hits[i] = UserHit{User: users[h.Doc], Sort: h.Sort}
		}
	}
	return out
}

// userSource presents users as they come; Compare puts them in username
// order.
type userSource []user.User

func (s userSource) Len() int               { return len(s) }
func (s userSource) Key(i int) string       { return s[i].Username }
func (s userSource) Compare(a, b int) int   { return strings.Compare(s[a].Username, s[b].Username) }
func (s userSource) Leaves(int, int) []Leaf { return nil }

func (s userSource) Strings(i, f int, dst []string) []string {
	u := &s[i]
	switch f {
	case userUsername:
		return append(dst, u.Username)
	case userRoles:
		return append(dst, u.Roles...)
	case userFullName:
		if u.FullName != nil {
			return append(dst, *u.FullName)
		}
	case userEmail:
		if u.Email != nil {
			return append(dst, *u.Email)
		}
	}
	return dst
}

func (s userSource) Bool(i, f int) (bool, bool) { return s[i].Enabled, f == userEnabled }

func (s userSource) Date(int, int) (int64, bool) { return 0, false }
