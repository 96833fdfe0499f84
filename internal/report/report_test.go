package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/requirements"
)

// spec builds a minimal spec report for requirement id.
func spec(id, text string, state types.SpecState, msg string) types.SpecReport {
	return types.SpecReport{
		LeafNodeType:   types.NodeTypeIt,
		LeafNodeText:   id + " " + text,
		LeafNodeLabels: []string{"req:" + id, "level:X"},
		State:          state,
		Failure:        types.Failure{Message: msg},
		ReportEntries:  types.ReportEntries{{Name: EntryRequests, Value: types.WrapEntryValue(3)}},
	}
}

// allPassing is a report in which every requirement has one passing spec.
func allPassing() types.Report {
	var r types.Report
	for _, req := range requirements.All() {
		r.SpecReports = append(r.SpecReports, spec(req.ID, "passes", types.SpecStatePassed, ""))
	}
	return r
}

func outcome(c Conformance, id string) Outcome {
	for _, r := range c.Requirements {
		if r.ID == id {
			return r.Outcome
		}
	}
	return ""
}

func TestBuildOutcomes(t *testing.T) {
	r := allPassing()
	r.SpecReports = append(r.SpecReports,
		spec("PATCH-04", "fails", types.SpecStateFailed, "at /subject: expected a, got b"),
		spec("ERR-02", "times out", types.SpecStateTimedout, "timed out"),
	)
	for i := range r.SpecReports {
		switch {
		case strings.HasPrefix(r.SpecReports[i].LeafNodeText, "STATE-01"):
			r.SpecReports[i].State, r.SpecReports[i].Failure.Message = types.SpecStateSkipped, "unsupported: the target lacks capability \"read\""
		case strings.HasPrefix(r.SpecReports[i].LeafNodeText, "HTTP-02"):
			r.SpecReports[i].State, r.SpecReports[i].Failure.Message = types.SpecStateSkipped, ""
		}
	}
	c := Build(r, Input{Target: "t", Started: time.Now()})
	for id, want := range map[string]Outcome{"PATCH-01": Passed, "PATCH-04": Failed, "ERR-02": Failed, "STATE-01": Unsupported, "HTTP-02": Disabled} {
		if got := outcome(c, id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	if c.Summary != (Counts{Passed: 21, Failed: 2, Unsupported: 1, Disabled: 1}) {
		t.Errorf("summary %+v", c.Summary)
	}
	if c.Requests != 3*len(r.SpecReports) {
		t.Errorf("requests %d", c.Requests)
	}
	if c.Conforms || c.ExitCode() != 1 {
		t.Errorf("a failed MUST must not conform: conforms=%v exit=%d", c.Conforms, c.ExitCode())
	}
	if !strings.Contains(c.Text(), "21 passed, 2 failed, 1 unsupported, 1 disabled\n") {
		t.Errorf("closing line missing:\n%s", c.Text())
	}
}

func TestGateOnMustUnlessStrict(t *testing.T) {
	r := allPassing()
	r.SpecReports = append(r.SpecReports, spec("ERR-01", "fails", types.SpecStateFailed, "expected 400"))
	if c := Build(r, Input{Started: time.Now()}); !c.Conforms || c.ExitCode() != 0 {
		t.Errorf("a SHOULD failure must not gate by default")
	}
	if c := Build(r, Input{Strict: true, Started: time.Now()}); c.Conforms || c.ExitCode() != 1 {
		t.Errorf("a SHOULD failure must gate in strict mode")
	}
}

func TestSuiteTimeoutCountsUnrunSpecsAsFailed(t *testing.T) {
	r := allPassing()
	r.SpecReports[0].State = types.SpecStateSkipped
	r.SpecialSuiteFailureReasons = []string{"Suite Timeout Elapsed"}
	c := Build(r, Input{Started: time.Now()})
	if outcome(c, r.SpecReports[0].LeafNodeText[:8]) != Failed || c.ExitCode() != 2 {
		t.Fatalf("unrun spec not failed or exit %d:\n%s", c.ExitCode(), c.Text())
	}
}

func TestWriteFilesRedacts(t *testing.T) {
	const secret = "s3cr3t-token"
	r := allPassing()
	r.SpecReports = append(r.SpecReports, spec("PATCH-01", "leaks", types.SpecStateFailed, "Authorization: Bearer "+secret))
	c := Build(r, Input{Target: "t", Started: time.Now()})
	dir := t.TempDir()
	redact := func(s string) string { return strings.ReplaceAll(s, secret, "[REDACTED]") }
	if err := WriteFiles(dir, r, c, redact); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{JUnitFile, GinkgoJSONFile, ConformanceJSON, ConformanceMarkdown} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), secret) {
			t.Errorf("%s contains the secret", f)
		}
		if f != GinkgoJSONFile && !strings.Contains(string(b), "PATCH-01") {
			t.Errorf("%s does not name PATCH-01", f)
		}
	}
}

func TestUnpreparedTargetFailsEveryRequirement(t *testing.T) {
	r := types.Report{SpecialSuiteFailureReasons: []string{"target unreachable: connection refused"}}
	c := Build(r, Input{Started: time.Now()})
	if c.Summary.Failed != len(requirements.All()) || c.ExitCode() != 2 {
		t.Fatalf("want every requirement failed and exit 2:\n%s", c.Text())
	}
	if !strings.Contains(c.Requirements[0].Failures[0].Message, "connection refused") {
		t.Fatalf("the cause is not named: %+v", c.Requirements[0].Failures)
	}
}
