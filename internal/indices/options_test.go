package indices

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseOptions(t *testing.T) {
	base := StrictExpandOpen
	base.RemoteIndices = true // request traits pass through untouched
	with := func(f func(*Options)) Options { o := base; f(&o); return o }
	for _, tc := range []struct {
		name   string
		params []string
		want   Options
	}{
		{"no parameter keeps the defaults", nil, base},
		{"other parameters are not ours", []string{"size", "x"}, base},
		{"open,closed", []string{"expand_wildcards", "open,closed"}, with(func(o *Options) { o.ExpandClosed = true })},
		{"all", []string{"expand_wildcards", "all"}, with(func(o *Options) { o.ExpandClosed, o.ExpandHidden = true, true })},
		{"hidden replaces the default open", []string{"expand_wildcards", "hidden"}, with(func(o *Options) { o.ExpandOpen, o.ExpandHidden = false, true })},
		{"none", []string{"expand_wildcards", "none"}, with(func(o *Options) { o.ExpandOpen = false })},
		{"none clears what came before", []string{"expand_wildcards", "all,none"}, with(func(o *Options) { o.ExpandOpen = false })},
		{"none then open", []string{"expand_wildcards", "none,closed"}, with(func(o *Options) { o.ExpandOpen, o.ExpandClosed = false, true })},
		{"an empty value expands nothing", []string{"expand_wildcards", ""}, with(func(o *Options) { o.ExpandOpen = false })},
		{"a trailing comma is dropped", []string{"expand_wildcards", "closed,"}, with(func(o *Options) { o.ExpandOpen, o.ExpandClosed = false, true })},
		{"ignore_unavailable=true", []string{"ignore_unavailable", "true"}, with(func(o *Options) { o.IgnoreUnavailable = true })},
		{"allow_no_indices=false", []string{"allow_no_indices", "false"}, with(func(o *Options) { o.AllowNoIndices = false })},
		{"ignore_throttled is only validated", []string{"ignore_throttled", "true"}, base},
		{"allow_no_indices alone keeps the default expansion", []string{"allow_no_indices", "true"}, base},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseOptions(params(tc.params...), base)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseOptionsErrors(t *testing.T) {
	boolErr := func(name, value string) esErr {
		return esErr{Type: "illegal_argument_exception", Status: 400, Reason: "Could not convert [" + name + "] to boolean",
			Cause: "illegal_argument_exception: Failed to parse value [" + value + "] as only [true] or [false] are allowed."}
	}
	wildcardErr := func(value string) esErr {
		return esErr{Type: "illegal_argument_exception", Status: 400, Reason: "No valid expand wildcard value [" + value + "]"}
	}
	for _, tc := range []struct {
		name   string
		params []string
		want   esErr
	}{
		{"unknown state", []string{"expand_wildcards", "foo"}, wildcardErr("foo")},
		{"states are case-sensitive", []string{"expand_wildcards", "OPEN"}, wildcardErr("OPEN")},
		{"an empty state in the middle", []string{"expand_wildcards", "open,,closed"}, wildcardErr("")},
		{"a leading comma", []string{"expand_wildcards", ",open"}, wildcardErr("")},
		{"spaces are not trimmed", []string{"expand_wildcards", "open, closed"}, wildcardErr(" closed")},
		{"ignore_unavailable=yes", []string{"ignore_unavailable", "yes"}, boolErr("ignore_unavailable", "yes")},
		{"a bare ignore_unavailable", []string{"ignore_unavailable", ""}, boolErr("ignore_unavailable", "")},
		{"booleans are case-sensitive", []string{"allow_no_indices", "TRUE"}, boolErr("allow_no_indices", "TRUE")},
		{"ignore_throttled is validated", []string{"ignore_throttled", "1"}, boolErr("ignore_throttled", "1")},
		{"expand_wildcards is read first", []string{"expand_wildcards", "x", "allow_no_indices", "y", "ignore_unavailable", "z"}, wildcardErr("x")},
		{"then allow_no_indices", []string{"ignore_unavailable", "z", "allow_no_indices", "y", "ignore_throttled", "w"}, boolErr("allow_no_indices", "y")},
		{"then ignore_throttled", []string{"ignore_unavailable", "z", "ignore_throttled", "w"}, boolErr("ignore_throttled", "w")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseOptions(params(tc.params...), StrictExpandOpen)
			if err == nil {
				t.Fatalf("got %+v, want an error", got)
			}
			if diff := cmp.Diff(tc.want, describe(t, err)); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{",", nil},
		{",,,", nil},
		{"a", []string{"a"}},
		{"a,b", []string{"a", "b"}},
		{"a,,b", []string{"a", "", "b"}},
		{",a", []string{"", "a"}},
		{"a,", []string{"a"}},
		{"a,b,,", []string{"a", "b"}},
		{" a , b ", []string{" a ", " b "}},
		{"-a,*", []string{"-a", "*"}},
	} {
		if diff := cmp.Diff(tc.want, Split(tc.in), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Split(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}
