// Package report turns a Ginkgo report of the conformance suite into verdicts per requirement and
// writes them for people and CI: a console summary, conformance.json, conformance.md, junit.xml
// and Ginkgo's JSON report. Specs hand it their findings as typed data (SpecResult, in a report
// entry); nothing here reads another package's text. Every file passes through a redaction
// function before it is written.
//
// It imports the standard library, Ginkgo's report types, internal/check (findings) and
// internal/requirements (the registry) only.
package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/requirements"
)

// HarnessVersion identifies this harness in reports.
const HarnessVersion = "0.1.0"

// EntryResult names the report entry in which every spec hands its SpecResult to the report.
const EntryResult = "callconf.result"

// SpecResult is what one spec found, as typed data: its findings (of its own requirement and of
// any other its exchanges showed), notes, requests sent, throttled retries, and, for a spec
// whose requirement does not apply to the target, why.
type SpecResult struct {
	Requirement string          `json:"requirement"`
	Findings    []check.Finding `json:"findings,omitempty"`
	Notes       []check.Note    `json:"notes,omitempty"`
	Requests    int             `json:"requests"`
	Retries     int             `json:"retries,omitempty"`
	Unsupported string          `json:"unsupported,omitempty"`
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

// Outcome is the verdict on one requirement.
type Outcome string

// The outcomes, as the README explains them.
const (
	Passed       Outcome = "passed"       // every spec that ran passed, and no exchange broke it
	Failed       Outcome = "failed"       // a spec failed, or an exchange of any spec broke it
	Inconclusive Outcome = "inconclusive" // nothing failed, but a check could not be made (cause recorded)
	Unsupported  Outcome = "unsupported"  // the target lacks a capability the requirement needs
	Disabled     Outcome = "disabled"     // the user filtered every spec of the requirement out
)

// Failure is one failed (or inconclusive) spec of a requirement.
type Failure struct {
	Spec string `json:"spec"`
	// Cause is, for an inconclusive spec, why the check could not be made.
	Cause   string `json:"cause,omitempty"`
	Message string `json:"message"`
}

// Requirement is the verdict on one requirement.
type Requirement struct {
	requirements.Requirement
	Outcome Outcome `json:"outcome"`
	Specs   int     `json:"specs"`
	Passed  int     `json:"passedSpecs"`
	// Retries counts the throttled requests its specs waited out and retried.
	Retries       int       `json:"retries"`
	Failures      []Failure `json:"failures,omitempty"`
	Inconclusives []Failure `json:"inconclusive,omitempty"`
	Notes         []string  `json:"notes,omitempty"`
}

// Counts tallies requirements by outcome.
type Counts struct {
	Passed       int `json:"passed"`
	Failed       int `json:"failed"`
	Inconclusive int `json:"inconclusive"`
	Unsupported  int `json:"unsupported"`
	Disabled     int `json:"disabled"`
}

// Conformance is the whole verdict of one run.
type Conformance struct {
	Target         string        `json:"target"`
	HarnessVersion string        `json:"harnessVersion"`
	Date           string        `json:"date"`
	Strict         bool          `json:"strict"`
	Conforms       bool          `json:"conforms"`
	SuiteError     string        `json:"suiteError,omitempty"`
	WallTime       float64       `json:"wallTimeSeconds"`
	Requests       int           `json:"requests"`
	Retries        int           `json:"retries"`
	Summary        Counts        `json:"summary"`
	Requirements   []Requirement `json:"requirements"`
}

// Input is what the report needs besides Ginkgo's report.
type Input struct {
	Target  string
	Strict  bool
	Started time.Time
}

// maxFailureMessage bounds one failure message in conformance.json and .md; the full text stays
// in the Ginkgo report.
const maxFailureMessage = 16 << 10

// tally is what the specs said about one requirement.
type tally struct{ passed, failed, inconclusive, unsupported, disabled int }

// outcome is the verdict a tally gives: any failure fails the requirement; else a check that
// could not be made leaves it inconclusive; else one pass passes it; else it is unsupported if
// a spec said so, or disabled.
func (t tally) outcome() Outcome {
	switch {
	case t.failed > 0:
		return Failed
	case t.inconclusive > 0:
		return Inconclusive
	case t.passed > 0:
		return Passed
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
	default:
		c.Disabled++
	}
}

// newConformance is a verdict on no requirement yet, of a run described by in.
func newConformance(in Input) Conformance {
	return Conformance{
		Target:         in.Target,
		HarnessVersion: HarnessVersion + " (" + runtime.Version() + ")",
		Date:           in.Started.UTC().Format(time.RFC3339),
		Strict:         in.Strict,
		WallTime:       time.Since(in.Started).Seconds(),
	}
}

// Build computes the verdict per requirement from a Ginkgo report: each spec's SpecResult counts
// for the spec's own requirement, and each finding also for the requirement it names.
func Build(r types.Report, in Input) Conformance {
	c := newConformance(in)
	tallies := map[string]*tally{}
	byID := map[string]*Requirement{}
	for _, req := range requirements.All() {
		c.Requirements = append(c.Requirements, Requirement{Requirement: req})
		tallies[req.ID] = &tally{}
	}
	for i := range c.Requirements {
		byID[c.Requirements[i].ID] = &c.Requirements[i]
	}
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
		req.Specs++
		for _, n := range res.Notes {
			if other, ok := byID[n.Requirement]; ok {
				other.Notes = append(other.Notes, n.Text)
			}
		}
		t := tallies[id]
		switch {
		case spec.State == types.SpecStateSkipped && res.Unsupported != "":
			t.unsupported++
			req.Notes = append(req.Notes, "unsupported: "+res.Unsupported)
		case spec.State == types.SpecStateSkipped || spec.State == types.SpecStatePending:
			if len(r.SpecialSuiteFailureReasons) > 0 && selected(r.SuiteDescription, r.SuiteConfig, spec) {
				// The user wanted this spec, but the suite ended (deadline, interrupt) before it ran.
				t.inconclusive++
				reason := "not run: " + strings.Join(r.SpecialSuiteFailureReasons, "; ")
				req.Inconclusives = append(req.Inconclusives, Failure{Spec: spec.FullText(), Cause: reason, Message: reason})
			} else {
				t.disabled++
			}
		default:
			judgeSpec(spec, res, typed, byID, tallies)
		}
	}
	for _, reason := range r.SpecialSuiteFailureReasons {
		// A suite timeout or interrupt leaves specs unrun: the verdict is incomplete.
		c.SuiteError += reason + "\n"
	}
	for i := range c.Requirements {
		req := &c.Requirements[i]
		t := tallies[req.ID]
		req.Passed = t.passed
		if req.Specs == 0 && c.SuiteError != "" {
			// The suite never reached this requirement (the target could not be prepared).
			t.inconclusive++
			reason := "not run: " + strings.TrimSpace(c.SuiteError)
			req.Inconclusives = append(req.Inconclusives, Failure{Cause: reason, Message: reason})
		}
		req.Outcome = t.outcome()
		c.Summary.count(req.Outcome)
		req.Notes = compactSorted(req.Notes)
		for _, l := range [][]Failure{req.Failures, req.Inconclusives} {
			slices.SortFunc(l, func(a, b Failure) int { return cmp.Or(cmp.Compare(a.Spec, b.Spec), cmp.Compare(a.Message, b.Message)) })
		}
	}
	c.Conforms = c.SuiteError == "" && c.Judged() && c.gate()
	return c
}

