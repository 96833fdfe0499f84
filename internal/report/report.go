// Package report turns a Ginkgo report of the conformance suite into verdicts per requirement and
// writes them for people and CI: a console summary, conformance.json, conformance.md, junit.xml
// (what gates), junit-specs.xml (per spec), Ginkgo's JSON report, and GitHub Actions' step
// summary and annotations. Specs hand it their findings as typed data (SpecResult, in a report
// entry); nothing here reads another package's text. Every file passes through a redaction
// function before it is written. A report is evidence that stands alone: it records the command
// line, the harness build, the target and its capabilities, the filters, the seed and the times
// of the run, and every failure as data (requirement, spec, exchange, pointer, expected, got).
//
// It imports the standard library, Ginkgo's report types, internal/check (findings),
// internal/config (shell quoting), internal/requirements (the registry) and internal/version (the
// harness build) only.
package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/version"
)

// FormatVersion is the version of conformance.json's shape (docs/conformance.schema.json): it
// changes when a field is removed or changes meaning, not when one is added.
const FormatVersion = 1

// EntryResult names the report entry in which every spec hands its SpecResult to the report.
const EntryResult = "callconf.result"

// SpecResult is what one spec found, as typed data: its findings (of its own requirement and of
// any other its exchanges showed), notes, the exchanges it made, requests sent, throttled
// retries, and, for a spec whose requirement does not apply to the target, why.
type SpecResult struct {
	Requirement string          `json:"requirement"`
	Findings    []check.Finding `json:"findings,omitempty"`
	Notes       []check.Note    `json:"notes,omitempty"`
	// Exchanges lists the spec's exchanges in order: Finding.Exchange numbers them from 1.
	Exchanges   []Exchange `json:"exchanges,omitempty"`
	Requests    int        `json:"requests"`
	Retries     int        `json:"retries,omitempty"`
	Unsupported string     `json:"unsupported,omitempty"`
	// Message is the account of findings that did not fail the spec in Ginkgo's eyes (another
	// requirement's, or one that does not gate the run): the reports show it as a failure's.
	Message string `json:"message,omitempty"`
	// Generated counts the cases of a generated spec (nil for the others).
	Generated *Generated `json:"generated,omitempty"`
}

// Exchange names one request and its answer in a failure: enough to find it in the transcript.
type Exchange struct {
	Number int    `json:"number"` // 1-based, in the spec's transcript
	Method string `json:"method"`
	URL    string `json:"url"`
	Status int    `json:"status"`          // 0 when no answer came
	Error  string `json:"error,omitempty"` // the transport failure, when no answer came
}

// Finding is one violation as data, for conformance.json: what a check expected at a place of
// one exchange, and what it got.
type Finding struct {
	Requirement  string `json:"requirement"`
	Inconclusive bool   `json:"inconclusive,omitempty"`
	Side         string `json:"side,omitempty"` // client or service, for exchanges judged by the proxy
	// Phase is, for an exchange outside any spec, what the harness was doing (PhaseDiscovery …).
	Phase    string    `json:"phase,omitempty"`
	Exchange *Exchange `json:"exchange,omitempty"`
	Pointer  string    `json:"pointer"` // RFC 6901 into the body; "" for the whole body or a header
	Expected string    `json:"expected"`
	Got      string    `json:"got"`
	Message  string    `json:"message,omitempty"`
}

// findingOf converts a check finding, with the exchange it names (nil: none).
func findingOf(f check.Finding, ex *Exchange) Finding {
	return Finding{Requirement: f.Requirement, Inconclusive: f.Inconclusive, Exchange: ex,
		Pointer: f.Pointer, Expected: f.Expected, Got: f.Actual, Message: f.Message}
}

// specResult reads the SpecResult a spec recorded: the value itself within one process, its
// JSON form when it came from another process of a parallel run.
func specResult(spec types.SpecReport) (SpecResult, bool) {
	for _, e := range spec.ReportEntries {
		if e.Name != EntryResult {
			continue
		}
		if r, ok := e.Value.GetRawValue().(SpecResult); ok {
			return r, true
		}
		var r SpecResult
		if err := json.Unmarshal([]byte(e.Value.AsJSON), &r); err == nil {
			return r, true
		}
	}
	return SpecResult{}, false
}

// Outcome is the verdict on one requirement (or, in Spec, on one spec).
type Outcome string

