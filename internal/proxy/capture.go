package proxy

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/callconf/callconf/internal/report"
)

// record is one exchange as the proxy saw it.
type record struct {
	n          int64
	start      time.Time
	method     string
	path       string // escaped, as the client wrote it
	url        string // the whole URL, when it is not the target's base URL and path (a recorded exchange)
	query      string
	route      route
	id         string      // the callId of an item route, unescaped
	reqHeader  http.Header // as the client sent it, before the proxy added anything
	token      string      // the bearer token the proxy adds ("": none)
	reqBody    capture
	status     int
	respHeader http.Header // as the target sent it
	respBody   capture
	err        error          // the target gave no answer
	aborted    bool           // the answer broke off mid-body
	judged     *report.Judged // judged before answering (--findings-header)
	duration   time.Duration
}

// capture is the bounded copy of a body the judge reads: at most limit bytes, with whether more
// came, whether the body was read to its end and the error that ended it early. The transport
// may still read a request body after the answer has come (net/http allows it), so the copy is
// guarded.
type capture struct {
	mu        sync.Mutex
	buf       []byte
	limit     int64
	truncated bool
	done      bool
	err       error
}

// sized makes room for a body of a declared length (-1: unknown), within the limit.
func (c *capture) sized(n int64) {
	if n > 0 {
		c.buf = make([]byte, 0, min(n, c.limit))
	}
}

// whole keeps b, a body read whole: b itself, within the limit (the judge only reads it).
func (c *capture) whole(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if int64(len(b)) > c.limit {
		b, c.truncated = b[:c.limit], true
	}
	c.buf, c.done = b, true
}

// room is how many more bytes fit in the copy without growing it. Only the copy's writer
// calls it.
func (c *capture) room() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return cap(c.buf) - len(c.buf)
}

// add keeps b (as much of it as the limit allows) and the error that came with it; b may be
// the free room of the copy's own buffer.
func (c *capture) add(b []byte, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.limit - int64(len(c.buf)); int64(len(b)) > room {
		c.truncated = true
		b = b[:max(room, 0)]
	}
	c.buf = append(c.buf, b...)
	switch {
	case errors.Is(err, io.EOF):
		c.done = true
	case err != nil && c.err == nil:
		c.err = err
	}
}

// snapshot returns the bytes kept, whether the body went past the limit and whether it was
// read to its end.
func (c *capture) snapshot() (b []byte, truncated, complete bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf, c.truncated, c.done || c.truncated
}

// cause says why a body ended early, for a log line.
func (c *capture) cause() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		return ""
	}
	return ": " + c.err.Error()
}

// fill reads r up to one byte past the limit into the copy (--findings-header); replay then
// hands the forwarded side the same bytes followed by whatever r still holds.
func (c *capture) fill(r io.Reader) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, c.limit+1))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = buf.Bytes()
	if n > c.limit {
		c.truncated = true
	} else if err == nil {
		c.done = true
	} else {
		c.err = err
	}
}

// replay returns a body that yields the bytes fill kept, then the rest of rc; closing it closes rc.
func (c *capture) replay(rc io.ReadCloser) io.ReadCloser {
	c.mu.Lock()
	defer c.mu.Unlock()
	return readCloser{io.MultiReader(bytes.NewReader(c.buf), rc), rc}
}

type readCloser struct {
	io.Reader
	io.Closer
}

// tee passes a body through while keeping the bounded copy.
type tee struct {
	io.ReadCloser
	c *capture
}

func (t *tee) Read(b []byte) (int, error) {
	n, err := t.ReadCloser.Read(b)
	t.c.add(b[:n], err)
	return n, err
}

// errCoding reports a body in a content coding the proxy cannot decode.
var errCoding = errors.New("a content coding other than gzip and identity")

// decode undoes the content codings of a body (gzip, x-gzip, identity; listed in the order they
// were applied), stopping one byte past limit: truncated reports a decoded body over the limit.
func decode(body []byte, h http.Header, limit int64) (out []byte, truncated bool, err error) {
	var codings []string
	for _, v := range h.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
				codings = append(codings, c)
			}
		}
	}
	out = body
	for i := len(codings) - 1; i >= 0; i-- {
		if codings[i] != "gzip" && codings[i] != "x-gzip" {
			return nil, false, fmt.Errorf("%w: %q", errCoding, codings[i])
		}
		zr, err := gzip.NewReader(bytes.NewReader(out))
		if err != nil {
			return nil, false, fmt.Errorf("not a valid gzip stream: %v", err)
		}
		var buf bytes.Buffer
		n, err := buf.ReadFrom(io.LimitReader(zr, limit+1))
		if n > limit {
			return buf.Bytes()[:limit], true, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("not a valid gzip stream: %v", err)
		}
		out = buf.Bytes()
	}
	return out, false, nil
}
