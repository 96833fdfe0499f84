package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// outbound is the request the proxy sends to the target: the client's request as it came, with
// the few headers the proxy adds, the hop-by-hop headers left out.
type outbound struct {
	method string
	path   string      // escaped, the base URL's path then the client's
	query  string      // escaped, without "?"
	header http.Header // the client's headers, read only: skip and add apply as they are written
	skip   map[string]bool
	add    []headerLine
	te     bool   // send "Te: trailers" (the client accepts trailers)
	body   []byte // a body read whole (replayable), or
	stream io.Reader
	length int64       // the body's length; -1: unknown (sent chunked)
	trail  http.Header // the client's trailers, sent after a chunked body
}

type headerLine struct{ name, value string }

// wire is the proxy's HTTP/1.1 client for a plain-HTTP target without an HTTP proxy in
// between: a pool of kept-alive connections on which the handler writes the request and reads
// the answer itself. It does what http.Transport would do for such a target, without its two
// goroutines per connection and the hand-offs between them, which cost as much CPU per
// exchange as a simple handler of the target does.
type wire struct {
	addr    string // host:port to dial
	host    string // the Host header
	dialer  net.Dialer
	maxIdle int
	maxAge  time.Duration // an idle connection older than this is closed, not reused
	poll    time.Duration // how often a wait for an answer looks whether the client is gone

	mu   sync.Mutex
	idle []*wconn // most recently used last
}

// wconn is one connection to the target.
type wconn struct {
	c         net.Conn
	in        *headLimit // what br reads through: bounds an answer's head
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time
	deadline  time.Time // the last exchange's, still set on the connection
	reused    bool
}

// maxInformational bounds the 1xx answers skipped before the final one.
const maxInformational = 8

// errReplay reports a connection that failed before any answer came: safe to send again on a
// new connection when the request can be sent again.
var errReplay = errors.New("the connection was closed before an answer came")

// idempotent reports a request that may be sent twice (the methods and headers for which
// http.Transport retries): a kept-alive connection the target closed may have lost it after
// the target read it.
func idempotent(o *outbound) bool {
	switch o.method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	_, ok := o.header["Idempotency-Key"]
	_, xok := o.header["X-Idempotency-Key"]
	return ok || xok
}

// get returns an idle connection, or dials one.
func (t *wire) get(ctx context.Context) (*wconn, error) {
	now := time.Now()
	for {
		t.mu.Lock()
		n := len(t.idle)
		if n == 0 {
			t.mu.Unlock()
			break
		}
		c := t.idle[n-1]
		t.idle[n-1] = nil
		t.idle = t.idle[:n-1]
		t.mu.Unlock()
		// A connection the target closed (or wrote to) while it was idle is not used: a request
		// sent on it could be lost after the target read it. The look costs one system call.
		if !now.Before(c.deadline) {
			c.c.SetDeadline(time.Time{}) //nolint:errcheck // else the look below would see the old deadline passed
		}
		if now.Sub(c.idleSince) > t.maxAge || c.br.Buffered() > 0 || !alive(c.c) {
			c.c.Close()
			continue
		}
		c.reused = true
		return c, nil
	}
	nc, err := t.dialer.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, err
	}
	in := &headLimit{Conn: nc, left: unlimited}
	return &wconn{c: nc, in: in, br: bufio.NewReaderSize(in, 4<<10), bw: bufio.NewWriterSize(nc, 4<<10)}, nil
}

// maxAnswerHead bounds the status line and headers of an answer, as http.Transport's
// MaxResponseHeaderBytes does: a hostile target that sends headers without end gets a 502, not
// the proxy's memory.
const maxAnswerHead = 1 << 20

const unlimited = int64(1) << 62

// errHeadTooLarge ends an answer whose head passed maxAnswerHead.
var errHeadTooLarge = fmt.Errorf("the target's answer head is larger than %d bytes", maxAnswerHead)

// headLimit is the connection as the reader sees it: while an answer's head is read, at most
// left more bytes come from the connection.
type headLimit struct {
	net.Conn
	left int64
}

func (h *headLimit) Read(p []byte) (int, error) {
	if h.left <= 0 {
		return 0, errHeadTooLarge
	}
	if int64(len(p)) > h.left {
		p = p[:h.left]
	}
	n, err := h.Conn.Read(p)
	h.left -= int64(n)
	return n, err
}

// put keeps c for the next request, or closes it when the pool is full.
func (t *wire) put(c *wconn) {
	c.idleSince = time.Now()
	t.mu.Lock()
	if len(t.idle) < t.maxIdle {
		t.idle = append(t.idle, c)
		c = nil
	}
	t.mu.Unlock()
	if c != nil {
		c.c.Close()
	}
}

