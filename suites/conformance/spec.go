package conformance

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/ids"
	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/schemas"
)

// suite is the state every spec of one process shares once the target is resolved. Define
// creates it; SynchronizedBeforeSuite fills it; specs only read it.
type suite struct {
	cfg       config.Config
	proc      int // this process among the runner's (Options.Process); 0 = Ginkgo's
	procs     int
	session   Session
	client    *target.Client
	validator *schemas.Validator
	judge     *judge.Judge
	// run judges and keeps this process's exchanges outside any spec, and its ledger of calls.
	run *runLog

	// stalledSpecs counts specs in a row, in this process, that ended on a transport failure
	// (timeout, reset) or on throttling past the retry budget. Past stallLimit the target is
	// taken as stalled and later specs end at once, so a dead target ends the run in seconds,
	// not hours. Counting specs, not requests, keeps a target whose create works but whose
	// PATCH hangs from resetting the count.
	stalledSpecs atomic.Int32
	lastFailure  atomic.Value // string
}

// stallLimit is how many specs in a row must end on a transport failure to mark the target stalled.
const stallLimit = 3

// settle records how a spec's exchanges went, for stall detection.
func (s *suite) settle(p *probe) {
	switch {
	case p.stallCause != "":
		s.lastFailure.Store(p.stallCause)
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
// requirement needs, and gives the body a probe that records exchanges, passes each through the
// exchange judge and collects findings; the spec fails once, at its end, listing every finding,
// and hands them to the reports as typed data.
func (s *suite) Spec(id, text string, body func(p *probe)) {
	req := requirements.MustGet(id) // unknown IDs stop tree construction: a programming error
	labels := Label(req.Label(), "level:"+string(req.Level), "feature:"+req.Feature)
	// Offset(1): the spec's location is the line that calls Spec, in the file that defines it.
	It(id+" "+text, labels, Offset(1), SpecTimeout(s.specTimeout()), func(ctx SpecContext) {
		p := &probe{ctx: ctx, s: s, req: req, models: map[string]map[string]any{}}
		defer func() {
			s.settle(p)
			AddReportEntry(report.EntryResult, p.result(), ReportEntryVisibilityNever)
		}()
		for _, c := range req.Needs {
			if !s.session.Has(c) {
				p.unsupported = fmt.Sprintf("the target lacks capability %q", c)
				Skip("unsupported: " + p.unsupported)
			}
		}
		p.run(body)
	})
}

// ended is the panic with which finish ends a spec that has findings but none that fails it in
// Ginkgo's eyes; run recovers it, and the findings reach the reports through the SpecResult.
type ended struct{}

// run runs body and then finish, ending quietly where finish ends the spec without failing it.
func (p *probe) run(body func(p *probe)) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(ended); !ok {
				panic(r) // Ginkgo's Fail, or a harness bug: the stack is still the one that panicked
			}
		}
	}()
	body(p)
	p.finish()
}

// specTimeout bounds one spec: a few requests' worth of the per-request timeout, plus the time
// throttling may cost.
func (s *suite) specTimeout() time.Duration {
	return 3*cmp.Or(s.cfg.Timeout, config.DefaultTimeout) + 10*time.Second + retryBudget(s.cfg)
}

