package indices

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestResolve(t *testing.T) {
	md := fixture(t)
	open := StrictExpandOpen
	strict := open
	strict.AllowNoIndices = false
	lenient := LenientExpandOpen
	openClosed := StrictExpandOpenClosed
	closedOnly := Options{AllowNoIndices: true, ExpandClosed: true}
	all := StrictExpandHidden
	none := Options{AllowNoIndices: true}
	hiddenOnly := Options{AllowNoIndices: true, ExpandHidden: true}
	noDS := open
	noDS.ExcludeDataStreams = true
	noDSAll := all
	noDSAll.ExcludeDataStreams = true
	remote := open
	remote.RemoteIndices = true
	strictRemote := strict
	strictRemote.RemoteIndices = true

	logsIdx := []string{"logs-2024.03.21", "logs-2024.03.22"}
	type want struct {
		names, denied []string
		noIndices     bool
		err           *esErr
	}
	notFound := func(index string) *esErr {
		return &esErr{Type: "index_not_found_exception", Reason: "no such index [" + index + "]", Status: 404,
			Metadata: "index_uuid=_na_,index=" + index}
	}
	denied := func(typ, reason string, status int) *esErr {
		return &esErr{Type: typ, Reason: reason, Status: status, Denied: true}
	}
	tests := []struct {
		name    string
		exprs   []string
		opt     Options
		md      *Metadata
		allowed []string
		want    want
	}{
		// _all and the empty list.
		{"empty list is every authorized visible name", nil, open, md, []string{"logs*"},
			want{names: []string{"logs", "logs-2024.03.21", "logs-2024.03.22"}}},
		{"_all alone is the same", []string{"_all"}, open, md, []string{"logs*"},
			want{names: []string{"logs", "logs-2024.03.21", "logs-2024.03.22"}}},
		{"_all with open,closed adds closed indices", []string{"_all"}, openClosed, md, []string{"logs*"},
			want{names: []string{"logs", "logs-2024.03.21", "logs-2024.03.22", "logs-old"}}},
		{"_all never matches hidden names without expand hidden", nil, open, md, []string{"*"},
			want{names: []string{"logs", "logs-2024.03.21", "logs-2024.03.22", "metrics", "old", "secret"}}},
		{"_all with expand_wildcards=all shows hidden names but not the system data stream", []string{"_all"}, all, md, []string{"*"},
			want{names: []string{".ds-metrics-2024.03.21-000001", ".ds-metrics-2024.03.22-000002", ".hidden-alias", ".hidden-idx",
				".security-7", "hidden-nodot", "logs", "logs-2024.03.21", "logs-2024.03.22", "logs-old", "metrics", "old", "secret"}}},
		{"_all with expand_wildcards=none is nothing", []string{"_all"}, none, md, []string{"*"},
			want{noIndices: true}},
		{"hidden alone does not expand", nil, hiddenOnly, md, []string{"*"},
			want{noIndices: true}},
		{"_all with nothing and allow_no_indices=false", []string{"_all"}, strict, md, nil,
			want{err: notFound("[_all]")}},
		{"the empty list is reported as []", nil, strict, md, nil,
			want{err: notFound("[]")}},
		{"_all among other names is a literal name", []string{"_all", "logs-2024.03.21"}, open, md, []string{"logs-*"},
			want{names: []string{"logs-2024.03.21"}, denied: []string{"_all"}}},

		// Wildcards.
		{"wildcard matches open authorized indices", []string{"logs-*"}, open, md, []string{"*"},
			want{names: logsIdx}},
		{"closed indices need closed", []string{"logs-*"}, openClosed, md, []string{"*"},
			want{names: []string{"logs-2024.03.21", "logs-2024.03.22", "logs-old"}}},
		{"closed alone matches only closed indices", []string{"logs-*"}, closedOnly, md, []string{"*"},
			want{names: []string{"logs-old"}}},
		{"wildcard narrowed to authorized names", []string{"logs-*"}, open, md, []string{"logs-2024.03.22"},
			want{names: []string{"logs-2024.03.22"}}},
		{"wildcard in the middle", []string{"l*2*22"}, open, md, []string{"*"},
			want{names: []string{"logs-2024.03.22"}}},
		{"wildcard matching nothing authorized is empty", []string{"logs-*"}, open, md, []string{"secret"},
			want{noIndices: true}},
		{"wildcard matching nothing with allow_no_indices=false is a 404 on that expression", []string{"secret", "nomatch*"}, strict, md, []string{"*"},
			want{err: notFound("nomatch*")}},
		{"every wildcard must match with allow_no_indices=false", []string{"logs-*", "nomatch*"}, strict, md, []string{"*"},
			want{err: notFound("nomatch*")}},
		{"an empty wildcard is ignored with allow_no_indices=true", []string{"logs-*", "nomatch*"}, open, md, []string{"*"},
			want{names: logsIdx}},
		{"aliases match by name, not through their indices", []string{"lo*"}, open, md, []string{"logs"},
			want{names: []string{"logs"}}},
		{"an alias matches whatever its indices' state", []string{"ol*"}, open, md, []string{"*"},
			want{names: []string{"old"}}},
		{"hidden names need expand hidden", []string{"h*"}, open, md, []string{"*"},
			want{noIndices: true}},
		{"hidden names with expand hidden", []string{"h*"}, all, md, []string{"*"},
			want{names: []string{"hidden-nodot"}}},
		{"a dot wildcard shows dot hidden names", []string{".h*"}, open, md, []string{"*"},
			want{names: []string{".hidden-alias", ".hidden-idx"}}},
		{"a dot name without a wildcard is not a wildcard", []string{".hidden-idx"}, open, md, []string{"*"},
			want{names: []string{".hidden-idx"}}},
		{"backing indices match through their data stream", []string{".ds-*"}, open, md, []string{"metrics"},
			want{names: []string{".ds-metrics-2024.03.21-000001", ".ds-metrics-2024.03.22-000002"}}},
		{"not through it when the request excludes data streams", []string{".ds-*"}, noDS, md, []string{"metrics"},
			want{noIndices: true}},
		{"data streams are not matched when the request excludes them", []string{"metr*"}, noDS, md, []string{"*"},
			want{noIndices: true}},
		{"data streams match by default", []string{"metr*"}, open, md, []string{"metrics"},
			want{names: []string{"metrics"}}},
		{"system data streams and their backing indices never match", []string{".*s*"}, all, md, []string{"*"},
			want{names: []string{".ds-metrics-2024.03.21-000001", ".ds-metrics-2024.03.22-000002", ".hidden-alias", ".security-7"}}},
		{"hidden backing indices with ExcludeDataStreams still match by their own name", []string{".ds-m*"}, noDSAll, md, []string{".ds-*"},
			want{names: []string{".ds-metrics-2024.03.21-000001", ".ds-metrics-2024.03.22-000002"}}},
		{"expand_wildcards=none makes a wildcard a literal name", []string{"logs-*"}, none, md, []string{"logs-*"},
			want{names: []string{"logs-*"}}},
		{"a literal wildcard the role does not cover is denied", []string{"logs-*"}, none, md, []string{"logs-2024.03.21"},
			want{denied: []string{"logs-*"}}},
		{"hidden alone does not make wildcards expand", []string{"logs-*"}, hiddenOnly, md, []string{"logs-*"},
			want{names: []string{"logs-*"}}},
		{"nil metadata has nothing to expand", []string{"logs-*"}, open, nil, []string{"*"},
			want{noIndices: true}},

		// Explicit names.
		{"an explicit authorized name is kept", []string{"secret"}, open, md, []string{"secret"},
			want{names: []string{"secret"}}},
		{"an explicit missing authorized name is kept", []string{"logs-missing"}, open, md, []string{"logs-*"},
			want{names: []string{"logs-missing"}}},
		{"an explicit unauthorized name is denied", []string{"secret"}, open, md, []string{"logs-*"},
			want{denied: []string{"secret"}}},
		{"an explicit missing unauthorized name is denied", []string{"nope"}, open, md, []string{"logs-*"},
			want{denied: []string{"nope"}}},
		{"wildcards and denied names together", []string{"logs-*", "secret"}, open, md, []string{"logs-*"},
			want{names: logsIdx, denied: []string{"secret"}}},
		{"ignore_unavailable drops unauthorized names", []string{"logs-*", "secret", "nope"}, lenient, md, []string{"logs-*"},
			want{names: logsIdx}},
		{"ignore_unavailable with nothing left", []string{"secret"}, lenient, md, []string{"logs-*"},
			want{noIndices: true}},
		{"ignore_unavailable with nothing left and allow_no_indices=false", []string{"secret", "nope"},
			Options{IgnoreUnavailable: true, ExpandOpen: true}, md, []string{"logs-*"},
			want{err: notFound("[secret, nope]")}},
		{"an alias needs its own privilege", []string{"logs"}, open, md, []string{"logs-*"},
			want{denied: []string{"logs"}}},
		{"a closed index named explicitly is kept", []string{"logs-old"}, open, md, []string{"logs-*"},
			want{names: []string{"logs-old"}}},
		{"a backing index is allowed through its data stream", []string{".ds-metrics-2024.03.21-000001"}, open, md, []string{"metrics"},
			want{names: []string{".ds-metrics-2024.03.21-000001"}}},
		{"even when the request excludes data streams", []string{".ds-metrics-2024.03.21-000001"}, noDS, md, []string{"metrics"},
			want{names: []string{".ds-metrics-2024.03.21-000001"}}},
		{"a data stream named explicitly is kept when the request excludes them", []string{"metrics"}, noDS, md, []string{"metrics"},
			want{names: []string{"metrics"}}},
		{"a restricted name the role does not grant is denied", []string{".security-7"}, open, md, nil,
			want{denied: []string{".security-7"}}},
		{"duplicates collapse, first position wins", []string{"logs-2024.03.22", "logs-*", "logs-2024.03.22"}, open, md, []string{"*"},
			want{names: []string{"logs-2024.03.22", "logs-2024.03.21"}}},

		// Exclusions.
		{"-name after a wildcard excludes it", []string{"logs-*", "-logs-2024.03.21"}, open, md, []string{"*"},
			want{names: []string{"logs-2024.03.22"}}},
		{"-name before any wildcard is a literal name", []string{"-logs-2024.03.21", "logs-*"}, open, md, []string{"logs-*"},
			want{names: logsIdx, denied: []string{"-logs-2024.03.21"}}},
		{"a leading -wildcard is a wildcard that starts with '-'", []string{"-logs-*"}, strict, md, []string{"*"},
			want{err: notFound("-logs-*")}},
		{"and it counts as the wildcard that enables exclusions", []string{"-logs-*", "logs-*", "-logs-2024.03.21"}, open, md, []string{"*"},
			want{names: []string{"logs-2024.03.22"}}},
		{"-name alone is a literal name", []string{"-secret"}, open, md, []string{"-*"},
			want{names: []string{"-secret"}}},
		{"a wildcard exclusion removes what it matches", []string{"*", "-logs*"}, open, md, []string{"*"},
			want{names: []string{"metrics", "old", "secret"}}},
		{"*,-* is nothing", []string{"*", "-*"}, open, md, []string{"*"},
			want{noIndices: true}},
		{"an exclusion applies to what came before only", []string{"logs-*", "-logs-2024.03.21", "logs-2024.03.21"}, open, md, []string{"*"},
			want{names: logsIdx}},
		{"an explicit exclusion removes one occurrence (List.remove)", []string{"logs-*", "logs-*", "-logs-2024.03.21"}, open, md, []string{"*"},
			want{names: logsIdx}},
		{"a wildcard exclusion removes every occurrence", []string{"logs-*", "logs-*", "-logs-2024.03.21*"}, open, md, []string{"*"},
			want{names: []string{"logs-2024.03.22"}}},
		{"an explicit exclusion of an explicit name", []string{"logs-*", "nope", "-nope"}, open, md, []string{"logs-*"},
			want{names: logsIdx}},
		{"a wildcard exclusion that matches nothing is a 404 with allow_no_indices=false", []string{"logs-*", "-nomatch*"}, strict, md, []string{"*"},
			want{err: notFound("nomatch*")}},
		{"exclusions only see authorized names", []string{"*", "-secret*"}, open, md, []string{"logs*"},
			want{names: []string{"logs", "logs-2024.03.21", "logs-2024.03.22"}}},
		{"a bare - after a wildcard excludes the empty name", []string{"logs-*", "-"}, open, md, []string{"*"},
			want{names: logsIdx}},

		// Date math.
		{"date math resolves before authorization", []string{"<logs-{now/d}>"}, open, md, []string{"logs-2024.03.22"},
			want{names: []string{"logs-2024.03.22"}}},
		{"date math that is not authorized is denied under its resolved name", []string{"<logs-{now/d}>"}, open, md, []string{"logs-2024.03.21"},
			want{denied: []string{"logs-2024.03.22"}}},
		{"date math can produce a wildcard", []string{"<logs-{now/M{yyyy.MM}}.*>"}, open, md, []string{"*"},
			want{names: logsIdx}},
		{"date math in an exclusion", []string{"logs-*", "-<logs-{now/d}>"}, open, md, []string{"*"},
			want{names: []string{"logs-2024.03.21"}}},
		{"bad date math is the cause of a 403", []string{"<logs-{now/d>"}, open, md, []string{"*"},
			want{err: denied("parse_exception", "invalid dynamic name expression [logs-{now/d>]. date math placeholder is open ended", 400)}},

		// Remote names.
		{"cluster:index names an unknown cluster", []string{"logs-*", "cluster1:logs"}, remote, md, []string{"*"},
			want{err: denied("no_such_remote_cluster_exception", "no such remote cluster: [cluster1]", 404)}},
		{"a wildcard cluster matches no cluster and is dropped", []string{"*:logs"}, remote, md, []string{"*"},
			want{noIndices: true}},
		{"a dropped remote name is still listed in the 404", []string{"*:logs"}, strictRemote, md, []string{"*"},
			want{err: notFound("[*:logs]")}},
		{"local names survive next to dropped remote ones", []string{"logs-*", "c*:logs", "secret"}, remote, md, []string{"*"},
			want{names: []string{"logs-2024.03.21", "logs-2024.03.22", "secret"}}},
		{"an empty remote part", []string{":logs"}, remote, md, []string{"*"},
			want{err: denied("illegal_argument_exception", "index name [:logs] is invalid because the remote part is empty", 400)}},
		{"excluding a cluster needs *", []string{"logs-*", "-c*:logs"}, remote, md, []string{"*"},
			want{err: denied("illegal_argument_exception", "To exclude a cluster you must specify the '*' wildcard for the index expression, but found: [logs]", 400)}},
		{"date math with a ':' in its zone is local", []string{"<logs-{now/d{yyyy.MM.dd|+01:00}}>"}, remote, md, []string{"*"},
			want{names: []string{"logs-2024.03.22"}}},
		{"without remote indices a ':' is part of a local name", []string{"cluster1:logs"}, open, md, []string{"cluster1:*"},
			want{names: []string{"cluster1:logs"}}},

		// Malformed lists.
		{"an empty element fails like charAt(0)", []string{"logs-*", ""}, open, md, []string{"*"},
			want{err: denied("string_index_out_of_bounds_exception", "Index 0 out of bounds for length 0", 500)}},
	}
	if len(tests) < 40 {
		t.Fatalf("only %d cases", len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := map[string]int{}
			pred := allow(tc.allowed...)
			res, err := Resolve(tc.exprs, tc.opt, tc.md, func(n string) bool { calls[n]++; return pred(n) }, now)
			for n, c := range calls {
				if c > 2 {
					t.Errorf("allowed(%q) asked %d times", n, c)
				}
			}
			if tc.want.err != nil {
				if err == nil {
					t.Fatalf("got %+v, want error %+v", res, *tc.want.err)
				}
				if diff := cmp.Diff(*tc.want.err, describe(t, err)); diff != "" {
					t.Fatalf("error (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			got := want{names: res.Names, denied: res.Denied, noIndices: res.NoIndices}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestResolveAsksLittle checks the per-call cache: one question per
// name, allowed or not, and none for names a wildcard's prefix rules out.
func TestResolveAsksLittle(t *testing.T) {
	md := fixture(t)
	var asked []string
	res, err := Resolve([]string{"logs-*", "logs-*", "-logs-2024.03.21", "logs-*"}, StrictExpandOpen, md,
		func(n string) bool { asked = append(asked, n); return n != "logs-2024.03.22" }, now)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"logs-2024.03.21", "logs-2024.03.22"}, asked); diff != "" {
		t.Fatalf("asked (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"logs-2024.03.21"}, res.Names); diff != "" {
		t.Fatalf("names (-want +got):\n%s", diff)
	}
	// The pooled scratch must come back clean for the next call.
	res, err = Resolve([]string{"logs-2024.03.22"}, StrictExpandOpen, md, allow("*"), now)
	if err != nil || !cmp.Equal(res.Names, []string{"logs-2024.03.22"}) || len(res.Denied) != 0 {
		t.Fatalf("second call = %+v, %v", res, err)
	}
}

func TestIndexNotFoundError(t *testing.T) {
	_, err := Resolve([]string{"a", "b"}, Options{ExpandOpen: true, IgnoreUnavailable: true}, fixture(t), allow(), now)
	got := describe(t, err)
	want := esErr{Type: "index_not_found_exception", Reason: "no such index [[a, b]]", Status: 404, Metadata: "index_uuid=_na_,index=[a, b]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if !strings.Contains(err.Error(), "index_not_found_exception: no such index [[a, b]]") {
		t.Fatalf("Error() = %q", err.Error())
	}
}

func TestSimpleMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a*", "abc", true}, {"a*", "ba", false},
		{"*c", "abc", true}, {"*c", "cb", false}, {"a*c", "ac", true}, {"a*c", "abcbc", true},
		{"a*b*c", "aXbYc", true}, {"a*b*c", "aXcYb", false}, {"**", "x", true}, {"a**c", "abc", true},
		{"abc", "abc", true}, {"abc", "abd", false}, {"a?c", "abc", false}, {"*é*", "café!", true},
		{"", "", true}, {"", "a", false}, {"a*", "", false},
	} {
		if got := simpleMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("simpleMatch(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

func TestResolveSingle(t *testing.T) {
	const action = "indices:data/read/get"
	for _, tc := range []struct {
		name  string
		exprs []string
		want  []string
		err   *esErr
	}{
		{"a name", []string{"logs"}, []string{"logs"}, nil},
		{"date math", []string{"<logs-{now/d}>"}, []string{"logs-2024.03.22"}, nil},
		{"a colon is part of the name", []string{"c:logs"}, []string{"c:logs"}, nil},
		{"no index", nil, nil, &esErr{Type: "illegal_argument_exception", Status: 400,
			Reason: "the action indices:data/read/get requires explicit index names, but none were provided"}},
		{"_all", []string{"_all"}, nil, &esErr{Type: "illegal_argument_exception", Status: 400,
			Reason: "the action indices:data/read/get does not support accessing all indices; the provided index expression [_all] is not allowed"}},
		{"wildcards are listed together", []string{"a", "b*", "c", "*d"}, nil, &esErr{Type: "illegal_argument_exception", Status: 400,
			Reason: "the action indices:data/read/get does not support wildcards; the provided index expression(s) [b*,*d] are not allowed"}},
		{"bad date math before a wildcard fails first", []string{"<x-{now/2d}>", "b*"}, nil, &esErr{Type: "parse_exception", Status: 400,
			Reason: "rounding `/` can only be used on single unit types [/2d]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveSingle(tc.exprs, action, now)
			if tc.err != nil {
				if err == nil {
					t.Fatalf("got %v, want an error", got)
				}
				if diff := cmp.Diff(*tc.err, describe(t, err)); diff != "" {
					t.Fatalf("(-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}
