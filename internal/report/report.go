// Package report turns a Ginkgo report of the conformance suite into verdicts per requirement and
// writes them for people and CI: a console summary, conformance.json, conformance.md, junit.xml
// and Ginkgo's JSON report. Every file passes through a redaction function before it is written.
package report

import (
	"cmp"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/requirements"
)

// HarnessVersion identifies this harness in reports.
const HarnessVersion = "0.1.0"

// Report entry names specs use to pass facts to the report.
const (
	EntryRequests = "callconf.requests" // int: requests one spec sent
	EntryNote     = "callconf.note"     // string: a choice the contract allows, recorded (e.g. 422 over 400)
)

// UnsupportedPrefix starts the skip message of a spec whose requirement does not apply to the
// target; such skips count as unsupported, other skips as disabled.
const UnsupportedPrefix = "unsupported:"

// Outcome is the verdict on one requirement.
type Outcome string

// The outcomes, as the README explains them.
const (
	Passed      Outcome = "passed"      // every spec that ran passed
	Failed      Outcome = "failed"      // at least one spec failed
	Unsupported Outcome = "unsupported" // the target lacks a capability the requirement needs
	Disabled    Outcome = "disabled"    // the user filtered every spec of the requirement out
)

// Failure is one failed spec of a requirement.
type Failure struct {
	Spec    string `json:"spec"`
	Message string `json:"message"`
}

// Requirement is the verdict on one requirement.
type Requirement struct {
	requirements.Requirement
	Outcome  Outcome   `json:"outcome"`
	Specs    int       `json:"specs"`
	Passed   int       `json:"passedSpecs"`
	Failures []Failure `json:"failures,omitempty"`
	Notes    []string  `json:"notes,omitempty"`
}

// Counts tallies requirements by outcome.
type Counts struct {
	Passed      int `json:"passed"`
	Failed      int `json:"failed"`
	Unsupported int `json:"unsupported"`
	Disabled    int `json:"disabled"`
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
// in junit.xml and the Ginkgo report.
const maxFailureMessage = 16 << 10

// Build computes the verdict per requirement from a Ginkgo report.
func Build(r types.Report, in Input) Conformance {
	c := Conformance{
		Target:         in.Target,
		HarnessVersion: HarnessVersion + " (" + runtime.Version() + ")",
		Date:           in.Started.UTC().Format(time.RFC3339),
		Strict:         in.Strict,
		WallTime:       time.Since(in.Started).Seconds(),
	}
	type tally struct{ passed, failed, unsupported, disabled int }
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
		for _, e := range spec.ReportEntries {
			switch e.Name {
			case EntryRequests:
				var n int
				if _, err := fmt.Sscan(e.StringRepresentation(), &n); err == nil {
					c.Requests += n
				}
			}
		}
		if spec.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes) && spec.Failed() {
			c.SuiteError += fmt.Sprintf("%s failed: %s\n", spec.LeafNodeType, spec.FailureMessage())
			continue
		}
		if spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		id := ""
		for _, l := range spec.Labels() {
			if rest, ok := strings.CutPrefix(l, "req:"); ok {
				id = rest
			}
		}
		req, ok := byID[id]
		if !ok {
			continue
		}
		t := tallies[id]
		req.Specs++
		for _, e := range spec.ReportEntries {
			if e.Name == EntryNote {
				req.Notes = append(req.Notes, e.StringRepresentation())
			}
		}
		switch {
		case spec.State == types.SpecStatePassed:
			t.passed++
		case spec.State.Is(types.SpecStateFailureStates):
			t.failed++
			msg := spec.FailureMessage()
			if spec.State != types.SpecStateFailed {
				msg = spec.State.String() + ": " + msg
			}
			req.Failures = append(req.Failures, Failure{Spec: spec.FullText(), Message: cut(msg, maxFailureMessage)})
		case spec.State == types.SpecStateSkipped && strings.HasPrefix(spec.FailureMessage(), UnsupportedPrefix):
			t.unsupported++
			req.Notes = append(req.Notes, spec.FailureMessage())
		case len(r.SpecialSuiteFailureReasons) > 0 && selected(r.SuiteConfig, spec):
			// The user wanted this spec, but the suite ended (deadline, interrupt) before it ran.
			t.failed++
			req.Failures = append(req.Failures, Failure{Spec: spec.FullText(), Message: "not run: " + strings.Join(r.SpecialSuiteFailureReasons, "; ")})
		default:
			t.disabled++
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
			t.failed++
			req.Failures = append(req.Failures, Failure{Message: "not run: " + strings.TrimSpace(c.SuiteError)})
		}
		switch {
		case t.failed > 0:
			req.Outcome = Failed
		case t.passed > 0:
			req.Outcome = Passed
		case t.unsupported > 0:
			req.Outcome = Unsupported
		default:
			req.Outcome = Disabled
		}
		req.Notes = compactSorted(req.Notes)
		slices.SortFunc(req.Failures, func(a, b Failure) int { return cmp.Compare(a.Spec, b.Spec) })
		switch req.Outcome {
		case Passed:
			c.Summary.Passed++
		case Failed:
			c.Summary.Failed++
		case Unsupported:
			c.Summary.Unsupported++
		case Disabled:
			c.Summary.Disabled++
		}
	}
	c.Conforms = c.SuiteError == "" && c.gate()
	return c
}

// selected reports whether the user's focus, skip and label filters select spec.
func selected(sc types.SuiteConfig, spec types.SpecReport) bool {
	text := spec.FullText()
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

// gate is true when every applicable MUST requirement passed (with Strict: every applicable one).
func (c Conformance) gate() bool {
	for _, r := range c.Requirements {
		if r.Outcome == Failed && (c.Strict || r.Level == requirements.Must) {
			return false
		}
	}
	return true
}

// ExitCode is the runner's exit status for this verdict: 0 conforms, 1 does not, 2 when the
// suite itself could not run.
func (c Conformance) ExitCode() int {
	switch {
	case c.SuiteError != "":
		return 2
	case c.Conforms:
		return 0
	}
	return 1
}

// Text renders one line per requirement and the closing count line.
func (c Conformance) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nconformance of %s (harness %s)\n", c.Target, c.HarnessVersion)
	for _, r := range c.Requirements {
		fmt.Fprintf(&b, "%-9s %-6s %-11s %s\n", r.ID, r.Level, r.Outcome, r.Title)
	}
	if c.SuiteError != "" {
		fmt.Fprintf(&b, "suite error: %s", c.SuiteError)
	}
	verdict := "CONFORMS"
	if !c.Conforms {
		verdict = "DOES NOT CONFORM"
	}
	mode := "every applicable MUST"
	if c.Strict {
		mode = "every applicable requirement (strict)"
	}
	fmt.Fprintf(&b, "verdict: %s (%s must pass); wall time %.2fs, %d requests\n", verdict, mode, c.WallTime, c.Requests)
	fmt.Fprintf(&b, "%d passed, %d failed, %d unsupported, %d disabled\n", c.Summary.Passed, c.Summary.Failed, c.Summary.Unsupported, c.Summary.Disabled)
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
