package securityquery

import (
	"strings"

	"github.com/esauth/esauth/internal/user"
)

// Users is the Query User API's schema (USER_FIELD_NAME_TRANSLATORS):
// username and roles are keywords, enabled a boolean, full_name text
// (standard analyzer) and email text with the security index's "email"
// analyzer; neither text field sorts. A user's _id is "user-" + username.
//
// last_authenticated is esauth's own (Own): the user's last successful
// login as a date (epoch milliseconds), missing for a user never seen,
// the value with_last_authenticated adds to each user. It is queried and
// sorted as a date ("range": {"last_authenticated": {"lt": "now-30d"}},
// "exists"), which is how the web page finds accounts not seen for N
// days; Elasticsearch refuses the name as any unknown field.
var Users = (&Schema{
	Payload:  "query_user_request_payload",
	IDPrefix: "user-",
	Fields: []Field{
		{Name: "username", Index: "username", Kind: Keyword},
		{Name: "roles", Index: "roles", Kind: Keyword},
		{Name: "enabled", Index: "enabled", Kind: Boolean},
		{Name: "full_name", Index: "full_name", Kind: Text, Analyzer: "standard", NoSort: true},
		{Name: "email", Index: "email", Kind: Text, Analyzer: "email", NoSort: true},
		{Name: "last_authenticated", Index: "last_authenticated", Kind: Date, Own: true},
	},
}).init()

// The Users fields by number.
const (
	userUsername = iota
	userRoles
	userEnabled
	userFullName
	userEmail
	userLastAuthenticated
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
// order is username order. The users are not modified. Every user is
// without a last_authenticated (see RunWithLast).
func (u *UserRequest) Run(users []user.User) UserResult {
	return u.RunWithLast(users, nil)
}

// RunWithLast is Run where last gives a user's last_authenticated in
// epoch milliseconds (ok false: never seen). last is called only for
// queries and sorts on that field, so a caller may load the times
// lazily; nil means no user has one.
func (u *UserRequest) RunWithLast(users []user.User, last func(username string) (ms int64, ok bool)) UserResult {
	res := u.r.Run(userSource{users, last})
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
// order. last is RunWithLast's.
type userSource struct {
	users []user.User
	last  func(string) (int64, bool)
}

func (s userSource) Len() int         { return len(s.users) }
func (s userSource) Key(i int) string { return s.users[i].Username }
func (s userSource) Compare(a, b int) int {
	return strings.Compare(s.users[a].Username, s.users[b].Username)
}
func (s userSource) Leaves(int, int) []Leaf { return nil }

func (s userSource) Strings(i, f int, dst []string) []string {
	u := &s.users[i]
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

func (s userSource) Bool(i, f int) (bool, bool) { return s.users[i].Enabled, f == userEnabled }

func (s userSource) Date(i, f int) (int64, bool) {
	if f != userLastAuthenticated || s.last == nil {
		return 0, false
	}
	return s.last(s.users[i].Username)
}