// probe is one spec's view of the target: it sends requests, keeps every exchange, passes each
// through the exchange judge, keeps the harness's own model of each call it uses, and collects
// findings of the spec's requirement and of any other the exchanges show.
type probe struct {
	ctx context.Context
	s   *suite
	req requirements.Requirement

	mu        sync.Mutex // guards what follows: STATE-03 sends from several goroutines
	exchanges []*target.Exchange
	findings  []check.Finding
	notes     []check.Note
	sent      int
	retries   int
	// models holds, per call id, the updatable properties as the harness set them: the body
	// it created (or reset) the call with, merged with every PATCH answered 200.
	models map[string]map[string]any
	// stallCause is the last transport failure or exhausted retry budget ("" when none).
	stallCause  string
	unsupported string
	concurrent  bool // the PATCHes sent now are concurrent ones (judgeContext)
	// spend is what the spec's retries have waited, against --retry-budget.
	spend retrySpend
	// cut is set once the harness's own clock (an interrupt, --deadline, a timeout) cancelled
	// the spec's context: the exchanges it cut are the target's fault in nothing, so they are
	// neither judged nor held against it (cutExchanges).
	cut          string
	cutExchanges map[*target.Exchange]bool
	// via, when set, is the client the spec's requests go through instead of the suite's (a
	// client of one connection, for ERR-04).
	via *target.Client
	// message is the failure message of findings that did not fail the spec (see finish).
	message string
}

// client is the client the spec's requests go through.
func (p *probe) client() *target.Client {
	if p.via != nil {
		return p.via
	}
	return p.s.client
}

// maxReportedEnds is how many of a spec's first and last exchanges its SpecResult lists
// besides those its findings name.
const maxReportedEnds = 50

// result is the spec's typed outcome, for the reports.
func (p *probe) result() report.SpecResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Every exchange a finding names, and the first and last maxReportedEnds: the reports
	// find them by Number.
	named := map[int]bool{}
	for _, f := range p.findings {
		named[f.Exchange] = true
	}
	var exchanges []report.Exchange
	for i, ex := range p.exchanges {
		if i >= maxReportedEnds && i < len(p.exchanges)-maxReportedEnds && !named[i+1] {
			continue
		}
		e := report.Exchange{Number: i + 1, Method: ex.Method, URL: ex.URL, Status: ex.Status}
		if ex.Err != nil {
			e.Error = ex.Err.Error()
		}
		exchanges = append(exchanges, e)
	}
	return report.SpecResult{Requirement: p.req.ID, Findings: p.findings, Notes: p.notes, Exchanges: exchanges,
		Requests: p.sent, Retries: p.retries, Unsupported: p.unsupported, Message: p.message}
}

// do sends r as the request under test. A transport error (timeout, reset) ends the spec as
// failed: the target gave no answer to judge.
func (p *probe) do(r target.Request) *target.Exchange { return p.send(r, false) }

// setup sends r to prepare what the spec tests (create, reset, read back). Its transport errors
// and throttling past the budget end the spec as inconclusive: what it tests was never reached.
func (p *probe) setup(r target.Request) *target.Exchange { return p.send(r, true) }

func (p *probe) send(r target.Request, setup bool) *target.Exchange {
	if stalled, last := p.s.stalled(); stalled {
		p.inconclusive(nil, "not sent: the target stopped answering (%d specs in a row ended on a transport failure or throttling, the last: %s)", stallLimit, last)
	}
	ex, problem := p.attempt(r)
	if problem != "" {
		if setup || ex == nil || ex.Err == nil || p.isCut(ex) {
			p.inconclusive(ex, "%s", problem)
		}
		p.violate(ex, check.Mismatch{Expected: "an HTTP response", Actual: problem})
		p.finish()
	}
	return ex
}

