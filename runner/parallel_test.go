package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/suites/conformance"
)

func TestChooseProcs(t *testing.T) {
	embedded := conformance.Session{Embedded: true, Capabilities: map[requirements.Capability]bool{requirements.Create: true}}
	remote := conformance.Session{BaseURL: "https://x.example", Capabilities: map[requirements.Capability]bool{requirements.Create: true}}
	named := conformance.Session{BaseURL: "https://x.example", CallIDs: []string{"a", "b", "c", "d", "e"}}
	cfg := config.Default()
	for _, c := range []struct {
		name     string
		procs    int
		inFlight int
		sess     conformance.Session
		want     int
		warn     bool
		err      bool
	}{
		{"auto, embedded", 0, 0, embedded, 1, false, false},
		{"auto, remote", 0, 0, remote, config.AutoRemoteProcs, false, false},
		{"explicit", 3, 0, remote, 3, false, false},
		{"in-flight caps", 8, 4, remote, 4, true, false},
		{"auto, named calls", 0, 0, named, 2, true, false},
		{"explicit, enough named calls", 2, 0, named, 2, false, false},
		{"explicit, too few named calls", 3, 0, named, 0, false, true},
	} {
		cfg.Procs, cfg.MaxInFlight = c.procs, c.inFlight
		got, warnings, err := chooseProcs(cfg, c.sess, 300)
		if got != c.want || (len(warnings) > 0) != c.warn || (err != nil) != c.err {
			t.Errorf("%s: %d procs, warnings %q, error %v", c.name, got, warnings, err)
		}
		if err != nil && !strings.Contains(err.Error(), "--call-id") {
			t.Errorf("%s: the error does not say what to do: %v", c.name, err)
		}
	}
}

// TestProcsNeverMoreThanSpecs: a run of few specs (a re-run line names one) starts no more
// processes than it has specs, automatic or not; a run of none still runs one (to report).
func TestProcsNeverMoreThanSpecs(t *testing.T) {
	remote := conformance.Session{BaseURL: "https://x.example", Capabilities: map[requirements.Capability]bool{requirements.Create: true}}
	named := conformance.Session{BaseURL: "https://x.example", CallIDs: []string{"a", "b"}}
	cfg := config.Default()
	for _, c := range []struct {
		procs, specs, want int
		sess               conformance.Session
	}{
		{0, 1, 1, remote}, {0, 5, 5, remote}, {0, 0, 1, remote}, {0, 300, config.AutoRemoteProcs, remote},
		{8, 3, 3, remote},
		{4, 1, 1, named}, // one spec needs the two calls one process holds: no error
	} {
		cfg.Procs = c.procs
		got, warnings, err := chooseProcs(cfg, c.sess, c.specs)
		if got != c.want || err != nil || len(warnings) > 0 {
			t.Errorf("--procs %d, %d specs: %d processes, warnings %q, error %v; want %d", c.procs, c.specs, got, warnings, err, c.want)
		}
	}
}

func spec(text string, state types.SpecState) types.SpecReport {
	return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: text, State: state}
}

// TestDealAndMerge: every spec that will run goes to exactly one process, each process's skip
// pattern matches exactly the others' specs (as Ginkgo matches it), and the merged report
// takes each spec from its owner; a process without a report leaves its specs not run.
func TestDealAndMerge(t *testing.T) {
	preview := types.Report{SpecReports: []types.SpecReport{
		spec("A (1)", types.SpecStatePassed), spec("B [x]", types.SpecStatePassed), spec("C.*", types.SpecStatePassed),
		spec("D", types.SpecStateSkipped), // filtered out by the user
	}}
	owner := deal(preview, 2)
	if owner["A (1)"] != 1 || owner["B [x]"] != 2 || owner["C.*"] != 1 || owner["D"] != 1 {
		t.Fatalf("dealt %v", owner)
	}
	for shard := 1; shard <= 2; shard++ {
		re := regexp.MustCompile(othersPattern(owner, shard))
		for name, o := range owner {
			if got := re.MatchString(conformance.SuiteName + " " + name); got != (o != shard) {
				t.Errorf("process %d: skip %q = %v", shard, name, got)
			}
		}
	}
	child := func(states map[string]types.SpecState) *types.Report {
		r := &types.Report{SuiteSucceeded: true}
		for _, s := range preview.SpecReports {
			st, ok := states[s.LeafNodeText]
			if !ok {
				st = types.SpecStateSkipped
			}
			r.SpecReports = append(r.SpecReports, spec(s.LeafNodeText, st))
		}
		return r
	}
	one := child(map[string]types.SpecState{"A (1)": types.SpecStateFailed, "C.*": types.SpecStatePassed})
	two := child(map[string]types.SpecState{"B [x]": types.SpecStatePassed})
	m := merge(preview, types.SuiteConfig{}, owner, []*types.Report{one, two}, []string{"", ""})
	got := map[string]types.SpecState{}
	for _, s := range m.SpecReports {
		got[s.LeafNodeText] = s.State
	}
	want := map[string]types.SpecState{"A (1)": types.SpecStateFailed, "B [x]": types.SpecStatePassed, "C.*": types.SpecStatePassed, "D": types.SpecStateSkipped}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("merged %q: %s, want %s", k, got[k], v)
		}
	}
	if len(m.SpecReports) != 4 || len(m.SpecialSuiteFailureReasons) != 0 {
		t.Errorf("merged %d specs, reasons %q", len(m.SpecReports), m.SpecialSuiteFailureReasons)
	}
	m = merge(preview, types.SuiteConfig{}, owner, []*types.Report{one, nil}, []string{"", "process 2 of 2 ended without a report"})
	for _, s := range m.SpecReports {
		if s.LeafNodeText == "B [x]" && s.State != types.SpecStateSkipped {
			t.Errorf("a spec of the lost process is %s", s.State)
		}
	}
	if len(m.SpecialSuiteFailureReasons) != 1 || m.SuiteSucceeded {
		t.Errorf("a lost process is not a suite failure: %+v", m.SpecialSuiteFailureReasons)
	}
}

