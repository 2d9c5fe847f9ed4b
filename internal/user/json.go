package user

import (
	"strconv"

	"github.com/esauth/esauth/internal/xcontent"
)

// AppendJSON writes the user as Elasticsearch shows one, in its field
// order; it implements xcontent.Appender.
func (u User) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"username":`...)
	dst = xcontent.AppendString(dst, u.Username)
	dst = append(dst, `,"roles":`...)
	dst, _ = xcontent.Append(dst, u.Roles)
	dst = append(dst, `,"full_name":`...)
	dst, _ = xcontent.Append(dst, u.FullName)
	dst = append(dst, `,"email":`...)
	dst, _ = xcontent.Append(dst, u.Email)
	dst = append(dst, `,"metadata":`...)
	dst, err := xcontent.Append(dst, u.Metadata)
	if err != nil {
		return nil, err
	}
	dst = append(dst, `,"enabled":`...)
	dst = strconv.AppendBool(dst, u.Enabled)
	return append(dst, '}'), nil
}
