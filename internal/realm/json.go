package realm

import "github.com/esauth/esauth/internal/xcontent"

// AppendJSON writes {"name":…,"type":…}; it implements xcontent.Appender.
func (r Ref) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"name":`...)
	dst = xcontent.AppendString(dst, r.Name)
	dst = append(dst, `,"type":`...)
	dst = xcontent.AppendString(dst, r.Type)
	return append(dst, '}'), nil
}
