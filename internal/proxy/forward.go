package proxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// smallBody is the largest request body of declared length that is read whole before it is
// sent: it is then the judge's copy too, and can be sent again on a new connection when a kept
// alive one turns out closed. Larger bodies, and those of unknown length, stream.
const smallBody = 64 << 10

// hopHeaders are the hop-by-hop headers a proxy does not forward (RFC 9110 §7.6.1, and those
// httputil.ReverseProxy drops), with the framing headers the proxy writes itself.
var hopHeaders = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Content-Length": true, "Host": true,
}

// skipOf is the set of the client's headers not forwarded: hopHeaders, and those its
// Connection header names.
func skipOf(h http.Header) map[string]bool {
	named := h["Connection"]
	if len(named) == 0 {
		return hopHeaders
	}
	skip := make(map[string]bool, len(hopHeaders)+2)
	for k := range hopHeaders {
		skip[k] = true
	}
	for _, v := range named {
		for f := range strings.SplitSeq(v, ",") {
			if f = textproto.TrimString(f); f != "" {
				skip[http.CanonicalHeaderKey(f)] = true
			}
		}
	}
	return skip
}

// removeHopByHop drops an answer's hop-by-hop headers, as httputil.ReverseProxy does.
func removeHopByHop(h http.Header) {
	for _, v := range h["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = textproto.TrimString(f); f != "" {
				h.Del(f)
			}
		}
	}
	for k := range hopHeaders {
		if k != "Content-Length" && k != "Host" {
			delete(h, k)
		}
	}
}

// errClientBody reports a request body that broke off before its declared length.
type errClientBody struct{ err error }

func (e errClientBody) Error() string { return "the client's request body broke off: " + e.err.Error() }
func (e errClientBody) Unwrap() error { return e.err }

// outbound builds the request to the target from the client's: the same method, path, query,
// headers and body; the configured token and extra headers where the client sent none; no
// hop-by-hop headers. A small body is read here, whole; it is also the judge's copy.
func (p *Proxy) outbound(w http.ResponseWriter, r *http.Request, rec *record, deadline time.Time) (*outbound, error) {
	o := &outbound{
		method: r.Method,
		path:   p.basePath + rec.path,
		query:  rec.query,
		header: r.Header,
		skip:   skipOf(r.Header),
		trail:  r.Trailer,
	}
	for _, v := range r.Header["Te"] {
		if strings.Contains(strings.ToLower(v), "trailers") {
			o.te = true
		}
	}
	if rec.token != "" {
		o.add = append(o.add, headerLine{"Authorization", "Bearer " + rec.token})
	}
	for _, h := range p.opts.Config.Headers {
		if _, ok := r.Header[http.CanonicalHeaderKey(h.Name)]; !ok {
			o.add = append(o.add, headerLine{h.Name, h.Value})
		}
	}
	judged := rec.route != routeNone
	switch n := r.ContentLength; {
	case r.Body == nil || r.Body == http.NoBody || n == 0:
	case n > 0 && n <= smallBody:
		o.body, o.length = make([]byte, n), n
		if _, err := io.ReadFull(r.Body, o.body); err != nil {
			return nil, errClientBody{err}
		}
		if judged {
			rec.reqBody.whole(o.body)
		}
	default:
		// Read as it comes, beside the wait for the answer: a client that stalls mid-body must
		// not hold the exchange past its deadline.
		http.NewResponseController(w).SetReadDeadline(deadline) //nolint:errcheck // not every ResponseWriter can
		o.stream, o.length = r.Body, n
		switch {
		case judged && p.opts.FindingsHeader:
			// Buffered: the whole request (up to the limit) is here before the answer is judged.
			rec.reqBody.sized(n)
			rec.reqBody.fill(r.Body)
			o.stream = rec.reqBody.replay(r.Body)
		case judged:
			rec.reqBody.sized(n)
			o.stream = &tee{ReadCloser: r.Body, c: &rec.reqBody}
		}
	}
	return o, nil
}

