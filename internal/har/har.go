// Package har writes and reads HTTP Archive (HAR 1.2) files: the run's exchanges.har, the
// proxy's --har file, and the recorded traffic `callconf judge` reads. Writing goes through a
// Recorder, which appends one entry per line to a part file of its own, so that every process of
// a parallel run records without sharing anything; Collect merges the parts of a run into one
// HAR, ordered by start time. Every string of an entry passes through the run's redactor, the
// value of every secret header is replaced, and bodies are cut at MaxBody bytes (as the
// terminal's transcripts cut them), the cut said in the entry's comment.
//
// It imports the standard library and internal/redact only.
package har

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callconf/callconf/internal/redact"
)

// FileName is the HAR file a run writes into its report directory; CI jobs depend on it.
const FileName = "exchanges.har"

// MaxBody is the most bytes of a body an entry holds: the cut of the failure transcripts
// (target.DefaultTranscriptBody), so the HAR stays as small as the terminal's account.
const MaxBody = 4 << 10

// HAR is a whole HTTP Archive.
type HAR struct {
	Log Log `json:"log"`
}

// Log is the archive's root object.
type Log struct {
	Version string  `json:"version"`
	Creator Creator `json:"creator"`
	Entries []Entry `json:"entries"`
	Comment string  `json:"comment,omitempty"`
}

// Creator names the tool that wrote the archive.
type Creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Entry is one exchange.
type Entry struct {
	StartedDateTime string   `json:"startedDateTime"`
	Time            float64  `json:"time"` // milliseconds
	Request         Request  `json:"request"`
	Response        Response `json:"response"`
	Cache           struct{} `json:"cache"`
	Timings         Timings  `json:"timings"`
	Comment         string   `json:"comment,omitempty"`
	// Error is why no answer came ("" when one did), as browsers write it.
	Error string `json:"_error,omitempty"`
}

// NameValue is a header, a query parameter or a cookie (whose other fields are not kept).
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Request is an entry's request.
type Request struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []NameValue `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	QueryString []NameValue `json:"queryString"`
	PostData    *PostData   `json:"postData,omitempty"`
	HeadersSize int64       `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
	Comment     string      `json:"comment,omitempty"`
}

// PostData is a request body. HAR 1.2 has no encoding for it: a body that is not UTF-8 is
// written in base64 with the custom field _encoding saying so.
type PostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Encoding string `json:"_encoding,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// Response is an entry's response; Status 0 means no answer came.
type Response struct {
	Status      int         `json:"status"`
	StatusText  string      `json:"statusText"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []NameValue `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	Content     Content     `json:"content"`
	RedirectURL string      `json:"redirectURL"`
	HeadersSize int64       `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
	Comment     string      `json:"comment,omitempty"`
}

