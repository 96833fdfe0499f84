package reference

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/callconf/callconf/internal/ids"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/schemas"
)

// Defaults of Options.
const (
	DefaultMaxBodyBytes  int64 = 1 << 20
	DefaultMaxCalls            = 10000
	DefaultLingerBytes   int64 = 16 << 20
	DefaultLingerTimeout       = 2 * time.Second
)

// maxContentCodings bounds how many content codings one request body may list.
const maxContentCodings = 4

// acceptedEncodings is the Accept-Encoding of a 415 refusing a content coding (RFC 9110 §15.5.16).
const acceptedEncodings = "gzip, identity"

// maxIDLen bounds a call id; longer ids answer 400. Ids the reference creates are 36 bytes.
const maxIDLen = 256

// Options configure a Server. The zero value is a working server.
type Options struct {
	BasePath string // routes live under BasePath + "/communications/calls" ("" by default)
	Token    string // when non-empty, every request needs "Authorization: Bearer <Token>", else 401
	// Authorize, when set, decides instead of Token which bearer tokens are accepted (e.g. those a
	// token endpoint issued and that have not expired); every other request answers 401.
	Authorize     func(token string) bool
	MaxBodyBytes  int64         // request bodies above this answer 413, before and after gzip decoding; 0 = DefaultMaxBodyBytes
	MaxCalls      int           // creating more calls than this answers 507; 0 = DefaultMaxCalls
	Latency       time.Duration // delay before each answer; a cancelled request is not answered
	ReplaceNested bool          // PATCH replaces top-level objects instead of merging them (allowed variant)
	Log           io.Writer     // one line per request: method, path, status, duration, request-id; nil = none
	Validator     *schemas.Validator
	Now           func() time.Time // nil = time.Now
	// LingerBytes bounds how much of a request body that an answer left unread (e.g. a 413) is
	// drained after the answer before the connection closes; 0 = DefaultLingerBytes.
	LingerBytes int64
	// LingerTimeout bounds how long that draining may take; 0 = DefaultLingerTimeout.
	LingerTimeout time.Duration
}

// Server is the reference implementation; it implements http.Handler and is safe for concurrent
// use.
type Server struct {
	opts      Options
	coll      string // escaped path of the collection
	v         *schemas.Validator
	now       func() time.Time
	tokenHash [sha256.Size]byte
	store     *store
	logMu     sync.Mutex
}

// New returns a Server configured by opts.
func New(opts Options) (*Server, error) {
	base := strings.TrimRight(opts.BasePath, "/")
	if base != "" {
		if !strings.HasPrefix(base, "/") {
			base = "/" + base
		}
		if u, err := url.Parse(base); err != nil || u.EscapedPath() != base || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("reference: base path %q is not a plain URL path", opts.BasePath)
		}
	}
	opts.BasePath = base
	if opts.MaxBodyBytes < 0 || opts.MaxCalls < 0 || opts.Latency < 0 || opts.LingerBytes < 0 || opts.LingerTimeout < 0 {
		return nil, errors.New("reference: MaxBodyBytes, MaxCalls, Latency, LingerBytes and LingerTimeout must not be negative")
	}
	opts.MaxBodyBytes = orDefault(opts.MaxBodyBytes, DefaultMaxBodyBytes)
	opts.MaxCalls = orDefault(opts.MaxCalls, DefaultMaxCalls)
	opts.LingerBytes = orDefault(opts.LingerBytes, DefaultLingerBytes)
	opts.LingerTimeout = orDefault(opts.LingerTimeout, DefaultLingerTimeout)
	s := &Server{opts: opts, coll: base + requirements.CollectionPath, v: opts.Validator, now: opts.Now,
		store: newStore(opts.MaxCalls)}
	if s.v == nil {
		v, err := schemas.Default()
		if err != nil {
			return nil, fmt.Errorf("reference: loading schemas: %w", err)
		}
		s.v = v
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.Token != "" {
		s.tokenHash = sha256.Sum256([]byte(opts.Token))
	}
	return s, nil
}