// send forwards o on the proxy's own HTTP/1.1 client, or on its http.Transport for a target
// over TLS or behind an HTTP proxy. deadline bounds the whole exchange; ctx's end (the client
// went away) aborts it.
func (p *Proxy) send(ctx context.Context, r *http.Request, o *outbound, deadline time.Time) (*http.Response, error) {
	if p.wire != nil {
		return p.wire.roundTrip(ctx, r, o, deadline)
	}
	h := make(http.Header, len(o.header)+len(o.add)+2)
	for k, vs := range o.header {
		if !o.skip[k] {
			h[k] = vs
		}
	}
	for _, a := range o.add {
		h.Add(a.name, a.value)
	}
	if o.te {
		h.Set("Te", "trailers")
	}
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{""} // none, rather than net/http's own
	}
	opaque := o.path
	if strings.HasPrefix(opaque, "//") {
		opaque = "//" + p.base.Host + opaque // a leading "//" would read as an authority
	}
	out := &http.Request{
		Method:     o.method,
		URL:        &url.URL{Scheme: p.base.Scheme, Host: p.base.Host, Opaque: opaque, RawQuery: o.query},
		Proto:      "HTTP/1.1",
		ProtoMajor: 1, ProtoMinor: 1,
		Header:        h,
		Host:          p.base.Host,
		ContentLength: o.length,
		Trailer:       o.trail,
	}
	switch {
	case o.stream != nil:
		out.Body = io.NopCloser(o.stream) // the client's body is the server's to close
	case o.length > 0:
		out.Body = io.NopCloser(bytes.NewReader(o.body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(o.body)), nil }
	}
	tctx, cancel := context.WithDeadline(ctx, deadline)
	resp, err := p.tr.RoundTrip(out.WithContext(tctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelBody{resp.Body, cancel}
	return resp, nil
}

// cancelBody ends the exchange's context when the answer's body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// relay writes the target's answer to the client as it comes, keeping the judge's bounded copy
// of its body; it returns false when the answer broke off (the target's body or the client
// failed mid-way). With Options.FindingsHeader an answer on the calls routes is read (up to the
// limit) and judged first, and the summary header added.
func (p *Proxy) relay(w http.ResponseWriter, resp *http.Response, rec *record) bool {
	defer resp.Body.Close()
	removeHopByHop(resp.Header)
	rec.status, rec.respHeader = resp.StatusCode, resp.Header
	var body io.Reader = resp.Body
	var keep *capture
	if rec.route != routeNone {
		rec.respBody.sized(resp.ContentLength)
		if p.opts.FindingsHeader {
			rec.respBody.fill(resp.Body)
			body = rec.respBody.replay(resp.Body)
			j := p.judgeRecord(rec)
			rec.judged = &j
		} else {
			keep = &rec.respBody
		}
	}
	wh := w.Header()
	for k, vs := range resp.Header {
		wh[k] = vs
	}
	if _, ok := resp.Header["Content-Type"]; !ok {
		wh["Content-Type"] = nil // net/http would guess one: the client gets none, as sent
	}
	if rec.judged != nil {
		wh[FindingsHeader] = []string{headerSummary(*rec.judged, p.Redact)}
	}
	announced := len(resp.Trailer)
	if announced > 0 {
		keys := make([]string, 0, announced)
		for k := range resp.Trailer {
			keys = append(keys, k)
		}
		wh["Trailer"] = []string{strings.Join(keys, ", ")}
	}
	w.WriteHeader(resp.StatusCode)
	// An answer of unknown length (a stream) reaches the client piece by piece, as it comes.
	flush := resp.ContentLength < 0 || strings.HasPrefix(strings.ToLower(resp.Header.Get("Content-Type")), "text/event-stream")
	if !copyBody(w, body, keep, flush) {
		return false
	}
	if len(resp.Trailer) > 0 {
		http.NewResponseController(w).Flush() //nolint:errcheck // forces chunking, so the trailers can follow
		for k, vs := range resp.Trailer {
			if announced != len(resp.Trailer) {
				k = http.TrailerPrefix + k
			}
			wh[k] = vs
		}
	}
	return true
}

// copyBody copies src to w, keeping at most c's limit of it in c (nil: nothing kept). The bytes
// are read straight into c's buffer while it has room, so the judge's copy costs no copy of its
// own. It returns false when src or w failed.
func copyBody(w http.ResponseWriter, src io.Reader, c *capture, flush bool) bool {
	var scratch *[]byte
	defer func() {
		if scratch != nil {
			buffers.Put(scratch)
		}
	}()
	fl, _ := w.(http.Flusher)
	for {
		var b []byte
		if c != nil && c.room() > 0 {
			b = c.buf[len(c.buf):cap(c.buf)]
		} else {
			if scratch == nil {
				scratch = buffers.Get().(*[]byte)
			}
			b = *scratch
		}
		n, err := src.Read(b)
		if c != nil {
			c.add(b[:n], err)
		}
		if n > 0 {
			if _, werr := w.Write(b[:n]); werr != nil {
				if c != nil {
					c.add(nil, fmt.Errorf("the client went away: %w", werr))
				}
				return false
			}
			if flush && fl != nil {
				fl.Flush()
			}
		}
		switch {
		case err == io.EOF:
			return true
		case err != nil:
			return false
		}
	}
}
