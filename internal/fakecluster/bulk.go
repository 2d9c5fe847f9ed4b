package fakecluster

import (
	"bytes"
	"fmt"
	"strconv"
)

// bulkAction is one parsed _bulk action line.
type bulkAction struct {
	line         int
	op           writeOp
	requireAlias bool
	explicitID   bool
}

var bulkParams = map[string]bool{
	"_index": true, "_id": true, "routing": true, "if_seq_no": true, "if_primary_term": true,
	"require_alias": true, "retry_on_conflict": true, "pipeline": true, "version": true,
	"version_type": true, "dynamic_templates": true, "_source": true, "require_data_stream": true,
	"list_executed_pipelines": true,
}

// bulkAPI handles POST|PUT /_bulk and /{index}/_bulk: NDJSON index, create,
// update and delete actions, executed in order, answered item by item in
// BulkResponse's shape (errors, took, items).
func (c *Cluster) bulkAPI(k *call) *reply {
	if len(k.body) == 0 {
		return validation("no requests added").reply()
	}
	if k.body[len(k.body)-1] != '\n' {
		return illegalArgument("The bulk request must be terminated by a newline [\\n]").reply()
	}
	defIndex := ""
	if !isAPI(k.segs[0]) {
		defIndex = k.segs[0]
	}
	actions, err := parseBulk(k.body, defIndex)
	if err != nil {
		return err.reply()
	}
	var missing []string
	for _, a := range actions {
		if a.op.index == "" {
			missing = append(missing, "index is missing")
		}
		if a.op.id == "" && (a.op.kind == "update" || a.op.kind == "delete") {
			missing = append(missing, "id is missing")
		}
	}
	if len(missing) > 0 {
		return validation(missing...).reply()
	}
	s := c.st
	items := make([]obj, 0, len(actions))
	errors := false
	for _, a := range actions {
		var w writeResult
		var err *esError
		if a.requireAlias && len(s.aliasMembers(resolveDateMath(a.op.index))) == 0 {
			err = indexNotFound(a.op.index)
			err.reason += " and [require_alias] request flag is [true] and [" + a.op.index + "] is not an alias"
		} else {
			w, err = s.apply(a.op)
		}
		if err != nil {
			errors = true
			var id any
			if a.explicitID {
				id = a.op.id
			}
			items = append(items, obj{{a.op.kind, obj{
				{"_index", a.op.index}, {"_id", id}, {"status", err.status}, {"error", err.short()},
			}}})
			continue
		}
		items = append(items, obj{{a.op.kind, w.body(forcedRefresh(k.q)).with("status", w.status)}})
	}
	return jsonReply(200, obj{{"errors", errors}, {"took", took(k)}, {"items", items}})
}

// parseBulk splits the NDJSON body into actions, pairing each index, create
// and update line with the source line after it.
func parseBulk(body []byte, defIndex string) ([]bulkAction, *esError) {
	lines := bytes.Split(body[:len(body)-1], []byte("\n"))
	var out []bulkAction
	for i := 0; i < len(lines); i++ {
		line := bytes.TrimSpace(lines[i])
		if len(line) == 0 {
			continue
		}
		var meta map[string]map[string]any
		if err := decodeJSON(line, &meta); err != nil || len(meta) != 1 {
			return nil, illegalArgument("Malformed action/metadata line [%d], expected START_OBJECT or END_OBJECT but found [%s]", i+1, firstToken(line))
		}
		a := bulkAction{line: i + 1, op: writeOp{index: defIndex, ifSeqNo: -1, ifTerm: -1}}
		var params map[string]any
		for kind, p := range meta {
			switch kind {
			case "index", "create", "update", "delete":
			default:
				return nil, illegalArgument("Malformed action/metadata line [%d], expected one of [create, delete, index, update] but found [%s]", i+1, kind)
			}
			a.op.kind, params = kind, p
		}
		for name, v := range params {
			if !bulkParams[name] {
				return nil, illegalArgument("Action/metadata line [%d] contains an unknown parameter [%s]", i+1, name)
			}
			switch name {
			case "_index":
				a.op.index = scalarString(v)
			case "_id":
				a.op.id, a.explicitID = scalarString(v), true
			case "require_alias":
				a.requireAlias = scalarString(v) == "true"
			case "if_seq_no", "if_primary_term":
				n, err := strconv.ParseInt(scalarString(v), 10, 64)
				if err != nil {
					return nil, illegalArgument("[%s] must be a number, found [%v]", name, v)
				}
				if name == "if_seq_no" {
					a.op.ifSeqNo = n
				} else {
					a.op.ifTerm = n
				}
			}
		}
		if a.op.kind != "delete" {
			i++
			if i >= len(lines) {
				return nil, illegalArgument("Malformed action/metadata line [%d], expected a source line after it", a.line)
			}
			a.op.source = bytes.TrimSpace(lines[i])
		}
		out = append(out, a)
	}
	return out, nil
}

func firstToken(line []byte) string {
	if len(line) == 0 {
		return ""
	}
	return fmt.Sprintf("%c", line[0])
}