// attempt sends r, waiting out and retrying 429 and 503 answers (the time Retry-After names, or
// a bounded exponential back-off without it) within the configured budget. Every attempt is
// recorded and judged. problem is "" when an answer to judge came back; otherwise it says why
// not (a transport failure, throttling past the budget). Safe for concurrent use.
func (p *probe) attempt(r target.Request) (ex *target.Exchange, problem string) {
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if r.Header.Get("client-request-id") == "" {
		r.Header.Set("client-request-id", ids.GUID())
	}
	patchOf := patchTarget(r)
	bo := newBackoff(p.s.cfg, &p.spend)
	for {
		ex = p.client().Do(p.ctx, r)
		if cut := p.cutBy(ex); cut != "" {
			p.record(ex, judge.Result{}) // kept for the transcript, never judged: the harness cut it
			return ex, cut
		}
		p.record(ex, p.s.judge.ExchangeIn(ex, patchOf, p.judgeContext(patchOf)))
		if ex.Err != nil && !ex.Truncated {
			p.mu.Lock()
			p.stallCause = ex.Err.Error()
			p.mu.Unlock()
			return ex, ex.Err.Error()
		}
		if !throttled(ex) {
			p.learn(r, ex, patchOf)
			p.forgetDeleted(r, ex)
			return ex, ""
		}
		wait, cause := bo.wait(ex)
		if cause != "" {
			p.mu.Lock()
			p.stallCause = cause
			p.mu.Unlock()
			return ex, cause
		}
		p.mu.Lock()
		p.retries++
		p.notes = append(p.notes, check.Note{Requirement: p.req.ID, Text: fmt.Sprintf("%s %s was throttled (%d) and retried", r.Method, r.Path, ex.Status)})
		p.mu.Unlock()
		if err := sleepCtx(p.ctx, wait); err != nil {
			return ex, clockCut(p.ctx) + " while waiting out throttling"
		}
	}
}

// cutBy returns why the harness's own clock cut exchange ex ("" when it did not): ex has no
// answer and the spec's context is done (an interrupt, --deadline, a spec timeout), not the
// target's fault. A per-request timeout is a child context of the spec's, so it is not a cut.
func (p *probe) cutBy(ex *target.Exchange) string {
	if ex.Err == nil || ex.Truncated || p.ctx.Err() == nil {
		return ""
	}
	cut := clockCut(p.ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if p.cutExchanges == nil {
		p.cutExchanges = map[*target.Exchange]bool{}
	}
	p.cutExchanges[ex] = true
	return cut
}

// isCut reports whether the harness's clock cut exchange ex.
func (p *probe) isCut(ex *target.Exchange) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return ex != nil && p.cutExchanges[ex]
}

// clockCut says how the harness cut a spec whose context is done: "interrupted", "cut by the
// deadline", or by a timeout (report.ClockCut names them alike in every report).
func clockCut(ctx context.Context) string {
	return report.ClockCut(context.Cause(ctx).Error())
}

// record keeps ex and what the judge found in it.
func (p *probe) record(ex *target.Exchange, res judge.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent++
	p.exchanges = append(p.exchanges, ex)
	for _, f := range res.Findings {
		f.Exchange = len(p.exchanges)
		p.findings = append(p.findings, f)
	}
	p.notes = append(p.notes, res.Notes...)
}

// learn updates the harness's model of a call after a PATCH of it was answered 200.
func (p *probe) learn(r target.Request, ex *target.Exchange, patchOf string) {
	if patchOf == "" || ex.Status != http.StatusOK || !check.IsJSONMediaType(r.Header.Get("Content-Type")) {
		return
	}
	sent, err := check.DecodeObject(r.Body)
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	model, ok := p.models[patchOf]
	if !ok {
		return
	}
	for _, k := range updatable {
		if v, ok := sent[k]; ok {
			model[k] = v
		}
	}
}

// patchTarget returns the call id r PATCHes, "" when r is not a PATCH of a call item.
func patchTarget(r target.Request) string {
	rest, ok := strings.CutPrefix(r.Path, requirements.CollectionPath+"/")
	if r.Method != http.MethodPatch || !ok || rest == "" || strings.ContainsAny(rest, "/?") {
		return ""
	}
	id, err := url.PathUnescape(rest)
	if err != nil {
		return ""
	}
	return id
}

// patch sends a JSON PATCH of body to the call id.
func (p *probe) patch(id string, body string) *target.Exchange {
	return p.do(target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: jsonHeader(), Body: []byte(body)})
}

func (p *probe) get(id string) *target.Exchange {
	return p.do(target.Request{Method: http.MethodGet, Path: itemPath(id)})
}

