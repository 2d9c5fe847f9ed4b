package fakecluster

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
)

// mgetAPI handles GET|POST /_mget and /{index}/_mget with "docs" or "ids".
// Each item resolves on its own: a missing index is an error item, a
// missing document a found:false item.
func (c *Cluster) mgetAPI(k *call) *reply {
	if len(k.body) == 0 {
		return bodyRequired().reply()
	}
	var body struct {
		Docs []map[string]any `json:"docs"`
		IDs  []any            `json:"ids"`
	}
	if err := decodeJSON(k.body, &body); err != nil {
		return bodyParseError(err).reply()
	}
	defIndex := ""
	if !isAPI(k.segs[0]) {
		defIndex = k.segs[0]
	}
	base := filterFromParams(k.q, sourceFilter{})
	type item struct {
		index, id string
		f         sourceFilter
	}
	var items []item
	var problems []string
	for i, d := range body.Docs {
		it := item{index: defIndex, f: base}
		if v, ok := d["_index"]; ok {
			it.index = scalarString(v)
		}
		if v, ok := d["_id"]; ok {
			it.id = scalarString(v)
		}
		if v, ok := d["_source"]; ok {
			f, err := filterFromBody(v)
			if err != nil {
				return err.reply()
			}
			it.f = f
		}
		if it.index == "" {
			problems = append(problems, fmt.Sprintf("index is missing for doc %d", i))
		}
		if it.id == "" {
			problems = append(problems, fmt.Sprintf("id is missing for doc %d", i))
		}
		items = append(items, it)
	}
	for i, id := range body.IDs {
		if defIndex == "" {
			problems = append(problems, fmt.Sprintf("index is missing for doc %d", i))
		}
		items = append(items, item{index: defIndex, id: scalarString(id), f: base})
	}
	if len(items) == 0 {
		problems = append(problems, "no documents to get")
	}
	if len(problems) > 0 {
		return validation(problems...).reply()
	}
	docs := make([]obj, 0, len(items))
	for _, it := range items {
		ix, err := c.st.readTarget(it.index)
		switch {
		case err != nil:
			docs = append(docs, obj{{"_index", it.index}, {"_id", it.id}, {"error", err.full()}})
		case ix.docs[it.id] == nil:
			docs = append(docs, obj{{"_index", ix.name}, {"_id", it.id}, {"found", false}})
		default:
			docs = append(docs, getResult(ix, ix.docs[it.id], it.f))
		}
	}
	return jsonReply(200, obj{{"docs", docs}})
}

// msearchHeaderKeys are the keys a _msearch header line may carry.
var msearchHeaderKeys = map[string]bool{
	"index": true, "indices": true, "expand_wildcards": true, "ignore_unavailable": true, "allow_no_indices": true,
	"search_type": true, "preference": true, "routing": true, "request_cache": true, "ccs_minimize_roundtrips": true,
	"allow_partial_search_results": true, "ignore_throttled": true,
}

// msearchAPI handles GET|POST /_msearch and /{index}/_msearch: header and
// body line pairs, each run as an independent search. A failed item carries
// the error with root_cause and its status; the request itself succeeds.
func (c *Cluster) msearchAPI(k *call) *reply {
	if len(k.body) == 0 {
		return validation("no requests added").reply()
	}
	if k.body[len(k.body)-1] != '\n' {
		return illegalArgument("The msearch request must be terminated by a newline [\\n]").reply()
	}
	lines := bytes.Split(k.body[:len(k.body)-1], []byte("\n"))
	if len(lines)%2 != 0 {
		return illegalArgument("The msearch request must be terminated by a newline [\\n]").reply()
	}
	var responses []obj
	for i := 0; i < len(lines); i += 2 {
		header := map[string]any{}
		if h := bytes.TrimSpace(lines[i]); len(h) > 0 {
			if err := decodeJSON(h, &header); err != nil {
				return bodyParseError(err).reply()
			}
		}
		// Request-level parameters are the defaults each header overrides.
		q := url.Values{}
		for _, p := range []string{"expand_wildcards", "ignore_unavailable", "allow_no_indices", "rest_total_hits_as_int"} {
			if k.q.Has(p) {
				q.Set(p, k.q.Get(p))
			}
		}
		indices := k.pathIndices()
		for key, v := range header {
			if !msearchHeaderKeys[key] {
				return illegalArgument("key [%s] is not supported in the metadata section", key).reply()
			}
			vals := headerStrings(v)
			if key == "index" || key == "indices" {
				indices = nil
				for _, s := range vals {
					indices = append(indices, splitNames(s)...)
				}
				continue
			}
			q.Set(key, strings.Join(vals, ","))
		}
		body, err := c.search(k, indices, q, bytes.TrimSpace(lines[i+1]))
		if err != nil {
			responses = append(responses, obj{{"error", err.full()}, {"status", err.status}})
			continue
		}
		responses = append(responses, body.with("status", 200))
	}
	return jsonReply(200, obj{{"took", took(k)}, {"responses", responses}})
}

func headerStrings(v any) []string {
	if list, ok := v.([]any); ok {
		out := make([]string, 0, len(list))
		for _, e := range list {
			out = append(out, scalarString(e))
		}
		return out
	}
	return []string{scalarString(v)}
}
