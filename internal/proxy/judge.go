package proxy

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/redact"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/schemas"
)

// updatable are the properties PATCH-04 covers (docs/contract.md), as the call schema marks them.
var updatable = schemas.Updatable()

// judgeRecord judges one answered exchange on a calls route: the request of a PATCH of a call
// (client findings, PATCH-01), the answer with the exchange judge, and the 200 answer to such a
// PATCH with PATCH-04 on the request seen (service findings).
func (p *Proxy) judgeRecord(rec *record) report.Judged {
	var j report.Judged
	add := func(side string, fs ...check.Finding) {
		for _, f := range fs {
			j.Findings = append(j.Findings, report.Attributed{Side: side, Finding: f})
		}
	}
	isPatch := rec.route == routeItem && rec.method == http.MethodPatch
	// ex below carries no request body: the judge's own PATCH-01 and PATCH-04 (the harness's
	// requests) are not applied, and the client's PATCH is judged here instead.

	var sent map[string]any // the PATCH body, when it is a valid request
	if isPatch {
		j.Applied = append(j.Applied, "PATCH-01")
		fs, notes, obj := p.clientPatch(rec)
		add(report.SideClient, fs...)
		j.Notes = append(j.Notes, notes...)
		sent = obj
	}

	ex := &target.Exchange{
		Method:        rec.method,
		URL:           cmp.Or(rec.url, p.baseURL+rec.path),
		RequestHeader: rec.reqHeader,
		Status:        rec.status,
		Header:        rec.respHeader,
	}
	raw, truncated, _ := rec.respBody.snapshot()
	body, decTruncated, decErr := decode(raw, rec.respHeader, p.limit)
	if decErr != nil {
		// The body cannot be read (an unknown content coding, corrupt gzip): the checks of its
		// body are inconclusive, as for a body over the limit, with this cause instead.
		ex.Truncated = true
	} else {
		ex.Body, ex.Truncated = body, truncated || decTruncated
	}
	patchOf := ""
	if isPatch {
		patchOf = rec.id
	}
	res := p.judge.Exchange(ex, patchOf)
	if decErr != nil {
		for i := range res.Findings {
			if f := &res.Findings[i]; f.Inconclusive {
				f.Actual = "a body in Content-Encoding " + strings.Join(rec.respHeader.Values("Content-Encoding"), ", ") + ": " + decErr.Error()
				f.Message = "the proxy decodes gzip and identity only"
			}
		}
	}
	add(report.SideService, res.Findings...)
	j.Notes = append(j.Notes, res.Notes...)
	j.Applied = append(j.Applied, applied(ex, isPatch)...)

	if isPatch && rec.status == http.StatusOK && sent != nil && !ex.Truncated {
		if fs, ok := patch04(sent, res.Answer, ex.Body); ok {
			j.Applied = append(j.Applied, "PATCH-04")
			add(report.SideService, fs...)
		}
	}
	if len(j.Findings) > 0 || len(j.Notes) > 0 { // only reports of findings and notes name it
		j.Label = fmt.Sprintf("#%d %s %s → %d", rec.n, rec.method, rec.path, rec.status)
		p.scrub(&j, rec.reqHeader)
	}
	return j
}

