// Package judge is the exchange judge: it applies every check the contract (docs/contract.md,
// "How the harness judges a response") makes of each exchange, whatever spec sent it, and
// attributes each violation to its own requirement. The conformance specs pass every recorded
// exchange through it; a proxy of live traffic can do the same.
//
// It imports the recorded exchange (internal/target), the schemas and package check; it knows
// nothing of Ginkgo.
package judge

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/schemas"
)

// Result is what the judge found in one exchange.
type Result struct {
	Findings []check.Finding
	Notes    []check.Note
	// Answer holds the id and the updatable members (schemas.Updatable) of a 200 answer to a
	// PATCH of a call, decoded as check.DecodeObject decodes them, so PATCH-04 can be judged
	// without reading the answer again. It is nil when the answer was not judged as such (another
	// status or request, a body over the limit) or is not a JSON object (check.Members declined).
	Answer map[string]any
}

// Judge applies the per-exchange checks. It is safe for concurrent use.
type Judge struct {
	v         *schemas.Validator
	members   []string // the members of a PATCH's answer Result.Answer holds; never changed
	updatable []string // schemas.Updatable(); never changed
	generated []string // schemas.ServerGenerated(); never changed
}

// New returns a judge that validates answers with v.
func New(v *schemas.Validator) *Judge {
	return &Judge{v: v, members: append([]string{"id"}, schemas.Updatable()...),
		updatable: schemas.Updatable(), generated: schemas.ServerGenerated()}
}

// Context is what only the sender of an exchange knows about it: the judge cannot read it in the
// bytes. The zero Context claims nothing, so PATCH-01 is not applied.
type Context struct {
	// Exists says the request went to a call that exists (one the sender created, or was given,
	// and has not deleted): a valid PATCH of it is held to PATCH-01.
	Exists bool
	// Concurrent says the PATCH was one of several sent at once to one call: STATE-03 accepts
	// 409 and 412 for it (an exception of PATCH-01).
	Concurrent bool
}

// Exchange judges ex. patchOf is the call id when ex is a PATCH of that call's item, "" for any
// other request; only such exchanges are held to PATCH-02 and PATCH-03 when answered 200, and to
// PATCH-04 when the request was a valid PATCH (ex.RequestBody satisfies the request schema, sent
// as JSON). A 200 to a GET of a call item (read from ex.URL) is held to STATE-01's media type,
// schema and id. An exchange without a response (transport failure) yields nothing: there is
// nothing to judge. It is ExchangeIn with the zero Context.
func (j *Judge) Exchange(ex *target.Exchange, patchOf string) Result {
	return j.ExchangeIn(ex, patchOf, Context{})
}

// ExchangeIn is Exchange for a sender that knows more of the exchange (Context): a valid PATCH of
// a call that exists is also held to PATCH-01 (answered 200, or one of the contract's exceptions).
func (j *Judge) ExchangeIn(ex *target.Exchange, patchOf string, c Context) Result {
	var r Result
	if ex.Status == 0 {
		return r
	}
	add := func(req string, vs ...check.Mismatch) {
		for _, v := range vs {
			r.Findings = append(r.Findings, check.Finding{Requirement: req, Mismatch: v})
		}
	}
	limit := func(req, what string) {
		r.Findings = append(r.Findings, check.Finding{Requirement: req, Inconclusive: true, Mismatch: check.Mismatch{
			Expected: what, Actual: fmt.Sprintf("a body over the harness's --max-response-bytes limit (first %d bytes kept)", len(ex.Body)),
			Message: "the harness's own limit, not the target's fault: raise --max-response-bytes to judge it"}})
	}
	status := ex.Status
	_, retryAfter := RetryAfter(ex.Header, time.Now())
	// A 503 with Retry-After asks the client to come back later: the harness does, and judges
	// the answer it then gets (the contract, PATCH-08); past its retry budget the spec is
	// inconclusive. Any other 5xx is a failure.
	if status >= 500 && !(status == http.StatusServiceUnavailable && retryAfter) {
		add("PATCH-08", check.Mismatch{Expected: "a status below 500", Actual: fmt.Sprintf("%d %s", status, check.Cut(string(ex.Body), 200))})
	}
	if status >= 400 && status < 500 {
		if ct := ex.Header.Get("Content-Type"); !check.IsJSONMediaType(ct) {
			add("ERR-06", check.Mismatch{Expected: "Content-Type application/json on a 4xx (parameters allowed)", Actual: check.Show(ct, ct != "")})
		}
		if ex.Truncated {
			limit("ERR-06", "a Graph error body")
			limit("ERR-07", "an error body with innerError")
		} else {
			add("ERR-06", check.GraphError(ex.Body)...)
			add("ERR-07", check.InnerError(ex.Body)...)
		}
	}
	add("HTTP-01", check.HeaderPresent(ex.Header, "request-id")...)
	if sent := ex.RequestHeader.Get("client-request-id"); sent != "" {
		if got := ex.Header.Get("client-request-id"); got != sent {
			add("HTTP-02", check.Mismatch{Expected: "header client-request-id: " + sent, Actual: check.Show(got, got != "")})
		}
	}
	if status == http.StatusUnauthorized {
		add("ERR-10", BearerChallenge(ex.Header)...)
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if !retryAfter {
			add("HTTP-03", check.Mismatch{Expected: "header Retry-After: delta-seconds or an HTTP-date", Actual: check.Show(ex.Header.Get("Retry-After"), len(ex.Header.Values("Retry-After")) > 0)})
		}
	}
	var sent map[string]any // the body of a valid PATCH, nil for anything else
	if patchOf != "" && ex.Method == http.MethodPatch && status < 500 {
		sent = j.validPatch(ex)
	}
	if sent != nil && c.Exists && status != http.StatusOK && !j.excused(ex, patchOf, sent, c) {
		add("PATCH-01", check.Mismatch{Expected: "200 OK to a valid PATCH (JSON, a body that satisfies the request schema) of a call that exists",
			Actual: fmt.Sprintf("%d %s", status, check.Cut(string(ex.Body), 200))})
	}
	if status == http.StatusOK && patchOf != "" {
		j.patchAnswer(ex, patchOf, &r, add, limit)
		if sent != nil {
			j.valuesSent(ex, sent, &r, add, limit)
		}
	}
	if status == http.StatusOK && ex.Method == http.MethodGet {
		if id, ok := ItemOf(ex.URL); ok {
			j.getAnswer(ex, id, &r, add, limit)
		}
	}
	return r
}