func itemPath(id string) string { return requirements.CollectionPath + "/" + escapeID(id) }

// violate records violations of the spec's requirement shown by exchange ex (nil: none).
func (p *probe) violate(ex *target.Exchange, vs ...check.Mismatch) {
	p.violateFor(p.req.ID, ex, vs...)
}

// violateFor records violations of requirement req shown by exchange ex (nil: none).
func (p *probe) violateFor(req string, ex *target.Exchange, vs ...check.Mismatch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	idx := p.indexOf(ex)
	if ex != nil && p.cutExchanges[ex] {
		// The harness's clock cut the exchange: what it lacks is no violation (the contract:
		// "nothing the harness's clock cuts is ever failed").
		p.findings = append(p.findings, check.Finding{Requirement: p.req.ID, Inconclusive: true, Exchange: idx,
			Mismatch: check.Mismatch{Expected: "a precondition of the spec", Actual: p.cut}})
		return
	}
	for _, v := range vs {
		p.findings = append(p.findings, check.Finding{Requirement: req, Exchange: idx, Mismatch: v})
	}
}

func (p *probe) indexOf(ex *target.Exchange) int {
	for i, e := range p.exchanges {
		if e == ex {
			return i + 1
		}
	}
	return 0
}

// inconclusive ends the spec: it could not get to what it tests, for the reason given.
func (p *probe) inconclusive(ex *target.Exchange, format string, args ...any) {
	p.mu.Lock()
	p.findings = append(p.findings, check.Finding{Requirement: p.req.ID, Inconclusive: true, Exchange: p.indexOf(ex),
		Mismatch: check.Mismatch{Expected: "a precondition of the spec", Actual: fmt.Sprintf(format, args...)}})
	p.mu.Unlock()
	p.finish()
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
	p.violate(ex, check.Mismatch{Expected: "status " + strings.Join(names, " or "), Actual: fmt.Sprintf("%d %s", ex.Status, check.Cut(string(ex.Body), 200))})
	return false
}

// object decodes a response body as a JSON object, recording a violation when it is not one.
// A body cut at the harness's size limit makes the check inconclusive instead.
func (p *probe) object(ex *target.Exchange) (map[string]any, bool) {
	if ex.Truncated {
		p.inconclusive(ex, "the body is larger than the harness's --max-response-bytes limit; the check needs all of it")
	}
	obj, err := check.DecodeObject(ex.Body)
	if err != nil {
		p.violate(ex, check.Mismatch{Expected: "a JSON object body", Actual: check.Cut(string(ex.Body), 200), Message: err.Error()})
		return nil, false
	}
	return obj, true
}

// note records a choice the target made that the contract allows (shown in reports).
func (p *probe) note(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notes = append(p.notes, check.Note{Requirement: p.req.ID, Text: fmt.Sprintf(format, args...)})
}

// harnessError ends the spec on a bug of the harness itself (never the target's doing).
func (p *probe) harnessError(format string, args ...any) {
	p.violate(nil, check.Mismatch{Expected: "a consistent harness", Actual: fmt.Sprintf(format, args...), Message: "a harness bug: please report it"})
	p.finish()
}

// finish ends the spec when it has findings. Ginkgo fails it, with every finding, only when one
// is of the spec's own requirement and that requirement gates the run (a MUST; with --strict any):
// then Ginkgo's count of failed specs and the exit status of `go tool ginkgo run` say what the
// verdict says. Otherwise (a SHOULD without --strict, or only other requirements' findings) the
// spec ends without failing, and its findings and message reach the reports as data.
func (p *probe) finish() {
	p.mu.Lock()
	n, own := len(p.findings), slices.ContainsFunc(p.findings, func(f check.Finding) bool { return f.Requirement == p.req.ID })
	p.mu.Unlock()
	if n == 0 {
		return
	}
	msg := p.s.client.Redact(p.failureMessage())
	if own && (p.s.cfg.Strict || p.req.Level == requirements.Must) {
		Fail(msg, specFrame())
	}
	p.mu.Lock()
	p.message = msg
	p.mu.Unlock()
	panic(ended{})
}