// Judged reports whether the run judged anything at all: a filter that selects no spec (a
// mistyped --focus) must not read as a green verdict.
func (c Conformance) Judged() bool {
	return c.Summary.Passed+c.Summary.Failed+c.Summary.Inconclusive > 0
}

// judgeSpec counts a spec that ran: for its own requirement by its own findings (or by Ginkgo's
// state when it recorded none, e.g. after a timeout), and for every other requirement its
// exchanges broke.
func judgeSpec(spec types.SpecReport, res SpecResult, typed bool, byID map[string]*Requirement, tallies map[string]*tally) {
	own := res.Requirement
	if !typed {
		own, _ = requirements.FromLabels(spec.Labels())
	}
	failing, inconclusive := map[string]bool{}, map[string]bool{}
	causes := map[string]string{}
	for _, f := range res.Findings {
		if _, ok := byID[f.Requirement]; !ok {
			continue
		}
		if f.Inconclusive {
			inconclusive[f.Requirement] = true
			if _, ok := causes[f.Requirement]; !ok {
				causes[f.Requirement] = f.Actual
			}
		} else {
			failing[f.Requirement] = true
		}
	}
	if spec.State.Is(types.SpecStateFailureStates) && !failing[own] && !inconclusive[own] && (len(res.Findings) == 0 || spec.State != types.SpecStateFailed) {
		// Ginkgo failed the spec for a reason of its own: a timeout, a panic, an interrupt.
		failing[own] = true
	}
	msg := spec.FailureMessage()
	if spec.State != types.SpecStateFailed && spec.State != types.SpecStatePassed {
		msg = spec.State.String() + ": " + msg
	}
	entry := Failure{Spec: spec.FullText(), Message: cut(msg, maxFailureMessage)}
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		req, t := byID[id], tallies[id]
		switch {
		case failing[id]:
			t.failed++
			req.Failures = append(req.Failures, entry)
		case inconclusive[id]:
			t.inconclusive++
			e := entry
			e.Cause = causes[id]
			req.Inconclusives = append(req.Inconclusives, e)
		case id == own:
			t.passed++
		}
	}
}

