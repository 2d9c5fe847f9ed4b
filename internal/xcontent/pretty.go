package xcontent

import (
	"bytes"
	"encoding/json"
)

// Pretty re-indents compact JSON as Elasticsearch's pretty printer (Jackson
// with two-space indents for objects and arrays) does: `"key" : value`,
// empty containers as `{ }` and `[ ]`, and a final line feed. Input that is
// not valid JSON comes back unchanged.
func Pretty(src []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var b bytes.Buffer
	if err := prettyValue(dec, &b, 0); err != nil {
		return src
	}
	b.WriteByte('\n')
	return b.Bytes()
}

func prettyValue(dec *json.Decoder, b *bytes.Buffer, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		v, err := Marshal(tok)
		b.Write(v)
		return err
	}
	closing := byte('}')
	if d == '[' {
		closing = ']'
	}
	b.WriteByte(byte(d))
	n := 0
	for dec.More() {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		b.WriteByte('\n')
		indent(b, depth+1)
		if d == '{' {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			kb, _ := Marshal(k)
			b.Write(kb)
			b.WriteString(" : ")
		}
		if err := prettyValue(dec, b, depth+1); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if n == 0 {
		b.WriteByte(' ')
	} else {
		b.WriteByte('\n')
		indent(b, depth)
	}
	b.WriteByte(closing)
	return nil
}

func indent(b *bytes.Buffer, depth int) {
	for range depth {
		b.WriteString("  ")
	}
}