// orDefault returns v, or d when v is zero or negative (a setting left unset).
func orDefault[T ~int | ~int64](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// Len returns the number of calls stored.
func (s *Server) Len() int { return s.store.len() }

// Create validates body as the POST route does and stores a new call; it returns the new id, or
// an *Error saying why the body was refused.
func (s *Server) Create(body []byte) (string, error) {
	id, _, err := s.create(body)
	if err != nil {
		return "", err
	}
	return id, nil
}

// Get returns the stored call as JSON, or an *Error (404).
func (s *Server) Get(id string) ([]byte, error) {
	doc, err := s.store.get(id)
	if err != nil {
		return nil, errorf(http.StatusNotFound, codeNotFound, "no call with id %q", id)
	}
	return doc, nil
}

// exchange is one request being answered.
type exchange struct {
	w         http.ResponseWriter
	r         *http.Request
	requestID string
	clientID  string
	status    int
	body      []byte // read before the latency wait, so that a client hanging up is noticed
	bodyErr   *Error
	bodyDone  bool // the request body was read to its end, or there was none
}

// ServeHTTP answers one request; see the package documentation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	x := &exchange{w: w, r: r, requestID: ids.GUID(), clientID: r.Header.Get("client-request-id")}
	h := w.Header()
	h.Set("request-id", x.requestID)
	if x.clientID != "" {
		h.Set("client-request-id", x.clientID)
	}
	defer s.linger(x) // runs last: after the answer and its log line
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.logf("PANIC request-id=%s: %v", x.requestID, p)
			if x.status == 0 {
				s.fail(x, errorf(http.StatusInternalServerError, codeGeneralException, "internal error"))
			}
		}
		s.logRequest(x, time.Since(start))
	}()
	// The body is read first: until it is, net/http does not notice a client that hangs up.
	x.body, x.bodyErr = s.readAll(x)
	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return // the client is gone: answer nothing
		}
	}
	if (s.opts.Token != "" || s.opts.Authorize != nil) && !s.authorized(r) {
		challenge := `Bearer realm="callconf"`
		if r.Header.Get("Authorization") != "" {
			challenge += `, error="invalid_token"`
		}
		h.Set("WWW-Authenticate", challenge)
		s.fail(x, errorf(http.StatusUnauthorized, codeUnauthenticated,
			"a valid bearer token is required in the Authorization header"))
		return
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), s.coll)
	switch {
	case !ok:
		s.fail(x, errorf(http.StatusNotFound, codeNotFound, "no resource at this path"))
	case rest == "":
		s.serveCollection(x)
	case len(rest) > 1 && rest[0] == '/' && !strings.Contains(rest[1:], "/"):
		s.serveItem(x, rest[1:])
	default:
		s.fail(x, errorf(http.StatusNotFound, codeNotFound, "no resource at this path"))
	}
}

func (s *Server) serveCollection(x *exchange) {
	if x.r.Method != http.MethodPost {
		x.w.Header().Set("Allow", "POST")
		s.fail(x, errorf(http.StatusMethodNotAllowed, codeMethodNotAllowed,
			"%s is not supported on the calls collection; use POST", x.r.Method))
		return
	}
	body, e := s.readBody(x)
	if e != nil {
		s.fail(x, e)
		return
	}
	id, doc, e := s.create(body)
	if e != nil {
		s.fail(x, e)
		return
	}
	x.w.Header().Set("Location", s.coll+"/"+id)
	s.reply(x, http.StatusCreated, doc)
}

func (s *Server) serveItem(x *exchange, seg string) {
	switch x.r.Method {
	case http.MethodGet, http.MethodPatch, http.MethodDelete:
	default:
		x.w.Header().Set("Allow", "GET, PATCH, DELETE")
		s.fail(x, errorf(http.StatusMethodNotAllowed, codeMethodNotAllowed,
			"%s is not supported on a call; use GET, PATCH or DELETE", x.r.Method))
		return
	}
	id, e := parseID(seg)
	if e != nil {
		s.fail(x, e)
		return
	}
	notFound := errorf(http.StatusNotFound, codeNotFound, "no call with id %q", id)
	switch x.r.Method {
	case http.MethodGet:
		doc, err := s.store.get(id)
		if err != nil {
			s.fail(x, notFound)
			return
		}
		s.reply(x, http.StatusOK, doc)
	case http.MethodDelete:
		if s.store.remove(id) != nil {
			s.fail(x, notFound)
			return
		}
		x.writeHeader(http.StatusNoContent)
	case http.MethodPatch:
		body, e := s.readBody(x)
		if e != nil {
			s.fail(x, e)
			return
		}
		doc, e := s.update(id, body)
		if e != nil {
			s.fail(x, e)
			return
		}
		s.reply(x, http.StatusOK, doc)
	}
}

