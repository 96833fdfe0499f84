package selftest

import (
	"slices"
	"strings"
	"testing"

	"github.com/callconf/callconf/internal/mutants"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
)

var idList = strings.Fields

// outcomes gives the listed requirement IDs an outcome in a child's report; every other one
// passed.
type outcomes map[report.Outcome][]string

// conformance is a child's conformance.json with the given outcomes.
func conformance(o outcomes) *report.Conformance {
	c := &report.Conformance{}
	for _, req := range requirements.All() {
		out := report.Requirement{Requirement: req, Outcome: report.Passed}
		for outcome, list := range o {
			if slices.Contains(list, req.ID) {
				out.Outcome = outcome
			}
		}
		switch out.Outcome {
		case report.Failed:
			out.Failures = []report.Failure{{Spec: "Update call " + req.ID + " canned", Message: "  1. canned violation"}}
		case Inconclusive:
			out.Notes = []string{"canned: could not decide " + req.ID}
		}
		c.Requirements = append(c.Requirements, out)
	}
	return c
}

// canned is a finished target from exit statuses and each child's outcomes, started by nothing.
func canned(kind mutants.Kind, declares []string, exits []int, each ...outcomes) *Target {
	t := &Target{Impl: mutants.Impl{Name: "canned", Kind: kind, Description: "canned", Declares: declares}}
	for i, exit := range exits {
		var o outcomes
		if i < len(each) {
			o = each[i]
		}
		t.Children = append(t.Children, &Child{Label: "canned", Exit: exit, Report: conformance(o)})
	}
	return t
}

func failing(list string) outcomes { return outcomes{report.Failed: idList(list)} }

func TestEvaluate(t *testing.T) {
	for _, c := range []struct {
		name         string
		target       *Target
		problems     int
		killed       bool
		unexpected   []string
		missing      []string
		inconclusive []string
	}{
		{"reference passes", canned(mutants.KindReference, nil, []int{0}), 0, false, nil, nil, nil},
		{"variant fails a SHOULD", canned(mutants.KindVariant, nil, []int{1}, failing("ERR-05")), 2, false, idList("ERR-05"), nil, nil},
		{"variant shards pass", canned(mutants.KindVariant, nil, []int{0, 0}), 0, false, nil, nil, nil},
		{"variant shard fails", canned(mutants.KindVariant, nil, []int{0, 1}, nil, failing("HTTP-01")), 2, false, idList("HTTP-01"), nil, nil},
		{"variant inconclusive", canned(mutants.KindVariant, nil, []int{2}, outcomes{Inconclusive: idList("STATE-03")}), 2, false, nil, nil, idList("STATE-03")},
		{"variant unsupported", canned(mutants.KindVariant, nil, []int{0}, outcomes{report.Unsupported: idList("ERR-04")}), 0, false, nil, nil, nil},
		{"variant never runs a requirement", canned(mutants.KindVariant, nil, []int{0}, outcomes{report.Disabled: idList("ERR-04")}), 1, false, nil, nil, nil},
		{"mutant killed exactly", canned(mutants.KindMutant, idList("PATCH-04 STATE-05"), []int{1}, failing("PATCH-04 STATE-05")), 0, true, nil, nil, nil},
		{"mutant killed with extras", canned(mutants.KindMutant, idList("PATCH-04"), []int{1}, failing("PATCH-04 STATE-01")), 0, true, idList("STATE-01"), nil, nil},
		{"mutant killed for the wrong reason", canned(mutants.KindMutant, idList("PATCH-04 STATE-05"), []int{1}, failing("PATCH-04 ERR-01")), 1, true, idList("ERR-01"), idList("STATE-05"), nil},
		{"mutant declared inconclusive, not failed", canned(mutants.KindMutant, idList("PATCH-04 STATE-05"), []int{1},
			outcomes{report.Failed: idList("PATCH-04"), Inconclusive: idList("STATE-05")}), 1, true, nil, idList("STATE-05"), idList("STATE-05")},
		{"mutant extra inconclusive is marked", canned(mutants.KindMutant, idList("PATCH-04"), []int{1},
			outcomes{report.Failed: idList("PATCH-04"), Inconclusive: idList("STATE-05")}), 0, true, nil, nil, idList("STATE-05")},
		{"mutant only inconclusive", canned(mutants.KindMutant, idList("PATCH-04"), []int{2}, outcomes{Inconclusive: idList("PATCH-04")}), 1, false, nil, idList("PATCH-04"), idList("PATCH-04")},
		{"mutant survives", canned(mutants.KindMutant, idList("ERR-07"), []int{0}), 1, false, nil, idList("ERR-07"), nil},
		{"mutant run ends 2", canned(mutants.KindMutant, idList("ERR-07"), []int{2}, failing("ERR-07")), 1, false, nil, nil, nil},
		{"hostile ends 1", canned(mutants.KindHostile, nil, []int{1}, failing("PATCH-01")), 0, true, nil, nil, nil},
		{"hostile ends 2", canned(mutants.KindHostile, nil, []int{2}), 0, true, nil, nil, nil},
		{"hostile ends 0", canned(mutants.KindHostile, nil, []int{0}), 1, false, nil, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := Evaluate(c.target)
			if len(res.Problems) != c.problems {
				t.Errorf("problems %q, want %d", res.Problems, c.problems)
			}
			if res.Killed != c.killed {
				t.Errorf("killed %t, want %t", res.Killed, c.killed)
			}
			if !slices.Equal(res.Unexpected, c.unexpected) || !slices.Equal(res.Missing, c.missing) {
				t.Errorf("unexpected %v missing %v, want %v %v", res.Unexpected, res.Missing, c.unexpected, c.missing)
			}
			if !slices.Equal(res.Inconclusive, c.inconclusive) {
				t.Errorf("inconclusive %v, want %v", res.Inconclusive, c.inconclusive)
			}
		})
	}
}

