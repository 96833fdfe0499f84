// Package proxy is the engine of `runner proxy`: a reverse proxy in front of one target that
// forwards every request unchanged, streaming both bodies, and judges each exchange on the calls
// routes against the contract (docs/contract.md). The request of a PATCH of a call is held to
// the update-call request schema and a JSON media type (client findings, PATCH-01); every answer
// is passed through the exchange judge of package judge, and the 200 answer to a PATCH also to
// PATCH-04 on the request seen (service findings). Findings never change what is forwarded.
//
// Judging is off the hot path: the answer streams to the client while a bounded copy of each
// body is kept, and the exchange is judged by a pool of workers once the answer has been
// written (by the handler itself, after the answer, when every worker is busy and the queue is
// full). With Options.FindingsHeader the proxy instead buffers each exchange on the calls routes
// (up to the body limit) and judges it before answering, so that the X-Callconf-Findings header
// it adds is exact for that same answer.
//
// To a plain-HTTP target the proxy speaks HTTP/1.1 itself (wire.go), on a pool of kept-alive
// connections; http.Transport, whose two goroutines per connection cost as much CPU per
// exchange as the reference's handler, serves targets over TLS or behind an HTTP proxy. A small
// request body (up to 64 KiB of declared length) is read whole first: it is the judge's copy
// and can be sent again if a kept-alive connection turns out closed.
//
// It imports the configuration, the exchange judge, the schemas, package check, the exchange
// type and the transport of internal/target, internal/redact, internal/token and the tally of
// internal/report; it knows nothing of Ginkgo or of the command line.
package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/har"
	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/redact"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/internal/token"
	"github.com/callconf/callconf/schemas"
)

// FindingsHeader is the response header that --findings-header adds to answers on the calls
// routes: the number of findings, then "; side requirement pointer" for each, at most
// MaxFindingsHeader bytes.
const FindingsHeader = "X-Callconf-Findings"

// MaxFindingsHeader bounds the value of FindingsHeader in bytes.
const MaxFindingsHeader = 1 << 10

// Options configure a Proxy.
type Options struct {
	// Config supplies the target (BaseURL, required), the fixed token and extra headers (added
	// only to requests that lack them), the secret headers to redact, the per-exchange timeout,
	// the body limit for judging (MaxResponseBytes) and the TLS settings.
	Config config.Config
	// Tokens hands out the bearer token added to requests without Authorization (a fetched one
	// is refreshed as it falls due); nil takes a fixed source of Config.Token.
	Tokens *token.Source
	// Validator judges request and response bodies; nil takes schemas.Default().
	Validator *schemas.Validator
	// FindingsHeader adds FindingsHeader to every answer on the calls routes, exact for that
	// answer: each such exchange is then buffered and judged before it is answered.
	FindingsHeader bool
	// Redactor keeps secrets out of the log lines, the findings and the reports; nil takes the
	// redactor of Tokens, or one of Config.Secrets() (the token and the secret header values).
	Redactor *redact.Redactor
	// Log receives one line per exchange, already redacted; nil discards them.
	Log io.Writer
	// Workers judge exchanges off the hot path; 0 takes GOMAXPROCS.
	Workers int
	// Queue bounds the exchanges waiting for a worker; 0 takes 256.
	Queue int
	// HAR, when set, records every exchange (--har): what the client sent and the target
	// answered, secrets redacted (har.Sanitizer).
	HAR *har.Recorder
}

// Proxy forwards requests to one target and judges the exchanges. Use it as an http.Handler;
// call Close after the server in front of it has stopped. It is safe for concurrent use.
type Proxy struct {
	opts     Options
	base     *url.URL
	basePath string // escaped, without a trailing slash
	baseURL  string // scheme://host/path, without a trailing slash
	limit    int64
	timeout  time.Duration
	wire     *wire // the HTTP/1.1 client for a plain-HTTP target; nil: tr
	judge    *judge.Judge
	v        *schemas.Validator
	red      *redact.Redactor
	tokens   *token.Source
	tr       *http.Transport
	tally    *report.Tally
	seq      atomic.Int64

	mu      sync.RWMutex // guards closed against sends on queue
	closed  bool
	queue   chan *record
	workers sync.WaitGroup
	inline  sync.WaitGroup // exchanges judged by their handler
	active  atomic.Int64   // exchanges between ServeHTTP's start and finish
	logMu   sync.Mutex
	out     *bufio.Writer // Options.Log: see logLine
	pending bool          // a flush of out is due (guarded by logMu)
}