// TestSpecAProcessNeverReportedIsNotRun: a child that left a report without one of its specs
// (no suite failure to show for it) must not turn that spec's requirement into "disabled" and
// the run into CONFORMS: the requirement is not run, named, and the run exits 2.
func TestSpecAProcessNeverReportedIsNotRun(t *testing.T) {
	var preview types.Report
	preview.SuiteDescription = conformance.SuiteName
	for _, r := range requirements.All() {
		s := spec(r.ID+" x", types.SpecStatePassed)
		s.LeafNodeLabels = []string{r.Label()}
		preview.SpecReports = append(preview.SpecReports, s)
	}
	owner := deal(preview, 2)
	child := func(shard int) *types.Report {
		r := &types.Report{SuiteSucceeded: true}
		for _, s := range preview.SpecReports {
			if owner[s.FullText()] == shard && !strings.HasPrefix(s.LeafNodeText, "ERR-03 ") { // ERR-03's spec got lost
				r.SpecReports = append(r.SpecReports, s)
			}
		}
		return r
	}
	m := merge(preview, types.SuiteConfig{}, owner, []*types.Report{child(1), child(2)}, []string{"", ""})
	c := report.Build(m, report.Input{Started: time.Now()})
	var err03 report.Requirement
	for _, r := range c.Requirements {
		if r.ID == "ERR-03" {
			err03 = r
		}
	}
	if err03.Outcome != report.NotRun || !strings.Contains(err03.Reason, "never reported it") || c.Exit != 2 || c.Conforms {
		t.Fatalf("ERR-03 %s (%s), exit %d:\n%s", err03.Outcome, err03.Reason, c.Exit, c.Text())
	}
	if !strings.Contains(c.Text(), "verdict: INCOMPLETE (specs the filters selected never ran: ERR-03)") {
		t.Errorf("the requirement is not named:\n%s", c.Text())
	}
}

// Every process's account of what it sent outside any spec survives the merge: each child's
// suite-level node that carries one is kept, not only process 1's first node.
func TestMergeKeepsEveryProcessRunRecord(t *testing.T) {
	preview := types.Report{SpecReports: []types.SpecReport{spec("A", types.SpecStatePassed), spec("B", types.SpecStatePassed)}}
	owner := deal(preview, 2)
	child := func(requests int) *types.Report {
		r := &types.Report{SuiteSucceeded: true}
		r.SpecReports = append(r.SpecReports, types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStatePassed})
		for _, s := range preview.SpecReports {
			r.SpecReports = append(r.SpecReports, s)
		}
		r.SpecReports = append(r.SpecReports, types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedAfterSuite, State: types.SpecStatePassed,
			ReportEntries: types.ReportEntries{{Name: report.EntryRun, Value: types.WrapEntryValue(report.RunRecord{Requests: requests})}}})
		return r
	}
	m := merge(preview, types.SuiteConfig{}, owner, []*types.Report{child(5), child(7)}, []string{"", ""})
	c := report.Build(m, report.Input{Started: time.Now()})
	if c.Run.Requests != 12 {
		t.Errorf("the merged report counts %d requests outside specs, want 5 + 7", c.Run.Requests)
	}
}
