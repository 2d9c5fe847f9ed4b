package items

import (
	"bufio"
	"errors"
	"io"

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
}

const readBuffer = 64 << 10

// defaultMaxLine bounds lines when the caller gives no limit: ES's own
// http.max_content_length, which no line of a body it accepts can pass.
const defaultMaxLine = 100 << 20

func newLineReader(r io.Reader, max int, unterminated string) *lineReader {
	if max <= 0 {
		max = defaultMaxLine
	}
	size := readBuffer
	if max+1 < size {
		size = max + 1
	}
	return &lineReader{br: bufio.NewReaderSize(r, size), max: max, unterminated: unterminated}
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
