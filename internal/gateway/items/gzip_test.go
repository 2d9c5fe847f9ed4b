package items

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

func gz(t testing.TB, parts ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, p := range parts { // one gzip member each
		zw := gzip.NewWriter(&b)
		if _, err := zw.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestGunzipLimit(t *testing.T) {
	body := strings.Repeat("0123456789", 10)
	tests := []struct {
		name string
		max  int64
		want string
		err  string
	}{
		{"under", 101, body, ""},
		{"exactly at the limit", 100, body, ""},
		{"one byte over", 99, "", "entity content is too long [100] for the configured buffer limit [99]"},
	}
	for _, tt := range tests {
		r, err := Gunzip(bytes.NewReader(gz(t, body)), tt.max)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if tt.err == "" {
			if err != nil || string(got) != tt.want {
				t.Errorf("%s: got %q, %v", tt.name, got, err)
			}
			continue
		}
		wantES(t, tt.name, err, "content_too_long_exception", tt.err, 413)
		if int64(len(got)) > tt.max {
			t.Errorf("%s: handed out %d bytes past the limit", tt.name, len(got))
		}
		// the error sticks
		if _, err2 := r.Read(make([]byte, 10)); !errors.Is(err2, err) {
			t.Errorf("%s: second read %v", tt.name, err2)
		}
	}
	// Concatenated members are one body, as gzip readers take them.
	r, _ := Gunzip(bytes.NewReader(gz(t, "ab", "cd")), 4)
	if got, err := io.ReadAll(r); err != nil || string(got) != "abcd" {
		t.Errorf("members: %q, %v", got, err)
	}
}

func TestGunzipBad(t *testing.T) {
	_, err := Gunzip(strings.NewReader("not gzip at all"), 10)
	wantES(t, "header", err, "parse_exception", "failed to decompress request body: gzip: invalid header", 400)
	data := gz(t, strings.Repeat("x", 1000))
	data[len(data)-5] ^= 0xFF // the CRC-32 in the trailer
	r, err := Gunzip(bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(r)
	wantES(t, "trailer", err, "parse_exception", "failed to decompress request body: gzip: invalid checksum", 400)
}

// TestGunzipBomb feeds 256 MiB of zeros, about 250 KB compressed, with a
// 1 MiB limit: the read must stop near the limit without inflating the
// rest or holding it.
func TestGunzipBomb(t *testing.T) {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 256 {
		if _, err := zw.Write(zeros); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	compressed := b.Bytes()
	t.Logf("256 MiB of zeros gzip to %d bytes", len(compressed))
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	src := bytes.NewReader(compressed)
	r, err := Gunzip(src, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, r)
	runtime.ReadMemStats(&after)
	wantES(t, "bomb", err, "content_too_long_exception", "entity content is too long [1048577] for the configured buffer limit [1048576]", 413)
	if n != 1<<20 {
		t.Errorf("read %d bytes, want exactly the limit", n)
	}
	if read := len(compressed) - src.Len(); read > len(compressed)/8 {
		t.Errorf("consumed %d of %d compressed bytes to find the limit", read, len(compressed))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("allocated %d bytes decoding a bomb", alloc)
	}
	// And through FilterBulk the 413 arrives unchanged.
	src.Reset(compressed)
	r, _ = Gunzip(src, 1<<20)
	_, err = FilterBulk(r, "a", 0, denyBulk, (&sink{}).open)
	wantES(t, "bulk", err, "content_too_long_exception", "entity content is too long [1048577] for the configured buffer limit [1048576]", 413)
}
