package indices

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Kind is the type of an index abstraction (IndexAbstraction.Type).
type Kind uint8

// The kinds of abstraction.
const (
	KindIndex Kind = iota + 1
	KindAlias
	KindDataStream
)

func (k Kind) String() string {
	switch k {
	case KindIndex:
		return "index"
	case KindAlias:
		return "alias"
	case KindDataStream:
		return "data_stream"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Abstraction is one name the cluster has: a concrete index, an alias or a
// data stream.
type Abstraction struct {
	Name string
	Kind Kind
	// Hidden: index.hidden, an alias's is_hidden, a hidden data stream.
	// Hidden names match wildcards only with expand_wildcards=hidden, or
	// when both the expression and the name start with '.'.
	Hidden bool
	// Closed is the state of an index (aliases and data streams have none).
	Closed bool
	// System marks system indices and system data streams. A system data
	// stream and its backing indices never match a wildcard for a REST
	// caller (system index access level NONE); other system indices match
	// like any hidden index (see Resolve).
	System bool
	// Frozen is the "frozen" attribute of an index; only ignore_throttled
	// cares, inside Elasticsearch.
	Frozen bool
	// DataStream is, for a backing index, its data stream.
	DataStream string
	// Aliases are, for an index, the aliases that point to it.
	Aliases []string
	// Indices are an alias's indices or a data stream's backing indices.
	Indices []string
}

// Metadata is what the cluster has, immutable and safe for concurrent use:
// build one per refresh of the cluster's state and share it.
type Metadata struct {
	entries []entry // sorted by name
	byName  map[string]int32
}

type entry struct {
	Abstraction
	parent int32 // backing index: its data stream's entry; else -1
}

// NewMetadata indexes abstractions. Names must be unique across kinds, as
// Elasticsearch guarantees. A backing index is linked to its data stream
// by its DataStream field or by the data stream's Indices.
func NewMetadata(abstractions []Abstraction) (*Metadata, error) {
	m := &Metadata{entries: make([]entry, len(abstractions)), byName: make(map[string]int32, len(abstractions))}
	for i, a := range abstractions {
		switch a.Kind {
		case KindIndex, KindAlias, KindDataStream:
		default:
			return nil, fmt.Errorf("indices: %q has no kind", a.Name)
		}
		a.Aliases, a.Indices = slices.Clone(a.Aliases), slices.Clone(a.Indices)
		m.entries[i] = entry{Abstraction: a, parent: -1}
	}
	slices.SortFunc(m.entries, func(a, b entry) int { return strings.Compare(a.Name, b.Name) })
	for i := range m.entries {
		name := m.entries[i].Name
		if i > 0 && m.entries[i-1].Name == name {
			return nil, fmt.Errorf("indices: the name %q is used twice", name)
		}
		m.byName[name] = int32(i)
	}
	for i := range m.entries {
		e := &m.entries[i]
		switch e.Kind {
		case KindIndex:
			if e.DataStream != "" {
				if err := m.link(int32(i), e.DataStream); err != nil {
					return nil, err
				}
			}
		case KindDataStream:
			for _, b := range e.Indices {
				j, ok := m.byName[b]
				if !ok || m.entries[j].Kind != KindIndex {
					continue // a backing index the listing left out
				}
				if err := m.link(j, e.Name); err != nil {
					return nil, err
				}
			}
		}
	}
	return m, nil
}

func (m *Metadata) link(index int32, dataStream string) error {
	ds, ok := m.byName[dataStream]
	if !ok || m.entries[ds].Kind != KindDataStream {
		// The data stream is not listed (a system data stream is invisible
		// to REST callers): the index stays a plain hidden index.
		return nil
	}
	e := &m.entries[index]
	if e.parent >= 0 && e.parent != ds {
		return fmt.Errorf("indices: %q backs both %q and %q", e.Name, m.entries[e.parent].Name, dataStream)
	}
	e.parent = ds
	e.DataStream = dataStream
	return nil
}

// Len is the number of abstractions.
func (m *Metadata) Len() int {
	if m == nil {
		return 0
	}
	return len(m.entries)
}

// Lookup finds an index, alias or data stream by its exact name.
func (m *Metadata) Lookup(name string) (Abstraction, bool) {
	if m == nil {
		return Abstraction{}, false
	}
	i, ok := m.byName[name]
	if !ok {
		return Abstraction{}, false
	}
	a := m.entries[i].Abstraction
	a.Aliases, a.Indices = slices.Clone(a.Aliases), slices.Clone(a.Indices)
	return a, true
}

// All lists every abstraction, sorted by name.
func (m *Metadata) All() []Abstraction {
	if m == nil {
		return nil
	}
	out := make([]Abstraction, len(m.entries))
	for i := range m.entries {
		out[i], _ = m.Lookup(m.entries[i].Name)
	}
	return out
}

// resolveIndexJSON is ResolveIndexAction.Response.
type resolveIndexJSON struct {
	Indices []struct {
		Name       string   `json:"name"`
		Aliases    []string `json:"aliases"`
		Attributes []string `json:"attributes"`
		DataStream string   `json:"data_stream"`
	} `json:"indices"`
	Aliases []struct {
		Name    string   `json:"name"`
		Indices []string `json:"indices"`
	} `json:"aliases"`
	DataStreams []struct {
		Name           string   `json:"name"`
		BackingIndices []string `json:"backing_indices"`
	} `json:"data_streams"`
}

// ParseResolveIndex decodes the answer of
// GET /_resolve/index/*?expand_wildcards=all (es-gateway.md §3.7).
//
// Index attributes (open/closed, hidden, system, frozen) are read as
// given. Aliases and data streams carry no attributes in that answer, so
// they come out not hidden: use HideAbsent with the answer for
// expand_wildcards=open,closed to learn which are hidden. Names with a
// ':' are remote-cluster results (an index name cannot contain ':') and
// are skipped.
func ParseResolveIndex(body []byte) (*Metadata, error) {
	var r resolveIndexJSON
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("indices: decoding _resolve/index: %w", err)
	}
	var abs []Abstraction
	for _, ix := range r.Indices {
		if strings.Contains(ix.Name, ":") {
			continue
		}
		a := Abstraction{Name: ix.Name, Kind: KindIndex, Aliases: ix.Aliases, DataStream: ix.DataStream}
		for _, at := range ix.Attributes {
			switch at {
			case "closed":
				a.Closed = true
			case "hidden":
				a.Hidden = true
			case "system":
				a.System = true
			case "frozen":
				a.Frozen = true
			}
		}
		abs = append(abs, a)
	}
	for _, al := range r.Aliases {
		if !strings.Contains(al.Name, ":") {
			abs = append(abs, Abstraction{Name: al.Name, Kind: KindAlias, Indices: al.Indices})
		}
	}
	for _, ds := range r.DataStreams {
		if !strings.Contains(ds.Name, ":") {
			abs = append(abs, Abstraction{Name: ds.Name, Kind: KindDataStream, Indices: ds.BackingIndices})
		}
	}
	return NewMetadata(abs)
}

// HideAbsent returns a copy of m in which every alias and data stream that
// visible does not have is hidden. visible must be the resolution of "*"
// without expand_wildcards=hidden: there, Elasticsearch leaves out exactly
// the hidden aliases and data streams (IndexAbstractionResolver.
// isIndexVisible), which _resolve/index does not otherwise mark.
func (m *Metadata) HideAbsent(visible *Metadata) *Metadata {
	out := &Metadata{entries: slices.Clone(m.entries), byName: m.byName}
	for i := range out.entries {
		e := &out.entries[i]
		if e.Kind == KindIndex {
			continue
		}
		if visible == nil {
			e.Hidden = true
		} else if _, ok := visible.byName[e.Name]; !ok {
			e.Hidden = true
		}
	}
	return out
}

// Authorized is AuthorizedIndices.check for one name outside Resolve (the
// names ResolveSingle returns, a bulk item's index): an existing backing
// index is allowed through its data stream or by its own name, any other
// name by itself, whether it exists or not. m may be nil (nothing known:
// by name only).
func (m *Metadata) Authorized(name string, allowed func(name string) bool) bool {
	if m != nil {
		if i, ok := m.byName[name]; ok {
			if p := m.entries[i].parent; p >= 0 && allowed(m.entries[p].Name) {
				return true
			}
		}
	}
	return allowed(name)
}
