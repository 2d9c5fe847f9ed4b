package fakecluster

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// scrollCtx is an open scroll: the full hit list frozen at the first search
// and how far the client has read.
type scrollCtx struct {
	id      string
	n       int64
	req     *searchReq
	hits    []hit
	pos     int
	shards  int
	expires time.Time
}

// pitCtx is an open point in time: the documents of its indices as they
// were when it was opened.
type pitCtx struct {
	id      string
	n       int64
	shards  []shard
	expires time.Time
}

// Context ids are opaque to clients, like ES's: URL-safe base64 with
// padding, so a gateway that does not escape them in a query string breaks.
const (
	scrollPrefix = "fakecluster-scroll"
	pitPrefix    = "fakecluster-pit"
)

func (s *state) mintID(prefix string) (string, int64) {
	s.nextCtx++
	n := s.nextCtx
	return base64.URLEncoding.EncodeToString([]byte(fmt.Sprintf("%s:%d:%s", prefix, n, randomID(12)))), n
}

// parseCtxID returns the context number inside an id, or false when the id
// is not one this cluster could have minted.
func parseCtxID(id, prefix string) (int64, bool) {
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.StdEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(id); err == nil {
			break
		}
	}
	if err != nil {
		return 0, false
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != prefix {
		return 0, false
	}
	n, err := strconv.ParseInt(parts[1], 10, 64)
	return n, err == nil
}

func (s *state) newScroll(r *searchReq, hits []hit, shards int) *scrollCtx {
	id, n := s.mintID(scrollPrefix)
	ctx := &scrollCtx{id: id, n: n, req: r, hits: hits, shards: shards, expires: time.Now().Add(r.scroll)}
	s.scrolls[id] = ctx
	return ctx
}

func (s *state) lookupScroll(id string) (*scrollCtx, *esError) {
	n, ok := parseCtxID(id, scrollPrefix)
	if !ok {
		return nil, illegalArgument("Cannot parse scroll id")
	}
	ctx := s.scrolls[id]
	if ctx != nil && time.Now().After(ctx.expires) {
		delete(s.scrolls, id)
		ctx = nil
	}
	if ctx == nil {
		return nil, contextMissing(n)
	}
	return ctx, nil
}

func (s *state) lookupPit(id string) (*pitCtx, *esError) {
	n, ok := parseCtxID(id, pitPrefix)
	if !ok {
		return nil, illegalArgument("invalid id: [%s]", id)
	}
	p := s.pits[id]
	if p != nil && time.Now().After(p.expires) {
		delete(s.pits, id)
		p = nil
	}
	if p == nil {
		return nil, contextMissing(n)
	}
	return p, nil
}

// scrollAPI handles GET|POST /_search/scroll[/{id}]: the next page of an
// open scroll, with the keep-alive renewed when scroll is given.
func (c *Cluster) scrollAPI(k *call) *reply {
	var body struct {
		Scroll   string `json:"scroll"`
		ScrollID string `json:"scroll_id"`
	}
	if len(k.body) > 0 {
		if err := decodeJSON(k.body, &body); err != nil {
			return bodyParseError(err).reply()
		}
	}
	id, keep := body.ScrollID, body.Scroll
	if id == "" {
		id = k.q.Get("scroll_id")
	}
	if id == "" && len(k.segs) == 3 {
		id = k.segs[2]
	}
	if keep == "" {
		keep = k.q.Get("scroll")
	}
	if id == "" {
		return validation("scroll id is missing").reply()
	}
	ctx, err := c.st.lookupScroll(id)
	if err != nil {
		return err.reply()
	}
	if keep != "" {
		d, err := parseKeepAlive("scroll", keep)
		if err != nil {
			return err.reply()
		}
		ctx.expires = time.Now().Add(d)
	}
	pg := page(ctx.hits, ctx.pos, ctx.req.size)
	ctx.pos += len(pg)
	r := *ctx.req
	r.totalAsInt = k.q.Get("rest_total_hits_as_int") == "true"
	return jsonReply(200, r.body(ctx.id, "", took(k), ctx.shards, len(ctx.hits), pg))
}