// The outcomes, as the README explains them.
const (
	Passed       Outcome = "passed"       // every spec that ran passed, and no exchange broke it
	Failed       Outcome = "failed"       // a spec failed, or an exchange of any spec broke it
	Inconclusive Outcome = "inconclusive" // nothing failed, but a check could not be made (cause recorded)
	Unsupported  Outcome = "unsupported"  // the target lacks a capability the requirement needs
	Disabled     Outcome = "disabled"     // the user filtered every spec of the requirement out
	NotRun       Outcome = "not run"      // the user selected specs of it, but none ran (Reason says why)
)

// The verdicts of a run, in conformance.json's "verdict" and on the console.
const (
	VerdictConforms      = "CONFORMS"
	VerdictFails         = "DOES NOT CONFORM"
	VerdictNothingJudged = "NOTHING JUDGED"
	VerdictIncomplete    = "INCOMPLETE"
	VerdictCouldNotStart = "COULD NOT START"
)

// Failure is one failed (or inconclusive) spec of a requirement: the human text and, as data,
// the findings that made it fail.
type Failure struct {
	Spec string `json:"spec"`
	// Location is the spec's source, relative to the module root ("suites/conformance/x.go:42").
	Location string `json:"location,omitempty"`
	// Cause is, for an inconclusive spec, why the check could not be made.
	Cause   string `json:"cause,omitempty"`
	Message string `json:"message"`
	// Findings are the findings of this requirement the spec recorded; empty when the spec
	// failed for a reason of Ginkgo's (a panic), or was cut by the harness's clock, which Message gives.
	Findings []Finding `json:"findings,omitempty"`
}

// Requirement is the verdict on one requirement.
type Requirement struct {
	requirements.Requirement
	Outcome Outcome `json:"outcome"`
	// Reason says why a requirement is disabled, not run or unsupported.
	Reason string `json:"reason,omitempty"`
	Specs  int    `json:"specs"`
	Passed int    `json:"passedSpecs"`
	// Retries counts the throttled requests its specs waited out and retried.
	Retries int `json:"retries"`
	// Generated counts the generated cases its specs tried, failed and shrunk.
	Generated     *Generated `json:"generated,omitempty"`
	Failures      []Failure  `json:"failures,omitempty"`
	Inconclusives []Failure  `json:"inconclusive,omitempty"`
	Notes         []string   `json:"notes,omitempty"`
}

// Spec is one spec of the run and its outcome for its own requirement.
type Spec struct {
	Name        string  `json:"name"`
	Requirement string  `json:"requirement"`
	Location    string  `json:"location,omitempty"`
	Outcome     Outcome `json:"outcome"`
	Reason      string  `json:"reason,omitempty"` // why unsupported, disabled or not run
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	// Broke lists the other requirements its exchanges failed (or left inconclusive).
	Broke []string `json:"broke,omitempty"`
}

// Counts tallies requirements by outcome.
type Counts struct {
	Passed       int `json:"passed"`
	Failed       int `json:"failed"`
	Inconclusive int `json:"inconclusive"`
	Unsupported  int `json:"unsupported"`
	Disabled     int `json:"disabled"`
	NotRun       int `json:"notRun"`
}

// Conformance is the whole verdict of one run (conformance.json).
type Conformance struct {
	FormatVersion int `json:"formatVersion"`
	// Verdict is one of the Verdict constants; Exit the process's exit status for it.
	Verdict  string `json:"verdict"`
	Exit     int    `json:"exitCode"`
	Conforms bool   `json:"conforms"`
	Target   string `json:"target"`
	// Harness is the build that judged; HarnessVersion its one-line form.
	Harness        version.Info `json:"harness"`
	HarnessVersion string       `json:"harnessVersion"`
	// CommandLine is the run's arguments, the program first (secrets are redacted when written).
	CommandLine  []string      `json:"commandLine"`
	Capabilities *Capabilities `json:"capabilities,omitempty"` // absent when the target was never prepared
	Filters      Filters       `json:"filters"`
	RandomSeed   int64         `json:"randomSeed"`
	Randomized   bool          `json:"randomizeAllSpecs"`
	StartTime    string        `json:"startTime"`
	EndTime      string        `json:"endTime"`
	WallTime     float64       `json:"wallTimeSeconds"`
	Strict       bool          `json:"strict"`
	SuiteError   string        `json:"suiteError,omitempty"`
	// NotRun names the requirements the filters selected that ran no spec.
	NotRun       []string      `json:"notRun,omitempty"`
	Requests     int           `json:"requests"`
	Retries      int           `json:"retries"`
	Summary      Counts        `json:"summary"`
	Requirements []Requirement `json:"requirements"`
	Specs        []Spec        `json:"specs,omitempty"`
	// Run is what the harness sent outside any spec and found there, and the calls' warnings.
	Run RunSection `json:"run"`
	// Client is, for the proxy, what the clients' requests broke; the verdict is then the service's.
	Client *ClientSide `json:"client,omitempty"`
	// Shard is, for a run of one share of the specs (--shard I/N), which share; absent otherwise.
	Shard *ShardInfo `json:"shard,omitempty"`
	// MergedShards is, for the verdict `callconf merge` made of N shards' reports, N.
	MergedShards int `json:"mergedShards,omitempty"`
}