// specFrame is the Fail skip that points the failure's location at the line of the spec's own
// file (specs_*.go) that was running, when finish was reached from the spec's body; otherwise
// at the Spec wrapper, which ends every spec. Never at Ginkgo's code.
func specFrame() int {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs) // 0 Callers, 1 specFrame, 2 finish: pcs[0] is finish's caller
	frames := runtime.CallersFrames(pcs[:n])
	for skip := 1; ; skip++ {
		f, more := frames.Next()
		if strings.HasPrefix(filepath.Base(f.File), "specs_") {
			return skip
		}
		if !more || !strings.Contains(f.Function, "/suites/conformance.") {
			return 1 // the caller of finish: the wrapper, or a helper of this package
		}
	}
}

// maxTranscriptBody cuts bodies in failure transcripts.
const maxTranscriptBody = 4 << 10

// A failure message shows at most this many findings, and of the exchanges the first and last
// maxShownEnds besides those the shown findings name (and the creates that later lines refer
// to): a spec of thousands of exchanges must not print them all.
const (
	maxShownFindings = 50
	maxShownEnds     = 10
)

// shownExchanges returns the indexes (0-based) of the exchanges a failure message shows. The
// caller holds p.mu.
func (p *probe) shownExchanges() map[int]bool {
	shown := map[int]bool{}
	for i := range p.exchanges {
		if i < maxShownEnds || i >= len(p.exchanges)-maxShownEnds {
			shown[i] = true
		}
	}
	for i, f := range p.findings {
		if i == maxShownFindings {
			break
		}
		if f.Exchange > 0 {
			shown[f.Exchange-1] = true
		}
	}
	return shown
}

func (p *probe) failureMessage() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	spec := CurrentSpecReport()
	fmt.Fprintf(&b, "%s (%s) %s\n", p.req.ID, p.req.Level, p.req.Title)
	fmt.Fprintf(&b, "spec: %s\n", report.SourceLocation(spec.LeafNodeLocation))
	fmt.Fprintf(&b, "%d finding(s):\n", len(p.findings))
	for i, f := range p.findings {
		if i == maxShownFindings {
			fmt.Fprintf(&b, "  … %d more findings not shown (every one is in conformance.json)\n", len(p.findings)-i)
			break
		}
		where := ""
		if f.Exchange > 0 {
			ex := p.exchanges[f.Exchange-1]
			where = fmt.Sprintf("[exchange %d: %s → %d] ", f.Exchange, ex.Method, ex.Status)
		}
		fmt.Fprintf(&b, "  %d. %s%s\n", i+1, where, f)
	}
	shown := p.shownExchanges()
	var vars []target.URLVar // the calls made by the exchanges so far that are gone now
	skipped := 0
	for i, ex := range p.exchanges {
		v, created := p.recreate(i, len(vars))
		if !shown[i] && !created {
			skipped++
			continue
		}
		if skipped > 0 {
			fmt.Fprintf(&b, "\n… %d more exchanges not shown (%d to %d)\n", skipped, i+1-skipped, i)
			skipped = 0
		}
		fmt.Fprintf(&b, "\n--- exchange %d ---\n%s\n", i+1, p.s.client.Transcript(ex, maxTranscriptBody))
		curl := p.s.client.Curl(ex, vars...)
		for _, v := range vars {
			if strings.Contains(curl, "${"+v.Var+":?") {
				fmt.Fprintf(&b, "(on the call an earlier exchange created, written $%s: see there)\n", v.Var)
			}
		}
		fmt.Fprintf(&b, "reproduce: %s\n", curl)
		if created {
			vars = append(vars, v)
			del := p.s.client.Curl(deleteOf(ex, v), v)
			fmt.Fprintf(&b, "This created call %s, which the spec deleted when it ended. The lines below write it as $%s: "+
				"run the line above, set %s to the \"id\" it answers, then run them in order. Delete the new call afterwards:\n  %s\n",
				v.Segment, v.Var, v.Var, del)
		}
	}
	if skipped > 0 {
		fmt.Fprintf(&b, "\n… %d more exchanges not shown (%d to %d)\n", skipped, len(p.exchanges)+1-skipped, len(p.exchanges))
	}
	fmt.Fprintf(&b, "\nre-run only this spec (from the module root; both lines exit as the run's verdict):\n  %s\n  %s\n",
		rerunRunner(p.s, spec.FullText()), rerunGinkgo(p.s, spec.FullText()))
	return b.String()
}

