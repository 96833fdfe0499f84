package conformance

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/internal/verdict"
	"github.com/callconf/callconf/schemas"
)

// suite is the state every spec of one process shares once the target is resolved. Define
// creates it; SynchronizedBeforeSuite fills it; specs only read it.
type suite struct {
	cfg       config.Config
	session   Session
	client    *target.Client
	validator *schemas.Validator

	// stalledSpecs counts specs in a row, in this process, that ended on a transport failure
	// (timeout, reset, body too large). Past stallLimit the target is taken as stalled and later
	// specs fail without waiting out another timeout each, so a dead target ends the run in
	// seconds, not hours. Counting specs, not requests, keeps a target whose create works but
	// whose PATCH hangs from resetting the count.
	stalledSpecs atomic.Int32
	lastFailure  atomic.Value // string
}

// stallLimit is how many specs in a row must end on a transport failure to mark the target stalled.
const stallLimit = 3

// settle records how a spec's exchanges went, for stall detection.
func (s *suite) settle(p *probe) {
	switch {
	case p.transportErr != "":
		s.lastFailure.Store(p.transportErr)
		s.stalledSpecs.Add(1)
	case p.sent > 0:
		s.stalledSpecs.Store(0)
	}
}

// stalled reports whether the target stopped answering, and the last failure seen.
func (s *suite) stalled() (bool, string) {
	if s.stalledSpecs.Load() < stallLimit {
		return false, ""
	}
	last, _ := s.lastFailure.Load().(string)
	return true, last
}

// Spec registers one spec for requirement id: the only way specs enter the tree. It adds the
// requirement's labels, skips the spec as unsupported when the target lacks a capability the
// requirement needs, and gives the body a probe that records exchanges and collects violations;
// the spec fails once, at its end, listing every violation.
func (s *suite) Spec(id, text string, body func(p *probe)) {
	req := requirements.MustGet(id) // unknown IDs stop tree construction: a programming error
	labels := Label(req.Label(), "level:"+string(req.Level), "feature:"+req.Feature)
	It(id+" "+text, labels, SpecTimeout(s.specTimeout()), func(ctx SpecContext) {
		for _, c := range req.Needs {
			if !s.session.Has(c) {
				Skip(fmt.Sprintf("%s the target lacks capability %q", report.UnsupportedPrefix, c))
			}
		}
		p := &probe{ctx: ctx, s: s, req: req}
		defer func() {
			s.settle(p)
			AddReportEntry(report.EntryRequests, p.sent, ReportEntryVisibilityNever)
		}()
		body(p)
		p.finish()
	})
}

// specTimeout bounds one spec: a few requests' worth of the per-request timeout. Specs stop at
// their first transport error, so a stalled target costs about one timeout per spec.
func (s *suite) specTimeout() time.Duration {
	t := s.cfg.Timeout
	if t <= 0 {
		t = 10 * time.Second
	}
	return 3*t + 10*time.Second
}

// finding is one violation, tied to the exchange that shows it (-1: none).
type finding struct {
	v        verdict.Violation
	exchange int
}

// probe is one spec's view of the target: it sends requests, keeps every exchange, and collects
// violations of the spec's requirement.
type probe struct {
	ctx       context.Context
	s         *suite
	req       requirements.Requirement
	exchanges []*target.Exchange
	findings  []finding
	sent      int
	// transportErr is the last transport failure of this spec ("" when none).
	transportErr string
}

// do sends r and records the exchange. A transport error (timeout, reset, body too large) ends
// the spec at once: there is no response to judge.
func (p *probe) do(r target.Request) *target.Exchange {
	if stalled, last := p.s.stalled(); stalled {
		p.fatalf(nil, "not sent: the target stopped answering (%d specs in a row ended on a transport failure, the last: %s)", stallLimit, last)
	}
	ex := p.s.client.Do(p.ctx, r)
	p.sent++
	p.exchanges = append(p.exchanges, ex)
	if ex.Err != nil {
		p.transportErr = ex.Err.Error()
		p.violate(ex, verdict.Violation{Expected: "an HTTP response", Actual: ex.Err.Error()})
		p.finish()
	}
	return ex
}

// patch sends a JSON PATCH of body to the call id.
func (p *probe) patch(id string, body string) *target.Exchange {
	return p.do(target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: jsonHeader(), Body: []byte(body)})
}

