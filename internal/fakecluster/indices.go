package fakecluster

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// createIndexAPI handles PUT /{index} with optional settings (only hidden is
// honoured), mappings (kept and returned verbatim) and aliases.
func (c *Cluster) createIndexAPI(k *call) *reply {
	name := resolveDateMath(k.segs[0])
	var body struct {
		Settings map[string]any  `json:"settings"`
		Mappings json.RawMessage `json:"mappings"`
		Aliases  map[string]any  `json:"aliases"`
	}
	if len(k.body) > 0 {
		if err := decodeJSON(k.body, &body); err != nil {
			return bodyParseError(err).reply()
		}
	}
	s := c.st
	for a := range body.Aliases {
		if s.indices[a] != nil || s.streams[a] != nil || a == name {
			return invalidAliasName(a).reply()
		}
	}
	ix, err := s.createIndex(name)
	if err != nil {
		return err.reply()
	}
	ix.hidden = hiddenSetting(body.Settings)
	ix.mappings = body.Mappings
	for a := range body.Aliases {
		ix.aliases[a] = true
	}
	return jsonReply(200, obj{{"acknowledged", true}, {"shards_acknowledged", true}, {"index", name}})
}

// hiddenSetting finds index.hidden in any of the shapes ES accepts:
// {"index.hidden":true}, {"hidden":true} or {"index":{"hidden":"true"}}.
func hiddenSetting(settings map[string]any) bool {
	truthy := func(v any) bool { return v == true || v == "true" }
	if truthy(settings["index.hidden"]) || truthy(settings["hidden"]) {
		return true
	}
	if nested, ok := settings["index"].(map[string]any); ok {
		return truthy(nested["hidden"])
	}
	return false
}

func invalidAliasName(a string) *esError {
	return &esError{status: 400, typ: "invalid_alias_name_exception",
		reason: "Invalid alias name [" + a + "]: an index or data stream exists with the same name as the alias",
		meta:   obj{{"index_uuid", "_na_"}, {"index", a}}}
}

// deleteIndexAPI handles DELETE /{index}. Wildcards are expanded over open
// and closed indices (action.destructive_requires_name is treated as
// false); aliases and data streams cannot be deleted through it.
func (c *Cluster) deleteIndexAPI(k *call) *reply {
	o, err := parseOptions(k.q, optsDelete)
	if err != nil {
		return err.reply()
	}
	s := c.st
	exprs := splitNames(k.segs[0])
	for _, e := range exprs {
		e = resolveDateMath(e)
		if strings.Contains(e, "*") || s.indices[e] != nil {
			continue
		}
		if s.streams[e] != nil {
			return illegalArgument("The provided expression [%s] matches a data stream, specify the corresponding concrete indices instead.", e).reply()
		}
		if len(s.aliasMembers(e)) > 0 {
			return illegalArgument("The provided expression [%s] matches an alias, specify the corresponding concrete indices instead.", e).reply()
		}
	}
	names, err := s.resolveNames(exprs, o)
	if err != nil {
		return err.reply()
	}
	var doomed []*index
	for _, n := range names {
		if ix := s.indices[n.name]; ix != nil {
			doomed = append(doomed, ix)
		}
	}
	for _, ix := range doomed {
		if ds := s.streams[ix.stream]; ds != nil && ds.backing[len(ds.backing)-1] == ix.name {
			return illegalArgument("index [%s] is the write index for data stream [%s] and cannot be deleted", ix.name, ds.name).reply()
		}
	}
	for _, ix := range doomed {
		s.deleteIndex(ix)
	}
	return jsonReply(200, obj{{"acknowledged", true}})
}

// getIndexAPI handles GET /{index}: aliases, mappings and a small settings
// block per concrete index, keyed by index name.
func (c *Cluster) getIndexAPI(k *call) *reply {
	o, err := parseOptions(k.q, optsSearch)
	if err != nil {
		return err.reply()
	}
	ixs, err := c.st.concrete(k.pathIndices(), o, false)
	if err != nil {
		return err.reply()
	}
	out := obj{}
	for _, ix := range ixs {
		aliases := obj{}
		for _, a := range slices.Sorted(maps.Keys(ix.aliases)) {
			aliases = aliases.with(a, obj{})
		}
		var mappings any = obj{}
		if len(ix.mappings) > 0 {
			mappings = ix.mappings
		}
		settings := obj{{"creation_date", strconv.FormatInt(ix.created.UnixMilli(), 10)}}
		if ix.hidden {
			settings = settings.with("hidden", "true")
		}
		settings = append(settings, obj{
			{"number_of_replicas", "0"},
			{"number_of_shards", "1"},
			{"provided_name", ix.name},
			{"uuid", ix.uuid},
		}...)
		if ix.closed {
			settings = settings.with("verified_before_close", "true")
		}
		settings = settings.with("version", obj{{"created", "8536000"}})
		entry := obj{{"aliases", aliases}, {"mappings", mappings}, {"settings", obj{{"index", settings}}}}
		if ix.stream != "" {
			entry = entry.with("data_stream", ix.stream)
		}
		out = out.with(ix.name, entry)
	}
	return jsonReply(200, out)
}

