package fakecluster

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
)

// writeOp is one document write, from a single-document API or a _bulk line.
type writeOp struct {
	kind   string // index, create, update, delete
	index  string
	id     string
	source []byte
	// ifSeqNo/ifTerm are optimistic concurrency conditions; -1 when absent.
	ifSeqNo, ifTerm int64
}

// writeResult is what a successful write answers with.
type writeResult struct {
	ix      *index
	id      string
	version int64
	seqNo   int64
	result  string // created, updated, deleted, not_found, noop
	status  int
}

// body renders DocWriteResponse.innerToXContent; refresh=true adds
// forced_refresh. A noop touched no shard.
func (w writeResult) body(forcedRefresh bool) obj {
	o := obj{{"_index", w.ix.name}, {"_id", w.id}, {"_version", w.version}, {"result", w.result}}
	if forcedRefresh {
		o = o.with("forced_refresh", true)
	}
	shards := obj{{"total", 1}, {"successful", 1}, {"failed", 0}}
	if w.result == "noop" {
		shards = obj{{"total", 0}, {"successful", 0}, {"failed", 0}}
	}
	return o.with("_shards", shards).with("_seq_no", w.seqNo).with("_primary_term", 1)
}

func documentParsing(why string) *esError {
	return &esError{status: 400, typ: "document_parsing_exception", reason: "failed to parse: " + why}
}

// apply performs a write the way the primary shard would.
func (s *state) apply(op writeOp) (writeResult, *esError) {
	switch op.kind {
	case "delete":
		return s.applyDelete(op)
	case "update":
		return s.applyUpdate(op)
	}
	create := op.kind == "create"
	if op.id == "" {
		// Auto-generated ids make the operation a create (op_type=create).
		op.id, create = autoID(), true
	}
	ix, err := s.writeTarget(op.index, create, true)
	if err != nil {
		return writeResult{}, err
	}
	d, perr := newDoc(op.id, op.source)
	if perr != nil {
		return writeResult{}, documentParsing(perr.Error())
	}
	if ix.stream != "" && len(fieldValues(d.src, "@timestamp")) == 0 {
		return writeResult{}, documentParsing("data stream timestamp field [@timestamp] is missing")
	}
	prev := ix.docs[op.id]
	if create && prev != nil {
		return writeResult{}, versionConflict(ix, op.id, fmt.Sprintf("document already exists (current version [%d])", prev.version))
	}
	if err := checkSeqNo(ix, op, prev); err != nil {
		return writeResult{}, err
	}
	ix.store(d)
	w := writeResult{ix: ix, id: op.id, version: d.version, seqNo: d.seqNo, result: "created", status: 201}
	if prev != nil {
		w.result, w.status = "updated", 200
	}
	return w, nil
}

func checkSeqNo(ix *index, op writeOp, prev *doc) *esError {
	if op.ifSeqNo < 0 && op.ifTerm < 0 {
		return nil
	}
	if prev == nil {
		return versionConflict(ix, op.id, fmt.Sprintf("required seqNo [%d], primary term [%d] but no document was found", op.ifSeqNo, op.ifTerm))
	}
	if prev.seqNo != op.ifSeqNo || op.ifTerm != 1 {
		return versionConflict(ix, op.id, fmt.Sprintf("required seqNo [%d], primary term [%d]. current document has seqNo [%d] and primary term [1]",
			op.ifSeqNo, op.ifTerm, prev.seqNo))
	}
	return nil
}

// applyDelete never creates an index: a delete on a missing index fails.
func (s *state) applyDelete(op writeOp) (writeResult, *esError) {
	ix, err := s.writeTarget(op.index, false, false)
	if err != nil {
		return writeResult{}, err
	}
	if err := checkSeqNo(ix, op, ix.docs[op.id]); err != nil {
		return writeResult{}, err
	}
	version, seq, found := ix.remove(op.id)
	w := writeResult{ix: ix, id: op.id, version: version, seqNo: seq, result: "deleted", status: 200}
	if !found {
		w.result, w.status = "not_found", 404
	}
	return w, nil
}

// applyUpdate merges "doc" into the stored source (objects merge
// recursively, everything else is replaced), honouring upsert,
// doc_as_upsert and detect_noop. Scripts are not supported.
func (s *state) applyUpdate(op writeOp) (writeResult, *esError) {
	var body struct {
		Doc         map[string]any `json:"doc"`
		Upsert      map[string]any `json:"upsert"`
		DocAsUpsert bool           `json:"doc_as_upsert"`
		DetectNoop  *bool          `json:"detect_noop"`
		Script      any            `json:"script"`
	}
	if len(op.source) == 0 {
		return writeResult{}, bodyRequired()
	}
	if err := decodeJSON(op.source, &body); err != nil {
		return writeResult{}, bodyParseError(err)
	}
	if body.Script != nil {
		return writeResult{}, illegalArgument("fakecluster does not run scripts: use a partial doc")
	}
	if body.Doc == nil && body.Upsert == nil {
		return writeResult{}, validation("script or doc is missing")
	}
	ix, err := s.writeTarget(op.index, false, true)
	if err != nil {
		return writeResult{}, err
	}
	prev := ix.docs[op.id]
	if err := checkSeqNo(ix, op, prev); err != nil {
		return writeResult{}, err
	}
	var next map[string]any
	switch {
	case prev != nil:
		next = mergeDoc(prev.src, body.Doc)
		if (body.DetectNoop == nil || *body.DetectNoop) && reflect.DeepEqual(next, prev.src) {
			return writeResult{ix: ix, id: op.id, version: prev.version, seqNo: prev.seqNo, result: "noop", status: 200}, nil
		}
	case body.Upsert != nil:
		next = body.Upsert
	case body.DocAsUpsert && body.Doc != nil:
		next = body.Doc
	default:
		return writeResult{}, documentMissing(ix, op.id)
	}
	raw, merr := json.Marshal(next)
	if merr != nil {
		return writeResult{}, documentParsing(merr.Error())
	}
	d, _ := newDoc(op.id, raw)
	ix.store(d)
	w := writeResult{ix: ix, id: op.id, version: d.version, seqNo: d.seqNo, result: "updated", status: 200}
	if prev == nil {
		w.result, w.status = "created", 201
	}
	return w, nil
}