// New builds a proxy for o.Config.BaseURL and starts its judging workers.
func New(o Options) (*Proxy, error) {
	cfg := o.Config
	if cfg.BaseURL == "" {
		return nil, errors.New("proxy: no base URL of the target (--base-url)")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("proxy: invalid base URL %q: want http(s)://host[:port][/path] without credentials", redact.Userinfo(cfg.BaseURL))
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = config.DefaultTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = config.DefaultMaxResponseBytes
	}
	o.Config = cfg
	if o.Validator == nil {
		if o.Validator, err = schemas.Default(); err != nil {
			return nil, fmt.Errorf("proxy: schemas: %w", err)
		}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Queue <= 0 {
		o.Queue = 256
	}
	switch {
	case o.Redactor == nil && o.Tokens != nil:
		o.Redactor = o.Tokens.Redactor()
	case o.Redactor == nil:
		o.Redactor = redact.New(cfg.Secrets()...)
	}
	if o.Tokens == nil {
		o.Tokens = token.Static(cfg.Token, o.Redactor)
	}
	tr, err := transport(cfg)
	if err != nil {
		return nil, err
	}
	p := &Proxy{
		opts:     o,
		base:     u,
		basePath: strings.TrimRight(u.EscapedPath(), "/"),
		baseURL:  u.Scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/"),
		limit:    cfg.MaxResponseBytes,
		timeout:  cfg.Timeout,
		judge:    judge.New(o.Validator),
		v:        o.Validator,
		red:      o.Redactor,
		tokens:   o.Tokens,
		tr:       tr,
		tally:    report.NewTally(),
		out:      bufio.NewWriterSize(o.Log, 64<<10),
		queue:    make(chan *record, o.Queue),
	}
	if u.Scheme == "http" && !viaProxy(u) {
		port := u.Port()
		if port == "" {
			port = "80"
		}
		p.wire = &wire{
			addr:    net.JoinHostPort(u.Hostname(), port),
			host:    u.Host,
			dialer:  net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second},
			maxIdle: tr.MaxIdleConnsPerHost,
			maxAge:  tr.IdleConnTimeout,
			poll:    pollClient,
		}
	}
	for range o.Workers {
		p.workers.Add(1)
		go func() {
			defer p.workers.Done()
			for rec := range p.queue {
				p.record(rec, p.judgeRecord(rec))
			}
		}()
	}
	return p, nil
}

// transport is the client side of the proxy: target.Transport (TLS as the runner's client,
// bounded in time), never following redirects (the proxy never asks it to), with enough idle
// connections for many concurrent clients.
func transport(cfg config.Config) (*http.Transport, error) {
	tr, err := target.Transport(cfg)
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	tr.IdleConnTimeout = 90 * time.Second
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 512, 256
	// The client's Accept-Encoding goes through as sent; without one, net/http would ask for gzip
	// itself and hand the client a decompressed answer: not the target's.
	tr.DisableCompression = true
	return tr, nil
}

// viaProxy reports whether the environment (HTTP_PROXY, NO_PROXY) sends requests to u through
// an HTTP proxy, which http.Transport then speaks to.
func viaProxy(u *url.URL) bool {
	pu, err := http.ProxyFromEnvironment(&http.Request{URL: u})
	return err != nil || pu != nil
}

// buffers lends the copy buffers of bodies that are not kept whole.
var buffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// Redact replaces every secret of the redactor (the configured token and secret header values)
// wherever it occurs in s.
func (p *Proxy) Redact(s string) string { return p.red.String(s) }

// Conformance is the verdict on every exchange judged so far (call Close first for all of them).
func (p *Proxy) Conformance(started time.Time, strict bool) report.Conformance {
	return p.tally.Conformance(report.Input{Target: p.baseURL, Strict: strict, Started: started})
}

