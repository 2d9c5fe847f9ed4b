package items

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/esauth/esauth/internal/eserr"
)

// bulkGen streams a bulk body of about size bytes without holding it:
// index actions alternating between "secret" and "ok", each with a source
// line of about 1 KB.
type bulkGen struct {
	left, n int
	pending []byte
}

func (g *bulkGen) Read(p []byte) (int, error) {
	if len(g.pending) == 0 {
		if g.left <= 0 {
			return 0, io.EOF
		}
		index := "ok"
		if g.n%2 == 0 {
			index = "secret"
		}
		g.pending = fmt.Appendf(g.pending[:0], "{\"index\":{\"_index\":%q,\"_id\":\"%d\"}}\n{\"n\":%d,\"text\":%q}\n",
			index, g.n, g.n, strings.Repeat("lorem ipsum ", 85))
		g.left -= len(g.pending)
		g.n++
	}
	n := copy(p, g.pending)
	g.pending = g.pending[n:]
	return n, nil
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// liveHeap is the heap still reachable after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestFilterBulkMemory filters a 5 MB body, every other item denied, and
// samples the live heap as it goes: it must stay within 2 MB of where it
// started, the verdicts included, whatever the body's size.
func TestFilterBulkMemory(t *testing.T) {
	const size = 5 << 20
	gen := &bulkGen{left: size}
	var out counter
	base := liveHeap()
	var start runtime.MemStats
	runtime.ReadMemStats(&start)
	peak := base
	decided := 0
	// One error value for every denial, so that what grows is the filter's
	// and the verdicts', not this decide's.
	denied := eserr.Security(403, "%s", reasonIndex)
	v, err := FilterBulk(gen, "", 0, func(it BulkItem) error {
		decided++
		if decided%256 == 0 {
			peak = max(peak, liveHeap())
		}
		if it.Index == "secret" {
			return denied
		}
		return nil
	}, func() (io.Writer, error) { return &out, nil })
	if err != nil {
		t.Fatal(err)
	}
	peak = max(peak, liveHeap())
	var end runtime.MemStats
	runtime.ReadMemStats(&end)
	growth := int64(peak) - int64(base)
	t.Logf("%d items, %d bytes in, %d forwarded; live heap grew at most %d bytes (%d of them verdicts); %d bytes allocated in all",
		len(v), size, out.n, growth, cap(v)*int(sizeofVerdict), end.TotalAlloc-start.TotalAlloc)
	if len(v) != gen.n || out.n < size/2-(1<<16) || out.n > size/2+(1<<16) {
		t.Errorf("%d verdicts for %d items, %d bytes forwarded", len(v), gen.n, out.n)
	}
	if growth > 2<<20 {
		t.Errorf("live heap grew by %d bytes filtering a %d byte body", growth, size)
	}
	runtime.KeepAlive(v)
}

func BenchmarkFilterBulk(b *testing.B) {
	var body bytes.Buffer
	if _, err := io.Copy(&body, &bulkGen{left: 5 << 20}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FilterBulk(bytes.NewReader(body.Bytes()), "", 0, denyBulk, func() (io.Writer, error) { return io.Discard, nil }); err != nil {
			b.Fatal(err)
		}
	}
}

var sizeofVerdict = unsafe.Sizeof(Verdict{})