// Capabilities are the target's optional routes as the run used them.
type Capabilities struct {
	Source string   `json:"source"` // "discovered" or "declared"
	Have   []string `json:"have"`   // sorted: among auth, create, delete, read
}

// Filters are the user's spec filters (Ginkgo's focus, skip and label filter).
type Filters struct {
	Focus       []string `json:"focus,omitempty"`
	Skip        []string `json:"skip,omitempty"`
	LabelFilter string   `json:"labelFilter,omitempty"`
}

// Input is what the report needs besides Ginkgo's report; the filters and the seed come from
// the Ginkgo report's suite configuration.
type Input struct {
	Target  string
	Strict  bool
	Started time.Time
	// Ended is when the run ended; zero means when the verdict is built.
	Ended time.Time
	// CommandLine is the program and its arguments as the user gave them.
	CommandLine []string
	// Capabilities are the target's, discovered or declared; nil when it was never prepared.
	Capabilities *Capabilities
	// Run holds what the harness sent outside any spec besides what the report's suite-level
	// nodes carry (EntryRun): the runner's own preparation of the target and end of the run.
	Run []RunRecord
	// Shard is the run's share of the specs (--shard), nil for a whole run.
	Shard *ShardInfo
	// MergedShards is the number of shards a merge joined, 0 for a run.
	MergedShards int
}

// maxFailureMessage bounds one failure message in conformance.json and .md; the full text stays
// in the Ginkgo report.
const maxFailureMessage = 16 << 10

// tally is what the specs said about one requirement.
type tally struct{ passed, failed, inconclusive, unsupported, disabled, notRun int }

// outcome is the verdict a tally gives: any failure fails the requirement; else a check that
// could not be made leaves it inconclusive, and so do specs that never ran beside specs that
// did; else one pass passes it; else selected specs that never ran leave it not run; else it is
// unsupported if a spec said so, or disabled.
func (t tally) outcome() Outcome {
	switch {
	case t.failed > 0:
		return Failed
	case t.inconclusive > 0:
		return Inconclusive
	case t.notRun > 0 && t.passed+t.unsupported > 0:
		return Inconclusive
	case t.passed > 0:
		return Passed
	case t.notRun > 0:
		return NotRun
	case t.unsupported > 0:
		return Unsupported
	}
	return Disabled
}

// count adds one requirement of outcome o.
func (c *Counts) count(o Outcome) {
	switch o {
	case Passed:
		c.Passed++
	case Failed:
		c.Failed++
	case Inconclusive:
		c.Inconclusive++
	case Unsupported:
		c.Unsupported++
	case NotRun:
		c.NotRun++
	default:
		c.Disabled++
	}
}

// newConformance is a verdict on no requirement yet, of a run described by in and sc.
func newConformance(in Input, sc types.SuiteConfig) Conformance {
	ended := in.Ended
	if ended.IsZero() {
		ended = time.Now()
	}
	v := version.Read()
	c := Conformance{
		FormatVersion:  FormatVersion,
		Target:         in.Target,
		Harness:        v,
		HarnessVersion: v.String(),
		CommandLine:    slices.Clone(in.CommandLine),
		Capabilities:   in.Capabilities,
		Filters:        Filters{Focus: slices.Clone(sc.FocusStrings), Skip: slices.Clone(sc.SkipStrings), LabelFilter: sc.LabelFilter},
		RandomSeed:     sc.RandomSeed,
		Randomized:     sc.RandomizeAllSpecs,
		StartTime:      in.Started.UTC().Format(time.RFC3339Nano),
		EndTime:        ended.UTC().Format(time.RFC3339Nano),
		WallTime:       ended.Sub(in.Started).Seconds(),
		Strict:         in.Strict,
		Shard:          in.Shard,
		MergedShards:   in.MergedShards,
	}
	if c.CommandLine == nil {
		c.CommandLine = []string{}
	}
	return c
}

