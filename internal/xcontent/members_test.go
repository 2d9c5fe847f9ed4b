package xcontent

import (
	"testing"
)

func TestMembersAndLocations(t *testing.T) {
	body := []byte("{\"a\": 1,\n \"bb\" : {\"c\":[1, \"x\"]}, \"d\":\"s\\\"t\"}")
	ms, err := TopMembers(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 || ms[0].Key != "a" || ms[1].Key != "bb" || ms[2].Key != "d" {
		t.Fatalf("members %+v", ms)
	}
	if got := Location(body, ms[1].KeyOff); got != "2:2" {
		t.Errorf("bb's name at %s, want 2:2", got)
	}
	if got := Location(body, ms[1].LastOff()); got != "2:22" {
		t.Errorf("bb's value ends at %s, want 2:22", got)
	}
	if ms[2].Token() != String || ms[2].Str() != `s"t` {
		t.Errorf("d: %v %q", ms[2].Token(), ms[2].Str())
	}
	inner := Members(body, ms[1].ValOff, ms[1].Raw)
	if len(inner) != 1 || inner[0].Key != "c" || Location(body, inner[0].ValOff) != "2:14" {
		t.Fatalf("inner %+v", inner)
	}
	els := Elements(inner[0].ValOff, inner[0].Raw)
	if len(els) != 2 || string(els[1].Raw) != `"x"` || Location(body, els[1].ValOff) != "2:18" {
		t.Errorf("elements %+v", els)
	}
	if e := UnknownField(body, ms[1], "p", []string{"bbb", "zzzz"}); e.Reason != "[2:2] [p] unknown field [bb] did you mean [bbb]?" {
		t.Errorf("unknown field: %s", e.Reason)
	}
	if e := WrongType(body, ms[0], "p"); e.Reason != "[1:7] [p] a doesn't support values of type: VALUE_NUMBER" {
		t.Errorf("wrong type: %s", e.Reason)
	}
}