// closeIdle closes every idle connection.
func (t *wire) closeIdle() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, c := range idle {
		c.c.Close()
	}
}

// roundTrip sends o and reads the answer's head; the answer's body reads from the connection,
// which goes back to the pool once the body has been read to its end and closed. deadline
// bounds the whole exchange, body included; ctx's end (the client went away) aborts the wait for
// the answer. A
// connection from the pool that turns out closed by the target is replaced once, when the
// request can be sent again.
func (t *wire) roundTrip(ctx context.Context, r *http.Request, o *outbound, deadline time.Time) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		c, err := t.get(ctx)
		if err != nil {
			return nil, err
		}
		resp, wroteAll, err := t.exchange(ctx, c, r, o, deadline)
		if errors.Is(err, errReplay) && c.reused && attempt == 0 && ctx.Err() == nil && o.stream == nil &&
			(!wroteAll || idempotent(o)) {
			continue
		}
		return resp, err
	}
}

// exchange sends o on c and reads the answer's head. wroteAll reports a request written whole
// to the connection (the target may have read it).
func (t *wire) exchange(ctx context.Context, c *wconn, r *http.Request, o *outbound, deadline time.Time) (resp *http.Response, wroteAll bool, err error) {
	c.c.SetDeadline(deadline) //nolint:errcheck // a closed connection fails the write below
	c.deadline = deadline
	fail := func(err error) (*http.Response, bool, error) {
		c.c.Close()
		return nil, wroteAll, err
	}
	if err := writeHead(c.bw, o, t.host); err != nil {
		return fail(err)
	}
	var wrote chan error // the streamed body's writer, beside the read of the answer
	if o.stream == nil {
		c.bw.Write(o.body) //nolint:errcheck // Flush reports it
		if err := c.bw.Flush(); err != nil {
			// The target may have answered and closed (a 413 before the whole body): read it.
			if resp, rerr := readAnswer(c, r); rerr == nil {
				resp.Close = true
				return t.answered(c, resp, nil), false, nil
			}
			return fail(fmt.Errorf("%w: %w", errReplay, err))
		}
		wroteAll = true
	} else {
		wrote = make(chan error, 1)
		go func() { wrote <- writeStream(c.bw, o) }()
	}
	err = awaitAnswer(ctx, c, deadline, t.poll)
	if err == nil {
		resp, err = readAnswer(c, r)
	}
	if err != nil {
		if wrote != nil {
			c.c.Close()
			wroteAll = <-wrote == nil
		}
		if c.br.Buffered() == 0 && isClosedConn(err) {
			err = fmt.Errorf("%w: %w", errReplay, err)
		}
		return fail(err)
	}
	return t.answered(c, resp, wrote), wroteAll, nil
}

// answered wraps the answer's body so that reading it to its end hands the connection back.
func (t *wire) answered(c *wconn, resp *http.Response, wrote chan error) *http.Response {
	resp.Body = &wireBody{ReadCloser: resp.Body, t: t, c: c, wrote: wrote, keep: !resp.Close}
	return resp
}

// pollClient is how often the proxy looks, while it waits for an answer, whether the client is
// still there; an answer that takes longer than that ends early when the client has gone.
const pollClient = time.Second

// awaitAnswer waits until the answer's first byte has come, or the deadline has passed, or the
// client has gone (ctx ended): the read waits at most poll at a time. This costs less
// than a watcher registered on ctx for every exchange.
func awaitAnswer(ctx context.Context, c *wconn, deadline time.Time, poll time.Duration) error {
	for {
		now := time.Now()
		if !now.Before(deadline) {
			return os.ErrDeadlineExceeded
		}
		next := now.Add(poll)
		if next.After(deadline) {
			next = deadline
		}
		c.c.SetReadDeadline(next) //nolint:errcheck // see Peek
		_, err := c.br.Peek(1)
		switch {
		case err == nil:
			c.c.SetReadDeadline(deadline) //nolint:errcheck // a closed connection fails the read
			return nil
		case !errors.Is(err, os.ErrDeadlineExceeded):
			return err
		case ctx.Err() != nil:
			return context.Cause(ctx)
		}
	}
}