// pending is what Build keeps of a requirement besides its Requirement: its tally, why specs of
// it were filtered out or never ran, and the not-run specs (inconclusive when others ran).
type pending struct {
	tally
	filteredBy     []string
	notRunWhy      []string
	notRunSpecs    []Failure
	unsupportedWhy string
}

// Build computes the verdict per requirement from a Ginkgo report: each spec's SpecResult counts
// for the spec's own requirement, and each finding also for the requirement it names.
func Build(r types.Report, in Input) Conformance {
	c := newConformance(in, r.SuiteConfig)
	acc := map[string]*pending{}
	byID := map[string]*Requirement{}
	for _, req := range requirements.All() {
		c.Requirements = append(c.Requirements, Requirement{Requirement: req})
		acc[req.ID] = &pending{}
	}
	for i := range c.Requirements {
		byID[c.Requirements[i].ID] = &c.Requirements[i]
	}
	sel := newSelection(r.SuiteConfig)
	ran := 0 // specs that ran (or were found unsupported)
	for _, spec := range r.SpecReports {
		if spec.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes) && spec.Failed() {
			c.SuiteError += fmt.Sprintf("%s failed: %s\n", spec.LeafNodeType, spec.FailureMessage())
			continue
		}
		if spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		res, typed := specResult(spec)
		id := res.Requirement
		if !typed {
			id, _ = requirements.FromLabels(spec.Labels())
		}
		req, ok := byID[id]
		if !ok {
			continue
		}
		c.Requests += res.Requests
		c.Retries += res.Retries
		req.Retries += res.Retries
		if res.Generated != nil {
			if req.Generated == nil {
				req.Generated = &Generated{}
			}
			req.Generated.add(res.Generated)
		}
		req.Specs++
		for _, n := range res.Notes {
			if other, ok := byID[n.Requirement]; ok {
				other.Notes = append(other.Notes, n.Text)
			}
		}
		rec := Spec{Name: spec.FullText(), Requirement: id, Location: SourceLocation(spec.LeafNodeLocation),
			Seconds: spec.RunTime.Seconds(), Requests: res.Requests}
		p := acc[id]
		switch {
		case spec.State == types.SpecStateSkipped && res.Unsupported != "":
			ran++
			p.unsupported++
			rec.Outcome, rec.Reason = Unsupported, res.Unsupported
			req.Notes = append(req.Notes, "unsupported: "+res.Unsupported)
			p.unsupportedWhy = cmp.Or(p.unsupportedWhy, res.Unsupported)
		case spec.State == types.SpecStateSkipped || spec.State == types.SpecStatePending:
			if why := sel.filteredOut(r.SuiteDescription, spec); why != "" {
				p.disabled++
				p.filteredBy = append(p.filteredBy, why)
				rec.Outcome, rec.Reason = Disabled, "filtered out by "+why
				break
			}
			// The user wanted this spec, but it never ran: the suite ended (deadline,
			// interrupt, a failed set-up) or its process of a parallel run never reported it.
			why := notRunReason(r, spec)
			p.notRun++
			p.notRunSpecs = append(p.notRunSpecs, Failure{Spec: rec.Name, Location: rec.Location, Cause: "not run: " + why, Message: "not run: " + why})
			p.notRunWhy = append(p.notRunWhy, why)
			rec.Outcome, rec.Reason = NotRun, why
		default:
			ran++
			rec.Outcome, rec.Broke = judgeSpec(spec, res, typed, rec.Location, byID, acc)
		}
		c.Specs = append(c.Specs, rec)
	}
	c.addRun(append(runRecords(r), in.Run...), byID, acc)
	for _, reason := range r.SpecialSuiteFailureReasons {
		// A suite timeout or interrupt leaves specs unrun: the verdict is incomplete.
		c.SuiteError += reason + "\n"
	}
	for i := range c.Requirements {
		req := &c.Requirements[i]
		p := acc[req.ID]
		req.Passed = p.passed
		if req.Specs == 0 && c.SuiteError != "" {
			// The suite never reached this requirement (the target could not be prepared).
			p.notRun++
			p.notRunWhy = append(p.notRunWhy, strings.TrimSpace(c.SuiteError))
		}
		req.Outcome = p.outcome()
		switch req.Outcome {
		case Unsupported:
			req.Reason = p.unsupportedWhy
		case Disabled:
			if by := compactSorted(p.filteredBy); len(by) > 0 {
				req.Reason = "filtered out by " + strings.Join(by, " and by ")
			} else if c.Shard != nil {
				req.Reason = otherShards
			}
		case NotRun:
			req.Reason = "not run: " + strings.Join(compactSorted(p.notRunWhy), "; ")
			c.NotRun = append(c.NotRun, req.ID)
		case Inconclusive:
			req.Inconclusives = append(req.Inconclusives, p.notRunSpecs...)
		}
		c.Summary.count(req.Outcome)
		req.Notes = compactSorted(req.Notes)
		for _, l := range [][]Failure{req.Failures, req.Inconclusives} {
			slices.SortFunc(l, func(a, b Failure) int { return cmp.Or(cmp.Compare(a.Spec, b.Spec), cmp.Compare(a.Message, b.Message)) })
		}
	}
	slices.SortFunc(c.Specs, func(a, b Spec) int { return cmp.Compare(a.Name, b.Name) })
	c.finish(c.SuiteError != "" && ran == 0)
	return c
}