// Content is a response body, decoded from any content coding; Encoding "base64" when Text is.
type Content struct {
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// Timings are the phases of an exchange in milliseconds; -1 for a phase not measured.
type Timings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	SSL     float64 `json:"ssl"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// Exchange is one exchange to record, as its recorder saw it.
type Exchange struct {
	Started       time.Time
	Duration      time.Duration
	Method        string
	URL           string // absolute
	Proto         string // "HTTP/1.1", "HTTP/2.0"; "" when unknown
	RequestHeader http.Header
	RequestBody   []byte
	// RequestCut and ResponseCut say the body held is a prefix of a longer one (a recorder's
	// own limit).
	RequestCut  bool
	Status      int // 0: no answer
	Header      http.Header
	Body        []byte // decoded from any content coding
	ResponseCut bool
	// BodyNote says something about the response body the entry should carry ("" for none),
	// e.g. that it could not be decoded and is the bytes on the wire.
	BodyNote string
	Err      string // why no answer came, or why it broke off
}

// Sanitizer keeps secrets out of entries.
type Sanitizer struct {
	// Redact replaces every secret in a string (the run's redactor); nil leaves strings as they are.
	Redact func(string) string
	// Secret reports whether a header's value is secret (config.Config.IsSecretHeader); nil
	// takes Authorization, Proxy-Authorization, Cookie and Set-Cookie.
	Secret func(name string) bool
}

func (s Sanitizer) redact(x string) string {
	if s.Redact == nil {
		return x
	}
	return s.Redact(x)
}

func (s Sanitizer) secret(name string) bool {
	if s.Secret != nil {
		return s.Secret(name)
	}
	switch http.CanonicalHeaderKey(name) {
	case "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie":
		return true
	}
	return false
}

// headerValue is a header's value as an entry holds it: an Authorization keeps its scheme and
// loses its credentials, any other secret header its whole value.
func (s Sanitizer) headerValue(name, v string) string {
	if !s.secret(name) {
		return s.redact(v)
	}
	switch http.CanonicalHeaderKey(name) {
	case "Authorization", "Proxy-Authorization":
		if scheme, _, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
			return s.redact(scheme) + " " + redact.Placeholder
		}
	}
	if v == "" {
		return ""
	}
	return redact.Placeholder
}

// Entry builds the HAR entry of ex: every string redacted, secret header values replaced, each
// body cut at MaxBody bytes with the cut said in a comment.
func (s Sanitizer) Entry(ex Exchange) Entry {
	ms := float64(ex.Duration.Microseconds()) / 1000
	httpVersion := ex.Proto
	if httpVersion == "" {
		httpVersion = "HTTP/1.1"
	}
	e := Entry{
		StartedDateTime: ex.Started.UTC().Format(time.RFC3339Nano),
		Time:            ms,
		Timings:         Timings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1, Send: 0, Wait: ms, Receive: 0},
	}
	reqHeaders, reqCut := s.headers(ex.RequestHeader)
	e.Request = Request{
		Method: ex.Method, URL: s.redact(ex.URL), HTTPVersion: httpVersion,
		Cookies: []NameValue{}, Headers: reqHeaders, QueryString: s.query(ex.URL),
		HeadersSize: -1, BodySize: int64(len(ex.RequestBody)), Comment: reqCut,
	}
	var comments []string
	if reqCut != "" {
		comments = append(comments, "request "+reqCut)
	}
	if len(ex.RequestBody) > 0 || ex.RequestCut {
		text, enc, cut := s.body(ex.RequestBody)
		e.Request.PostData = &PostData{MimeType: ex.RequestHeader.Get("Content-Type"), Text: text, Encoding: enc}
		if cut || ex.RequestCut {
			e.Request.PostData.Comment = cutComment(len(ex.RequestBody), ex.RequestCut)
			comments = append(comments, "request body cut")
		}
		if ex.RequestCut {
			e.Request.BodySize = -1
		}
	}
	respHeaders, respCut := s.headers(ex.Header)
	e.Response = Response{
		Status: ex.Status, StatusText: http.StatusText(ex.Status), HTTPVersion: httpVersion,
		Cookies: []NameValue{}, Headers: respHeaders,
		HeadersSize: -1, BodySize: int64(len(ex.Body)), Comment: respCut,
	}
	if respCut != "" {
		comments = append(comments, "response "+respCut)
	}
	if ex.Status >= 300 && ex.Status < 400 {
		e.Response.RedirectURL = s.redact(ex.Header.Get("Location"))
	}
	if ex.Status == 0 {
		e.Response.HTTPVersion, e.Response.BodySize = "", -1
	}
	text, enc, cut := s.body(ex.Body)
	e.Response.Content = Content{Size: int64(len(ex.Body)), MimeType: ex.Header.Get("Content-Type"), Text: text, Encoding: enc}
	var notes []string
	if cut || ex.ResponseCut {
		notes = append(notes, cutComment(len(ex.Body), ex.ResponseCut))
		comments = append(comments, "response body cut")
	}
	if ex.BodyNote != "" {
		notes = append(notes, s.redact(ex.BodyNote))
	}
	e.Response.Content.Comment = strings.Join(notes, "; ")
	if ex.ResponseCut {
		e.Response.BodySize = -1
	}
	if ex.Err != "" {
		e.Error = s.redact(ex.Err)
		e.Response.Comment = strings.TrimPrefix(e.Response.Comment+"; "+e.Error, "; ")
	}
	e.Comment = strings.Join(comments, "; ")
	return e
}

// cutComment says how a body was cut.
func cutComment(n int, before bool) string {
	if before {
		return "truncated: the recorder kept the first " + strconv.Itoa(min(n, MaxBody)) + " bytes of a longer body"
	}
	return "truncated: the first " + strconv.Itoa(MaxBody) + " of " + strconv.Itoa(n) + " bytes"
}

// body is b as an entry's text: redacted, then cut at MaxBody (at a rune boundary when it is
// text; redacting first, so no secret is cut in two and half kept), and in base64 when it is
// not UTF-8. cut reports that the text is a prefix.
func (s Sanitizer) body(b []byte) (text, encoding string, cut bool) {
	if len(b) > 0 {
		b = []byte(s.redact(string(b)))
	}
	if len(b) > MaxBody {
		b, cut = b[:MaxBody], true
		if utf8.Valid(b[:MaxBody-utf8.UTFMax]) {
			for len(b) > 0 && !utf8.Valid(b) {
				b = b[:len(b)-1]
			}
		}
	}
	if utf8.Valid(b) {
		return string(b), "", cut
	}
	return base64.StdEncoding.EncodeToString(b), "base64", cut
}

// A hostile target may send up to the client's header limit (256 KiB) on every answer: an
// entry lists at most MaxHeaders headers, each value cut at MaxHeaderValue bytes, so the HAR of
// a long run stays bounded. The entry's comment says what was left out.
const (
	MaxHeaders     = 64
	MaxHeaderValue = 1 << 10
)

// headers lists h sorted by name, each value sanitized and bounded; cut says what was left out
// ("" when nothing was).
func (s Sanitizer) headers(h http.Header) (out []NameValue, cut string) {
	out = []NameValue{}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	dropped, shortened := 0, 0
	for _, k := range names {
		for _, v := range h[k] {
			if len(out) == MaxHeaders {
				dropped++
				continue
			}
			v = s.headerValue(k, v) // redacted before it is cut: no secret is cut in two
			if len(v) > MaxHeaderValue {
				v, shortened = strings.ToValidUTF8(v[:MaxHeaderValue], ""), shortened+1
			}
			out = append(out, NameValue{Name: s.redact(k), Value: v})
		}
	}
	if dropped > 0 || shortened > 0 {
		cut = fmt.Sprintf("headers truncated: %d left out (at most %d listed), %d cut at %d bytes", dropped, MaxHeaders, shortened, MaxHeaderValue)
	}
	return out, cut
}

// query lists the query parameters of rawURL, redacted, in the order written.
func (s Sanitizer) query(rawURL string) []NameValue {
	out := []NameValue{}
	_, q, ok := strings.Cut(rawURL, "?")
	if !ok {
		return out
	}
	for _, part := range strings.Split(q, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		out = append(out, NameValue{Name: s.redact(k), Value: s.redact(v)})
	}
	return out
}

// Bytes returns the body c holds (decoded from base64 when Encoding says so) and whether it
// is only part of the body: cut by its recorder (a "truncated" comment, a size larger than the
// text) or not recorded at all (a size without text).
func (c Content) Bytes() (b []byte, partial bool, err error) {
	b, err = decodeText(c.Text, c.Encoding)
	if err != nil {
		return nil, false, fmt.Errorf("response.content: %w", err)
	}
	partial = strings.HasPrefix(c.Comment, "truncated") || c.Size > int64(len(b))
	return b, partial, nil
}

// Bytes returns the body p holds and whether it is only part of the body (a "truncated"
// comment); a nil p holds an empty body.
func (p *PostData) Bytes() (b []byte, partial bool, err error) {
	if p == nil {
		return nil, false, nil
	}
	b, err = decodeText(p.Text, p.Encoding)
	if err != nil {
		return nil, false, fmt.Errorf("request.postData: %w", err)
	}
	return b, strings.HasPrefix(p.Comment, "truncated"), nil
}

func decodeText(text, encoding string) ([]byte, error) {
	switch strings.ToLower(encoding) {
	case "":
		return []byte(text), nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("text in base64 that is not base64: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("text in an unknown encoding %q", encoding)
}

// Header returns the headers as an http.Header, names canonical, in the order listed.
func Header(nv []NameValue) http.Header {
	h := make(http.Header, len(nv))
	for _, x := range nv {
		if x.Name == "" || strings.HasPrefix(x.Name, ":") { // HTTP/2 pseudo-headers, as browsers list them
			continue
		}
		h.Add(x.Name, x.Value)
	}
	return h
}
