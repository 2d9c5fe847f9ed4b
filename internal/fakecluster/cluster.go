package fakecluster

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Versions the cluster reports in GET /.
const (
	ElasticsearchVersion = "8.19.4"
	OpenSearchVersion    = "2.19.1"
)

const clusterName = "fakecluster"

func (c *Cluster) info(*call) *reply {
	if c.cfg.openSearch {
		return jsonReply(200, obj{
			{"name", "fakecluster-node-1"},
			{"cluster_name", clusterName},
			{"cluster_uuid", c.st.uuid},
			{"version", obj{
				{"distribution", "opensearch"},
				{"number", OpenSearchVersion},
				{"build_type", "tar"},
				{"build_hash", "fa4c1b2f0fakecluster0000000000000000000"},
				{"build_date", "2025-03-01T00:00:00.000000Z"},
				{"build_snapshot", false},
				{"lucene_version", "9.12.1"},
				{"minimum_wire_compatibility_version", "7.10.0"},
				{"minimum_index_compatibility_version", "7.0.0"},
			}},
			{"tagline", "The OpenSearch Project: https://opensearch.org/"},
		})
	}
	return jsonReply(200, obj{
		{"name", "fakecluster-node-1"},
		{"cluster_name", clusterName},
		{"cluster_uuid", c.st.uuid},
		{"version", obj{
			{"number", ElasticsearchVersion},
			{"build_flavor", "default"},
			{"build_type", "docker"},
			{"build_hash", "fa4c1b2f0fakecluster0000000000000000000"},
			{"build_date", "2025-09-01T00:00:00.000000000Z"},
			{"build_snapshot", false},
			{"lucene_version", "9.12.2"},
			{"minimum_wire_compatibility_version", "7.17.0"},
			{"minimum_index_compatibility_version", "7.0.0"},
		}},
		{"tagline", "You Know, for Search"},
	})
}

// healthAPI answers green: one node, one primary and no replica per index
// (number_of_replicas is 0 here, which is what makes a one-node cluster
// green). A named index that does not exist times out red, as ES's health
// wait does.
func (c *Cluster) healthAPI(k *call) *reply {
	var exprs []string
	if len(k.segs) == 3 {
		exprs = splitNames(k.segs[2])
	}
	status, code, timedOut := "green", 200, false
	o, err := parseOptions(k.q, optsAll)
	if err != nil {
		return err.reply()
	}
	ixs, rerr := c.st.concrete(exprs, o, false)
	if rerr != nil {
		status, code, timedOut = "red", 408, true
	}
	shards := 0
	for _, ix := range ixs {
		if !ix.closed {
			shards++
		}
	}
	body := obj{
		{"cluster_name", clusterName},
		{"status", status},
		{"timed_out", timedOut},
		{"number_of_nodes", 1},
		{"number_of_data_nodes", 1},
	}
	if c.cfg.openSearch {
		body = body.with("discovered_master", true).with("discovered_cluster_manager", true)
	}
	body = append(body, obj{
		{"active_primary_shards", shards},
		{"active_shards", shards},
		{"relocating_shards", 0},
		{"initializing_shards", 0},
		{"unassigned_shards", 0},
	}...)
	if !c.cfg.openSearch {
		body = body.with("unassigned_primary_shards", 0)
	}
	body = append(body, obj{
		{"delayed_unassigned_shards", 0},
		{"number_of_pending_tasks", 0},
		{"number_of_in_flight_fetch", 0},
		{"task_max_waiting_in_queue_millis", 0},
		{"active_shards_percent_as_number", json.RawMessage("100.0")},
	}...)
	return jsonReply(code, body)
}

// catColumns are _cat/indices' default columns; right marks the ones ES
// declares text-align:right.
var catColumns = []struct {
	name  string
	right bool
}{
	{"health", false}, {"status", false}, {"index", false}, {"uuid", false}, {"pri", true}, {"rep", true},
	{"docs.count", true}, {"docs.deleted", true}, {"store.size", true}, {"pri.store.size", true}, {"dataset.size", true},
}