// notRunReason says why a spec the user selected never ran.
func notRunReason(r types.Report, spec types.SpecReport) string {
	if m := strings.TrimSpace(spec.Failure.Message); m != "" {
		return m
	}
	if len(r.SpecialSuiteFailureReasons) > 0 {
		return strings.Join(r.SpecialSuiteFailureReasons, "; ")
	}
	for _, s := range r.SpecReports {
		if s.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes) && s.Failed() {
			return s.LeafNodeType.String() + " failed"
		}
	}
	return "it never ran"
}

// Judged reports whether the run judged anything at all: a filter that selects no spec (a
// mistyped --focus) must not read as a green verdict.
func (c Conformance) Judged() bool {
	return c.Summary.Passed+c.Summary.Failed+c.Summary.Inconclusive > 0
}

// judgeSpec counts a spec that ran: for its own requirement by its own findings (or by Ginkgo's
// state when it recorded none, e.g. after a timeout), and for every other requirement its
// exchanges broke. It returns the spec's outcome for its own requirement and the other
// requirements it failed or left inconclusive.
func judgeSpec(spec types.SpecReport, res SpecResult, typed bool, location string, byID map[string]*Requirement, acc map[string]*pending) (Outcome, []string) {
	own := res.Requirement
	if !typed {
		own, _ = requirements.FromLabels(spec.Labels())
	}
	failing, inconclusive := map[string]bool{}, map[string]bool{}
	causes := map[string]string{}
	found := map[string][]Finding{}
	for _, f := range res.Findings {
		if _, ok := byID[f.Requirement]; !ok {
			continue
		}
		found[f.Requirement] = append(found[f.Requirement], findingOf(f, exchangeOf(res, f.Exchange)))
		if f.Inconclusive {
			inconclusive[f.Requirement] = true
			if _, ok := causes[f.Requirement]; !ok {
				causes[f.Requirement] = f.Actual
			}
		} else {
			failing[f.Requirement] = true
		}
	}
	switch {
	case spec.State.Is(types.SpecStateInterrupted|types.SpecStateTimedout) && !failing[own]:
		// The harness's own clock cut the spec (an interrupt, --deadline, a timeout): it never
		// fails the target. Findings of exchanges answered before the cut still count.
		if !inconclusive[own] {
			inconclusive[own] = true
			causes[own] = ClockCut(spec.Failure.Message)
		}
	case spec.State.Is(types.SpecStateFailureStates) && !failing[own] && !inconclusive[own] && (len(res.Findings) == 0 || spec.State != types.SpecStateFailed):
		// Ginkgo failed the spec for a reason of its own: a panic, an abort.
		failing[own] = true
	}
	msg := cmp.Or(spec.FailureMessage(), res.Message)
	if spec.State != types.SpecStateFailed && spec.State != types.SpecStatePassed {
		msg = spec.State.String() + ": " + msg
	}
	entry := Failure{Spec: spec.FullText(), Location: location, Message: cut(msg, maxFailureMessage)}
	outcome := Passed
	var broke []string
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		req, t := byID[id], acc[id]
		var o Outcome
		switch {
		case failing[id]:
			t.failed++
			e := entry
			e.Findings = onlyConclusive(found[id], false)
			req.Failures = append(req.Failures, e)
			o = Failed
		case inconclusive[id]:
			t.inconclusive++
			e := entry
			e.Cause = causes[id]
			e.Findings = onlyConclusive(found[id], true)
			req.Inconclusives = append(req.Inconclusives, e)
			o = Inconclusive
		case id == own:
			t.passed++
		}
		switch {
		case id == own && o != "":
			outcome = o
		case o != "":
			broke = append(broke, id)
		}
	}
	return outcome, broke
}

