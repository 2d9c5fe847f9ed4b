package roles

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/filewatch"
)

// RolesFile is the file roles are read from, in the config directory.
const RolesFile = "roles.yml"

// Problem is a roles.yml entry that was skipped, as Elasticsearch logs
// and skips an invalid role definition without failing the file.
type Problem struct {
	// Role is the entry's role name, "" if it could not be read.
	Role string
	// Line is the 1-based line the entry starts on.
	Line int
	Err  error
}

func (p Problem) Error() string {
	if p.Role == "" {
		return fmt.Sprintf("line %d: invalid role definition: %v. skipping role...", p.Line, p.Err)
	}
	return fmt.Sprintf("line %d: invalid role definition [%s]: %v. skipping role...", p.Line, p.Role, p.Err)
}

func (p Problem) Unwrap() error { return p.Err }

// Lines of roles.yml (FileRolesStore): a line at column 0 starts a role's
// segment, indented lines continue it, and comment lines at column 0 and
// blank lines are skipped. Each segment is parsed as its own YAML
// document, so one broken role cannot take the others down.
var (
	inSegmentLine = regexp.MustCompile(`^\s+.+`)
	skipLine      = regexp.MustCompile(`^(#.*|\s*)$`)
)

// ParseRolesFile reads roles.yml: a YAML map from role name to role body,
// in exactly Elasticsearch's format. Invalid entries are skipped and
// reported as problems: a name that is invalid or reserved, a body that is
// not a map or fails to parse, unknown privileges, an invalid application
// name or a too long description. The error is only for a failed read.
// A role defined twice keeps its last definition, as in Elasticsearch.
func ParseRolesFile(r io.Reader) (map[string]Descriptor, []Problem, error) {
	type segment struct {
		line int
		text bytes.Buffer
	}
	var segs []*segment
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		switch {
		case skipLine.MatchString(line):
		case inSegmentLine.MatchString(line):
			if len(segs) > 0 {
				segs[len(segs)-1].text.WriteString(line + "\n")
			}
		default:
			s := &segment{line: n}
			s.text.WriteString(line + "\n")
			segs = append(segs, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	roles := map[string]Descriptor{}
	var problems []Problem
	for _, s := range segs {
		d, p := parseSegment(s.text.Bytes())
		if p != nil {
			p.Line += s.line - 1
			problems = append(problems, *p)
			continue
		}
		roles[d.Name] = d
	}
	return roles, problems, nil
}

// parseSegment is FileRolesStore.parseRoleDescriptor and checkDescriptor
// for one segment; the problem's line is relative to the segment.
func parseSegment(text []byte) (Descriptor, *Problem) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return Descriptor{}, &Problem{Line: 1, Err: err}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode || len(doc.Content[0].Content) < 2 {
		return Descriptor{}, &Problem{Line: 1, Err: errors.New("expected a role name followed by its definition")}
	}
	key, val := doc.Content[0].Content[0], doc.Content[0].Content[1]
	name := key.Value
	problem := func(err error) (Descriptor, *Problem) {
		return Descriptor{}, &Problem{Role: name, Line: key.Line, Err: err}
	}
	if key.Kind != yaml.ScalarNode {
		return Descriptor{}, &Problem{Line: key.Line, Err: errors.New("a role name must be a scalar")}
	}
	// allowReserved is false here: the reserved names are rejected as names.
	if !validRoleName(name, maxFileRoleNameLength) {
		return problem(fmt.Errorf("invalid role name - %s", roleNameMessage(maxFileRoleNameLength)))
	}
	if IsReserved(name) {
		return problem(fmt.Errorf("invalid role name - Role [%s] is reserved and may not be used.", name))
	}
	if resolve(val).Kind != yaml.MappingNode {
		return problem(errors.New("the role definition must be a map"))
	}
	body, err := yamlToJSON(val, 0)
	if err != nil {
		return problem(err)
	}
	d, err := ParseDescriptor(name, body, FromFile)
	if err != nil {
		return problem(err)
	}
	// Elasticsearch checks the description here; esauth also applies the
	// put-role checks of privileges and application names, so that a role
	// that could not be used is reported at load rather than at request
	// time. Metadata keys are not checked: files may use "_" keys.
	var v eserr.Validator
	d.validateBody(&v, false)
	if err := v.Err(); err != nil {
		return problem(err)
	}
	return d, nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// yamlToJSON turns a YAML node into JSON with the token types Jackson's
// YAML parser would report, keeping the order of keys.
func yamlToJSON(n *yaml.Node, depth int) ([]byte, error) {
	if depth > 100 {
		return nil, errors.New("the role definition is nested too deeply")
	}
	n = resolve(n)
	var b bytes.Buffer
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := resolve(n.Content[i])
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a key must be a scalar", k.Line)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(&b, k.Value)
			b.WriteByte(':')
			v, err := yamlToJSON(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			b.Write(v)
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			v, err := yamlToJSON(c, depth+1)
			if err != nil {
				return nil, err
			}
			b.Write(v)
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		b.Write(scalarJSON(n))
	default:
		return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
	}
	return b.Bytes(), nil
}

func scalarJSON(n *yaml.Node) []byte {
	switch n.ShortTag() {
	case "!!null":
		return []byte("null")
	case "!!bool":
		if v, err := strconv.ParseBool(strings.ToLower(n.Value)); err == nil {
			return []byte(strconv.FormatBool(v))
		}
	case "!!int":
		if v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return []byte(strconv.FormatInt(v, 10))
		}
	case "!!float":
		if v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil {
			if j, err := json.Marshal(v); err == nil {
				return j
			}
		}
	}
	var b bytes.Buffer
	writeString(&b, n.Value)
	return b.Bytes()
}

// FileRoles are the roles of <dir>/roles.yml. The whole table is replaced
// at once through an atomic pointer, so readers never lock and never see
// half a reload.
type FileRoles struct {
	path  string
	log   *slog.Logger
	table atomic.Pointer[fileTable]
}

type fileTable struct {
	roles map[string]Descriptor
	state fileState
}

// fileState fingerprints what a read of the file saw.
type fileState struct {
	exists bool
	sum    [sha256.Size]byte
	err    string
}

// LoadFileRoles reads dir/roles.yml; a missing file means no roles. Invalid
// roles are logged and skipped. Unlike a later reload, which (as in
// Elasticsearch) drops all file roles when the file cannot be read, an
// unreadable file here is an error: at start-up an operator is present to
// fix it. log may be nil.
func LoadFileRoles(dir string, log *slog.Logger) (*FileRoles, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &FileRoles{path: filepath.Join(dir, RolesFile), log: log}
	data, st := readRolesFile(f.path)
	if st.err != "" {
		return nil, fmt.Errorf("roles: read %s: %s", f.path, st.err)
	}
	f.table.Store(f.build(data, st))
	return f, nil
}

// Get returns the file role with that name.
func (f *FileRoles) Get(name string) (Descriptor, bool) {
	d, ok := f.table.Load().roles[name]
	return d, ok
}

// Names returns the names of the file roles, sorted.
func (f *FileRoles) Names() []string {
	return sortedKeys(f.table.Load().roles)
}

// DefaultInterval is the poll interval Watch uses when given none; like
// the file realm's, a change takes effect within Elasticsearch's 5 s
// resource-watcher period.
const DefaultInterval = 500 * time.Millisecond

// settlePolls is how many intervals the file must stay unchanged before
// it is loaded: polling cannot tell a finished file from a paused writer,
// only waiting can.
const settlePolls = 3

// Watch polls roles.yml every interval (DefaultInterval if interval <= 0)
// and reloads it once its content has stayed the same for settlePolls
// intervals, then calls onChange (which may be nil) with the sorted names
// of the roles that were added, changed or removed, if any; callers drop
// those roles from their caches. The content is fingerprinted with SHA-256
// rather than size and mtime, which miss a same-size rewrite within the
// timestamp granularity. It returns when ctx is done. Run at most one
// Watch per FileRoles.
func (f *FileRoles) Watch(ctx context.Context, interval time.Duration, onChange func(changed []string)) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	filewatch.Settled(ctx, interval, settlePolls,
		func() (fileState, []byte) { data, st := readRolesFile(f.path); return st, data },
		func(st fileState) bool { return st == f.table.Load().state },
		func(st fileState, data []byte) {
			if changed := f.install(data, st); len(changed) > 0 && onChange != nil {
				onChange(changed)
			}
		})
}

