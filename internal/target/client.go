// Package target is the harness's HTTP client for a target under test. It sends one request at a
// time as told (raw paths go on the wire byte for byte), bounds every exchange in time and size,
// never follows a redirect, and records each exchange so that a failing spec can print it, with
// a curl line that reproduces it, and without ever printing the token or a secret header value.
// The bearer token comes from the token source of the configuration (package internal/token):
// a fixed token, or tokens fetched and refreshed during the run, every one of them redacted.
//
// It imports the standard library and internal/config, internal/redact, internal/throttle and
// internal/token.
package target

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/redact"
	"github.com/callconf/callconf/internal/throttle"
	"github.com/callconf/callconf/internal/token"
)

// UserAgent is sent unless a request or the configuration sets its own.
const UserAgent = "callconf-conformance/1"

// AuthMode says what a request sends as Authorization.
type AuthMode int

const (
	AuthDefault AuthMode = iota // "Bearer <token>" when a token is configured or fetched, nothing otherwise
	AuthNone                    // no Authorization header
	AuthRaw                     // Request.RawAuthorization, verbatim (even when empty)
)

func (m AuthMode) String() string {
	switch m {
	case AuthDefault:
		return "default"
	case AuthNone:
		return "none"
	case AuthRaw:
		return "raw"
	}
	return fmt.Sprintf("AuthMode(%d)", int(m))
}

// Request is one request to send.
type Request struct {
	Method string
	// Path is raw and already escaped; it is appended to the base URL's path as is, without
	// cleaning or re-escaping, so "..%2F..%2F", "%00" or a 4 KiB id reach the target byte for
	// byte. It may carry a query ("?x=1"). Bytes that cannot appear in a request line (controls,
	// space, non-ASCII) are refused with an error: percent-encode them.
	Path string
	// Header holds extra headers (Content-Type, client-request-id, ...); they replace configured
	// headers of the same name. Authorization here is ignored: use Auth.
	Header           http.Header
	Body             []byte
	Auth             AuthMode
	RawAuthorization string
}

// Exchange records one request and what came back. RequestHeader is what was sent, except that
// Authorization and secret header values are already redacted; Header and Body are the target's,
// unmodified (pass them through Client.Redact before printing anything of your own).
type Exchange struct {
	Method        string
	URL           string
	RequestHeader http.Header
	RequestBody   []byte
	Auth          AuthMode

	Status    int
	Header    http.Header
	Body      []byte
	Truncated bool // the body exceeded the limit; Body holds its first MaxResponseBytes bytes
	// Err is a transport failure: refused connection, TLS, a timeout ("timed out after 10s
	// (per-request timeout)"), a body over the limit ("response body larger than N bytes").
	// Status and Header may be set alongside it when the failure came while reading the body.
	Err      error
	Duration time.Duration
	// Started is when the request went out (after any wait for a rate limit); Proto is the
	// answer's protocol ("HTTP/1.1", "HTTP/2.0"), "" without one. The HAR records both.
	Started time.Time
	Proto   string
	// ConnReused reports that the request went on a connection an earlier request had used.
	ConnReused bool

	// authParts is the Authorization value split around the token ("Bearer ", ""); nil when
	// none was sent. The token itself is never stored in an Exchange.
	authParts []string
}

// TimeoutError is the error of an exchange that ran out of time.
type TimeoutError struct {
	After time.Duration
	Which string // "per-request timeout" or "run deadline"
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s (%s)", e.After, e.Which)
}

// Timeout lets errors.As(err, &net.Error) style checks treat it as a timeout.
func (e *TimeoutError) Timeout() bool { return true }

// BodyTooLargeError is the error of an exchange whose response body exceeded the limit.
type BodyTooLargeError struct{ Limit int64 }

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("response body larger than %d bytes", e.Limit)
}

// Client talks to one target. It is safe for concurrent use.
type Client struct {
	cfg      config.Config
	scheme   string
	host     string // host[:port] of the base URL
	basePath string // escaped, no trailing slash
	hc       *http.Client
	timeout  time.Duration
	maxBody  int64
	requests *atomic.Int64     // shared with the clients OneConnection derives
	limit    *throttle.Limiter // cfg.RateLimit and cfg.MaxInFlight; nil = none
	tokens   *token.Source     // the bearer token: fixed, or fetched during the run
}