// existsIndexAPI handles HEAD /{index}: 200 when everything named exists
// and something was found, else 404, always without a body.
func (c *Cluster) existsIndexAPI(k *call) *reply {
	o, err := parseOptions(k.q, optsSearch)
	if err != nil {
		return err.reply()
	}
	ixs, rerr := c.st.concrete(k.pathIndices(), o, false)
	status := 200
	if rerr != nil || len(ixs) == 0 {
		status = 404
	}
	return &reply{status: status, emptyHead: true}
}

func (c *Cluster) refreshAPI(k *call) *reply {
	o, err := parseOptions(k.q, optsSearch)
	if err != nil {
		return err.reply()
	}
	ixs, err := c.st.concrete(k.pathIndices(), o, true)
	if err != nil {
		return err.reply()
	}
	n := len(ixs)
	return jsonReply(200, obj{{"_shards", obj{{"total", n}, {"successful", n}, {"failed", 0}}}})
}

// aliasesAPI handles POST /_aliases with add, remove and remove_index
// actions. Every action is checked before any is applied, so a failing
// request changes nothing, as the cluster-state update in ES is atomic.
func (c *Cluster) aliasesAPI(k *call) *reply {
	if len(k.body) == 0 {
		return bodyRequired().reply()
	}
	var body struct {
		Actions []map[string]map[string]any `json:"actions"`
	}
	if err := decodeJSON(k.body, &body); err != nil {
		return bodyParseError(err).reply()
	}
	if len(body.Actions) == 0 {
		return validation("no actions specified").reply()
	}
	s := c.st
	var apply []func()
	for _, action := range body.Actions {
		if len(action) != 1 {
			return illegalArgument("an alias action must have exactly one of [add, remove, remove_index]").reply()
		}
		for kind, args := range action {
			indices := stringsOf(args, "index", "indices")
			aliases := stringsOf(args, "alias", "aliases")
			if len(indices) == 0 {
				return validation("One of [index] or [indices] is required").reply()
			}
			ixs, err := s.concrete(indices, indicesOptions{open: true, closed: true}, false)
			if err != nil {
				return err.reply()
			}
			switch kind {
			case "add":
				if len(aliases) == 0 {
					return validation("One of [alias] or [aliases] is required").reply()
				}
				for _, a := range aliases {
					if s.indices[a] != nil || s.streams[a] != nil {
						return invalidAliasName(a).reply()
					}
					for _, ix := range ixs {
						apply = append(apply, func() { ix.aliases[a] = true })
					}
				}
			case "remove":
				if len(aliases) == 0 {
					return validation("One of [alias] or [aliases] is required").reply()
				}
				for _, a := range aliases {
					found := false
					for _, ix := range ixs {
						for have := range ix.aliases {
							if simpleMatch(a, have) {
								found = true
								apply = append(apply, func() { delete(ix.aliases, have) })
							}
						}
					}
					if !found {
						return aliasesNotFound(a).reply()
					}
				}
			case "remove_index":
				for _, ix := range ixs {
					apply = append(apply, func() { s.deleteIndex(ix) })
				}
			default:
				return illegalArgument("Unsupported action [%s]", kind).reply()
			}
		}
	}
	for _, f := range apply {
		f()
	}
	return jsonReply(200, obj{{"acknowledged", true}, {"errors", false}})
}

func aliasesNotFound(a string) *esError {
	return &esError{status: 404, typ: "aliases_not_found_exception", reason: "aliases [" + a + "] missing",
		meta: obj{{"resource.type", "aliases"}, {"resource.id", a}}}
}

// stringsOf reads a field that may be a string or a list of strings, under
// either its singular or plural name.
func stringsOf(m map[string]any, singular, plural string) []string {
	var out []string
	for _, key := range []string{singular, plural} {
		switch v := m[key].(type) {
		case string:
			out = append(out, splitNames(v)...)
		case []any:
			for _, e := range v {
				out = append(out, fmt.Sprint(e))
			}
		}
	}
	return out
}
