package items

import (
	"compress/gzip"
	"errors"
	"io"

	"github.com/esauth/esauth/internal/eserr"
)

// Gunzip decodes a gzip request body (Content-Encoding: gzip, which the
// official clients send when asked to compress) and fails once the decoded
// size passes max, with the 413 the gateway gives for a body over
// http.max_content_length: Elasticsearch applies that limit to the decoded
// body, and a few kilobytes of gzip can inflate to gigabytes. Decoding is
// lazy, so memory is the caller's read buffer, whatever the ratio. A stream
// that is not gzip, or is corrupt, fails as a 400. The limit is checked on
// Read, so the error surfaces through FilterBulk or FilterMsearch as it is.
func Gunzip(r io.Reader, max int64) (io.Reader, error) {
	if max <= 0 {
		max = defaultMaxLine // http.max_content_length's default, 100mb
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, badGzip(err)
	}
	return &limitedGzip{zr: zr, left: max, max: max}, nil
}

type limitedGzip struct {
	zr   *gzip.Reader
	left int64 // bytes that may still come
	max  int64
	err  error
}

func (g *limitedGzip) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Ask for one byte more than may come, to tell "exactly max" from
	// "more than max" without reading further.
	if int64(len(p)) > g.left+1 {
		p = p[:g.left+1]
	}
	n, err := g.zr.Read(p)
	if int64(n) > g.left {
		g.err = tooLong(g.max+1, g.max)
		return int(g.left), g.err
	}
	g.left -= int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		g.err = badGzip(err)
		return n, g.err
	}
	return n, err
}

func badGzip(err error) error {
	return eserr.Parse("failed to decompress request body: %v", err)
}
