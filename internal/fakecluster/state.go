package fakecluster

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// state is the cluster metadata and data. One mutex guards it all: requests
// are tiny and a single lock makes every answer a consistent snapshot.
type state struct {
	mu      sync.Mutex
	uuid    string
	indices map[string]*index
	streams map[string]*dataStream
	scrolls map[string]*scrollCtx
	pits    map[string]*pitCtx
	nextCtx int64
}

type index struct {
	name     string
	uuid     string
	created  time.Time
	hidden   bool
	closed   bool
	system   bool
	aliases  map[string]bool
	stream   string
	mappings json.RawMessage
	docs     map[string]*doc
	// tombs keeps the version of deleted documents so a re-created document
	// continues the version sequence, as ES's delete tombstones do.
	tombs map[string]int64
	seq   int64
}

// doc is immutable once stored: a write stores a new doc, so PIT snapshots
// and scroll pages can hold pointers without copying.
type doc struct {
	id      string
	raw     json.RawMessage
	src     map[string]any
	version int64
	seqNo   int64
}

type dataStream struct {
	name    string
	backing []string
}

func newState() *state {
	return &state{
		uuid:    randomID(16),
		indices: map[string]*index{},
		streams: map[string]*dataStream{},
		scrolls: map[string]*scrollCtx{},
		pits:    map[string]*pitCtx{},
	}
}

// randomID returns n random bytes in URL-safe base64 without padding, the
// alphabet ES uses for index UUIDs and auto-generated document ids.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// autoID is 20 characters long like ES's time-based document ids.
func autoID() string { return randomID(15) }

func newDoc(id string, raw []byte) (*doc, error) {
	var src map[string]any
	if err := decodeJSON(raw, &src); err != nil {
		return nil, err
	}
	if src == nil {
		return nil, constError("the document source must be a JSON object")
	}
	return &doc{id: id, raw: json.RawMessage(raw), src: src}, nil
}

// exists reports whether name is an index, an alias or a data stream.
func (s *state) exists(name string) bool {
	if s.indices[name] != nil || s.streams[name] != nil {
		return true
	}
	return len(s.aliasMembers(name)) > 0
}

// aliasMembers returns the indices an alias points to, sorted by name.
func (s *state) aliasMembers(alias string) []*index {
	var out []*index
	for _, ix := range s.indices {
		if ix.aliases[alias] {
			out = append(out, ix)
		}
	}
	slices.SortFunc(out, func(a, b *index) int { return strings.Compare(a.name, b.name) })
	return out
}

func (s *state) aliasNames() []string {
	set := map[string]bool{}
	for _, ix := range s.indices {
		for a := range ix.aliases {
			set[a] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// members expands an abstraction to its concrete indices.
func (s *state) members(name string) []*index {
	if ix := s.indices[name]; ix != nil {
		return []*index{ix}
	}
	if ds := s.streams[name]; ds != nil {
		out := make([]*index, 0, len(ds.backing))
		for _, b := range ds.backing {
			out = append(out, s.indices[b])
		}
		return out
	}
	return s.aliasMembers(name)
}

// checkNewName applies ES's index name rules (MetadataCreateIndexService.
// validateIndexOrAliasName) and refuses names already taken by an alias or a
// data stream.
func (s *state) checkNewName(name string) *esError {
	switch {
	case name == "":
		return invalidIndexName(name, "must not be empty")
	case name != strings.ToLower(name):
		return invalidIndexName(name, "must be lowercase")
	case name == "." || name == "..":
		return invalidIndexName(name, "must not be '.' or '..'")
	case strings.ContainsAny(name[:1], "_-+"):
		return invalidIndexName(name, "must not start with '_', '-', or '+'")
	case strings.ContainsAny(name, "\\/*?\"<>| ,"):
		return invalidIndexName(name, `must not contain the following characters [ , ", *, \, <, |, ,, >, /, ?]`)
	case strings.Contains(name, "#"):
		return invalidIndexName(name, "must not contain '#'")
	case strings.Contains(name, ":"):
		return invalidIndexName(name, "must not contain ':'")
	case len(name) > 255:
		return invalidIndexName(name, "index name is too long, ("+fmt.Sprint(len(name))+" > 255)")
	case len(s.aliasMembers(name)) > 0:
		return invalidIndexName(name, "already exists as alias")
	case s.streams[name] != nil:
		return invalidIndexName(name, "already exists as data stream")
	}
	return nil
}

func (s *state) newIndex(name string) *index {
	ix := &index{
		name:    name,
		uuid:    randomID(16),
		created: time.Now(),
		aliases: map[string]bool{},
		docs:    map[string]*doc{},
		tombs:   map[string]int64{},
	}
	s.indices[name] = ix
	return ix
}

// createIndex makes a new index or says why it cannot.
func (s *state) createIndex(name string) (*index, *esError) {
	if ix := s.indices[name]; ix != nil {
		return nil, alreadyExists(ix)
	}
	if err := s.checkNewName(name); err != nil {
		return nil, err
	}
	return s.newIndex(name), nil
}

func (s *state) deleteIndex(ix *index) {
	delete(s.indices, ix.name)
	if ds := s.streams[ix.stream]; ds != nil {
		ds.backing = slices.DeleteFunc(ds.backing, func(b string) bool { return b == ix.name })
	}
}

// store writes d into ix as the next operation on the index.
func (ix *index) store(d *doc) {
	prev := ix.docs[d.id]
	switch {
	case prev != nil:
		d.version = prev.version + 1
	case ix.tombs[d.id] > 0:
		d.version = ix.tombs[d.id] + 1
	default:
		d.version = 1
	}
	delete(ix.tombs, d.id)
	d.seqNo = ix.nextSeq()
	ix.docs[d.id] = d
}

// remove deletes a document; it answers with the version and sequence
// number the delete got and whether the document existed. A delete of a
// missing document still consumes a sequence number, as in ES.
func (ix *index) remove(id string) (version, seqNo int64, found bool) {
	seqNo = ix.nextSeq()
	if prev := ix.docs[id]; prev != nil {
		delete(ix.docs, id)
		ix.tombs[id] = prev.version + 1
		return prev.version + 1, seqNo, true
	}
	if v := ix.tombs[id]; v > 0 {
		ix.tombs[id] = v + 1
		return v + 1, seqNo, false
	}
	return 1, seqNo, false
}

func (ix *index) nextSeq() int64 {
	n := ix.seq
	ix.seq++
	return n
}

// sortedDocs lists the documents in indexing order (by sequence number),
// which is the order a single Lucene shard returns equal-scoring hits in.
func (ix *index) sortedDocs() []*doc {
	out := slices.Collect(maps.Values(ix.docs))
	slices.SortFunc(out, func(a, b *doc) int { return int(a.seqNo - b.seqNo) })
	return out
}

func (ix *index) storeSize() int {
	n := 225 // an empty ES index reports 225b on disk
	for _, d := range ix.docs {
		n += len(d.raw) + 64
	}
	return n
}
