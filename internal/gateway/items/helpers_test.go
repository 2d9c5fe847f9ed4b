package items

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
)

// The reasons below are Elasticsearch's, as es-gateway.md §4 and §5 give
// them for user bob.
const (
	reasonIndex  = "action [indices:data/write/index:op_type/index] is unauthorized for user [bob] with effective roles [writer] on indices [secret], this action is granted by the index privileges [create,index,write,all]"
	reasonCreate = "action [indices:data/write/index:op_type/create] is unauthorized for user [bob] with effective roles [writer] on indices [secret], this action is granted by the index privileges [create_doc,create,index,write,all]"
	reasonDelete = "action [indices:data/write/delete] is unauthorized for user [bob] with effective roles [writer] on indices [secret], this action is granted by the index privileges [delete,write,all]"
	reasonUpdate = "action [indices:data/write/update] is unauthorized for user [bob] with effective roles [writer] on indices [secret], this action is granted by the index privileges [index,write,all]"
	reasonMget   = "action [indices:data/read/mget[shard]] is unauthorized for user [bob] with effective roles [reader] on indices [secret], this action is granted by the index privileges [read,all]"
	reasonSearch = "action [indices:data/read/search] is unauthorized for user [bob] with effective roles [reader] on indices [secret], this action is granted by the index privileges [read,all]"
)

// denyBulk denies the items on index "secret" with Elasticsearch's 403.
func denyBulk(it BulkItem) error {
	if it.Index != "secret" {
		return nil
	}
	reason := map[string]string{"index": reasonIndex, "create": reasonCreate, "delete": reasonDelete, "update": reasonUpdate}[it.Op]
	return eserr.Security(403, "%s", reason)
}

// sink records what FilterBulk and FilterMsearch forward and how often they
// opened the upstream request.
type sink struct {
	opened int
	buf    bytes.Buffer
}

func (s *sink) open() (io.Writer, error) {
	s.opened++
	return &s.buf, nil
}

// wantES checks that err is the Elasticsearch error typ/reason/status.
func wantES(t *testing.T, what string, err error, typ, reason string, status int) {
	t.Helper()
	var e *eserr.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: error %v, want %s %q", what, err, typ, reason)
		return
	}
	if e.Type != typ || e.Reason != reason || e.Status != status {
		t.Errorf("%s:\n got %s %q %d\nwant %s %q %d", what, e.Type, e.Reason, e.Status, typ, reason, status)
	}
}

// lines splits NDJSON into its '\n'-terminated lines.
func lines(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// isSubsequence reports whether sub's elements appear in all, in order.
func isSubsequence(sub, all []string) bool {
	i := 0
	for _, s := range sub {
		j := slices.Index(all[i:], s)
		if j < 0 {
			return false
		}
		i += j + 1
	}
	return true
}