func TestEvaluateNamesTheCause(t *testing.T) {
	res := Evaluate(canned(mutants.KindMutant, idList("PATCH-04 STATE-05"), []int{1},
		outcomes{report.Failed: idList("PATCH-04 ERR-01"), Inconclusive: idList("STATE-05")}))
	if want := "Update call ERR-01 canned"; res.FailedSpecs["ERR-01"] != want {
		t.Errorf("unexpected ERR-01 named %q, want the spec %q", res.FailedSpecs["ERR-01"], want)
	}
	if want := "canned: could not decide STATE-05"; res.FailedSpecs["STATE-05"] != want {
		t.Errorf("inconclusive STATE-05 named %q, want its note", res.FailedSpecs["STATE-05"])
	}
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "inconclusive, not failed: STATE-05") {
		t.Errorf("problems %q", res.Problems)
	}
}

func TestEvaluateMergesShards(t *testing.T) {
	// Each shard runs some requirements; the others are disabled in it. The strongest outcome wins.
	var names []string
	for _, r := range requirements.All() {
		names = append(names, r.ID)
	}
	half := len(names) / 2
	first := outcomes{report.Disabled: names[half:], report.Unsupported: idList("ERR-04")}
	second := outcomes{report.Disabled: names[:half], report.Failed: idList("STATE-02")}
	res := Evaluate(canned(mutants.KindVariant, nil, []int{0, 1}, first, second))
	if !slices.Equal(res.Failed, idList("STATE-02")) || !slices.Equal(res.Unsupported, idList("ERR-04")) {
		t.Errorf("failed %v unsupported %v", res.Failed, res.Unsupported)
	}
	if len(res.Problems) != 2 {
		t.Errorf("problems %q, want the exit and the failure", res.Problems)
	}
	for _, p := range res.Problems {
		if strings.Contains(p, "never runs") {
			t.Errorf("shards together run every requirement, yet: %s", p)
		}
	}
}

