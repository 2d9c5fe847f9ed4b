package roles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/esauth/esauth/internal/eserr"
)

// CheckQueries checks the document-level security queries of the
// descriptor as Elasticsearch does when a role or an API key is stored
// (DLSRoleQueryValidator.validateQueryField): each must be a JSON object
// naming a query, and none may be of a kind that cannot restrict
// documents safely. Templates are checked when used, not here. The
// query DSL itself is the cluster's to parse.
func (d Descriptor) CheckQueries() error {
	for i, ip := range d.Indices {
		if ip.Query == "" {
			continue
		}
		if err := checkRoleQuery(ip.Query); err != nil {
			e := eserr.Parse("failed to parse field 'query' for [%d]th index privilege from role descriptor", i)
			var cause *eserr.Error
			if errors.As(err, &cause) {
				e.CausedBy = cause
			} else {
				e.CausedBy = eserr.IllegalArgument("%s", err.Error())
			}
			return e
		}
	}
	return nil
}

func checkRoleQuery(q string) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader([]byte(q)))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return eserr.Parse("the query is not valid JSON: %v", err)
	}
	if tok != json.Delim('{') {
		return eserr.Parse("expected [START_OBJECT] but found [%s] instead", tokenName(tok))
	}
	name, err := dec.Token()
	if err != nil {
		return eserr.Parse("the query is not valid JSON: %v", err)
	}
	if _, ok := name.(string); !ok {
		return eserr.Parse("expected [FIELD_NAME] with value a query name or 'template' but found [%s] instead", tokenName(name))
	}
	if err := json.Unmarshal([]byte(q), &v); err != nil {
		return eserr.Parse("the query is not valid JSON: %v", err)
	}
	if name == "template" {
		return nil
	}
	return verifyRoleQuery(v)
}

// verifyRoleQuery refuses the queries DLSRoleQueryValidator.verifyRoleQuery
// refuses, looking into the compound queries it looks into.
func verifyRoleQuery(v any) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	for kind, body := range obj {
		inner, _ := body.(map[string]any)
		switch kind {
		case "terms":
			for _, f := range inner {
				if lookup, ok := f.(map[string]any); ok && (lookup["index"] != nil || lookup["id"] != nil || lookup["path"] != nil) {
					return errors.New("terms query with terms lookup isn't supported as part of a role query")
				}
			}
		case "geo_shape":
			for _, f := range inner {
				if s, ok := f.(map[string]any); ok && s["indexed_shape"] != nil {
					return errors.New("geoshape query referring to indexed shapes isn't supported as part of a role query")
				}
			}
		case "percolate":
			return errors.New("percolate query isn't supported as part of a role query")
		case "has_child":
			return errors.New("has_child query isn't supported as part of a role query")
		case "has_parent":
			return errors.New("has_parent query isn't supported as part of a role query")
		case "bool":
			for _, clause := range []string{"filter", "must", "must_not", "should"} {
				for _, q := range clauses(inner[clause]) {
					if err := verifyRoleQuery(q); err != nil {
						return err
					}
				}
			}
		case "constant_score":
			if err := verifyRoleQuery(inner["filter"]); err != nil {
				return err
			}
		case "function_score":
			if err := verifyRoleQuery(inner["query"]); err != nil {
				return err
			}
		case "boosting":
			for _, part := range []string{"negative", "positive"} {
				if err := verifyRoleQuery(inner[part]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// clauses is a bool clause, one query or an array of them.
func clauses(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func tokenName(t json.Token) string {
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			return "START_OBJECT"
		case '}':
			return "END_OBJECT"
		case '[':
			return "START_ARRAY"
		default:
			return "END_ARRAY"
		}
	case string:
		return "VALUE_STRING"
	case json.Number, float64:
		return "VALUE_NUMBER"
	case bool:
		return "VALUE_BOOLEAN"
	case nil:
		return "VALUE_NULL"
	}
	return fmt.Sprint(t)
}