// validPatch returns the body of a PATCH sent as JSON that satisfies the request schema, decoded;
// nil for any other (no body, another media type, a schema violation, a body the validator cannot
// judge). Bodies the harness sends invalid on purpose are thereby never held to PATCH-01 or -04.
func (j *Judge) validPatch(ex *target.Exchange) map[string]any {
	if len(ex.RequestBody) == 0 || !check.IsJSONMediaType(ex.RequestHeader.Get("Content-Type")) {
		return nil
	}
	res, err := j.v.Validate(schemas.KindRequest, ex.RequestBody)
	if err != nil || !res.Valid() {
		return nil
	}
	obj, err := check.DecodeObject(ex.RequestBody)
	if err != nil {
		return nil
	}
	return obj
}

// largeBody is the size above which a body may be refused for its size: STATE-05 accepts 400 and
// 413 for a subject over 65,536 characters, so a valid body that large is not held to PATCH-01.
const largeBody = 64 << 10

// excused reports whether a valid PATCH of a call that exists may be answered with ex's status
// other than 200: the exceptions the contract lists for PATCH-01 (server-generated properties
// and an abstract base type may get 400, concurrent PATCHes 409, 412 and 429), and what other
// requirements allow for a valid body: throttling (429, retried), credentials the harness left
// out or spoilt on purpose (ERR-04: 401, 403), a body id that differs from the URL's (PATCH-07:
// 400) and a body over 64 KiB (STATE-05: 400, 413).
func (j *Judge) excused(ex *target.Exchange, id string, sent map[string]any, c Context) bool {
	switch ex.Status {
	case http.StatusTooManyRequests:
		return true
	case http.StatusConflict, http.StatusPreconditionFailed:
		return c.Concurrent
	case http.StatusUnauthorized, http.StatusForbidden:
		return ex.Auth != target.AuthDefault
	case http.StatusRequestEntityTooLarge:
		return len(ex.RequestBody) > largeBody
	case http.StatusBadRequest:
		if len(ex.RequestBody) > largeBody || schemas.SetsAbstractBase(sent) {
			return true
		}
		if bodyID, set := sent["id"]; set && bodyID != id {
			return true
		}
		for _, k := range j.generated {
			if _, set := sent[k]; set {
				return true
			}
		}
	}
	return false
}

// valuesSent applies PATCH-04 to the 200 answer to a valid PATCH: every updatable property the
// request set appears with the value sent (check.ContainsProps, as the PATCH-04 specs and the
// proxy judge it).
func (j *Judge) valuesSent(ex *target.Exchange, sent map[string]any, r *Result, add func(string, ...check.Mismatch), limit func(string, string)) {
	if !slices.ContainsFunc(j.updatable, func(k string) bool { _, set := sent[k]; return set }) {
		return
	}
	switch {
	case ex.Truncated:
		limit("PATCH-04", "a body that shows every updatable property the request set")
	case r.Answer == nil:
		// Read again only on this rare path, for the reason.
		why := "not a JSON object"
		if _, err := check.DecodeObject(ex.Body); err != nil {
			why = err.Error()
		}
		add("PATCH-04", check.Mismatch{Expected: "a JSON object body", Actual: check.Cut(string(ex.Body), 200), Message: why})
	default:
		add("PATCH-04", check.ContainsProps(sent, r.Answer, j.updatable)...)
	}
}

