package items

import (
	"bufio"
	"errors"
	"io"
	"sync"

	"github.com/esauth/esauth/internal/eserr"
)

// lineReader hands out the '\n'-terminated lines of an NDJSON body one at a
// time. Memory stays at one read buffer plus the longest line seen, never
// the body: a long line is gathered in a side buffer that grows only as far
// as that line (and never past max), so a generous max costs nothing until
// a client actually sends such a line.
type lineReader struct {
	br   *bufio.Reader
	max  int
	long []byte
	n    int // number of the last line returned, from 1
	// unterminated is the message for a last line with no '\n', which
	// differs between the APIs.
	unterminated string
	read         int64 // bytes consumed, to tell an empty body
	pooled       bool  // br came from readers
}

const readBuffer = 64 << 10

// defaultMaxLine bounds lines when the caller gives no limit: ES's own
// http.max_content_length, which no line of a body it accepts can pass.
const defaultMaxLine = 100 << 20

func newLineReader(r io.Reader, max int, unterminated string) *lineReader {
	if max <= 0 {
		max = defaultMaxLine
	}
	if max+1 < readBuffer {
		return &lineReader{br: bufio.NewReaderSize(r, max+1), max: max, unterminated: unterminated}
	}
	// Full-size buffers are reused: a 64 KiB buffer per bulk request was
	// most of what the gateway allocated.
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	return &lineReader{br: br, max: max, unterminated: unterminated, pooled: true}
}

var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBuffer) }}

// release gives the read buffer back; lr must not be used afterwards.
// Every line handed out has been copied or written by then.
func (lr *lineReader) release() {
	if lr.pooled {
		lr.br.Reset(nil)
		readers.Put(lr.br)
		lr.br, lr.pooled = nil, false
	}
}

// next returns the next line with its '\n' (and any '\r' before it): the
// bytes exactly as sent, ready to pass on in one write. The slice is valid
// until the next call. At the clean end of the body it returns io.EOF.
func (lr *lineReader) next() ([]byte, error) {
	lr.long = lr.long[:0]
	for {
		chunk, err := lr.br.ReadSlice('\n')
		lr.read += int64(len(chunk))
		switch {
		case err == nil:
			lr.n++
			line := chunk
			if len(lr.long) > 0 {
				lr.long = append(lr.long, chunk...)
				line = lr.long
			}
			if len(line)-1 > lr.max {
				return nil, tooLong(int64(len(line)-1), int64(lr.max))
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			lr.long = append(lr.long, chunk...)
			if len(lr.long) > lr.max {
				// The line's full length is unknown without reading it all,
				// which is what the limit exists to avoid.
				return nil, tooLong(int64(lr.max)+1, int64(lr.max))
			}
		case errors.Is(err, io.EOF):
			if len(chunk) == 0 && len(lr.long) == 0 {
				return nil, io.EOF
			}
			return nil, eserr.IllegalArgument("%s", lr.unterminated)
		default:
			return nil, readError(err)
		}
	}
}

// readError keeps an Elasticsearch error from below (Gunzip's 413) and
// words any other failure to read the body as the rest package does.
func readError(err error) error {
	var e *eserr.Error
	if errors.As(err, &e) {
		return e
	}
	return eserr.Parse("failed to read request body: %v", err)
}
