package fakecluster

import (
	"bytes"
	"encoding/json"
	"io"
)

// obj is a JSON object that keeps its fields in insertion order. Elasticsearch
// writes every body with a fixed field order; keeping it lets a test compare
// raw bytes and lets a person read a recorded answer next to the docs.
type obj []field

type field struct {
	k string
	v any
}

func (o obj) with(k string, v any) obj { return append(o, field{k, v}) }

// MarshalJSON writes the fields in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshal(f.k)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := marshal(f.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal encodes without HTML escaping: Elasticsearch leaves <, > and &
// alone, and a gateway test comparing strings would trip over \u003c.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// score1 is how Elasticsearch prints a constant score; encoding/json would
// print the float 1.0 as 1.
var score1 = json.RawMessage("1.0")

// decodeJSON parses a request body keeping numbers exact, so a term on a
// long field compares digits rather than rounded floats.
func decodeJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	// A second value after the first is as malformed for ES as a broken one.
	var extra any
	if err := d.Decode(&extra); err != io.EOF {
		return errTrailingData
	}
	return nil
}

type constError string

func (e constError) Error() string { return string(e) }

const errTrailingData = constError("unexpected data after the JSON value")