// Transport is the transport of a client of the target, the runner's or the proxy's: TLS 1.2 or
// later trusting cfg.RootCAs (or, with cfg.InsecureSkipTLSVerify, anything), the proxy of the
// environment, and cfg.Timeout (which must be positive) to connect, shake hands and await the
// answer's headers; idle connections close after 30 s. The caller sizes the idle pool. Its errors
// start with "--ca-file: ".
func Transport(cfg config.Config) (*http.Transport, error) {
	pool, err := cfg.RootCAs()
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool, InsecureSkipVerify: cfg.InsecureSkipTLSVerify}, //nolint:gosec // opt-in, warned about by the runner
		TLSHandshakeTimeout:    cfg.Timeout,
		ResponseHeaderTimeout:  cfg.Timeout,
		ExpectContinueTimeout:  time.Second,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: 256 << 10,
		ForceAttemptHTTP2:      true,
	}, nil
}

// New builds a client for the target at baseURL, set up by cfg and authenticating with the
// bearer tokens of tokens (nil: cfg.Token, if any). TLS trusts the system roots plus cfg.CAFile; redirects are
// never followed; every exchange is bounded by cfg.Timeout and its body by cfg.MaxResponseBytes
// (zero values take the defaults). The client redacts with tokens' redactor, which the run's
// other clients and its reports share.
func New(baseURL string, cfg config.Config, tokens *token.Source) (*Client, error) {
	if baseURL == "" {
		return nil, errors.New("target: no base URL (start the embedded reference and use its URL)")
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("target: invalid base URL %q: want http(s)://host[:port][/path] without credentials", redact.Userinfo(baseURL))
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = config.DefaultTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = config.DefaultMaxResponseBytes
	}
	tr, err := Transport(cfg)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	conns := max(cfg.Concurrency, config.DefaultConcurrency) * 2
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = conns, conns
	c := &Client{
		cfg:      cfg,
		scheme:   u.Scheme,
		host:     u.Host,
		basePath: strings.TrimRight(u.EscapedPath(), "/"),
		timeout:  cfg.Timeout,
		maxBody:  cfg.MaxResponseBytes,
		requests: new(atomic.Int64),
		hc: &http.Client{
			Transport: tr,
			// Never follow: the 3xx is the answer to judge, and Authorization must never reach
			// another host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.limit = throttle.New(cfg.RateLimit, cfg.MaxInFlight)
	if c.tokens = tokens; tokens == nil { // cfg's fixed token, if any
		c.tokens = token.Static(cfg.Token, redact.New(cfg.Secrets()...))
	}
	return c, nil
}

// OneConnection returns a client like c (same target, configuration, tokens, rate limits and
// request count) that holds at most one connection to the target, so that requests sent one
// after another through it share a kept-alive connection while the target keeps it open
// (Exchange.ConnReused tells). ERR-04 uses it to send a request without a valid token on a
// connection that has just carried an accepted one. Close it when done.
func (c *Client) OneConnection() (*Client, error) {
	tr, err := Transport(c.cfg)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	tr.MaxConnsPerHost, tr.MaxIdleConnsPerHost, tr.MaxIdleConns = 1, 1, 1
	one := &Client{cfg: c.cfg, scheme: c.scheme, host: c.host, basePath: c.basePath, timeout: c.timeout, maxBody: c.maxBody,
		requests: c.requests, limit: c.limit, tokens: c.tokens,
		hc: &http.Client{Transport: tr, CheckRedirect: c.hc.CheckRedirect}}
	return one, nil
}

// BaseURL returns the target's base URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.scheme + "://" + c.host + c.basePath }

// Requests returns the number of requests sent so far.
func (c *Client) Requests() int64 { return c.requests.Load() }

// Close releases idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Do sends r and records the exchange. It never panics and never takes longer than the earlier of
// ctx's deadline and the per-request timeout, body included: a target that never answers, or
// trickles its body, yields an Exchange whose Err says "timed out after ...". Under a rate limit
// or an in-flight bound (cfg.RateLimit, cfg.MaxInFlight) it first waits its turn; the wait is
// not part of the exchange's time.
func (c *Client) Do(ctx context.Context, r Request) (e *Exchange) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	e = &Exchange{Method: method, URL: c.BaseURL() + r.Path, RequestBody: r.Body, Auth: r.Auth}
	if ctx == nil {
		ctx = context.Background()
	}
	release, err := c.limit.Acquire(ctx)
	if err != nil {
		e.Err = c.transportError(ctx, time.Now(), err)
		return e
	}
	defer release()
	start := time.Now()
	e.Started = start
	defer func() {
		if p := recover(); p != nil {
			e.Err = fmt.Errorf("internal error in the HTTP client: %v", p)
		}
		e.Duration = time.Since(start)
	}()
	ctx, cancel := context.WithTimeoutCause(ctx, c.timeout, &TimeoutError{After: c.timeout, Which: "per-request timeout"})
	defer cancel()

	if err := checkPath(r.Path); err != nil {
		e.Err = err
		return e
	}
	var body io.Reader
	if len(r.Body) > 0 {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL()+"/", body)
	if err != nil {
		e.Err = fmt.Errorf("cannot build the request: %v", redact.URLError(err))
		return e
	}
	// Opaque carries the escaped path verbatim into the request line.
	path := c.basePath + r.Path
	if path == "" {
		path = "/"
	}
	if strings.HasPrefix(path, "//") {
		// A leading "//" would read as an authority: send the absolute form instead.
		path = "//" + c.host + path
	}
	req.URL = &url.URL{Scheme: c.scheme, Host: c.host, Opaque: path}

	h := make(http.Header)
	for _, ch := range c.cfg.Headers {
		h.Add(ch.Name, ch.Value)
	}
	for k, vs := range r.Header {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	h.Del("Authorization")
	if host := h.Get("Host"); host != "" {
		req.Host = host
	}
	if h.Get("User-Agent") == "" {
		h.Set("User-Agent", UserAgent)
	}
	switch r.Auth {
	case AuthDefault:
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			if ctx.Err() != nil {
				err = c.transportError(ctx, start, err)
			}
			e.Err = err
			return e
		}
		if tok != "" {
			h.Set("Authorization", "Bearer "+tok)
			e.authParts = []string{"Bearer ", ""}
		}
	case AuthRaw:
		h["Authorization"] = []string{r.RawAuthorization}
		e.authParts = splitAround(r.RawAuthorization, c.tokens.Current())
	}
	req.Header = h
	e.RequestHeader = c.redactHeader(h, true)

	c.requests.Add(1)
	var reused atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused.Store(info.Reused) },
	}))
	resp, err := c.hc.Do(req)
	e.ConnReused = reused.Load()
	if err != nil {
		e.Err = c.transportError(ctx, start, err)
		return e
	}
	defer resp.Body.Close()
	e.Status, e.Header, e.Proto = resp.StatusCode, resp.Header, resp.Proto
	e.Body, e.Truncated, err = readLimited(resp.Body, c.maxBody)
	switch {
	case e.Truncated:
		e.Err = &BodyTooLargeError{Limit: c.maxBody}
	case err != nil:
		e.Err = c.transportError(ctx, start, err)
	}
	return e
}