func (p *probe) get(id string) *target.Exchange {
	return p.do(target.Request{Method: http.MethodGet, Path: itemPath(id)})
}

func itemPath(id string) string { return CollectionPath + "/" + escapeID(id) }

// violate records violations shown by exchange ex (nil: not tied to one).
func (p *probe) violate(ex *target.Exchange, vs ...verdict.Violation) {
	idx := -1
	for i, e := range p.exchanges {
		if e == ex {
			idx = i
		}
	}
	for _, v := range vs {
		p.findings = append(p.findings, finding{v: v, exchange: idx})
	}
}

// status records a violation unless ex answered one of want.
func (p *probe) status(ex *target.Exchange, want ...int) bool {
	for _, w := range want {
		if ex.Status == w {
			return true
		}
	}
	var names []string
	for _, w := range want {
		names = append(names, fmt.Sprintf("%d", w))
	}
	p.violate(ex, verdict.Violation{Expected: "status " + strings.Join(names, " or "), Actual: fmt.Sprintf("%d %s", ex.Status, verdict.Cut(string(ex.Body), 200))})
	return false
}

// object decodes a response body as a JSON object, recording a violation when it is not one.
func (p *probe) object(ex *target.Exchange) (map[string]any, bool) {
	obj, err := verdict.DecodeObject(ex.Body)
	if err != nil {
		p.violate(ex, verdict.Violation{Expected: "a JSON object body", Actual: verdict.Cut(string(ex.Body), 200), Message: err.Error()})
		return nil, false
	}
	return obj, true
}

// note records a choice the target made that the contract allows (shown in reports).
func (p *probe) note(format string, args ...any) {
	AddReportEntry(report.EntryNote, p.req.ID+": "+fmt.Sprintf(format, args...), ReportEntryVisibilityFailureOrVerbose)
}

// fatalf ends the spec because a precondition failed (e.g. the call could not be created).
func (p *probe) fatalf(ex *target.Exchange, format string, args ...any) {
	p.violate(ex, verdict.Violation{Expected: "precondition", Actual: fmt.Sprintf(format, args...)})
	p.finish()
}

// finish fails the spec with every violation collected so far, if any.
func (p *probe) finish() {
	if len(p.findings) == 0 {
		return
	}
	Fail(p.s.client.Redact(p.failureMessage()), 2)
}

// maxTranscriptBody cuts bodies in failure transcripts.
const maxTranscriptBody = 4 << 10

func (p *probe) failureMessage() string {
	var b strings.Builder
	spec := CurrentSpecReport()
	fmt.Fprintf(&b, "%s (%s) %s\n", p.req.ID, p.req.Level, p.req.Title)
	fmt.Fprintf(&b, "%d violation(s):\n", len(p.findings))
	for i, f := range p.findings {
		where := ""
		if f.exchange >= 0 {
			ex := p.exchanges[f.exchange]
			where = fmt.Sprintf("[exchange %d: %s → %d] ", f.exchange+1, ex.Method, ex.Status)
		}
		fmt.Fprintf(&b, "  %d. %s%s\n", i+1, where, f.v)
	}
	for i, ex := range p.exchanges {
		fmt.Fprintf(&b, "\n--- exchange %d ---\n%s\nreproduce: %s\n", i+1, p.s.client.Transcript(ex, maxTranscriptBody), p.s.client.Curl(ex))
	}
	focus := "^" + regexp.QuoteMeta(spec.FullText()) + "$"
	fmt.Fprintf(&b, "\nre-run only this spec:\n  %s\n  %s\n", rerunRunner(p.s, focus), rerunGinkgo(p.s, focus))
	return b.String()
}

func rerunRunner(s *suite, focus string) string {
	return "go run ./runner" + targetFlags(s) + " --focus " + shellQuote(focus)
}

func rerunGinkgo(s *suite, focus string) string {
	return "go tool ginkgo run --focus " + shellQuote(focus) + " ./suites/conformance --" + targetFlags(s)
}

// targetFlags names the target for a re-run; the token comes from the environment, never a flag.
func targetFlags(s *suite) string {
	if s.session.Embedded {
		return ""
	}
	out := " --base-url " + shellQuote(s.session.BaseURL)
	for _, id := range s.session.CallIDs {
		out += " --call-id " + shellQuote(id)
	}
	return out
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