// parseID decodes an item's path segment into a call id and refuses malformed ones.
func parseID(seg string) (string, *Error) {
	bad := func(why string) (string, *Error) {
		e := errorf(http.StatusBadRequest, codeMalformedCallID, "the call id in the URL is malformed: %s", why)
		return "", e
	}
	if len(seg) > 3*maxIDLen {
		return bad(fmt.Sprintf("longer than %d bytes", maxIDLen))
	}
	id, err := url.PathUnescape(seg)
	if err != nil {
		return bad("bad percent-encoding")
	}
	switch {
	case len(id) > maxIDLen:
		return bad(fmt.Sprintf("longer than %d bytes", maxIDLen))
	case !utf8.ValidString(id):
		return bad("not UTF-8")
	case id == "." || id == "..":
		return bad("a dot segment")
	case strings.ContainsAny(id, "/\\"):
		return bad("contains a slash")
	}
	for _, c := range id {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			return bad("contains a control character")
		}
	}
	return id, nil
}

// authorized reports whether r carries "Authorization: Bearer <Token>" (or a token Authorize
// accepts). The comparison is of SHA-256 digests in constant time, so neither the token nor its
// length leaks through timing.
func (s *Server) authorized(r *http.Request) bool {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	if s.opts.Authorize != nil {
		return s.opts.Authorize(strings.TrimSpace(cred))
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(cred)))
	return subtle.ConstantTimeCompare(got[:], s.tokenHash[:]) == 1
}

// readBody checks the media type and the content codings, and returns the body read by readAll,
// decoded.
func (s *Server) readBody(x *exchange) ([]byte, *Error) {
	r := x.r
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != "application/json" {
		return nil, errorf(http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			"the body must be sent as Content-Type: application/json, not %q", ct)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return nil, errorf(http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			"the body must be UTF-8, not charset %q", cs)
	}
	codings, e := contentCodings(r.Header.Values("Content-Encoding"))
	if e != nil {
		x.w.Header().Set("Accept-Encoding", acceptedEncodings)
		return nil, e
	}
	if x.bodyErr != nil {
		return nil, x.bodyErr
	}
	body := x.body
	for i := len(codings) - 1; i >= 0; i-- { // the last coding listed was applied last
		if body, e = s.gunzip(body); e != nil {
			return nil, e
		}
	}
	return body, nil
}

// contentCodings returns the non-identity content codings of a request body, in the order they
// were applied; each is gzip ("x-gzip" is its alias, RFC 9110 §8.4.1.3). Any other coding answers
// 415.
func contentCodings(values []string) ([]string, *Error) {
	var codings []string
	for _, v := range values {
		for _, c := range strings.Split(v, ",") {
			switch c = strings.ToLower(strings.TrimSpace(c)); c {
			case "", "identity":
			case "gzip", "x-gzip":
				codings = append(codings, "gzip")
			default:
				return nil, errorf(http.StatusUnsupportedMediaType, codeUnsupportedMedia,
					"content coding %q is not supported; send the body with gzip or no Content-Encoding", c)
			}
		}
	}
	if len(codings) > maxContentCodings {
		return nil, errorf(http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			"at most %d content codings are supported, not %d", maxContentCodings, len(codings))
	}
	return codings, nil
}

// gunzip decodes a gzip body (one or more members, RFC 1952). The decoded size is bounded by
// Options.MaxBodyBytes: decoding stops one byte past it and answers 413, so a small body that
// inflates to gigabytes (a gzip bomb) costs no more memory than a body at the limit.
func (s *Server) gunzip(b []byte) ([]byte, *Error) {
	corrupt := func(err error) *Error {
		return errorf(http.StatusBadRequest, codeBadRequest, "the body is not a valid gzip stream: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, corrupt(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(io.LimitReader(zr, s.opts.MaxBodyBytes+1)); err != nil {
		return nil, corrupt(err)
	}
	if int64(out.Len()) > s.opts.MaxBodyBytes {
		return nil, errorf(http.StatusRequestEntityTooLarge, codeTooLarge,
			"the decompressed body exceeds the limit of %d bytes", s.opts.MaxBodyBytes)
	}
	return out.Bytes(), nil
}

// readAll reads the request body within Options.MaxBodyBytes; it records in x.bodyDone whether the
// body was read to its end.
func (s *Server) readAll(x *exchange) ([]byte, *Error) {
	r := x.r
	if r.Body == nil || r.Body == http.NoBody {
		x.bodyDone = true
		return nil, nil
	}
	tooLarge := errorf(http.StatusRequestEntityTooLarge, codeTooLarge,
		"the body exceeds the limit of %d bytes", s.opts.MaxBodyBytes)
	if r.ContentLength > s.opts.MaxBodyBytes {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(x.w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		var ne net.Error
		switch {
		case errors.As(err, &mbe):
			return nil, tooLarge
		case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
			return nil, errorf(http.StatusRequestTimeout, codeTimeout, "the body was not received in time")
		default:
			return nil, errorf(http.StatusBadRequest, codeBadRequest, "the body could not be read: %v", err)
		}
	}
	x.bodyDone = true
	return body, nil
}

// linger runs after every answer. When the answer left the request body unread (a 413, a body the
// route ignored), the client may still be sending it, and many clients (the Graph SDKs among them)
// read the answer only once they have sent the whole body: closing now would reset the connection
// under them and lose the answer (RFC 9112 §9.6). So the answer is flushed, then at most
// Options.LingerBytes of the body are read and discarded within Options.LingerTimeout, after which
// net/http closes the connection (reply set "Connection: close"). Both bounds keep a hostile
// client from holding the server.
func (s *Server) linger(x *exchange) {
	r := x.r
	if x.status == 0 || x.bodyDone || r.ProtoMajor != 1 || r.Body == nil || r.Body == http.NoBody {
		return
	}
	rc := http.NewResponseController(x.w)
	if rc.Flush() != nil {
		return
	}
	// Without a read deadline the drain could outlast the bound: then the connection just closes.
	if rc.SetReadDeadline(time.Now().Add(s.opts.LingerTimeout)) != nil {
		return
	}
	_, _ = io.CopyN(io.Discard, r.Body, s.opts.LingerBytes)
}

// validate runs the validator, turning a panic inside it into an error.
func (s *Server) validate(kind schemas.Kind, doc []byte) (res schemas.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("validator panic: %v", p)
		}
	}()
	return s.v.Validate(kind, doc)
}