// clearScrollAPI handles DELETE /_search/scroll[/{ids}] with ids in the
// body, the query or the path; "_all" clears every scroll. num_freed counts
// shard contexts, and 0 freed answers 404 (ClearScrollResponse.status).
func (c *Cluster) clearScrollAPI(k *call) *reply {
	var body struct {
		ScrollID json.RawMessage `json:"scroll_id"`
	}
	if len(k.body) > 0 {
		if err := decodeJSON(k.body, &body); err != nil {
			return bodyParseError(err).reply()
		}
	}
	ids := rawOrString(body.ScrollID)
	if len(ids) == 0 {
		ids = splitNames(k.q.Get("scroll_id"))
	}
	if len(ids) == 0 && len(k.segs) == 3 {
		ids = splitNames(k.segs[2])
	}
	if len(ids) == 0 {
		return validation("no scroll ids specified").reply()
	}
	s := c.st
	freed := 0
	if len(ids) == 1 && ids[0] == "_all" {
		for id, ctx := range s.scrolls {
			freed += ctx.shards
			delete(s.scrolls, id)
		}
	} else {
		for _, id := range ids {
			if _, ok := parseCtxID(id, scrollPrefix); !ok {
				return illegalArgument("Cannot parse scroll id").reply()
			}
		}
		for _, id := range ids {
			if ctx := s.scrolls[id]; ctx != nil {
				if time.Now().Before(ctx.expires) {
					freed += ctx.shards
				}
				delete(s.scrolls, id)
			}
		}
	}
	status := 200
	if freed == 0 {
		status = 404
	}
	return jsonReply(status, obj{{"succeeded", true}, {"num_freed", freed}})
}

// openPitAPI handles POST /{index}/_pit?keep_alive=: it freezes the
// documents of the target indices.
func (c *Cluster) openPitAPI(k *call) *reply {
	if !k.q.Has("keep_alive") {
		return validation("[keep_alive] is not specified").reply()
	}
	keep, err := parseKeepAlive("keep_alive", k.q.Get("keep_alive"))
	if err != nil {
		return err.reply()
	}
	o, err := parseOptions(k.q, optsSearch)
	if err != nil {
		return err.reply()
	}
	s := c.st
	ixs, err := s.concrete(k.pathIndices(), o, true)
	if err != nil {
		return err.reply()
	}
	id, n := s.mintID(pitPrefix)
	s.pits[id] = &pitCtx{id: id, n: n, shards: liveShards(ixs), expires: time.Now().Add(keep)}
	return jsonReply(200, obj{{"id", id}, {"_shards", obj{{"total", len(ixs)}, {"successful", len(ixs)}, {"skipped", 0}, {"failed", 0}}}})
}

// closePitAPI handles DELETE /_pit {"id": ...}.
func (c *Cluster) closePitAPI(k *call) *reply {
	if len(k.body) == 0 {
		return bodyRequired().reply()
	}
	var body struct {
		ID string `json:"id"`
	}
	if err := decodeJSON(k.body, &body); err != nil {
		return bodyParseError(err).reply()
	}
	if body.ID == "" {
		return validation("point-in-time id must be specified").reply()
	}
	if _, ok := parseCtxID(body.ID, pitPrefix); !ok {
		return illegalArgument("invalid id: [%s]", body.ID).reply()
	}
	s := c.st
	freed := 0
	if p := s.pits[body.ID]; p != nil {
		if time.Now().Before(p.expires) {
			freed = len(p.shards)
		}
		delete(s.pits, body.ID)
	}
	status := 200
	if freed == 0 {
		status = 404
	}
	return jsonReply(status, obj{{"succeeded", true}, {"num_freed", freed}})
}