// selected reports whether the user's focus, skip and label filters select spec.
func selected(suite string, sc types.SuiteConfig, spec types.SpecReport) bool {
	text := suite + " " + spec.FullText() // what Ginkgo matches --focus and --skip against
	for _, f := range sc.FocusStrings {
		if re, err := regexp.Compile(f); err == nil && !re.MatchString(text) {
			return false
		}
	}
	for _, f := range sc.SkipStrings {
		if re, err := regexp.Compile(f); err == nil && re.MatchString(text) {
			return false
		}
	}
	if sc.LabelFilter != "" {
		ok, err := spec.MatchesLabelFilter(sc.LabelFilter)
		return err == nil && ok
	}
	return true
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

// ExitCode is the runner's exit status for this verdict: 0 conforms, 1 a gating requirement
// failed, 2 when the suite itself could not run, a gating requirement is inconclusive (the
// target could not be judged: neither a pass nor a failure) or no spec ran at all.
func (c Conformance) ExitCode() int {
	if c.SuiteError != "" {
		return 2
	}
	inconclusive := false
	for _, r := range c.Requirements {
		if !c.gates(r) {
			continue
		}
		switch r.Outcome {
		case Failed:
			return 1
		case Inconclusive:
			inconclusive = true
		}
	}
	if inconclusive || !c.Judged() {
		return 2
	}
	return 0
}

// Text renders one line per requirement and the closing count line.
func (c Conformance) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nconformance of %s (harness %s)\n", c.Target, c.HarnessVersion)
	for _, r := range c.Requirements {
		fmt.Fprintf(&b, "%-9s %-6s %-12s %s\n", r.ID, r.Level, r.Outcome, r.Title)
	}
	if c.SuiteError != "" {
		fmt.Fprintf(&b, "suite error: %s", c.SuiteError)
	}
	verdict := "CONFORMS"
	switch {
	case !c.Judged():
		verdict = "NOTHING JUDGED (no spec ran: check --focus, --skip and --label-filter)"
	case !c.Conforms:
		verdict = "DOES NOT CONFORM"
	}
	mode := "every applicable MUST"
	if c.Strict {
		mode = "every applicable requirement (strict)"
	}
	fmt.Fprintf(&b, "verdict: %s (%s must pass); wall time %.2fs, %d requests, %d throttled and retried\n", verdict, mode, c.WallTime, c.Requests, c.Retries)
	for _, r := range c.Requirements {
		for _, f := range r.Inconclusives {
			fmt.Fprintf(&b, "inconclusive %s: %s\n", r.ID, strings.TrimPrefix(f.Spec+": "+f.Cause, ": "))
		}
	}
	fmt.Fprintf(&b, "%d passed, %d failed, %d inconclusive, %d unsupported, %d disabled\n", c.Summary.Passed, c.Summary.Failed, c.Summary.Inconclusive, c.Summary.Unsupported, c.Summary.Disabled)
	return b.String()
}

func compactSorted(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("\n… (%d bytes more in junit.xml)", len(s)-n)
}