// parseRequest checks a request body: acceptable JSON, a JSON object, valid against the request
// schema. The validator walks the body once: its raw-byte checks decide whether the body is
// malformed, its schema whether it is valid.
func (s *Server) parseRequest(body []byte) (object, *Error) {
	res, err := s.validate(schemas.KindRequest, body)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, codeInvalidRequest, "the body could not be validated: %v", err)
	}
	if e := malformed(res); e != nil {
		return nil, e
	}
	if e := violations(res, "the body does not satisfy the update-call request schema", codeInvalidRequest); e != nil {
		return nil, e
	}
	o, err := parseObject(body)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, codeInvalidRequest, "the body must be a JSON object")
	}
	for k, v := range o {
		o[k] = canonical(v)
	}
	return o, nil
}

// malformed turns a result that refuses the body as JSON into the malformed-body 400, or returns
// nil. The refusals are the validator's "json" violations (schemas.Prescan): not UTF-8, a byte
// order mark, empty, not well-formed, more than one value, a member name repeated in one object,
// nesting deeper than schemas.MaxDepth levels. Two "json" violations are limits of the validator
// on well-formed JSON and are left to violations, a detail each: a number it cannot judge (Limit,
// with the number as Value) and a document over schemas.MaxDocumentBytes (Limit, at the root; a
// nesting violation always has a place below it). The validator does not scan a document over
// its size limit, and stops listing findings after a bound: such a body, or one with that many
// numbers it cannot judge, is answered as a schema violation even where it is malformed further on.
func malformed(res schemas.Result) *Error {
	var refusals []string
	for _, v := range res.Violations {
		if v.Keyword == "json" && !(v.Limit && (v.Value != "" || v.Pointer == "")) {
			refusals = append(refusals, v.Message)
		}
	}
	switch len(refusals) {
	case 0:
		return nil
	case 1:
		return errorf(http.StatusBadRequest, codeBadRequest, "the body is not acceptable JSON: %s", refusals[0])
	}
	return errorf(http.StatusBadRequest, codeBadRequest, "the body is not acceptable JSON: %s (and %d more)",
		refusals[0], len(refusals)-1)
}

// violations turns an invalid result into a 400 with one detail per violation.
func violations(res schemas.Result, msg, code string) *Error {
	if res.Valid() {
		return nil
	}
	e := &Error{Status: http.StatusBadRequest, Code: code,
		Message: fmt.Sprintf("%s: %d violation(s)", msg, len(res.Violations))}
	for _, v := range res.Violations {
		dc := v.Keyword
		if dc == "" {
			dc = "invalid"
		}
		e.Details = append(e.Details, ErrorDetail{Code: dc, Message: v.Message, Target: v.Pointer})
	}
	if len(e.Details) == 1 {
		e.Target = e.Details[0].Target
	}
	return e
}

// finish checks that call, about to be stored, satisfies the response schema, and encodes it.
func (s *Server) finish(call object) ([]byte, *Error) {
	doc := call.encode(callOrder)
	res, err := s.validate(schemas.KindResponse, doc)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, codeInvalidMergedCall, "the resulting call could not be validated: %v", err)
	}
	if e := violations(res, "the update would leave the call invalid", codeInvalidMergedCall); e != nil {
		return nil, e
	}
	return doc, nil
}