// Close waits until every exchange handed to the judge has been judged and stops the workers.
// Call it after the server in front of the proxy has shut down; exchanges that still arrive are
// judged by their handler.
func (p *Proxy) Close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.queue)
	}
	p.mu.Unlock()
	p.workers.Wait()
	p.inline.Wait()
	p.logMu.Lock()
	p.out.Flush() //nolint:errcheck // the last lines, if the log can take them
	p.logMu.Unlock()
	p.tr.CloseIdleConnections()
	if p.wire != nil {
		p.wire.closeIdle()
	}
}

// ServeHTTP forwards r to the target and hands the exchange to the judge once it is answered.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.active.Add(1)
	rec := &record{
		n:         p.seq.Add(1),
		start:     time.Now(),
		method:    r.Method,
		path:      rawPath(r),
		query:     r.URL.RawQuery,
		reqHeader: r.Header, // never changed: the proxy's additions are written beside it
	}
	rec.route, rec.id = routeOf(rec.path)
	rec.reqBody.limit, rec.respBody.limit = p.limit, p.limit
	deadline := rec.start.Add(p.timeout)
	if _, ok := r.Header["Authorization"]; !ok {
		ctx, cancel := r.Context(), context.CancelFunc(func() {})
		if p.tokens.Fetching() { // a fetch may be due: bounded like the exchange
			ctx, cancel = context.WithDeadline(ctx, deadline)
		}
		tok, err := p.tokens.Token(ctx)
		cancel()
		if err != nil { // the message never holds a token
			rec.err, rec.status = err, http.StatusBadGateway
			p.refuse(w, http.StatusBadGateway, "callconfProxyNoToken", err)
			p.finish(rec)
			return
		}
		rec.token = tok
	}
	o, err := p.outbound(w, r, rec, deadline)
	var resp *http.Response
	if err == nil {
		resp, err = p.send(r.Context(), r, o, deadline)
	}
	if err != nil {
		p.noAnswer(w, r, rec, err)
		p.finish(rec)
		return
	}
	if !p.relay(w, resp, rec) {
		// The answer broke off mid-body (the target or the client went away): the exchange is
		// logged, not judged, and the client's connection is cut, as net/http does for
		// http.ErrAbortHandler.
		rec.aborted = true
		p.finish(rec)
		panic(http.ErrAbortHandler)
	}
	p.finish(rec)
}

// noAnswer answers 502 when the target gave no answer (refused, reset, timed out). The body is a
// Graph error naming the cause, so a client can tell the proxy's 502 from the target's own.
func (p *Proxy) noAnswer(w http.ResponseWriter, r *http.Request, rec *record, err error) {
	var ne net.Error
	var cb errClientBody
	switch {
	case errors.As(err, &cb):
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() ||
		!time.Now().Before(rec.start.Add(p.timeout)): // the exchange's deadline passed, whatever failed then
		err = fmt.Errorf("no answer from the target: timed out after %s (--timeout): %w", p.timeout, err)
	case r.Context().Err() != nil:
		err = fmt.Errorf("the client went away: %w", err)
	default:
		err = fmt.Errorf("no answer from the target: %w", err)
	}
	rec.err, rec.status = err, http.StatusBadGateway
	p.refuse(w, http.StatusBadGateway, "callconfProxyNoAnswer", err)
}

