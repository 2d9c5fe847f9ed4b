package roles

import (
	"bytes"
	"encoding/json"
)

// Descriptor is an Elasticsearch role (RoleDescriptor) with every field a
// role can carry. Nil and empty differ where Elasticsearch's output does:
// see the field comments.
type Descriptor struct {
	// Name is the role's name; it is not part of the JSON body.
	Name    string
	Cluster []string
	// Global holds the configurable cluster privileges ("global"); nil when
	// there are none.
	Global       *GlobalPrivileges
	Indices      []IndexPrivileges
	Applications []ApplicationPrivileges
	RunAs        []string
	// Metadata is a compact JSON object; nil renders as {}.
	Metadata json.RawMessage
	// TransientMetadata is a compact JSON object; nil renders as
	// {"enabled":true}, which is what Elasticsearch reports for every role
	// it can use. Bodies may send it, but like Elasticsearch the parser
	// drops it.
	TransientMetadata json.RawMessage
	// RemoteIndices are index privileges on remote clusters (8.8+).
	RemoteIndices []RemoteIndexPrivileges
	// Description (8.15+); "" means none and is not rendered.
	Description string
}

// IndexPrivileges is one entry of a role's "indices".
type IndexPrivileges struct {
	Names      []string
	Privileges []string
	// FieldSecurity is nil when the entry has no field-level security.
	FieldSecurity *FieldSecurity
	// Query is the document-level security query as text, the way
	// Elasticsearch keeps it: an object given in the body is kept as its
	// compact JSON, a string as given. "" means no query. GET renders it
	// as a JSON string.
	Query                  string
	AllowRestrictedIndices bool
}

// FieldSecurity is field-level security: the fields granted and those
// excepted. Grant is never nil once parsed (Elasticsearch rejects a null
// grant); Except is nil when absent, which is rendered differently from [].
type FieldSecurity struct {
	Grant  []string
	Except []string
}

// ApplicationPrivileges is one entry of a role's "applications".
type ApplicationPrivileges struct {
	Application string
	Privileges  []string
	Resources   []string
}

// RemoteIndexPrivileges is one entry of "remote_indices": index privileges
// on the remote clusters whose aliases match Clusters.
type RemoteIndexPrivileges struct {
	IndexPrivileges
	Clusters []string
}

// GlobalPrivileges are the configurable cluster privileges of
// Elasticsearch 8.x ("global"): managing the application privileges of some
// applications, and writing the profile data of some applications. A nil
// list means the privilege is absent.
type GlobalPrivileges struct {
	ManageApplications []string // global.application.manage.applications
	WriteProfileData   []string // global.profile.write.applications
}

// MarshalJSON renders the role as GET /_security/role shows it
// (RoleDescriptor.toXContent), field for field and in the same order.
func (d Descriptor) MarshalJSON() ([]byte, error) {
	return d.render(false), nil
}

// storedJSON renders the document Store keeps, like the document
// Elasticsearch writes to its security index (toXContent with
// docCreation): "type":"role" instead of transient_metadata.
func (d Descriptor) storedJSON() []byte {
	return d.render(true)
}

func (d Descriptor) render(doc bool) []byte {
	var b bytes.Buffer
	b.WriteString(`{"cluster":`)
	writeStrings(&b, d.Cluster)
	if d.Global != nil {
		b.WriteString(`,"global":`)
		d.Global.render(&b)
	}
	b.WriteString(`,"indices":[`)
	for i, ip := range d.Indices {
		if i > 0 {
			b.WriteByte(',')
		}
		ip.render(&b, nil)
	}
	b.WriteString(`],"applications":[`)
	for i, ap := range d.Applications {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"application":`)
		writeString(&b, ap.Application)
		b.WriteString(`,"privileges":`)
		writeStrings(&b, ap.Privileges)
		b.WriteString(`,"resources":`)
		writeStrings(&b, ap.Resources)
		b.WriteByte('}')
	}
	b.WriteString(`],"run_as":`)
	writeStrings(&b, d.RunAs)
	b.WriteString(`,"metadata":`)
	writeObject(&b, d.Metadata, `{}`)
	if doc {
		b.WriteString(`,"type":"role"`)
	} else {
		b.WriteString(`,"transient_metadata":`)
		writeObject(&b, d.TransientMetadata, `{"enabled":true}`)
	}
	if len(d.RemoteIndices) > 0 {
		b.WriteString(`,"remote_indices":[`)
		for i, rp := range d.RemoteIndices {
			if i > 0 {
				b.WriteByte(',')
			}
			rp.render(&b, rp.Clusters)
		}
		b.WriteByte(']')
	}
	if d.Description != "" {
		b.WriteString(`,"description":`)
		writeString(&b, d.Description)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// render writes IndicesPrivileges.innerToXContent; remote entries add
// their clusters last.
func (ip IndexPrivileges) render(b *bytes.Buffer, clusters []string) {
	b.WriteString(`{"names":`)
	writeStrings(b, ip.Names)
	b.WriteString(`,"privileges":`)
	writeStrings(b, ip.Privileges)
	if fs := ip.FieldSecurity; fs != nil {
		b.WriteString(`,"field_security":{`)
		if fs.Grant != nil {
			b.WriteString(`"grant":`)
			writeStrings(b, fs.Grant)
		}
		if fs.Except != nil {
			if fs.Grant != nil {
				b.WriteByte(',')
			}
			b.WriteString(`"except":`)
			writeStrings(b, fs.Except)
		}
		b.WriteByte('}')
	}
	if ip.Query != "" {
		b.WriteString(`,"query":`)
		writeString(b, ip.Query)
	}
	b.WriteString(`,"allow_restricted_indices":`)
	if ip.AllowRestrictedIndices {
		b.WriteString("true")
	} else {
		b.WriteString("false")
	}
	if clusters != nil {
		b.WriteString(`,"clusters":`)
		writeStrings(b, clusters)
	}
	b.WriteByte('}')
}

// render writes ConfigurableClusterPrivileges.toXContent, which opens an
// object for every category, even one without privileges.
func (g *GlobalPrivileges) render(b *bytes.Buffer) {
	b.WriteString(`{"application":{`)
	if g.ManageApplications != nil {
		b.WriteString(`"manage":{"applications":`)
		writeStrings(b, g.ManageApplications)
		b.WriteByte('}')
	}
	b.WriteString(`},"profile":{`)
	if g.WriteProfileData != nil {
		b.WriteString(`"write":{"applications":`)
		writeStrings(b, g.WriteProfileData)
		b.WriteByte('}')
	}
	b.WriteString(`}}`)
}

func writeStrings(b *bytes.Buffer, ss []string) {
	b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, s)
	}
	b.WriteByte(']')
}

// writeString writes s as a JSON string without Go's HTML escaping, which
// Elasticsearch (Jackson) does not do either.
func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes
	b.Truncate(b.Len() - 1) // Encode appends a newline
}

func writeObject(b *bytes.Buffer, raw json.RawMessage, empty string) {
	if len(raw) == 0 {
		b.WriteString(empty)
		return
	}
	b.Write(raw)
}