// mergeDoc is XContentHelper.update: nested objects merge, other values
// (arrays included) are replaced. base is not modified.
func mergeDoc(base, changes map[string]any) map[string]any {
	out := maps.Clone(base)
	for k, v := range changes {
		if sub, ok := v.(map[string]any); ok {
			if old, ok := out[k].(map[string]any); ok {
				out[k] = mergeDoc(old, sub)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// seqParams reads if_seq_no and if_primary_term.
func seqParams(q url.Values) (int64, int64, *esError) {
	get := func(name string) (int64, *esError) {
		if !q.Has(name) {
			return -1, nil
		}
		n, err := strconv.ParseInt(q.Get(name), 10, 64)
		if err != nil {
			return 0, illegalArgument("Failed to parse long parameter [%s] with value [%s]", name, q.Get(name))
		}
		return n, nil
	}
	seq, err := get("if_seq_no")
	if err != nil {
		return 0, 0, err
	}
	term, err := get("if_primary_term")
	return seq, term, err
}

// forcedRefresh is true for refresh=true (or a bare refresh), which ES
// reports in the write answer.
func forcedRefresh(q url.Values) bool {
	return q.Has("refresh") && (q.Get("refresh") == "" || q.Get("refresh") == "true")
}

func (c *Cluster) singleWrite(k *call, kind, id string) *reply {
	if kind != "delete" && len(k.body) == 0 {
		return bodyRequired().reply()
	}
	seq, term, err := seqParams(k.q)
	if err != nil {
		return err.reply()
	}
	w, err := c.st.apply(writeOp{kind: kind, index: k.segs[0], id: id, source: k.body, ifSeqNo: seq, ifTerm: term})
	if err != nil {
		return err.reply()
	}
	rep := jsonReply(w.status, w.body(forcedRefresh(k.q)))
	if w.status == 201 {
		rep.header = http.Header{"Location": {"/" + url.PathEscape(w.ix.name) + "/_doc/" + url.PathEscape(w.id)}}
	}
	return rep
}

// indexDocAPI handles PUT|POST /{index}/_doc/{id} and POST /{index}/_doc.
func (c *Cluster) indexDocAPI(k *call) *reply {
	kind, id := "index", ""
	if len(k.segs) == 3 {
		id = k.segs[2]
	}
	if k.q.Get("op_type") == "create" {
		kind = "create"
	}
	return c.singleWrite(k, kind, id)
}

func (c *Cluster) createDocAPI(k *call) *reply { return c.singleWrite(k, "create", k.segs[2]) }

func (c *Cluster) deleteDocAPI(k *call) *reply { return c.singleWrite(k, "delete", k.segs[2]) }

func (c *Cluster) updateDocAPI(k *call) *reply { return c.singleWrite(k, "update", k.segs[2]) }

// getResult renders GetResult: metadata, found, then _source.
func getResult(ix *index, d *doc, f sourceFilter) obj {
	o := obj{{"_index", ix.name}, {"_id", d.id}, {"_version", d.version}, {"_seq_no", d.seqNo}, {"_primary_term", 1}, {"found", true}}
	if !f.off {
		o = o.with("_source", f.render(d))
	}
	return o
}

// getDocAPI handles GET|HEAD /{index}/_doc/{id}.
func (c *Cluster) getDocAPI(k *call) *reply {
	ix, err := c.st.readTarget(k.segs[0])
	if err != nil {
		return err.reply()
	}
	id := k.segs[2]
	d := ix.docs[id]
	if d == nil {
		return jsonReply(404, obj{{"_index", ix.name}, {"_id", id}, {"found", false}})
	}
	return jsonReply(200, getResult(ix, d, filterFromParams(k.q, sourceFilter{})))
}

// getSourceAPI handles GET|HEAD /{index}/_source/{id}: the bare source.
func (c *Cluster) getSourceAPI(k *call) *reply {
	f := filterFromParams(k.q, sourceFilter{})
	if f.off {
		return validation("fetching source can not be disabled").reply()
	}
	ix, err := c.st.readTarget(k.segs[0])
	if err != nil {
		return err.reply()
	}
	d := ix.docs[k.segs[2]]
	if d == nil {
		return resourceNotFound("Document not found [%s]/[%s]", ix.name, k.segs[2]).reply()
	}
	return jsonReply(200, f.render(d))
}
