package selftest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/callconf/callconf/internal/mutants"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
)

// Inconclusive is the outcome of a requirement the suite could not decide.
const Inconclusive = report.Inconclusive

// Result is the selftest's judgement of one implementation (a row of selftest.json).
type Result struct {
	Name         string   `json:"name"`
	Kind         string   `json:"kind"`
	Description  string   `json:"description"`
	Declares     []string `json:"declares,omitempty"`
	Exit         []int    `json:"exit"` // per child; -1: killed at its time limit or not started
	Seconds      float64  `json:"seconds"`
	Failed       []string `json:"failed"`                 // requirement IDs that failed
	Unsupported  []string `json:"unsupported,omitempty"`  // requirement IDs that did not apply
	Inconclusive []string `json:"inconclusive,omitempty"` // requirement IDs the suite could not decide
	NotRun       []string `json:"notRun,omitempty"`       // requirement IDs no child ran (e.g. the target could not be prepared)
	Expected     []string `json:"expected,omitempty"`     // declared and failed
	Missing      []string `json:"missing,omitempty"`      // declared, but not failed
	Unexpected   []string `json:"unexpected,omitempty"`   // failed, not declared
	Killed       bool     `json:"killed,omitempty"`       // mutants: the run ended 1 with failures
	Problems     []string `json:"problems,omitempty"`     // why this implementation fails the selftest
	WorkDir      string   `json:"workDir"`
	// FailedSpecs names, per unexpected or inconclusive requirement, its first failing spec (for
	// diagnosis), as the child's conformance.json names it.
	FailedSpecs map[string]string `json:"failedSpecs,omitempty"`
	outputs     []string          // the children's directories, for their output's last lines
}

// Matrix is the whole selftest (selftest.json).
type Matrix struct {
	Requirements []string `json:"requirements"`
	Results      []Result `json:"results"`
	Mutants      int      `json:"mutants"`
	Killed       int      `json:"killed"`
	KilledRight  int      `json:"killedAsDeclared"` // killed with every declared requirement
	Exact        int      `json:"killedExactly"`    // killed by exactly the declared requirements
	Score        float64  `json:"mutationScore"`
	Uncovered    []string `json:"uncoveredRequirements,omitempty"`
	Problems     []string `json:"problems,omitempty"` // catalogue-wide problems
	OK           bool     `json:"ok"`
	Seconds      float64  `json:"seconds"`
	WorkDir      string   `json:"workDir"`
}

// Score judges every target and scores the mutants. whole says the entire catalogue ran, so
// that every requirement must also have been failed by a mutant that declares it.
func Score(targets []*Target, whole bool) Matrix {
	m := Matrix{OK: true}
	for _, r := range requirements.All() {
		m.Requirements = append(m.Requirements, r.ID)
	}
	for _, t := range targets {
		res := Evaluate(t)
		if res.Kind == string(mutants.KindMutant) {
			m.Mutants++
			if res.Killed {
				m.Killed++
				if len(res.Missing) == 0 {
					m.KilledRight++
					if len(res.Unexpected) == 0 {
						m.Exact++
					}
				}
			}
		}
		if len(res.Problems) > 0 {
			m.OK = false
		}
		m.Results = append(m.Results, res)
	}
	if m.Mutants > 0 {
		m.Score = float64(m.Killed) / float64(m.Mutants)
	}
	declared := map[string]bool{}
	for _, im := range mutants.All() {
		if im.Kind == mutants.KindMutant {
			for _, id := range im.Declares {
				declared[id] = true
			}
		}
	}
	caught := map[string]bool{}
	for _, res := range m.Results {
		for _, id := range res.Expected {
			caught[id] = true
		}
	}
	for _, id := range m.Requirements {
		switch {
		case !declared[id]:
			m.Uncovered = append(m.Uncovered, id)
			m.Problems = append(m.Problems, id+" is declared by no mutant")
		case whole && !caught[id]:
			m.Uncovered = append(m.Uncovered, id)
			m.Problems = append(m.Problems, id+" is failed by none of the mutants that declare it")
		}
	}
	if len(m.Problems) > 0 {
		m.OK = false
	}
	return m
}

// rank orders outcomes for merging the shards of one implementation: a requirement takes the
// highest-ranked outcome any child gave it.
var rank = map[report.Outcome]int{report.Failed: 4, Inconclusive: 3, report.Passed: 2, report.Unsupported: 1}

// merged is the outcome of every requirement over all children of a target, with the first
// failure (or, for an inconclusive requirement, note) that explains it.
type merged struct {
	outcome map[string]report.Outcome
	why     map[string]string
	reports int // children that left a conformance.json
}

func merge(children []*Child) merged {
	mg := merged{outcome: map[string]report.Outcome{}, why: map[string]string{}}
	for _, c := range children {
		if c.Report == nil {
			continue
		}
		mg.reports++
		for _, req := range c.Report.Requirements {
			if rank[req.Outcome] > rank[mg.outcome[req.ID]] {
				mg.outcome[req.ID] = req.Outcome
			}
			if _, ok := mg.why[req.ID]; ok || (req.Outcome != report.Failed && req.Outcome != Inconclusive) {
				continue
			}
			switch {
			case len(req.Failures) > 0 && req.Failures[0].Spec != "":
				mg.why[req.ID] = req.Failures[0].Spec
			case len(req.Failures) > 0:
				mg.why[req.ID] = firstLine(req.Failures[0].Message)
			case len(req.Inconclusives) > 0:
				mg.why[req.ID] = strings.TrimPrefix(req.Inconclusives[0].Spec+": "+req.Inconclusives[0].Cause, ": ")
			case len(req.Notes) > 0:
				mg.why[req.ID] = req.Notes[0]
			}
		}
	}
	return mg
}

