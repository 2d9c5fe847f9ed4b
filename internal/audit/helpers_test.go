package audit_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// checkNoSecrets fails for a field, at any depth, whose name suggests a
// secret or a body, unless it is a boolean (has_password).
func checkNoSecrets(t *testing.T, typ reflect.Type, path string) {
	t.Helper()
	switch typ.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		checkNoSecrets(t, typ.Elem(), path)
		return
	case reflect.Struct:
	default:
		return
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		name := strings.ToLower(f.Name)
		p := path + "." + f.Name
		for _, bad := range []string{"password", "passwd", "hash", "secret", "body", "credential", "token", "authorization"} {
			// A token's name and type label it; they are not it.
			label := strings.HasSuffix(name, "name") || strings.HasSuffix(name, "type")
			if strings.Contains(name, bad) && f.Type.Kind() != reflect.Bool && !label {
				t.Errorf("%s%s (%s) could carry a secret into the audit log", typ.Name(), p, f.Type)
			}
		}
		checkNoSecrets(t, f.Type, p)
	}
}

func newHTTPRequest() *http.Request {
	r := httptest.NewRequest("GET", "/_cluster/health?pretty", nil)
	r.Header.Set("X-Opaque-Id", "op")
	return r
}