// readAnswer reads the head of the final answer, skipping informational (1xx) ones.
func readAnswer(c *wconn, r *http.Request) (*http.Response, error) {
	for range maxInformational {
		c.in.left = maxAnswerHead
		resp, err := http.ReadResponse(c.br, r)
		c.in.left = unlimited // the body has limits of its own
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, errors.New("the target switched protocols (101), which the proxy does not forward")
		case resp.StatusCode >= 100 && resp.StatusCode < 200:
			continue
		}
		return resp, nil
	}
	return nil, fmt.Errorf("more than %d informational answers", maxInformational)
}

func isClosedConn(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &ne) && !ne.Timeout() // reset, broken pipe
}

// wireBody is an answer's body on a wire connection.
type wireBody struct {
	io.ReadCloser
	t     *wire
	c     *wconn
	wrote chan error // nil: the request was written whole before the answer was read
	keep  bool       // the target keeps the connection open
	eof   bool
	done  bool
}

func (b *wireBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

// Close hands the connection back when the answer was read to its end, the request written
// whole, and the exchange not aborted; otherwise it closes the connection.
func (b *wireBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	reuse := b.eof && b.keep
	if b.wrote != nil {
		select {
		case err := <-b.wrote:
			reuse = reuse && err == nil
		default: // the target answered before it read the whole request: that connection ends
			b.c.c.Close()
			<-b.wrote
			reuse = false
		}
	}
	if !reuse {
		b.c.c.Close() // before the body's Close, which would otherwise read the rest
		b.ReadCloser.Close()
		return nil
	}
	b.ReadCloser.Close()
	b.t.put(b.c)
	return nil
}

// writeHead writes the request line and the headers of o.
func writeHead(bw *bufio.Writer, o *outbound, host string) error {
	bw.WriteString(o.method)
	bw.WriteByte(' ')
	if strings.HasPrefix(o.path, "//") { // in origin form it would read as an authority
		bw.WriteString("http://")
		bw.WriteString(host)
	}
	bw.WriteString(o.path)
	if o.query != "" {
		bw.WriteByte('?')
		bw.WriteString(o.query)
	}
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")
	for k, vs := range o.header {
		if o.skip[k] {
			continue
		}
		for _, v := range vs {
			if err := writeField(bw, k, v); err != nil {
				return err
			}
		}
	}
	for _, h := range o.add {
		if err := writeField(bw, h.name, h.value); err != nil {
			return err
		}
	}
	if o.te {
		bw.WriteString("Te: trailers\r\n")
	}
	switch {
	case o.length > 0 || o.length == 0 && (o.method == http.MethodPost || o.method == http.MethodPut || o.method == http.MethodPatch):
		bw.WriteString("Content-Length: ")
		bw.WriteString(strconv.FormatInt(o.length, 10))
		bw.WriteString("\r\n")
	case o.length < 0:
		bw.WriteString("Transfer-Encoding: chunked\r\n")
		if len(o.trail) > 0 {
			first := true
			bw.WriteString("Trailer: ")
			for k := range o.trail {
				if !first {
					bw.WriteString(", ")
				}
				bw.WriteString(k)
				first = false
			}
			bw.WriteString("\r\n")
		}
	}
	_, err := bw.WriteString("\r\n")
	return err
}

// writeField writes one header line, refusing what would break the message (as http.Transport
// does).
func writeField(bw *bufio.Writer, name, value string) error {
	if !validName(name) || !validValue(value) {
		return fmt.Errorf("an invalid header field %q", name)
	}
	bw.WriteString(name)
	bw.WriteString(": ")
	bw.WriteString(value)
	_, err := bw.WriteString("\r\n")
	return err
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// writeStream writes a body that is read as it comes: o.length bytes, or chunked with the
// client's trailers.
func writeStream(bw *bufio.Writer, o *outbound) error {
	if o.length >= 0 {
		n, err := io.Copy(bw, io.LimitReader(o.stream, o.length))
		if err == nil && n < o.length {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
		return bw.Flush()
	}
	// Each piece of the body leaves as it comes, as a chunk of its own (as http.Transport does).
	cw := httputil.NewChunkedWriter(bw)
	buf := buffers.Get().(*[]byte)
	defer buffers.Put(buf)
	for {
		n, err := o.stream.Read(*buf)
		if n > 0 {
			if _, werr := cw.Write((*buf)[:n]); werr != nil {
				return werr
			}
			if werr := bw.Flush(); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if err := cw.Close(); err != nil { // the last chunk, "0\r\n"
		return err
	}
	for k, vs := range o.trail {
		for _, v := range vs {
			if err := writeField(bw, k, v); err != nil {
				return err
			}
		}
	}
	bw.WriteString("\r\n")
	return bw.Flush()
}