// ClockCut names how the harness's own clock cut a spec, from Ginkgo's account of it (the
// failure message of an interrupted or timed-out spec, or the cause of its cancelled context):
// "interrupted", "cut by the deadline" (the suite timeout --deadline sets) or a timeout's name.
func ClockCut(ginkgo string) string {
	g := strings.ToLower(ginkgo)
	switch {
	case strings.Contains(g, "interrupted"):
		return "interrupted (" + strings.TrimSpace(ginkgo) + ")"
	case strings.Contains(g, "suite timeout"):
		return "cut by the deadline (--deadline)"
	case strings.Contains(g, "spec timeout"):
		return "cut by the spec timeout"
	case strings.Contains(g, "node timeout"):
		return "cut by a clean-up's timeout"
	}
	return "cut by the harness: " + strings.TrimSpace(ginkgo)
}

// onlyConclusive keeps the findings that are (inconclusive true) or are not inconclusive.
func onlyConclusive(fs []Finding, inconclusive bool) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Inconclusive == inconclusive {
			out = append(out, f)
		}
	}
	return out
}

// exchangeOf returns the spec's exchange number n (1-based), or nil. A spec of many exchanges
// lists only some (those its findings name among them), each with its Number.
func exchangeOf(res SpecResult, n int) *Exchange {
	if n < 1 {
		return nil
	}
	if n <= len(res.Exchanges) && res.Exchanges[n-1].Number == n {
		ex := res.Exchanges[n-1]
		return &ex
	}
	for _, ex := range res.Exchanges {
		if ex.Number == n {
			return &ex
		}
	}
	return nil
}

// gates reports whether r's outcome decides the verdict: every MUST does, and with Strict
// every requirement.
func (c Conformance) gates(r Requirement) bool { return c.Strict || r.Level == requirements.Must }

// gate is true when every gating requirement that applies passed: none failed, none inconclusive.
func (c Conformance) gate() bool {
	for _, r := range c.Requirements {
		if (r.Outcome == Failed || r.Outcome == Inconclusive) && c.gates(r) {
			return false
		}
	}
	return true
}

// finish settles the verdict once every requirement has its outcome: whether the run conforms
// (it judged something, completely, and every gating requirement passed), its exit status and
// its name; couldNotStart is true when the suite failed before any spec ran.
func (c *Conformance) finish(couldNotStart bool) {
	c.Conforms = c.SuiteError == "" && len(c.NotRun) == 0 && c.Judged() && c.gate()
	c.Exit = c.exitCode()
	c.Verdict = c.verdict(couldNotStart)
}

// exitCode is the runner's exit status for this verdict: 0 conforms, 1 a gating requirement
// failed, 2 when the suite itself could not run, a requirement the filters selected ran no
// spec, a gating requirement is inconclusive (the target could not be judged: neither a pass
// nor a failure) or no spec ran at all.
func (c Conformance) exitCode() int {
	if c.SuiteError != "" {
		return 2
	}
	incomplete := false
	for _, r := range c.Requirements {
		if r.Outcome == NotRun {
			incomplete = true
		}
		if !c.gates(r) {
			continue
		}
		switch r.Outcome {
		case Failed:
			return 1
		case Inconclusive:
			incomplete = true
		}
	}
	if incomplete || !c.Judged() {
		return 2
	}
	return 0
}

