package proxy

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/callconf/callconf/internal/har"
	"github.com/callconf/callconf/internal/report"
)

// harExchange is rec as the proxy's HAR records it: the target's URL, the client's request and
// the target's answer (bodies as the judge's copy holds them, decoded from gzip).
func (p *Proxy) harExchange(rec *record) har.Exchange {
	u := p.baseURL + rec.path
	if rec.query != "" {
		u += "?" + rec.query
	}
	ex := har.Exchange{Started: rec.start, Duration: rec.duration, Method: rec.method, URL: u, RequestHeader: rec.reqHeader}
	reqBody, reqCut, _ := rec.reqBody.snapshot()
	ex.RequestBody, ex.RequestCut = reqBody, reqCut
	if rec.err != nil { // the client got the proxy's 502: the target gave no answer
		ex.Err = rec.err.Error()
		return ex
	}
	ex.Status, ex.Header = rec.status, rec.respHeader
	raw, cut, _ := rec.respBody.snapshot()
	body, decCut, err := decode(raw, rec.respHeader, p.limit)
	switch {
	case err != nil:
		ex.Body, ex.ResponseCut = raw, cut
		ex.BodyNote = "the body as received, not decoded: " + err.Error()
	default:
		ex.Body, ex.ResponseCut = body, cut || decCut
		if ce := rec.respHeader.Values("Content-Encoding"); len(ce) > 0 {
			ex.Header = rec.respHeader.Clone()
			ex.Header.Del("Content-Encoding") // the text is decoded, as HAR's content.text is
			ex.Header.Del("Content-Length")
			ex.BodyNote = "decoded from Content-Encoding " + strings.Join(ce, ", ")
		}
	}
	if rec.aborted {
		ex.Err = "the answer broke off" + rec.respBody.cause()
	}
	return ex
}

// Offline judges recorded exchanges (`callconf judge FILE.har`) as the proxy judges live ones:
// the same client-side and service-side findings, per requirement. It is not safe for
// concurrent use.
type Offline struct {
	p        *Proxy
	Judged   int // exchanges of the calls routes with an answer, judged
	Skipped  int // exchanges of other routes, not judged
	Unusable int // exchanges of the calls routes without an answer, or whose bodies cannot be read
}

// NewOffline returns a judge of recorded exchanges; o.Config supplies the body limit, the secret
// headers and (with o.Redactor) the redaction, o.Validator the schemas. No target is needed.
func NewOffline(o Options) (*Offline, error) {
	if o.Config.BaseURL == "" {
		o.Config.BaseURL = "http://recorded.invalid" // never dialled: every record names its own URL
	}
	o.Workers, o.Queue = 1, 1
	p, err := New(o)
	if err != nil {
		return nil, err
	}
	p.Close() // its workers are not needed: Entry judges in the caller
	return &Offline{p: p}, nil
}

// Entry judges one recorded exchange (n numbers it in findings' labels) and returns what was
// done with it, for a log line.
func (o *Offline) Entry(n int, e har.Entry) string {
	u, err := url.Parse(e.Request.URL)
	if err != nil {
		o.p.tally.Seen()
		o.Skipped++
		return "not judged: request.url is not a URL"
	}
	rec := &record{n: int64(n), method: e.Request.Method, path: u.EscapedPath(), query: u.RawQuery,
		url: withoutQuery(e.Request.URL)}
	rec.route, rec.id = routeOf(rec.path)
	switch {
	case rec.route == routeNone:
		o.p.tally.Seen()
		o.Skipped++
		return "not judged (not a calls route)"
	case e.Response.Status == 0:
		o.p.tally.Seen()
		o.Unusable++
		return "not judged: no answer was recorded" + errorOf(e)
	}
	rec.reqBody.limit, rec.respBody.limit = o.p.limit, o.p.limit
	rec.reqHeader = har.Header(e.Request.Headers)
	rec.status = e.Response.Status
	rec.respHeader = har.Header(e.Response.Headers)
	reqBody, reqPartial, err := e.Request.PostData.Bytes()
	respPartial := false
	if err == nil {
		var respBody []byte
		if respBody, respPartial, err = e.Response.Content.Bytes(); err == nil {
			rec.reqBody.whole(reqBody)
			rec.reqBody.truncated = rec.reqBody.truncated || reqPartial
			if !strings.Contains(e.Response.Content.Comment, "not decoded") {
				// HAR's content.text is decoded: the coding the headers name is undone already.
				rec.respHeader.Del("Content-Encoding")
			}
			rec.respBody.whole(respBody)
			rec.respBody.truncated = rec.respBody.truncated || respPartial
		}
	}
	if err != nil {
		o.p.tally.Seen()
		o.Unusable++
		return "not judged: " + err.Error()
	}
	j := o.p.judgeRecord(rec)
	if reqPartial || respPartial {
		// The limit that cut the body was the recorder's, not --max-response-bytes: say so.
		for i := range j.Findings {
			if f := &j.Findings[i]; f.Inconclusive && strings.Contains(f.Actual+f.Message, "--max-response-bytes") {
				f.Actual, f.Message = "a body the HAR holds only part of", "the recorder cut it (or did not keep it): record the whole body to judge it"
			}
		}
	}
	o.p.tally.Add(j)
	o.Judged++
	return lineSummary(j)
}

func errorOf(e har.Entry) string {
	if e.Error != "" {
		return " (" + e.Error + ")"
	}
	return ""
}

// Conformance is the verdict on every exchange judged so far, for the archive named target.
func (o *Offline) Conformance(target string, started time.Time, strict bool) report.Conformance {
	return o.p.tally.Conformance(report.Input{Target: target, Strict: strict, Started: started})
}

// Redact replaces every configured secret in s.
func (o *Offline) Redact(s string) string { return o.p.Redact(s) }

// Line is the log line of recorded exchange n: number, method, URL path, status, verdict.
func Line(n int, e har.Entry, verdict string) string {
	path := e.Request.URL
	if u, err := url.Parse(e.Request.URL); err == nil {
		path = u.EscapedPath()
		if u.RawQuery != "" {
			path += "?" + u.RawQuery
		}
	}
	status := "---"
	if e.Response.Status != 0 {
		status = fmt.Sprint(e.Response.Status)
	}
	return fmt.Sprintf("#%d %s %s %s %s\n", n, e.Request.Method, path, status, verdict)
}

// withoutQuery is a URL without its query and fragment, as the live proxy's judge sees it.
func withoutQuery(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}