// recreate returns, when exchange i created a call that the spec deletes when it ends, the
// variable the curl lines of later exchanges write its id as (n calls are written so far).
// Without delete the call outlives the spec, and the lines can name it.
func (p *probe) recreate(i, n int) (target.URLVar, bool) {
	ex := p.exchanges[i]
	if !p.s.session.Has(requirements.Delete) || ex.Method != http.MethodPost || ex.Status != http.StatusCreated ||
		ex.URL != p.s.client.BaseURL()+requirements.CollectionPath {
		return target.URLVar{}, false
	}
	obj, err := check.DecodeObject(ex.Body)
	id, _ := obj["id"].(string)
	if err != nil || id == "" {
		return target.URLVar{}, false
	}
	name := "CALL_ID"
	if n > 0 {
		name = fmt.Sprintf("CALL_ID_%d", n+1)
	}
	return target.URLVar{Prefix: ex.URL + "/", Segment: escapeID(id), Var: name,
		Hint: fmt.Sprintf("set it to the id exchange %d answers", i+1)}, true
}

// deleteOf is the DELETE of the call that create made, as the spec's clean-up sends it.
func deleteOf(create *target.Exchange, v target.URLVar) *target.Exchange {
	del := *create
	del.Method, del.URL, del.RequestBody = http.MethodDelete, v.Prefix+v.Segment, nil
	del.RequestHeader = create.RequestHeader.Clone()
	del.RequestHeader.Del("Content-Type")
	del.RequestHeader.Del("Client-Request-Id")
	return &del
}

// RerunFocus is the --focus that selects exactly the spec with this full text: Ginkgo matches
// --focus against the suite's description and the spec's full text, joined by a space, and
// CheckTree refuses two specs with one full text.
func RerunFocus(fullText string) string {
	return "^" + regexp.QuoteMeta(SuiteName+" "+fullText) + "$"
}

// rerunRunner is the runner's command line that runs only the spec with this full text, with
// every setting of the run that shaped it.
func rerunRunner(s *suite, fullText string) string {
	return commandLine(s.session.Rerun.Env, "go run ./runner", s.session.Rerun.Flags, "--focus", target.ShellQuote(RerunFocus(fullText)))
}

// rerunGinkgo is the same through the Ginkgo CLI: the suite binary takes the harness's flags
// after "--" (config.Bind on flag.CommandLine).
func rerunGinkgo(s *suite, fullText string) string {
	cmd := "go tool ginkgo run --focus " + target.ShellQuote(RerunFocus(fullText)) + " ./suites/conformance"
	if len(s.session.Rerun.Flags) == 0 {
		return commandLine(s.session.Rerun.Env, cmd, nil)
	}
	return commandLine(s.session.Rerun.Env, cmd, append([]string{"--"}, s.session.Rerun.Flags...))
}

// commandLine joins environment assignments, a command and its arguments (all shell words).
func commandLine(env []string, cmd string, args []string, more ...string) string {
	words := append(append(append(slices.Clone(env), cmd), args...), more...)
	return strings.Join(words, " ")
}