// install swaps in a table built from data and returns the names of the
// roles that differ from the old table.
func (f *FileRoles) install(data []byte, st fileState) []string {
	t := f.build(data, st)
	old := f.table.Swap(t)
	var changed []string
	for name, d := range t.roles {
		if o, ok := old.roles[name]; !ok || !bytes.Equal(o.render(false), d.render(false)) {
			changed = append(changed, name)
		}
	}
	for name := range old.roles {
		if _, ok := t.roles[name]; !ok {
			changed = append(changed, name)
		}
	}
	sort.Strings(changed)
	if len(changed) > 0 {
		what := "changed"
		if !st.exists {
			what = "removed"
		}
		f.log.Info("roles file "+what+", roles reloaded", "file", f.path, "roles", len(t.roles), "changed", changed)
	}
	return changed
}

// build parses data, logging skipped roles; an unreadable file yields no
// roles, as in Elasticsearch.
func (f *FileRoles) build(data []byte, st fileState) *fileTable {
	t := &fileTable{roles: map[string]Descriptor{}, state: st}
	if st.err != "" {
		f.log.Error("failed to read roles file. skipping all roles...", "file", f.path, "error", st.err)
		return t
	}
	if !st.exists {
		return t
	}
	roles, problems, err := ParseRolesFile(bytes.NewReader(data))
	if err != nil {
		f.log.Error("failed to read roles file. skipping all roles...", "file", f.path, "error", err)
		return t
	}
	for _, p := range problems {
		f.log.Error("invalid role definition in roles file", "file", f.path, "line", p.Line, "role", p.Role, "error", p.Err)
	}
	t.roles = roles
	return t
}

// readRolesFile reads the file whole. A missing file is a valid state; a
// non-regular file is refused so that a FIFO cannot block the watcher.
func readRolesFile(path string) ([]byte, fileState) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fileState{}
	}
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", path)
	}
	var data []byte
	if err == nil {
		data, err = os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fileState{}
		}
	}
	if err != nil {
		return nil, fileState{exists: true, err: err.Error()}
	}
	return data, fileState{exists: true, sum: sha256.Sum256(data)}
}
