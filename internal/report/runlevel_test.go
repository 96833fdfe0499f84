package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/check"
)

// cleanUp500 is what a process hands the report when a clean-up DELETE was answered 500.
func cleanUp500() RunRecord {
	return RunRecord{Requests: 7, Retries: 1,
		Findings: []RunFinding{{Phase: PhaseCleanUp,
			Exchange: Exchange{Method: "DELETE", URL: "http://t/communications/calls/c-1", Status: 500},
			Finding:  check.Finding{Requirement: "PATCH-08", Mismatch: check.Mismatch{Expected: "a status below 500", Actual: "500 boom"}}}},
		Warnings: []Warning{{Kind: WarnLeftBehind, CallID: "c-1", Text: "call c-1, created by the run, was left behind: the DELETE answered 500"}}}
}

// afterSuite is a suite-level node carrying a process's run record, as JSON (another process).
func afterSuite(t *testing.T, rec RunRecord) types.SpecReport {
	t.Helper()
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedAfterSuite, State: types.SpecStatePassed,
		ReportEntries: types.ReportEntries{{Name: EntryRun, Value: types.ReportEntryValue{AsJSON: string(b)}}}}
}

// A finding in an exchange outside any spec fails its requirement, is listed under the run with
// its exchange in every report, and the run's requests count in the totals.
func TestRunLevelFindingsFailTheirRequirementInEveryReport(t *testing.T) {
	r := allPassing()
	r.SpecReports = append(r.SpecReports, afterSuite(t, cleanUp500()))
	prep := RunRecord{Requests: 4, Warnings: []Warning{{Kind: WarnNamedChanged, CallID: "n-1", Members: []string{"subject"},
		Text: "named call n-1 reads differently at the end of the run than at its start: subject changed"}}}
	c := Build(r, Input{Target: "t", Started: time.Now(), Run: []RunRecord{prep}})

	if got := outcome(c, "PATCH-08"); got != Failed {
		t.Errorf("PATCH-08: %s, want failed", got)
	}
	if outcome(c, "PATCH-01") != Passed || c.Exit != 1 || c.Verdict != VerdictFails {
		t.Errorf("verdict %s exit %d, PATCH-01 %s: want DOES NOT CONFORM, 1, passed", c.Verdict, c.Exit, outcome(c, "PATCH-01"))
	}
	specs := 3 * len(allPassing().SpecReports)
	if c.Requests != specs+7+4 || c.Run.Requests != 11 || c.Retries != 1 {
		t.Errorf("requests %d (run %d), retries %d: want %d (11), 1", c.Requests, c.Run.Requests, c.Retries, specs+11)
	}
	if c.Run.FindingsTotal != 1 || len(c.Run.Findings) != 1 || c.Run.Findings[0].Phase != PhaseCleanUp || c.Run.Findings[0].Exchange.Status != 500 {
		t.Errorf("run findings: %+v", c.Run)
	}
	if len(c.Run.Warnings) != 2 {
		t.Errorf("warnings: %+v, want the left-behind call and the changed named call", c.Run.Warnings)
	}
	exchange := "DELETE http://t/communications/calls/c-1 → 500"
	for name, text := range map[string]string{"terminal": c.Text(), "conformance.md": c.Markdown()} {
		for _, want := range []string{exchange, "clean-up", "c-1, created by the run, was left behind", "named call n-1 reads differently", "subject"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, text)
			}
		}
	}
	// junit.xml: the finding fails PATCH-08's one case (no second <failure> for it), and the
	// warnings are a case of their own; junit-specs.xml lists the run's case beside the specs.
	x, err := c.JUnit()
	if err != nil {
		t.Fatal(err)
	}
	xs, err := c.JUnitSpecs()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]string{
		"junit.xml":       {"DELETE http://t/communications/calls/c-1 → 500", "was left behind", `failures="1"`},
		"junit-specs.xml": {`name="the run, outside any spec (its exchanges break PATCH-08)"`, "DELETE http://t/communications/calls/c-1 → 500", "was left behind"},
	} {
		doc := map[string]string{"junit.xml": string(x), "junit-specs.xml": string(xs)}[name]
		for _, w := range want {
			if !strings.Contains(doc, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, doc)
			}
		}
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"phase":"clean-up"`) || !strings.Contains(string(js), `"callId":"c-1"`) {
		t.Errorf("conformance.json lacks the run's finding or warning: %s", js)
	}
}

// Without any finding outside specs, the run section adds nothing to the verdict.
func TestRunLevelRequestsAloneChangeNoVerdict(t *testing.T) {
	r := allPassing()
	r.SpecReports = append(r.SpecReports, afterSuite(t, RunRecord{Requests: 600}))
	c := Build(r, Input{Target: "t", Started: time.Now()})
	if c.Verdict != VerdictConforms || c.Run.Requests != 600 || strings.Contains(c.Markdown(), "outside any spec") {
		t.Errorf("verdict %s, run %+v", c.Verdict, c.Run)
	}
}