// clientPatch holds the request of a PATCH of a call to PATCH-01's conditions: Content-Type
// application/json and a body that satisfies the update-call request schema. It returns the
// findings, the validator's notes and the body as an object when it is valid.
func (p *Proxy) clientPatch(rec *record) ([]check.Finding, []check.Note, map[string]any) {
	var out []check.Finding
	finding := func(inconclusive bool, v check.Mismatch) {
		out = append(out, check.Finding{Requirement: "PATCH-01", Inconclusive: inconclusive, Mismatch: v})
	}
	if ct := rec.reqHeader.Get("Content-Type"); !check.IsJSONMediaType(ct) {
		finding(false, check.Mismatch{Expected: "request header Content-Type application/json (parameters allowed)", Actual: check.Show(ct, ct != "")})
	}
	raw, truncated, complete := rec.reqBody.snapshot()
	if !complete {
		finding(true, check.Mismatch{Expected: "the whole request body", Actual: fmt.Sprintf("%d bytes before the target answered", len(raw)),
			Message: "the target answered before it read the body: the proxy cannot judge it"})
		return out, nil, nil
	}
	body, decTruncated, err := decode(raw, rec.reqHeader, p.limit)
	switch {
	case errors.Is(err, errCoding):
		finding(true, check.Mismatch{Expected: "a body in gzip or identity coding", Actual: err.Error(), Message: "the proxy cannot decode it"})
		return out, nil, nil
	case err != nil:
		finding(false, check.Mismatch{Expected: "a request body in the Content-Encoding it names", Actual: "Content-Encoding " + strings.Join(rec.reqHeader.Values("Content-Encoding"), ", "), Message: err.Error()})
		return out, nil, nil
	case truncated || decTruncated:
		finding(true, check.Mismatch{Expected: "a body within the proxy's limit", Actual: fmt.Sprintf("a body over --max-response-bytes (%d bytes)", p.limit),
			Message: "the harness's own limit, not the client's fault: raise --max-response-bytes to judge it"})
		return out, nil, nil
	}
	res, err := p.v.Validate(schemas.KindRequest, body)
	if err != nil {
		finding(true, check.Mismatch{Expected: "a body the validator can judge", Actual: err.Error(), Message: "a harness error"})
		return out, nil, nil
	}
	for _, v := range res.Violations {
		f := check.Mismatch{Pointer: v.Pointer, Expected: "request schema rule " + v.Keyword + ": " + v.Message, Actual: check.Cut(v.Value, 200)}
		if v.Keyword == "json" && f.Actual == "" {
			f.Actual = check.Cut(string(body), 200)
		}
		if v.Limit {
			f.Expected, f.Actual, f.Message = "a body within the validator's limits", v.Message, "the harness's own limit, not the client's fault"
		}
		finding(v.Limit, f)
	}
	var notes []check.Note
	for _, n := range res.Notes {
		notes = append(notes, check.Note{Requirement: "PATCH-01", Text: n.Pointer + ": " + n.Message})
	}
	if !res.Valid() {
		return out, notes, nil
	}
	obj, err := check.DecodeObject(body)
	if err != nil {
		return out, notes, nil
	}
	return out, notes, obj
}

// patch04 checks that the 200 answer to a valid PATCH shows every updatable property the request
// set with the value sent (contract PATCH-04), as the suite's PATCH-04 specs do. got is the
// answer's members as the exchange judge decoded them (judge.Result.Answer), nil when the answer
// is not a JSON object; answer is its body. ok is false when the request set no updatable property.
func patch04(sent, got map[string]any, answer []byte) ([]check.Finding, bool) {
	if !slices.ContainsFunc(updatable, func(k string) bool { _, set := sent[k]; return set }) {
		return nil, false
	}
	var vs []check.Mismatch
	if got == nil {
		// An answer that cannot be read shows none of the values sent: a failure, not a silent
		// pass, worded as the suite's PATCH-04 words it (which, like the exchange judge here,
		// also holds it against PATCH-02 and PATCH-03). Read again only on this rare path, for
		// the reason.
		why := "not a JSON object"
		if _, err := check.DecodeObject(answer); err != nil {
			why = err.Error()
		}
		vs = []check.Mismatch{{Expected: "a JSON object body", Actual: check.Cut(string(answer), 200), Message: why}}
	} else {
		vs = check.ContainsProps(sent, got, updatable)
	}
	out := make([]check.Finding, 0, len(vs))
	for _, v := range vs {
		out = append(out, check.Finding{Requirement: "PATCH-04", Mismatch: v})
	}
	return out, true
}