// readLimited reads up to limit bytes; truncated reports that more was there.
func readLimited(r io.Reader, limit int64) ([]byte, bool, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	b := buf.Bytes()
	if n > limit {
		return b[:limit:limit], true, nil
	}
	return b, false, err
}

// transportError turns a client error into one a person can act on.
func (c *Client) transportError(ctx context.Context, start time.Time, err error) error {
	if ctx.Err() != nil {
		cause := context.Cause(ctx)
		var te *TimeoutError
		switch {
		case errors.As(cause, &te):
			return te
		case errors.Is(cause, context.DeadlineExceeded):
			return &TimeoutError{After: time.Since(start).Round(time.Millisecond), Which: "run deadline"}
		case errors.Is(cause, context.Canceled):
			return errors.New("canceled (the run was interrupted)")
		default:
			return cause // the caller's own cause, e.g. a deadline it named
		}
	}
	err = redact.URLError(err)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &TimeoutError{After: c.timeout, Which: "per-request timeout"}
	}
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	var ce x509.CertificateInvalidError
	var ve *tls.CertificateVerificationError
	if errors.As(err, &ue) || errors.As(err, &he) || errors.As(err, &ce) || errors.As(err, &ve) {
		return fmt.Errorf("%w (trust a private CA with --ca-file, or skip verification with --insecure-skip-tls-verify)", err)
	}
	return err
}

// checkPath refuses bytes that cannot appear in a request line.
func checkPath(p string) error {
	for i := 0; i < len(p); i++ {
		if b := p[i]; b <= ' ' || b >= 0x7f || b == '#' {
			return fmt.Errorf("the request path has byte 0x%02x at offset %d, which cannot go on the wire as is: percent-encode it", b, i)
		}
	}
	return nil
}

// splitAround splits s around every occurrence of secret ("" secret: one part).
func splitAround(s, secret string) []string {
	if secret == "" {
		return []string{s}
	}
	return strings.Split(s, secret)
}