// getAnswer applies STATE-01's checks of form to a 200 answer to a GET of call id: the JSON media
// type, the call response schema and the id of the URL (what PATCH-02 and PATCH-03 ask of a
// PATCH's answer).
func (j *Judge) getAnswer(ex *target.Exchange, id string, r *Result, add func(string, ...check.Mismatch), limit func(string, string)) {
	if ct := ex.Header.Get("Content-Type"); !check.IsJSONMediaType(ct) {
		add("STATE-01", check.Mismatch{Expected: "Content-Type application/json on a 200 to a GET of a call (parameters allowed)", Actual: check.Show(ct, ct != "")})
	}
	if ex.Truncated {
		limit("STATE-01", "a call that satisfies the call response schema, with the URL's id")
		return
	}
	j.schema("STATE-01", ex.Body, r)
	obj, ok := check.Members(ex.Body, "id")
	if !ok {
		add("STATE-01", check.Mismatch{Pointer: "/id", Expected: "a JSON object whose id is " + strconv.Quote(id), Actual: check.Cut(string(ex.Body), 200)})
		return
	}
	add("STATE-01", check.Contains(id, obj["id"], "/id")...)
}

// ItemOf returns the call id a URL names when its path ends in the calls collection and one
// segment (a call item), unescaped; ok is false for any other URL.
func ItemOf(rawURL string) (id string, ok bool) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", false
	}
	p := u.EscapedPath()
	i := strings.LastIndex(p, requirements.CollectionPath+"/")
	if i < 0 {
		return "", false
	}
	rest := p[i+len(requirements.CollectionPath)+1:]
	if rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	id, err = url.PathUnescape(rest)
	return id, err == nil
}

// patchAnswer applies PATCH-02 and PATCH-03 to a 200 answer to a PATCH of call id.
func (j *Judge) patchAnswer(ex *target.Exchange, id string, r *Result, add func(string, ...check.Mismatch), limit func(string, string)) {
	if ct := ex.Header.Get("Content-Type"); !check.IsJSONMediaType(ct) {
		add("PATCH-02", check.Mismatch{Expected: "Content-Type application/json (parameters allowed)", Actual: check.Show(ct, ct != "")})
	}
	if ex.Truncated {
		limit("PATCH-02", "a body that satisfies the call response schema")
		limit("PATCH-03", "a body whose id equals the URL's callId")
		return
	}
	res := j.schema("PATCH-02", ex.Body, r)
	// Only the id and the updatable members (for PATCH-04) are decoded: the rest of the answer
	// (validated above) is scanned, not decoded. Members declines exactly the bodies
	// DecodeObject refuses.
	obj, ok := check.Members(ex.Body, j.members...)
	if !ok {
		if len(res.Violations) == 0 || !res.Violations[0].Limit {
			add("PATCH-03", check.Mismatch{Pointer: "/id", Expected: "a JSON object whose id is " + strconv.Quote(id), Actual: check.Cut(string(ex.Body), 200)})
		}
		return
	}
	r.Answer = obj
	add("PATCH-03", check.Contains(id, obj["id"], "/id")...)
}

// schema validates body against the call response schema and records what it finds against req.
func (j *Judge) schema(req string, body []byte, r *Result) schemas.Result {
	res, err := j.v.Validate(schemas.KindResponse, body)
	if err != nil {
		r.Findings = append(r.Findings, check.Finding{Requirement: req, Inconclusive: true,
			Mismatch: check.Mismatch{Expected: "a body the validator can judge", Actual: err.Error(), Message: "a harness error"}})
	}
	for _, v := range res.Violations {
		f := check.Finding{Requirement: req, Inconclusive: v.Limit, Mismatch: check.Mismatch{
			Pointer: v.Pointer, Expected: "schema rule " + v.Keyword + ": " + v.Message, Actual: check.Cut(v.Value, 200)}}
		if v.Limit {
			f.Expected, f.Actual = "a body within the validator's limits", v.Message
			f.Message = "the harness's own limit, not the target's fault"
		}
		r.Findings = append(r.Findings, f)
	}
	for _, n := range res.Notes {
		r.Notes = append(r.Notes, check.Note{Requirement: req, Text: n.Pointer + ": " + n.Message})
	}
	return res
}

// BearerChallenge checks that a 401's WWW-Authenticate header names the Bearer scheme (ERR-10).
// Auth schemes are case-insensitive (RFC 9110 §11.1); a challenge starts with its scheme, and
// parameters (name=value) follow it, so only tokens without "=" are schemes.
func BearerChallenge(h http.Header) []check.Mismatch {
	vals := h.Values("WWW-Authenticate")
	for _, v := range vals {
		for _, part := range strings.Split(v, ",") {
			scheme, _, _ := strings.Cut(strings.TrimSpace(part), " ")
			if strings.EqualFold(scheme, "Bearer") {
				return nil
			}
		}
	}
	return []check.Mismatch{{Expected: "header WWW-Authenticate naming the Bearer scheme", Actual: check.Show(strings.Join(vals, ", "), len(vals) > 0)}}
}

// RetryAfter reads a Retry-After header: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). It
// returns the wait from now (never negative) and whether the header was there and valid.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