// catIndicesAPI answers GET /_cat/indices[/{index}] as text (with v, h and
// bytes=b) or, with format=json, as an array of string-valued objects.
// Hidden indices are listed by default (expand_wildcards defaults to all).
func (c *Cluster) catIndicesAPI(k *call) *reply {
	var exprs []string
	if len(k.segs) == 3 {
		exprs = splitNames(k.segs[2])
	}
	o, err := parseOptions(k.q, optsAll)
	if err != nil {
		return err.reply()
	}
	ixs, err := c.st.concrete(exprs, o, false)
	if err != nil {
		return err.reply()
	}
	cols := catColumns
	if h := k.q.Get("h"); h != "" {
		cols = cols[:0:0]
		for _, want := range strings.Split(h, ",") {
			for _, col := range catColumns {
				if col.name == want {
					cols = append(cols, col)
				}
			}
		}
	}
	rawBytes := k.q.Get("bytes") == "b"
	rows := make([][]*string, 0, len(ixs))
	for _, ix := range ixs {
		row := make([]*string, len(cols))
		for i, col := range cols {
			row[i] = catCell(ix, col.name, rawBytes)
		}
		rows = append(rows, row)
	}
	if k.q.Get("format") == "json" || strings.Contains(k.header.Get("Accept"), "application/json") {
		out := make([]obj, 0, len(rows))
		for _, row := range rows {
			o := obj{}
			for i, col := range cols {
				if row[i] == nil {
					o = o.with(col.name, nil)
				} else {
					o = o.with(col.name, *row[i])
				}
			}
			out = append(out, o)
		}
		return jsonReply(200, out)
	}
	return &reply{status: 200, ctype: "text/plain; charset=UTF-8", body: []byte(catTable(cols, rows, k.q.Has("v") && k.q.Get("v") != "false"))}
}

func catCell(ix *index, col string, rawBytes bool) *string {
	str := func(s string) *string { return &s }
	size := func() *string {
		if ix.closed {
			return nil
		}
		if rawBytes {
			return str(strconv.Itoa(ix.storeSize()))
		}
		return str(humanBytes(ix.storeSize()))
	}
	switch col {
	case "health":
		return str("green")
	case "status":
		if ix.closed {
			return str("close")
		}
		return str("open")
	case "index":
		return str(ix.name)
	case "uuid":
		return str(ix.uuid)
	case "pri":
		return str("1")
	case "rep":
		return str("0")
	case "docs.count":
		if ix.closed {
			return nil
		}
		return str(strconv.Itoa(len(ix.docs)))
	case "docs.deleted":
		if ix.closed {
			return nil
		}
		return str("0")
	}
	return size()
}

// humanBytes formats like ES's ByteSizeValue: one decimal, dropped when 0.
func humanBytes(n int) string {
	units := []string{"b", "kb", "mb", "gb", "tb"}
	v := float64(n)
	u := 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + units[u]
}

// catTable pads columns to their widest cell, right-aligning numeric ones,
// one space apart, as RestTable does.
func catTable(cols []struct {
	name  string
	right bool
}, rows [][]*string, header bool) string {
	width := make([]int, len(cols))
	if header {
		for i, col := range cols {
			width[i] = len(col.name)
		}
	}
	for _, row := range rows {
		for i, cell := range row {
			if cell != nil {
				width[i] = max(width[i], len(*cell))
			}
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for i, cell := range cells {
			pad := strings.Repeat(" ", width[i]-len(cell))
			switch {
			case cols[i].right:
				b.WriteString(pad + cell)
			case i == len(cells)-1:
				b.WriteString(cell)
			default:
				b.WriteString(cell + pad)
			}
			if i < len(cells)-1 {
				b.WriteByte(' ')
			}
		}
		b.WriteByte('\n')
	}
	if header {
		names := make([]string, len(cols))
		for i, col := range cols {
			names[i] = col.name
		}
		line(names)
	}
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, cell := range row {
			if cell != nil {
				cells[i] = *cell
			}
		}
		line(cells)
	}
	return b.String()
}
