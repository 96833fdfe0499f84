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
	"strconv"
	"strings"
	"time"

	"github.com/callconf/callconf/internal/check"
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
	v       *schemas.Validator
	members []string // the members of a PATCH's answer Result.Answer holds; never changed
}

// New returns a judge that validates answers with v.
func New(v *schemas.Validator) *Judge {
	return &Judge{v: v, members: append([]string{"id"}, schemas.Updatable()...)}
}

// Exchange judges ex. patchOf is the call id when ex is a PATCH of that call's item, "" for any
// other request; only such exchanges are held to PATCH-02 and PATCH-03 when answered 200.
// An exchange without a response (transport failure) yields nothing: there is nothing to judge.
func (j *Judge) Exchange(ex *target.Exchange, patchOf string) Result {
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
	if status == http.StatusOK && patchOf != "" {
		j.patchAnswer(ex, patchOf, &r, add, limit)
	}
	return r
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
	res, err := j.v.Validate(schemas.KindResponse, ex.Body)
	if err != nil {
		r.Findings = append(r.Findings, check.Finding{Requirement: "PATCH-02", Inconclusive: true,
			Mismatch: check.Mismatch{Expected: "a body the validator can judge", Actual: err.Error(), Message: "a harness error"}})
	}
	for _, v := range res.Violations {
		f := check.Finding{Requirement: "PATCH-02", Inconclusive: v.Limit, Mismatch: check.Mismatch{
			Pointer: v.Pointer, Expected: "schema rule " + v.Keyword + ": " + v.Message, Actual: check.Cut(v.Value, 200)}}
		if v.Limit {
			f.Expected, f.Actual = "a body within the validator's limits", v.Message
			f.Message = "the harness's own limit, not the target's fault"
		}
		r.Findings = append(r.Findings, f)
	}
	for _, n := range res.Notes {
		r.Notes = append(r.Notes, check.Note{Requirement: "PATCH-02", Text: n.Pointer + ": " + n.Message})
	}
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
