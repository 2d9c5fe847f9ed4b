package serviceaccount

import (
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/esauth/esauth/internal/xcontent"
)

// Created is CreateServiceAccountTokenResponse. Its value is the token,
// shown this once; String leaves it out.
type Created struct {
	Name  string
	value string
}

// Value is the bearer token the client will send.
func (c Created) Value() string { return c.value }

// String names the token without its value.
func (c Created) String() string { return "created service token [" + c.Name + "]" }

// GoString keeps %#v from printing the value.
func (c Created) GoString() string { return "serviceaccount.Created{" + c.Name + "}" }

// AppendJSON writes {"created":true,"token":{"name":…,"value":…}}.
func (c Created) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"created":true,"token":{"name":`...)
	dst = xcontent.AppendString(dst, c.Name)
	dst = append(dst, `,"value":`...)
	dst = xcontent.AppendString(dst, c.value)
	return append(dst, "}}"...), nil
}

// Deleted is DeleteServiceAccountTokenResponse.
type Deleted struct{ Found bool }

// Status is 200 when the token existed, 404 otherwise (the body is the
// same {"found":false}, not an error).
func (d Deleted) Status() int {
	if d.Found {
		return http.StatusOK
	}
	return http.StatusNotFound
}

// AppendJSON writes {"found":true|false}.
func (d Deleted) AppendJSON(dst []byte) ([]byte, error) {
	return append(strconv.AppendBool(append(dst, `{"found":`...), d.Found), '}'), nil
}

// NodeTokens is one node's answer to GET …/credential: its name and the
// names of the account's tokens in its service_tokens file
// (Service.FileTokenNames).
type NodeTokens struct {
	Node   string
	Tokens []string
}

// NodeFailure is a node that did not answer, rendered as the
// failed_node_exception of a nodes response.
type NodeFailure struct {
	NodeID       string
	Type, Reason string
}

// Credentials is GetServiceAccountCredentialsResponse: the tokens of the
// store and, per node, those of the nodes' files.
type Credentials struct {
	Principal   string
	IndexTokens []string
	Nodes       []NodeTokens
	Failures    []NodeFailure
}

// Count is "count": the store's tokens plus each distinct file token
// once, however many nodes hold it.
func (c Credentials) Count() int { return len(c.IndexTokens) + len(c.fileTokens()) }

// fileTokens maps each file token name to the sorted names of the nodes
// that hold it.
func (c Credentials) fileTokens() map[string][]string {
	out := map[string][]string{}
	for _, n := range c.Nodes {
		for _, t := range n.Tokens {
			if !slices.Contains(out[t], n.Node) {
				out[t] = append(out[t], n.Node)
			}
		}
	}
	for _, nodes := range out {
		slices.Sort(nodes)
	}
	return out
}

// AppendJSON writes
// {"service_account":…,"count":…,"tokens":{"t1":{}},"nodes_credentials":{"_nodes":{…},"file_tokens":{"t2":{"nodes":[…]}}}}.
// Tokens are sorted by name; Elasticsearch sorts the store's and leaves
// the files' in hash order, which JSON objects do not keep anyway.
func (c Credentials) AppendJSON(dst []byte) ([]byte, error) {
	files := c.fileTokens()
	dst = append(dst, `{"service_account":`...)
	dst = xcontent.AppendString(dst, c.Principal)
	dst = append(dst, `,"count":`...)
	dst = strconv.AppendInt(dst, int64(len(c.IndexTokens)+len(files)), 10)
	dst = append(dst, `,"tokens":{`...)
	for i, name := range slices.Sorted(slices.Values(c.IndexTokens)) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(xcontent.AppendString(dst, name), ":{}"...)
	}
	dst = append(dst, `},"nodes_credentials":{"_nodes":`...)
	header := xcontent.Obj("total", len(c.Nodes)+len(c.Failures), "successful", len(c.Nodes), "failed", len(c.Failures))
	if len(c.Failures) > 0 {
		failures := make([]any, 0, len(c.Failures))
		for _, f := range c.Failures {
			failures = append(failures, xcontent.Obj(
				"type", "failed_node_exception",
				"reason", "Failed node ["+f.NodeID+"]",
				"node_id", f.NodeID,
				"caused_by", xcontent.Obj("type", f.Type, "reason", f.Reason),
			))
		}
		header = header.With("failures", failures)
	}
	dst, err := header.AppendJSON(dst)
	if err != nil {
		return nil, err
	}
	dst = append(dst, `,"file_tokens":{`...)
	for i, name := range slices.Sorted(maps.Keys(files)) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(xcontent.AppendString(dst, name), `:{"nodes":`...)
		if dst, err = xcontent.Append(dst, files[name]); err != nil {
			return nil, err
		}
		dst = append(dst, '}')
	}
	return append(dst, "}}}"...), nil
}

// AppendJSON writes the _authenticate answer of a service account
// (Authentication.toXContentFragment): the user's fields with "token"
// after "email", the _service_account realm as both realms, and the
// "token" authentication type. Anonymous roles are never added.
func (p Principal) AppendJSON(dst []byte) ([]byte, error) {
	u := p.User()
	dst = append(dst, `{"username":`...)
	dst = xcontent.AppendString(dst, u.Username)
	dst = append(dst, `,"roles":[],"full_name":`...)
	dst = xcontent.AppendString(dst, *u.FullName)
	dst = append(dst, `,"email":null,"token":{"name":`...)
	dst = xcontent.AppendString(dst, p.TokenName)
	dst = append(dst, `,"type":`...)
	dst = xcontent.AppendString(dst, p.TokenType())
	dst = append(dst, `},"metadata":`...)
	dst = append(dst, u.Metadata...)
	dst = append(dst, `,"enabled":true,"authentication_realm":{"name":"`+RealmName+`","type":"`+RealmType+
		`"},"lookup_realm":{"name":"`+RealmName+`","type":"`+RealmType+`"},"authentication_type":"token"}`...)
	return dst, nil
}