// applied lists the requirements the exchange judge holds an answered exchange to (package
// judge, docs/contract.md "How the harness judges a response"), so that an exchange without a
// finding counts as a pass for each of them.
func applied(ex *target.Exchange, patch bool) []string {
	ids := []string{"HTTP-01", "PATCH-08"}
	if ex.RequestHeader.Get("client-request-id") != "" {
		ids = append(ids, "HTTP-02")
	}
	switch s := ex.Status; {
	case s >= 400 && s < 500:
		ids = append(ids, "ERR-06", "ERR-07")
		if s == http.StatusUnauthorized {
			ids = append(ids, "ERR-10")
		}
		if s == http.StatusTooManyRequests {
			ids = append(ids, "HTTP-03")
		}
	case s == http.StatusServiceUnavailable:
		ids = append(ids, "HTTP-03")
	case s == http.StatusOK && patch:
		ids = append(ids, "PATCH-02", "PATCH-03")
	case s == http.StatusOK && ex.Method == http.MethodGet:
		if _, item := judge.ItemOf(ex.URL); item {
			ids = append(ids, "STATE-01") // the media type, schema and id of a call read back
		}
	}
	return ids
}

// scrub removes from an exchange's findings and notes the configured secrets (Redact) and the
// values of the secret headers its client sent (a credential a target echoed in an error
// message, say), before anything is kept.
func (p *Proxy) scrub(j *report.Judged, h http.Header) {
	var secrets []string
	for k, vs := range h {
		if !p.opts.Config.IsSecretHeader(k) {
			continue
		}
		for _, v := range vs {
			if k == "Authorization" {
				if _, cred, ok := strings.Cut(v, " "); ok && len(strings.TrimSpace(cred)) >= 4 {
					secrets = append(secrets, strings.TrimSpace(cred))
				}
			}
			if len(v) >= 4 {
				secrets = append(secrets, v)
			}
		}
	}
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	clean := func(s string) string {
		for _, sec := range secrets {
			s = strings.ReplaceAll(s, sec, redact.Placeholder)
		}
		return p.Redact(s)
	}
	for i := range j.Findings {
		v := &j.Findings[i].Mismatch
		v.Pointer, v.Expected, v.Actual, v.Message = clean(v.Pointer), clean(v.Expected), clean(v.Actual), clean(v.Message)
	}
	for i := range j.Notes {
		j.Notes[i].Text = clean(j.Notes[i].Text)
	}
	j.Label = clean(j.Label)
}

// maxLineFindings bounds the findings an exchange's log line names; the reports hold them all.
const maxLineFindings = 8

// lineSummary is the verdict part of an exchange's log line: the number of findings, then each
// as side, requirement, pointer and what was seen, cut short.
func lineSummary(j report.Judged) string {
	if len(j.Findings) == 0 {
		return "0 findings"
	}
	parts := make([]string, 0, min(len(j.Findings), maxLineFindings)+1)
	for i, f := range j.Findings {
		if i == maxLineFindings {
			parts = append(parts, fmt.Sprintf("+%d more", len(j.Findings)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %s %s got %s", f.Side, requirementOf(f), pointerOf(f), check.Cut(f.Actual, 60)))
	}
	return fmt.Sprintf("%d %s: %s", len(j.Findings), plural(len(j.Findings), "finding"), strings.Join(parts, "; "))
}

// headerSummary is the value of FindingsHeader for j: the count, then "; side requirement
// pointer" per finding while they fit in MaxFindingsHeader bytes, in printable ASCII.
func headerSummary(j report.Judged, redact func(string) string) string {
	s := strconv.Itoa(len(j.Findings))
	for i, f := range j.Findings {
		part := "; " + headerSafe(redact(f.Side+" "+requirementOf(f)+" "+pointerOf(f)))
		rest := len(j.Findings) - i
		if len(s)+len(part)+len("; +9999 more") > MaxFindingsHeader {
			return s + fmt.Sprintf("; +%d more", rest)
		}
		s += part
	}
	return s
}

func requirementOf(f report.Attributed) string {
	if f.Inconclusive {
		return f.Requirement + "(inconclusive)"
	}
	return f.Requirement
}

func pointerOf(f report.Attributed) string { return check.ShowPointer(f.Pointer) }

// headerSafe percent-encodes every byte that is not printable ASCII, and "%" itself.
func headerSafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '%' {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