// create validates body and stores a new call.
func (s *Server) create(body []byte) (string, []byte, *Error) {
	o, e := s.parseRequest(body)
	if e != nil {
		return "", nil, e
	}
	id := ids.GUID()
	o["id"] = json.RawMessage(strconv.Quote(id))
	defaults := map[string]string{
		"@odata.type":     `"#microsoft.graph.call"`,
		"state":           `"establishing"`,
		"direction":       `"outgoing"`,
		"myParticipantId": strconv.Quote(ids.GUID()),
	}
	for k, v := range defaults {
		if _, ok := o[k]; !ok {
			o[k] = json.RawMessage(v)
		}
	}
	doc, e := s.finish(o)
	if e != nil {
		return "", nil, e
	}
	if err := s.store.add(id, doc); err != nil {
		return "", nil, errorf(http.StatusInsufficientStorage, codeStorage,
			"the reference holds at most %d calls; DELETE some first", s.opts.MaxCalls)
	}
	return id, doc, nil
}

// update applies a PATCH body to the call id.
func (s *Server) update(id string, body []byte) ([]byte, *Error) {
	patch, e := s.parseRequest(body)
	if e != nil {
		return nil, e
	}
	if raw, ok := patch["id"]; ok {
		if got, _ := stringValue(raw); got != id {
			return nil, &Error{Status: http.StatusBadRequest, Code: codeIDMismatch, Target: "/id",
				Message: "the body's id differs from the call id in the URL; a call's id cannot change"}
		}
		delete(patch, "id")
	}
	var fe *Error
	doc, err := s.store.update(id, func(cur []byte) ([]byte, error) {
		co, err := parseObject(cur)
		if err != nil {
			return nil, err // stored calls are objects: cannot happen
		}
		doc, e := s.finish(merge(co, patch, s.opts.ReplaceNested))
		if e != nil {
			fe = e
			return nil, e
		}
		return doc, nil
	})
	switch {
	case fe != nil:
		return nil, fe
	case errors.Is(err, errNotFound):
		return nil, errorf(http.StatusNotFound, codeNotFound, "no call with id %q", id)
	case err != nil:
		return nil, errorf(http.StatusInternalServerError, codeGeneralException, "internal error: %v", err)
	}
	return doc, nil
}

// reply writes a JSON body.
func (s *Server) reply(x *exchange, status int, doc []byte) {
	h := x.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(doc)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	x.writeHeader(status)
	_, _ = x.w.Write(doc)
}

// writeHeader sends the status line and headers of every answer. An answer that leaves the request
// body unread closes the connection, after linger has drained what the client still sends.
func (x *exchange) writeHeader(status int) {
	if !x.bodyDone {
		x.w.Header().Set("Connection", "close")
		// The body is read after the answer is written (by linger): say so to net/http, which
		// would otherwise treat it as abandoned.
		_ = http.NewResponseController(x.w).EnableFullDuplex()
	}
	x.status = status
	x.w.WriteHeader(status)
}

// fail writes e as a Graph error.
func (s *Server) fail(x *exchange, e *Error) {
	doc := encodeError(e, innerError{RequestID: x.requestID, ClientRequestID: x.clientID,
		Date: s.now().UTC().Format(time.RFC3339)})
	s.reply(x, e.Status, doc)
}

func (s *Server) logRequest(x *exchange, d time.Duration) {
	s.logf("%s", RequestLine(x.r.Method, x.r.URL.EscapedPath(), x.status, d, x.requestID))
}

// RequestLine is the reference's log line of one exchange, without its time stamp: method,
// path (cut at 200 bytes), status ("-" when the client went away before an answer), duration
// and request-id. `callconf serve --mutant` logs the catalogue's implementations with it too.
func RequestLine(method, path string, status int, d time.Duration, requestID string) string {
	if len(path) > 200 {
		path = path[:200] + "…"
	}
	st := "-"
	if status != 0 {
		st = strconv.Itoa(status)
	}
	return fmt.Sprintf("%s %s %s %s request-id=%s", method, path, st, d.Round(time.Microsecond), requestID)
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log == nil {
		return
	}
	line := s.now().UTC().Format(time.RFC3339Nano) + " " + fmt.Sprintf(format, args...) + "\n"
	s.logMu.Lock()
	defer s.logMu.Unlock()
	_, _ = io.WriteString(s.opts.Log, line)
}