// verdict names the run's outcome; couldNotStart is true when the suite failed before any spec ran.
func (c Conformance) verdict(couldNotStart bool) string {
	switch {
	case couldNotStart:
		return VerdictCouldNotStart
	case !c.Judged():
		return VerdictNothingJudged
	case c.Conforms:
		return VerdictConforms
	case c.gatingFailed():
		return VerdictFails
	case len(c.NotRun) > 0 || c.SuiteError != "":
		return VerdictIncomplete
	}
	return VerdictFails // a gating requirement is inconclusive
}

// gatingFailed reports whether a gating requirement failed.
func (c Conformance) gatingFailed() bool {
	for _, r := range c.Requirements {
		if r.Outcome == Failed && c.gates(r) {
			return true
		}
	}
	return false
}

// Text renders one line per requirement and the closing count line.
func (c Conformance) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nconformance of %s (harness %s)\n", c.Target, c.HarnessVersion)
	for _, r := range c.Requirements {
		fmt.Fprintf(&b, "%-9s %-6s %-12s %s\n", r.ID, r.Level, r.Outcome, r.Title)
	}
	if c.SuiteError != "" && c.Verdict != VerdictCouldNotStart { // the cause of that is stated once, where it happened
		fmt.Fprintf(&b, "suite error: %s", c.SuiteError)
	}
	verdict := c.Verdict
	switch verdict {
	case VerdictNothingJudged:
		verdict += " (" + c.nothingJudgedWhy() + ")"
	case VerdictCouldNotStart:
		verdict += " (the suite could not start: no spec ran)"
	case VerdictIncomplete:
		verdict += " (specs the filters selected never ran: " + cmp.Or(strings.Join(c.NotRun, " "), "the suite ended early") + ")"
	default:
		mode := "every applicable MUST"
		if c.Strict {
			mode = "every applicable requirement (strict)"
		}
		verdict += " (" + mode + " must pass)"
	}
	if c.Client != nil {
		verdict = "service " + verdict
	}
	fmt.Fprintf(&b, "verdict: %s; wall time %.2fs, %d requests, %d throttled and retried\n", verdict, c.WallTime, c.Requests, c.Retries)
	if c.Client != nil {
		b.WriteString(c.Client.Text() + "\n")
	}
	for _, line := range c.failedLines() {
		b.WriteString(line + "\n")
	}
	for _, r := range c.Requirements {
		for _, f := range r.Inconclusives {
			fmt.Fprintf(&b, "inconclusive %s: %s\n", r.ID, strings.TrimPrefix(f.Spec+": "+f.Cause, ": "))
		}
	}
	for _, line := range c.reasonLines() {
		b.WriteString(line + "\n")
	}
	b.WriteString(c.runText())
	if c.Summary.NotRun > 0 {
		fmt.Fprintf(&b, "%d not run\n", c.Summary.NotRun)
	}
	fmt.Fprintf(&b, "%d passed, %d failed, %d inconclusive, %d unsupported, %d disabled\n", c.Summary.Passed, c.Summary.Failed, c.Summary.Inconclusive, c.Summary.Unsupported, c.Summary.Disabled)
	return b.String()
}

// nothingJudgedWhy says why a run may have judged nothing: the filters, when it had any (the
// proxy has none; it judged no exchange on the calls routes).
func (c Conformance) nothingJudgedWhy() string {
	if f := c.Filters; len(f.Focus)+len(f.Skip) > 0 || f.LabelFilter != "" {
		return "no spec ran: check " + f.String()
	}
	return "no requirement passed, failed or was inconclusive"
}

// reasonLines groups the requirements that were not run or disabled by why, e.g.
// "disabled (filtered out by --label-filter 'level:MUST'): ERR-01 ERR-02".
func (c Conformance) reasonLines() []string {
	byReason := map[string][]string{}
	var order []string
	for _, r := range c.Requirements {
		if r.Outcome != NotRun && r.Outcome != Disabled {
			continue
		}
		key := string(r.Outcome)
		if r.Reason != "" && !(r.Outcome == NotRun && c.Verdict == VerdictCouldNotStart) { // every one for the run's one cause
			key += " (" + strings.TrimPrefix(r.Reason, "not run: ") + ")"
		}
		if _, ok := byReason[key]; !ok {
			order = append(order, key)
		}
		byReason[key] = append(byReason[key], r.ID)
	}
	var out []string
	for _, k := range order {
		out = append(out, k+": "+strings.Join(byReason[k], " "))
	}
	return out
}

func compactSorted(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("\n… (%d bytes more in ginkgo-report.json)", len(s)-n)
}