// refuse answers in the proxy's own name, with a Graph error whose code names the proxy, when
// the request could not be forwarded or got no answer.
func (p *Proxy) refuse(w http.ResponseWriter, status int, code string, err error) {
	msg := p.Redact("callconf proxy: " + err.Error())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Callconf-Proxy-Error", code)
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%s,"message":%s}}`, strconv.Quote(code), strconv.Quote(msg))
}

// finish hands a completed exchange to the judge, or logs it when there is nothing to judge.
func (p *Proxy) finish(rec *record) {
	rec.duration = time.Since(rec.start)
	if p.opts.HAR != nil {
		p.opts.HAR.Record(p.harExchange(rec))
	}
	p.active.Add(-1) // before the line is logged, so that the last exchange's line leaves at once
	switch {
	case rec.route == routeNone:
		p.tally.Seen()
		p.logLine(rec, "not judged (not a calls route)")
		return
	case rec.err != nil:
		p.tally.Seen()
		p.logLine(rec, "not judged: "+rec.err.Error())
		return
	case rec.aborted:
		p.tally.Seen()
		p.logLine(rec, "not judged: the answer broke off"+rec.respBody.cause())
		return
	case rec.judged != nil:
		p.record(rec, *rec.judged)
		return
	}
	p.mu.RLock()
	queued := false
	if !p.closed {
		select {
		case p.queue <- rec:
			queued = true
		default: // every worker busy and the queue full: judge here, after the answer
		}
	}
	if !queued {
		p.inline.Add(1)
	}
	p.mu.RUnlock()
	if !queued {
		defer p.inline.Done()
		p.record(rec, p.judgeRecord(rec))
	}
}

// record counts a judged exchange and logs its line.
func (p *Proxy) record(rec *record, j report.Judged) {
	p.tally.Add(j)
	p.logLine(rec, lineSummary(j))
}

// logLine writes the exchange's one line: number, method, path, status, milliseconds, verdict.
func (p *Proxy) logLine(rec *record, verdict string) {
	if p.opts.Log == io.Discard {
		return
	}
	b := make([]byte, 0, 96+len(rec.path)+len(rec.query)+len(verdict))
	b = append(b, '#')
	b = strconv.AppendInt(b, rec.n, 10)
	b = append(b, ' ')
	b = append(b, rec.method...)
	b = append(b, ' ')
	b = append(b, rec.path...)
	if rec.query != "" {
		b = append(b, '?')
		b = append(b, rec.query...)
	}
	b = append(b, ' ')
	if rec.status != 0 {
		b = strconv.AppendInt(b, int64(rec.status), 10)
	} else {
		b = append(b, "---"...)
	}
	b = append(b, ' ')
	b = strconv.AppendFloat(b, float64(rec.duration.Microseconds())/1000, 'f', 2, 64)
	b = append(b, "ms "...)
	b = append(b, verdict...)
	b = append(b, '\n')
	line := p.Redact(string(b))
	p.logMu.Lock()
	defer p.logMu.Unlock()
	// Lines leave at once when the proxy is idle (no exchange in flight or waiting for the
	// judge), and under load in batches at most logDelay late: one write per exchange would
	// cost more than judging it. A lost line never stops traffic.
	p.out.WriteString(line) //nolint:errcheck // see above
	switch {
	case p.active.Load() == 0 && len(p.queue) == 0:
		p.out.Flush() //nolint:errcheck // see above
	case !p.pending:
		p.pending = true
		time.AfterFunc(logDelay, func() {
			p.logMu.Lock()
			defer p.logMu.Unlock()
			p.pending = false
			p.out.Flush() //nolint:errcheck // see above
		})
	}
}

// logDelay bounds how long an exchange's line may wait in the log's buffer under load.
const logDelay = 100 * time.Millisecond

// rawPath is the request's path as the client wrote it, escaped, without the query.
func rawPath(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		p, _, _ := strings.Cut(r.RequestURI, "?")
		return p
	}
	return r.URL.EscapedPath() // absolute-form request target, or a handler called directly
}

// Routes of the contract, recognised by their suffix so that any base path (/v1.0, /beta)
// in front of them works.
type route int

const (
	routeNone       route = iota // not a route of the contract: forwarded, not judged
	routeCollection              // {base}/communications/calls
	routeItem                    // {base}/communications/calls/{callId}
)

const callsSuffix = requirements.CollectionPath

// routeOf recognises the calls routes in an escaped path; for an item it returns the callId,
// unescaped.
func routeOf(path string) (route, string) {
	if strings.HasSuffix(path, callsSuffix) {
		return routeCollection, ""
	}
	i := strings.LastIndex(path, callsSuffix+"/")
	if i < 0 {
		return routeNone, ""
	}
	seg := path[i+len(callsSuffix)+1:]
	if seg == "" || strings.Contains(seg, "/") {
		return routeNone, ""
	}
	if id, err := url.PathUnescape(seg); err == nil {
		return routeItem, id
	}
	return routeItem, seg
}
