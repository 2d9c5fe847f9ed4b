package fakecluster

import (
	"encoding/json"
	"fmt"
)

// IndexOpts describes an index created with CreateIndex.
type IndexOpts struct {
	Hidden  bool
	Closed  bool
	System  bool
	Aliases []string
}

// The setup methods below change the cluster directly, without a request
// being recorded. They panic on misuse (a taken name, a missing index):
// that is a bug in the test, not a condition to handle.

// CreateIndex creates an index.
func (c *Cluster) CreateIndex(name string, o IndexOpts) {
	s := c.st
	s.mu.Lock()
	defer s.mu.Unlock()
	ix, err := s.createIndex(name)
	if err != nil {
		panic("fakecluster: CreateIndex: " + err.reason)
	}
	ix.hidden, ix.closed, ix.system = o.Hidden, o.Closed, o.System
	for _, a := range o.Aliases {
		s.mustAddAlias(ix, a)
	}
}

// CreateDataStream creates a data stream with one hidden backing index,
// .ds-<name>-2026.01.01-000001.
func (c *Cluster) CreateDataStream(name string) {
	s := c.st
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkNewName(name); err != nil {
		panic("fakecluster: CreateDataStream: " + err.reason)
	}
	if s.indices[name] != nil {
		panic("fakecluster: CreateDataStream: an index named " + name + " exists")
	}
	backing := fmt.Sprintf(".ds-%s-2026.01.01-000001", name)
	ix, err := s.createIndex(backing)
	if err != nil {
		panic("fakecluster: CreateDataStream: " + err.reason)
	}
	ix.hidden, ix.stream = true, name
	s.streams[name] = &dataStream{name: name, backing: []string{backing}}
}

// AddAlias points alias at index.
func (c *Cluster) AddAlias(index, alias string) {
	s := c.st
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.indices[index]
	if ix == nil {
		panic("fakecluster: AddAlias: no index " + index)
	}
	s.mustAddAlias(ix, alias)
}

func (s *state) mustAddAlias(ix *index, alias string) {
	if s.indices[alias] != nil || s.streams[alias] != nil {
		panic("fakecluster: alias " + alias + " is taken by an index or data stream")
	}
	ix.aliases[alias] = true
}

// Put stores a document as an index operation would (the index is created
// when missing; an alias or data stream writes to its index). It also writes
// into closed indices, so a test can check they stay unread.
func (c *Cluster) Put(index, id string, doc map[string]any) {
	raw, err := json.Marshal(doc)
	if err != nil {
		panic("fakecluster: Put: " + err.Error())
	}
	d, err := newDoc(id, raw)
	if err != nil {
		panic("fakecluster: Put: " + err.Error())
	}
	s := c.st
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.indices[index]
	if ix == nil {
		var e *esError
		if ix, e = s.writeTarget(index, true, true); e != nil {
			panic("fakecluster: Put: " + e.reason)
		}
	}
	ix.store(d)
}

// Doc returns a copy of a stored document's source. index may be an alias or
// data stream with one index.
func (c *Cluster) Doc(index, id string) (map[string]any, bool) {
	s := c.st
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.members(index)
	if len(m) != 1 {
		return nil, false
	}
	d := m[0].docs[id]
	if d == nil {
		return nil, false
	}
	var out map[string]any
	if err := json.Unmarshal(d.raw, &out); err != nil {
		panic("fakecluster: Doc: stored source does not parse: " + err.Error())
	}
	return out, true
}
