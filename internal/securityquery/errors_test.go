package securityquery

import (
	"errors"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
)

// chain renders an error and its causes as "type: reason <- type: reason".
func chain(e *eserr.Error) string {
	var parts []string
	for ; e != nil; e = e.CausedBy {
		parts = append(parts, e.Type+": "+e.Reason)
	}
	return strings.Join(parts, " <- ")
}

const (
	wrapQuery   = "x_content_parse_exception: [%s] [query_user_request_payload] failed to parse field [query] <- "
	spee        = "search_phase_execution_exception: all shards failed <- "
	longTermMsg = "[term] query does not support arrays for value - use a bool query with multiple term clauses in the should section or use a Terms query if scoring is not required"
)

func TestParseErrors(t *testing.T) {
	deep := `{"match_all":{}}`
	for range 30 {
		deep = `{"bool":{"must":` + deep + `}}`
	}
	tests := []struct {
		name, body, want string
		status           int
	}{
		// The body itself.
		{"array body", `[1]`, "x_content_parse_exception: [1:1] [query_user_request_payload] Expected START_OBJECT but was: START_ARRAY", 400},
		{"string body", `"x"`, "x_content_parse_exception: [1:1] [query_user_request_payload] Expected START_OBJECT but was: VALUE_STRING", 400},
		{"number body", ` 5`, "x_content_parse_exception: [1:2] [query_user_request_payload] Expected START_OBJECT but was: VALUE_NUMBER", 400},
		{"blank body", "  ", "x_content_parse_exception: [1:3] [query_user_request_payload] Expected START_OBJECT but was: null", 400},
		{"truncated", `{"size":`, "x_content_parse_exception: [1:9] Unexpected end-of-input", 400},
		{"duplicate key", `{"size":1,"size":2}`, "x_content_parse_exception: [1:17] Duplicate field 'size'", 400},
		{"nested duplicate key", `{"query":{"term":{"username":"a","username":"b"}}}`, "x_content_parse_exception: [1:44] Duplicate field 'username'", 400},
		{"unknown field", `{"foo":1}`, "x_content_parse_exception: [1:2] [query_user_request_payload] unknown field [foo]", 400},
		{"unknown field suggestion", "{\n \"quer\":{}}", "x_content_parse_exception: [2:2] [query_user_request_payload] unknown field [quer] did you mean [query]?", 400},
		{"several suggestions", `{"sizes":1}`, "x_content_parse_exception: [1:2] [query_user_request_payload] unknown field [sizes] did you mean [size]?", 400},
		{"query not object", `{"query":[]}`, "x_content_parse_exception: [1:10] [query_user_request_payload] query doesn't support values of type: START_ARRAY", 400},
		{"query null", `{"query":null}`, "x_content_parse_exception: [1:10] [query_user_request_payload] query doesn't support values of type: VALUE_NULL", 400},
		{"size null", `{"size":null}`, "x_content_parse_exception: [1:9] [query_user_request_payload] size doesn't support values of type: VALUE_NULL", 400},
		{"size text", `{"size":"ten"}`, `x_content_parse_exception: [1:9] [query_user_request_payload] failed to parse field [size] <- number_format_exception: For input string: "ten"`, 400},
		{"size too big", `{"size":3000000000}`, "x_content_parse_exception: [1:9] [query_user_request_payload] failed to parse field [size] <- x_content_parse_exception: [1:9] Numeric value (3000000000) out of range of int (-2147483648 - 2147483647)", 400},
		{"from string out of range", `{"from":"1e10"}`, "x_content_parse_exception: [1:9] [query_user_request_payload] failed to parse field [from] <- illegal_argument_exception: Value [1e10] is out of range for an integer", 400},
		{"from boolean", `{"from":true}`, "x_content_parse_exception: [1:9] [query_user_request_payload] from doesn't support values of type: VALUE_BOOLEAN", 400},

		// QueryUserRequest.validate, which comes before any translation.
		{"negative from", `{"from":-1}`, "action_request_validation_exception: Validation Failed: 1: [from] parameter cannot be negative but was [-1];", 400},
		{"negative size", `{"size":-5}`, "action_request_validation_exception: Validation Failed: 1: [size] parameter cannot be negative but was [-5];", 400},
		{"negative both", `{"query":{"fuzzy":{"username":"x"}},"from":-1,"size":"-2"}`, "action_request_validation_exception: Validation Failed: 1: [from] parameter cannot be negative but was [-1];2: [size] parameter cannot be negative but was [-2];", 400},

		// Query parsing.
		{"unknown query", `{"query":{"foo":{}}}`, "x_content_parse_exception: [1:17] [query_user_request_payload] failed to parse field [query] <- parsing_exception: unknown query [foo] <- named_object_not_found_exception: [1:17] unknown field [foo]", 400},
		{"unknown query suggestion", `{"query":{"matc":{}}}`, wrapQueryAt("1:18") + "parsing_exception: unknown query [matc] did you mean [match]? <- named_object_not_found_exception: [1:18] unknown field [matc]", 400},
		{"empty clause", `{"query":{}}`, wrapQueryAt("1:11") + "illegal_argument_exception: query malformed, empty clause found at [1:11]", 400},
		{"no start_object", `{"query":{"term":"x"}}`, wrapQueryAt("1:18") + "parsing_exception: [term] query malformed, no start_object after query name", 400},
		{"two queries", `{"query":{"match_all":{},"term":{}}}`, wrapQueryAt("1:26") + "parsing_exception: [match_all] malformed query, expected [END_OBJECT] but found [FIELD_NAME]", 400},
		{"too deep", `{"query":` + deep + `}`, "", 400},
		{"term no field", `{"query":{"term":{}}}`, wrapQueryAt("1:19") + "illegal_argument_exception: field name is null or empty", 400},
		{"term null value", `{"query":{"term":{"username":null}}}`, wrapQueryAt("1:34") + "illegal_argument_exception: field name is null or empty", 400},
		{"term null long value", `{"query":{"term":{"username":{"value":null}}}}`, wrapQueryAt("1:44") + "illegal_argument_exception: value cannot be null", 400},
		{"term array", `{"query":{"term":{"username":["a"]}}}`, wrapQueryAt("1:30") + "parsing_exception: [term] query does not support array of values", 400},
		{"term array value", `{"query":{"term":{"username":{"value":["a"]}}}}`, wrapQueryAt("1:39") + "parsing_exception: " + longTermMsg, 400},
		{"term unknown option", `{"query":{"term":{"username":{"foo":1}}}}`, wrapQueryAt("1:37") + "parsing_exception: [term] query does not support [foo]", 400},
		{"term two fields", `{"query":{"term":{"username":"a","roles":"b"}}}`, wrapQueryAt("1:42") + "parsing_exception: [term] query doesn't support multiple fields, found [username] and [roles]", 400},
		{"negative boost", `{"query":{"term":{"username":{"value":"a","boost":-1}}}}`, wrapQueryAt("1:51") + "illegal_argument_exception: negative [boost] are not allowed.", 400},
		{"bad boost", `{"query":{"term":{"username":{"value":"a","boost":"x"}}}}`, wrapQueryAt("1:51") + `number_format_exception: For input string: "x"`, 400},
		{"bad case_insensitive", `{"query":{"term":{"username":{"value":"a","case_insensitive":"yes"}}}}`, wrapQueryAt("1:62") + "illegal_argument_exception: Failed to parse value [yes] as only [true] or [false] are allowed.", 400},
		{"terms null item", `{"query":{"terms":{"username":["a",null]}}}`, wrapQueryAt("1:36") + "parsing_exception: No value specified for terms query", 400},
		{"terms no field", `{"query":{"terms":{"boost":1}}}`, wrapQueryAt("1:29") + "parsing_exception: [terms] query requires a field name, followed by array of terms or a document lookup specification", 400},
		{"terms two fields", `{"query":{"terms":{"username":["a"],"roles":["b"]}}}`, wrapQueryAt("1:45") + "parsing_exception: [terms] query does not support multiple fields", 400},
		{"terms unknown option", `{"query":{"terms":{"username":["a"],"foo":"b"}}}`, wrapQueryAt("1:43") + "parsing_exception: [terms] query does not support [foo]", 400},
		{"exists no field", `{"query":{"exists":{}}}`, wrapQueryAt("1:21") + "parsing_exception: [exists] must be provided with a [field]", 400},
		{"exists unknown option", `{"query":{"exists":{"field":"email","foo":1}}}`, wrapQueryAt("1:43") + "parsing_exception: [exists] query does not support [foo]", 400},
		{"exists object", `{"query":{"exists":{"field":{}}}}`, wrapQueryAt("1:29") + "parsing_exception: [exists] unknown token [START_OBJECT] after [field]", 400},
		{"prefix unknown option", `{"query":{"prefix":{"username":{"value":"a","foo":1}}}}`, wrapQueryAt("1:51") + "parsing_exception: [prefix] query does not support [foo]", 400},
		{"prefix no value", `{"query":{"prefix":{"username":{}}}}`, wrapQueryAt("1:34") + "illegal_argument_exception: value cannot be null", 400},
		{"wildcard null", `{"query":{"wildcard":{"roles":null}}}`, wrapQueryAt("1:31") + "illegal_state_exception: Can't get text on a VALUE_NULL at 1:31", 400},
		{"wildcard unknown option", `{"query":{"wildcard":{"roles":{"value":"a","foo":1}}}}`, wrapQueryAt("1:50") + "parsing_exception: [wildcard] query does not support [foo]", 400},
		{"range value", `{"query":{"range":{"username":"a"}}}`, wrapQueryAt("1:31") + "parsing_exception: [range] query does not support [username]", 400},
		{"range unknown option", `{"query":{"range":{"username":{"foo":1}}}}`, wrapQueryAt("1:38") + "parsing_exception: [range] query does not support [foo]", 400},
		{"range bad relation", `{"query":{"range":{"username":{"gte":"a","relation":"near"}}}}`, wrapQueryAt("1:60") + "illegal_argument_exception: near is not a valid relation", 400},
		{"range disjoint", `{"query":{"range":{"username":{"gte":"a","relation":"disjoint"}}}}`, wrapQueryAt("1:64") + "illegal_argument_exception: [range] query does not support relation [disjoint]", 400},
		{"match no text", `{"query":{"match":{}}}`, wrapQueryAt("1:20") + "parsing_exception: No text specified for text query", 400},
		{"match bad operator", `{"query":{"match":{"full_name":{"query":"a","operator":"xor"}}}}`, wrapQueryAt("1:56") + "illegal_argument_exception: No enum constant org.elasticsearch.index.query.Operator.XOR", 400},
		{"match bad zero terms", `{"query":{"match":{"full_name":{"query":"a","zero_terms_query":"some"}}}}`, wrapQueryAt("1:64") + "parsing_exception: Unsupported zero_terms_query value [some]", 400},
		{"match bad fuzziness", `{"query":{"match":{"full_name":{"query":"a","fuzziness":3}}}}`, wrapQueryAt("1:57") + "illegal_argument_exception: fuzziness needs to be one of 0.0, 1.0 or 2.0 but was 3.0", 400},
		{"match object option", `{"query":{"match":{"full_name":{"query":{}}}}}`, wrapQueryAt("1:41") + "parsing_exception: [match] unknown token [START_OBJECT] after [query]", 400},
		{"match unknown option", `{"query":{"match":{"full_name":{"query":"a","foo":1}}}}`, wrapQueryAt("1:51") + "parsing_exception: [match] query does not support [foo]", 400},
		{"sqs no text", `{"query":{"simple_query_string":{"fields":["email"]}}}`, wrapQueryAt("1:52") + "parsing_exception: [simple_query_string] query text missing", 400},
		{"sqs unknown option", `{"query":{"simple_query_string":{"query":"a","foo":1}}}`, wrapQueryAt("1:52") + "parsing_exception: [simple_query_string] unsupported field [foo]", 400},
		{"sqs unknown flag", `{"query":{"simple_query_string":{"query":"a","flags":"AND|BOGUS"}}}`, wrapQueryAt("1:54") + "illegal_argument_exception: Unknown simple_query_string flag [BOGUS]", 400},
		{"sqs fields string", `{"query":{"simple_query_string":{"query":"a","fields":"email"}}}`, wrapQueryAt("1:55") + "parsing_exception: [simple_query_string] unsupported field [fields]", 400},
		{"bool wrong type", `{"query":{"bool":{"must":"x"}}}`, wrapQueryAt("1:26") + "x_content_parse_exception: [1:26] [bool] must doesn't support values of type: VALUE_STRING", 400},
		{"bool unknown field", `{"query":{"bool":{"musts":[]}}}`, wrapQueryAt("1:27") + "x_content_parse_exception: [1:19] [bool] unknown field [musts] did you mean any of [must, mustNot]?", 400},
		{"bool nested unknown query", `{"query":{"bool":{"must":[{"foo":{}}]}}}`, wrapQueryAt("1:34") + "x_content_parse_exception: [1:34] [bool] failed to parse field [must] <- parsing_exception: unknown query [foo] <- named_object_not_found_exception: [1:34] unknown field [foo]", 400},
		{"bool string clause", `{"query":{"bool":{"must":["x"]}}}`, wrapQueryAt("1:30") + "x_content_parse_exception: [1:30] [bool] failed to parse field [must] <- parsing_exception: [_na] query malformed, must start with start_object", 400},
		{"bool negative boost", `{"query":{"bool":{"boost":-1}}}`, wrapQueryAt("1:27") + "x_content_parse_exception: [1:27] [bool] failed to parse field [boost] <- illegal_argument_exception: negative [boost] are not allowed.", 400},
		{"ids unknown field", `{"query":{"ids":{"values":["user-a"],"foo":1}}}`, wrapQueryAt("1:44") + "x_content_parse_exception: [1:38] [ids] unknown field [foo]", 400},
		{"ids null value", `{"query":{"ids":{"values":[null]}}}`, wrapQueryAt("1:28") + "x_content_parse_exception: [1:28] [ids] failed to parse field [values] <- illegal_state_exception: Can't get text on a VALUE_NULL at 1:28", 400},
		{"match_all unknown field", `{"query":{"match_all":{"foo":1}}}`, wrapQueryAt("1:30") + "x_content_parse_exception: [1:24] [match_all] unknown field [foo]", 400},

		// Translation (TransportQueryUserAction): illegal_argument_exception.
		{"unsupported type", `{"query":{"match_phrase":{"full_name":"a b"}}}`, "illegal_argument_exception: Query type [match_phrase] is not currently supported in this context", 400},
		{"unsupported alias", `{"query":{"field_masking_span":{}}}`, "illegal_argument_exception: Query type [span_field_masking] is not currently supported in this context", 400},
		{"unsupported nested", `{"query":{"bool":{"filter":[{"term":{"x":"y"}}],"should":[{"regexp":{"username":"a.*"}}]}}}`, "illegal_argument_exception: Query type [regexp] is not currently supported in this context", 400},
		{"unknown field", `{"query":{"term":{"password":"x"}}}`, "illegal_argument_exception: Field [password] is not allowed for querying or aggregation", 400},
		{"metadata field", `{"query":{"exists":{"field":"metadata"}}}`, "illegal_argument_exception: Field [metadata] is not allowed for querying or aggregation", 400},
		{"field pattern", `{"query":{"prefix":{"user*":"a"}}}`, "illegal_argument_exception: Field name pattern [user*] is not allowed for querying or aggregation", 400},
		{"exists pattern", `{"query":{"exists":{"field":"*"}}}`, "illegal_argument_exception: Field name pattern [*] is not allowed for querying or aggregation", 400},
		{"terms lookup", `{"query":{"terms":{"roles":{"index":"i","id":"1","path":"p"}}}}`, "illegal_argument_exception: terms query with terms lookup is not currently supported in this context", 400},
		{"range relation", `{"query":{"range":{"username":{"gte":"a","relation":"within"}}}}`, "illegal_argument_exception: range query with relation is not currently supported in this context", 400},

		// Sort parsing and translation.
		{"sort string", `{"sort":"username"}`, "x_content_parse_exception: [1:9] [query_user_request_payload] sort doesn't support values of type: VALUE_STRING", 400},
		{"sort number", `{"sort":[1]}`, "x_content_parse_exception: [1:10] [query_user_request_payload] failed to parse field [sort] <- illegal_argument_exception: mal-formatted sort object", 400},
		{"sort nested array", `{"sort":[[]]}`, "x_content_parse_exception: [1:10] [query_user_request_payload] failed to parse field [sort] <- illegal_state_exception: expected value but got [START_ARRAY]", 400},
		{"sort empty object", `{"sort":[{}]}`, "x_content_parse_exception: [1:11] [query_user_request_payload] failed to parse field [sort] <- parsing_exception: Failed to parse object: expecting token of type [FIELD_NAME] but found [END_OBJECT]", 400},
		{"sort two keys", `{"sort":[{"username":{},"roles":{}}]}`, "x_content_parse_exception: [1:25] [query_user_request_payload] failed to parse field [sort] <- parsing_exception: Failed to parse object: expecting token of type [END_OBJECT] but found [FIELD_NAME]", 400},
		{"sort shorthand order", `{"sort":[{"username":"desc"}]}`, "x_content_parse_exception: [1:22] [query_user_request_payload] failed to parse field [sort] <- x_content_parse_exception: [1:22] [field_sort] Expected START_OBJECT but was: VALUE_STRING", 400},
		{"sort bad order", `{"sort":[{"username":{"order":"up"}}]}`, "x_content_parse_exception: [1:31] [query_user_request_payload] failed to parse field [sort] <- x_content_parse_exception: [1:31] [field_sort] failed to parse field [order] <- illegal_argument_exception: No enum constant org.elasticsearch.search.sort.SortOrder.UP", 400},
		{"sort bad mode", `{"sort":[{"username":{"mode":"first"}}]}`, "x_content_parse_exception: [1:30] [query_user_request_payload] failed to parse field [sort] <- x_content_parse_exception: [1:30] [field_sort] failed to parse field [mode] <- illegal_argument_exception: Unknown SortMode [first]", 400},
		{"sort unknown option", `{"sort":[{"username":{"ordr":"asc"}}]}`, "x_content_parse_exception: [1:30] [query_user_request_payload] failed to parse field [sort] <- x_content_parse_exception: [1:23] [field_sort] unknown field [ordr] did you mean [order]?", 400},
		{"sort nested_path", `{"sort":[{"roles":{"nested_path":"x"}}]}`, "x_content_parse_exception: [1:34] [query_user_request_payload] failed to parse field [sort] <- x_content_parse_exception: [1:34] [field_sort] failed to parse field [nested_path] <- parsing_exception: [nested_path] has been removed in favour of the [nested] parameter", 400},
		{"sort nested", `{"sort":[{"roles":{"nested":{"path":"p"}}}]}`, "illegal_argument_exception: nested sorting is not currently supported in this context", 400},
		{"sort text field", `{"sort":["full_name"]}`, "illegal_argument_exception: sorting is not supported for field [full_name]", 400},
		{"sort email", `{"sort":[{"email":{"order":"desc"}}]}`, "illegal_argument_exception: sorting is not supported for field [email]", 400},
		{"sort score", `{"sort":["_score"]}`, "illegal_argument_exception: Field [_score] is not allowed for querying or aggregation", 400},
		{"sort pattern", `{"sort":["user*"]}`, "illegal_argument_exception: Field name pattern [user*] is not allowed for querying or aggregation", 400},
		{"query before sort", `{"sort":["full_name"],"query":{"term":{"x":"y"}}}`, "illegal_argument_exception: Field [x] is not allowed for querying or aggregation", 400},

		// search_after.
		{"search_after string", `{"search_after":"x"}`, "x_content_parse_exception: [1:17] [query_user_request_payload] failed to parse field [search_after] <- parsing_exception: Expected [START_ARRAY] in [search_after] but found [VALUE_STRING] inside search_after", 400},
		{"search_after object", `{"search_after":{}}`, "x_content_parse_exception: [1:17] [query_user_request_payload] search_after doesn't support values of type: START_OBJECT", 400},
		{"search_after empty", `{"search_after":[]}`, "x_content_parse_exception: [1:18] [query_user_request_payload] failed to parse field [search_after] <- illegal_argument_exception: Values must contains at least one value.", 400},
		{"search_after object item", `{"search_after":[{}]}`, "x_content_parse_exception: [1:18] [query_user_request_payload] failed to parse field [search_after] <- parsing_exception: Expected [VALUE_STRING] or [VALUE_NUMBER] or [VALUE_BOOLEAN] or [VALUE_NULL] but found [START_OBJECT] inside search_after.", 400},
		{"search_after with from", `{"sort":["username"],"search_after":["a"],"from":1}`, "action_request_validation_exception: Validation Failed: 1: [from] parameter must be set to 0 when [search_after] is used;", 400},

		// What the shard refuses.
		{"bool minimum_should_match", `{"query":{"bool":{"minimum_should_match":"x","should":[{"match_all":{}}]}}}`, spee + `query_shard_exception: failed to create query: For input string: "x" <- number_format_exception: For input string: "x"`, 400},
		{"term boolean", `{"query":{"bool":{"filter":{"term":{"enabled":"yes"}}}}}`, spee + "query_shard_exception: failed to create query: Can't parse boolean value [yes], expected [true] or [false] <- illegal_argument_exception: Can't parse boolean value [yes], expected [true] or [false]", 400},
		{"prefix boolean", `{"query":{"prefix":{"enabled":"t"}}}`, spee + "query_shard_exception: Can only use prefix queries on keyword, text and wildcard fields - not on [enabled] which is of type [boolean]", 400},
		{"wildcard boolean", `{"query":{"wildcard":{"enabled":"t*"}}}`, spee + "query_shard_exception: Can only use wildcard queries on keyword, text and wildcard fields - not on [enabled] which is of type [boolean]", 400},
		{"match boolean", `{"query":{"match":{"enabled":"maybe"}}}`, spee + "query_shard_exception: failed to create query: Can't parse boolean value [maybe], expected [true] or [false] <- illegal_argument_exception: Can't parse boolean value [maybe], expected [true] or [false]", 400},
		{"match unknown analyzer", `{"query":{"match":{"full_name":{"query":"a","analyzer":"klingon"}}}}`, spee + "query_shard_exception: [match] analyzer [klingon] not found", 400},
		{"sqs boolean", `{"query":{"simple_query_string":{"query":"x","fields":["enabled"]}}}`, spee + "query_shard_exception: failed to create query: Can't parse boolean value [x], expected [true] or [false] <- illegal_argument_exception: Can't parse boolean value [x], expected [true] or [false]", 400},
		{"sqs prefix boolean", `{"query":{"simple_query_string":{"query":"x*","fields":["enabled","username"]}}}`, spee + "query_shard_exception: Can only use prefix queries on keyword, text and wildcard fields - not on [enabled] which is of type [boolean]", 400},
		{"sort mode avg", `{"sort":[{"roles":{"mode":"avg"}}]}`, spee + "query_shard_exception: we only support AVG, MEDIAN and SUM on number based fields", 400},
		{"search_after without sort", `{"search_after":["a"]}`, spee + "illegal_argument_exception: Sort must contain at least one field.", 400},
		{"search_after count", `{"sort":["username"],"search_after":["a","b"]}`, spee + "illegal_argument_exception: search_after has 2 value(s) but sort has 1.", 400},
		{"search_after boolean", `{"sort":["enabled"],"search_after":["yes"]}`, spee + "illegal_argument_exception: Cannot parse boolean [yes], expected either [true] or [false]", 400},
		{"search_after null boolean", `{"sort":["enabled"],"search_after":[null]}`, spee + `null_pointer_exception: Cannot invoke "java.lang.Long.longValue()" because "value" is null`, 500},
		{"search_after doc", `{"sort":["_doc"],"search_after":["x"]}`, spee + `illegal_argument_exception: Failed to parse search_after value for field [null]. <- number_format_exception: For input string: "x"`, 400},
		{"result window", `{"from":9995,"size":10}`, spee + "illegal_argument_exception: Result window is too large, from + size must be less than or equal to: [10000] but was [10005]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseUsers([]byte(tt.body))
			var e *eserr.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%s) = %v, want an *eserr.Error", tt.body, err)
			}
			if tt.want == "" { // only the message's tail is checked
				if !strings.HasSuffix(chain(e), "The nested depth of the query exceeds the maximum nested depth for queries set in [indices.query.bool.max_nested_depth]") {
					t.Errorf("got %s", chain(e))
				}
				return
			}
			if got := chain(e); got != tt.want {
				t.Errorf("Parse(%s)\n got: %s\nwant: %s", tt.body, got, tt.want)
			}
			if e.Status != tt.status {
				t.Errorf("status %d, want %d", e.Status, tt.status)
			}
		})
	}
}

func wrapQueryAt(l string) string { return strings.Replace(wrapQuery, "%s", l, 1) }

// A 30-deep query is allowed; one more level is not.
func TestNestedDepthLimit(t *testing.T) {
	q := `{"match_all":{}}`
	for range 29 {
		q = `{"bool":{"must":` + q + `}}`
	}
	if _, err := ParseUsers([]byte(`{"query":` + q + `}`)); err != nil {
		t.Fatalf("depth 30: %v", err)
	}
}

func TestTooManyClauses(t *testing.T) {
	words := strings.Repeat("w ", maxClauseCount+1)
	_, err := ParseUsers([]byte(`{"query":{"match":{"full_name":"` + words + `"}}}`))
	var e *eserr.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	want := spee + "query_shard_exception: failed to create query: Query contains too many nested clauses; maxClauseCount is set to 4096 <- too_many_nested_clauses: Query contains too many nested clauses; maxClauseCount is set to 4096"
	if got := chain(e); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// A terms query is one clause however many terms it has.
	terms := strings.Repeat(`"t",`, 10000) + `"t"`
	if _, err := ParseUsers([]byte(`{"query":{"terms":{"roles":[` + terms + `]}}}`)); err != nil {
		t.Errorf("big terms query: %v", err)
	}
}
