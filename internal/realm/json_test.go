package realm

import (
	"testing"

	"github.com/esauth/esauth/internal/xcontent"
)

// AppendJSON must write what encoding/json writes for the tagged struct.
func TestRefAppendJSON(t *testing.T) {
	r := Ref{Name: "default_native", Type: "native \"x\""}
	want, _ := xcontent.Marshal(r)
	if got, err := r.AppendJSON(nil); err != nil || string(got) != string(want) {
		t.Errorf("AppendJSON = %s, %v, want %s", got, err, want)
	}
}