// Evaluate judges one implementation from what its children left.
func Evaluate(t *Target) Result {
	im := t.Impl
	res := Result{Name: im.Name, Kind: string(im.Kind), Description: im.Description, Declares: im.Declares, WorkDir: t.Dir}
	problem := func(format string, args ...any) { res.Problems = append(res.Problems, fmt.Sprintf(format, args...)) }
	expect := ""
	if t.inst != nil {
		expect = t.inst.Expect
	}
	exits := map[int]bool{}
	for _, c := range t.Children {
		res.Exit = append(res.Exit, c.Exit)
		res.Seconds = max(res.Seconds, c.Duration.Seconds())
		res.outputs = append(res.outputs, c.Dir)
		exits[c.Exit] = true
		switch {
		case c.StartErr != nil:
			problem("%s: %v", c.Label, c.StartErr)
		case c.TimedOut:
			problem("%s: still running after %s, killed", c.Label, c.Duration.Round(time.Second))
		}
		if c.StartErr == nil && c.MissesExpect {
			problem("%s: the output never names the cause: no match for %q", c.Label, expect)
		}
		if c.CheckErr != nil {
			problem("%s: check: %v", c.Label, c.CheckErr)
		}
		for _, p := range c.Panics {
			problem("%s panicked: %s", c.Label, p)
		}
		if c.Report == nil {
			if im.Kind != mutants.KindHostile && !c.TimedOut {
				problem("%s: no %s (%v)", c.Label, report.ConformanceJSON, c.ReportErr)
			}
			continue
		}
		if c.Report.SuiteError != "" && im.Kind != mutants.KindHostile {
			problem("%s: suite error: %s", c.Label, firstLine(c.Report.SuiteError))
		}
	}
	mg := merge(t.Children)
	for _, req := range requirements.All() {
		switch mg.outcome[req.ID] {
		case report.Failed:
			res.Failed = append(res.Failed, req.ID)
		case Inconclusive:
			res.Inconclusive = append(res.Inconclusive, req.ID)
		case report.Unsupported:
			res.Unsupported = append(res.Unsupported, req.ID)
		case report.Passed:
		default:
			res.NotRun = append(res.NotRun, req.ID)
		}
	}
	switch im.Kind {
	case mutants.KindReference, mutants.KindVariant:
		res.Unexpected = res.Failed
		for _, c := range t.Children {
			if c.Exit != exitConforms && !c.TimedOut && c.StartErr == nil {
				problem("%s: exit %d, want 0 (strict)", c.Label, c.Exit)
			}
		}
		if len(res.Failed) > 0 {
			problem("fails %s, but must pass everything (strict)", strings.Join(res.Failed, " "))
		}
		if len(res.Inconclusive) > 0 {
			problem("inconclusive on %s, but must pass everything (strict)", strings.Join(res.Inconclusive, " "))
		}
		if len(res.NotRun) > 0 && mg.reports == len(t.Children) {
			problem("never runs %s: every requirement must pass or be unsupported", strings.Join(res.NotRun, " "))
		}
	case mutants.KindMutant:
		var confused []string
		for _, id := range im.Declares {
			switch mg.outcome[id] {
			case report.Failed:
				res.Expected = append(res.Expected, id)
			case Inconclusive:
				confused = append(confused, id)
				fallthrough
			default:
				res.Missing = append(res.Missing, id)
			}
		}
		for _, id := range res.Failed {
			if !slices.Contains(im.Declares, id) {
				res.Unexpected = append(res.Unexpected, id)
			}
		}
		res.Killed = exits[exitFails] && len(res.Failed) > 0 && !exits[-1] && !exits[exitNoVerdict]
		switch {
		case exits[exitNoVerdict] && len(res.Inconclusive) > 0:
			problem("the run ended 2 (inconclusive: %s), not with a verdict", strings.Join(res.Inconclusive, " "))
		case exits[exitNoVerdict]:
			problem("the run ended 2 (configuration error or unreachable target), not with a verdict")
		case !res.Killed && len(res.Failed) == 0 && len(res.Inconclusive) > 0:
			problem("survived: inconclusive on %s, failed nothing", strings.Join(res.Inconclusive, " "))
		case !res.Killed:
			problem("survived: the run conforms (exit 0)")
		case len(confused) > 0:
			problem("killed, but not for %s, which it declares (inconclusive, not failed: %s)", strings.Join(res.Missing, " "), strings.Join(confused, " "))
		case len(res.Missing) > 0:
			problem("killed, but not for %s, which it declares", strings.Join(res.Missing, " "))
		}
	case mutants.KindHostile:
		for _, id := range im.Spares {
			if slices.Contains(res.Failed, id) {
				problem("fails %s, which the target did not break (the harness's own limits are not the target's fault)", id)
			}
		}
		for _, c := range t.Children {
			if !c.TimedOut && c.StartErr == nil && c.Exit != exitFails && c.Exit != exitNoVerdict {
				problem("%s: exit %d, want 1 or 2", c.Label, c.Exit)
			}
		}
		res.Killed = !exits[exitConforms] && !exits[-1]
	}
	if im.Kind != mutants.KindHostile && len(res.Unexpected)+len(res.Inconclusive) > 0 {
		res.FailedSpecs = map[string]string{}
		for _, id := range slices.Concat(res.Unexpected, res.Inconclusive) {
			res.FailedSpecs[id] = mg.why[id]
		}
	}
	return res
}

// firstLine is the first line of s, trimmed.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