func TestEvaluateChildTrouble(t *testing.T) {
	tgt := canned(mutants.KindHostile, nil, []int{-1})
	tgt.Children[0].TimedOut = true
	if res := Evaluate(tgt); len(res.Problems) != 1 || res.Killed {
		t.Errorf("a hostile child killed at its limit: problems %q killed %t", res.Problems, res.Killed)
	}
	tgt = canned(mutants.KindHostile, nil, []int{2})
	tgt.Children[0].Panics = []string{"stderr.txt: panic: boom", "stderr.txt: goroutine 1 [running]:"}
	tgt.Children[0].MissesExpect = true
	if res := Evaluate(tgt); len(res.Problems) != 3 {
		t.Errorf("a panicking child that never names the cause: problems %q", res.Problems)
	}
	tgt = canned(mutants.KindReference, nil, []int{0})
	tgt.Children[0].Report, tgt.Children[0].ReportErr = nil, errAbsent
	if res := Evaluate(tgt); len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "no conformance.json") {
		t.Errorf("a child without its report: problems %q", res.Problems)
	}
	tgt = canned(mutants.KindReference, nil, []int{2})
	tgt.Children[0].Report.SuiteError = "BeforeSuite failed: unreachable\nmore"
	if res := Evaluate(tgt); len(res.Problems) != 2 || !strings.Contains(res.Problems[0], "suite error: BeforeSuite failed: unreachable") {
		t.Errorf("a suite error: problems %q", res.Problems)
	}
	tgt = canned(mutants.KindHostile, nil, []int{1})
	tgt.Children[0].CheckErr = errAbsent
	if res := Evaluate(tgt); len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "check:") {
		t.Errorf("a failed check: problems %q", res.Problems)
	}
}

func TestScore(t *testing.T) {
	targets := []*Target{
		canned(mutants.KindReference, nil, []int{0}),
		canned(mutants.KindMutant, idList("ERR-07"), []int{1}, failing("ERR-07")),
		canned(mutants.KindMutant, idList("ERR-08"), []int{0}),
	}
	m := Score(targets, false)
	if m.OK || m.Mutants != 2 || m.Killed != 1 || m.Exact != 1 || m.Score != 0.5 {
		t.Errorf("matrix: ok %t mutants %d killed %d exact %d score %v", m.OK, m.Mutants, m.Killed, m.Exact, m.Score)
	}
	if len(m.Problems) != 0 {
		t.Errorf("the catalogue declares every requirement, yet: %q", m.Problems)
	}
	// The whole catalogue ran, but only ERR-07 was caught: every other requirement is uncovered.
	m = Score(targets, true)
	if len(m.Uncovered) != len(requirements.All())-1 || slices.Contains(m.Uncovered, "ERR-07") {
		t.Errorf("uncovered %v", m.Uncovered)
	}
	if m := Score(targets[:2], false); !m.OK {
		t.Errorf("a passing reference and a killed mutant: %+v", m)
	}
}

// TestNotRunIsNotPassed: a hostile target the child could not prepare leaves every requirement
// "not run" (its conformance.json says COULD NOT START); the matrix marked them '.', passed.
// They are listed as NotRun and marked 'o', also where a mutant declared them ('?' would say
// declared but passed).
func TestNotRunIsNotPassed(t *testing.T) {
	all := requirements.All()
	var ids []string
	for _, r := range all {
		ids = append(ids, r.ID)
	}
	hostile := Evaluate(canned(mutants.KindHostile, nil, []int{2}, outcomes{report.NotRun: ids}))
	if !slices.Equal(hostile.NotRun, ids) || len(hostile.Problems) > 0 {
		t.Fatalf("NotRun %v, problems %v; want every requirement, no problem", hostile.NotRun, hostile.Problems)
	}
	mutant := Evaluate(canned(mutants.KindMutant, idList("ERR-07"), []int{1}, outcomes{report.Failed: idList("ERR-06"), report.NotRun: idList("ERR-07")}))
	m := Matrix{Requirements: ids, Results: []Result{hostile, mutant}}
	var b strings.Builder
	PrintMatrix(&b, m)
	out := b.String()
	if !strings.Contains(out, legendNotRun+")") {
		t.Errorf("the legend does not explain 'o':\n%s", out)
	}
	if row := hostile.grid(ids); strings.ContainsAny(row, ".x") {
		t.Errorf("not-run row %q marks requirements passed or failed", row)
	}
	if got := mutant.cell("ERR-07"); got != "o" {
		t.Errorf("a declared requirement not run is marked %q, want o", got)
	}
	var golden strings.Builder
	PrintMatrix(&golden, goldenMatrix())
	if strings.Contains(golden.String(), legendNotRun) {
		t.Error("the legend names 'o' though no cell shows it")
	}
}
