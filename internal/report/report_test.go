package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/requirements"
)

// spec builds a minimal spec report for requirement id with the given typed result.
func spec(id, text string, state types.SpecState, msg string, findings ...check.Finding) types.SpecReport {
	res := SpecResult{Requirement: id, Requests: 3, Findings: findings}
	return types.SpecReport{
		LeafNodeType:   types.NodeTypeIt,
		LeafNodeText:   id + " " + text,
		LeafNodeLabels: []string{"req:" + id, "level:X"},
		State:          state,
		Failure:        types.Failure{Message: msg},
		ReportEntries:  types.ReportEntries{{Name: EntryResult, Value: types.WrapEntryValue(res)}},
	}
}

func finding(req string, inconclusive bool, actual string) check.Finding {
	return check.Finding{Requirement: req, Inconclusive: inconclusive, Mismatch: check.Mismatch{Expected: "x", Actual: actual}}
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
		spec("PATCH-04", "fails", types.SpecStateFailed, "at /subject: expected a, got b", finding("PATCH-04", false, "b")),
		spec("ERR-02", "panics", types.SpecStatePanicked, "boom"),
		// Its own requirement passes; the exchange it recorded breaks HTTP-01.
		spec("PATCH-01", "shows a missing request-id", types.SpecStateFailed, "[HTTP-01] header request-id", finding("HTTP-01", false, "(absent)")),
		spec("STATE-02", "could not create its call", types.SpecStateFailed, "precondition", finding("STATE-02", true, "create answered 429")),
	)
	for i := range r.SpecReports {
		switch {
		case strings.HasPrefix(r.SpecReports[i].LeafNodeText, "STATE-01"):
			r.SpecReports[i].State = types.SpecStateSkipped
			r.SpecReports[i].ReportEntries[0].Value = types.WrapEntryValue(SpecResult{Requirement: "STATE-01", Unsupported: `the target lacks capability "read"`})
		case strings.HasPrefix(r.SpecReports[i].LeafNodeText, "HTTP-02"):
			r.SpecReports[i].State = types.SpecStateSkipped
			r.SpecReports[i].ReportEntries = nil
		}
	}
	r.SuiteConfig.LabelFilter = "!req:HTTP-02" // the user filtered HTTP-02 out
	c := Build(r, Input{Target: "t", Started: time.Now()})
	for id, want := range map[string]Outcome{"PATCH-01": Passed, "PATCH-04": Failed, "ERR-02": Failed, "HTTP-01": Failed,
		"STATE-01": Unsupported, "HTTP-02": Disabled, "STATE-02": Inconclusive} {
		if got := outcome(c, id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	n := len(requirements.All())
	if c.Summary != (Counts{Passed: n - 6, Failed: 3, Inconclusive: 1, Unsupported: 1, Disabled: 1}) {
		t.Errorf("summary %+v", c.Summary)
	}
	if c.Requests != 3*(len(r.SpecReports)-2) { // the STATE-01 and HTTP-02 specs recorded none
		t.Errorf("requests %d", c.Requests)
	}
	if c.Conforms || c.Exit != 1 {
		t.Errorf("a failed MUST must not conform: conforms=%v exit=%d", c.Conforms, c.Exit)
	}
	if !strings.Contains(c.Text(), "23 passed, 3 failed, 1 inconclusive, 1 unsupported, 1 disabled\n") {
		t.Errorf("closing line missing:\n%s", c.Text())
	}
	if !strings.Contains(c.Text(), "inconclusive STATE-02: STATE-02 could not create its call: create answered 429\n") {
		t.Errorf("the inconclusive cause is not shown:\n%s", c.Text())
	}
}

// TestClockCutsAreInconclusive: a spec the harness's own clock cut (an interrupt, the suite
// timeout --deadline sets, a spec timeout) is inconclusive for its requirement, with the cut as
// its cause, never failed, with or without the findings the probe recorded; a finding of an
// exchange answered before the cut still counts; the run is INCOMPLETE with exit 2.
func TestClockCutsAreInconclusive(t *testing.T) {
	r := allPassing()
	noEntry := spec("PATCH-05", "never returned", types.SpecStateInterrupted, "Interrupted by User")
	noEntry.ReportEntries = nil
	r.SpecReports = append(r.SpecReports,
		spec("PATCH-04", "interrupted", types.SpecStateInterrupted, "Interrupted by User",
			finding("PATCH-04", true, "interrupted (Interrupted by User)"), finding("HTTP-01", false, "(absent)")),
		noEntry,
		spec("ERR-02", "cut in its clean-up", types.SpecStateTimedout, "A suite timeout occurred"),
		spec("PATCH-08", "cut by its spec timeout", types.SpecStateTimedout, "A spec timeout occurred"),
	)
	r.SpecialSuiteFailureReasons = []string{"Interrupted by User"}
	c := Build(r, Input{Started: time.Now()})
	for id, want := range map[string]Outcome{"PATCH-04": Inconclusive, "PATCH-05": Inconclusive, "ERR-02": Inconclusive,
		"PATCH-08": Inconclusive, "HTTP-01": Failed} {
		if got := outcome(c, id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	causes := map[string]string{"PATCH-04": "interrupted (Interrupted by User)", "PATCH-05": "interrupted (Interrupted by User)",
		"ERR-02": "cut by the deadline (--deadline)", "PATCH-08": "cut by the spec timeout"}
	for _, req := range c.Requirements {
		if want, ok := causes[req.ID]; ok && (len(req.Inconclusives) != 1 || req.Inconclusives[0].Cause != want) {
			t.Errorf("%s: inconclusive %+v, want one with cause %q", req.ID, req.Inconclusives, want)
		}
	}
	if c.Verdict != VerdictIncomplete || c.Exit != 2 {
		t.Errorf("verdict %s, exit %d; want %s and 2", c.Verdict, c.Exit, VerdictIncomplete)
	}
	// The same run against a target without the request-id finding fails nothing.
	r.SpecReports[len(r.SpecReports)-4] = spec("PATCH-04", "interrupted", types.SpecStateInterrupted, "Interrupted by User")
	if c := Build(r, Input{Started: time.Now()}); c.Summary.Failed != 0 || c.Verdict != VerdictIncomplete || c.Exit != 2 {
		t.Errorf("summary %+v, verdict %s, exit %d", c.Summary, c.Verdict, c.Exit)
	}
}

func TestInconclusiveMustExitsTwo(t *testing.T) {
	r := allPassing()
	r.SpecReports = append(r.SpecReports, spec("PATCH-05", "throttled", types.SpecStateFailed, "", finding("PATCH-05", true, "throttled past the budget")))
	c := Build(r, Input{Started: time.Now()})
	if c.Conforms || c.Exit != 2 {
		t.Errorf("an inconclusive MUST: conforms=%v exit=%d, want false and 2", c.Conforms, c.Exit)
	}
	r = allPassing()
	r.SpecReports = append(r.SpecReports, spec("STATE-07", "throttled", types.SpecStateFailed, "", finding("STATE-07", true, "throttled")))
	if c := Build(r, Input{Started: time.Now()}); !c.Conforms || c.Exit != 0 {
		t.Errorf("an inconclusive SHOULD must not gate by default: exit %d", c.Exit)
	}
	if c := Build(r, Input{Strict: true, Started: time.Now()}); c.Conforms || c.Exit != 2 {
		t.Errorf("an inconclusive SHOULD gates in strict mode with exit 2: exit %d", c.Exit)
	}
}

func TestGateOnMustUnlessStrict(t *testing.T) {
	r := allPassing()
	r.SpecReports = append(r.SpecReports, spec("ERR-01", "fails", types.SpecStateFailed, "expected 400", finding("ERR-01", false, "200")))
	if c := Build(r, Input{Started: time.Now()}); !c.Conforms || c.Exit != 0 {
		t.Errorf("a SHOULD failure must not gate by default")
	}
	if c := Build(r, Input{Strict: true, Started: time.Now()}); c.Conforms || c.Exit != 1 {
		t.Errorf("a SHOULD failure must gate in strict mode")
	}
}

func TestResultsFromOtherProcessesDecode(t *testing.T) {
	r := allPassing()
	s := spec("ERR-06", "html", types.SpecStateFailed, "", finding("ERR-06", false, "text/html"))
	b, err := json.Marshal(s) // what a parallel process sends to process 1
	if err != nil {
		t.Fatal(err)
	}
	var back types.SpecReport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	r.SpecReports = append(r.SpecReports, back)
	if c := Build(r, Input{Started: time.Now()}); outcome(c, "ERR-06") != Failed {
		t.Fatalf("a finding from another process is lost:\n%s", c.Text())
	}
}

func TestSuiteTimeoutMakesUnrunSpecsNotRunOrInconclusive(t *testing.T) {
	r := allPassing()
	r.SpecReports[0].State = types.SpecStateSkipped // PATCH-01's only spec
	// ERR-01 has a second spec, which ran and passed: the requirement is half judged.
	unrun := spec("ERR-01", "never reached", types.SpecStateSkipped, "")
	unrun.ReportEntries = nil
	r.SpecReports = append(r.SpecReports, unrun)
	r.SpecialSuiteFailureReasons = []string{"Suite Timeout Elapsed"}
	c := Build(r, Input{Started: time.Now()})
	if outcome(c, "PATCH-01") != NotRun || outcome(c, "ERR-01") != Inconclusive || c.Exit != 2 || c.Verdict != VerdictIncomplete {
		t.Fatalf("PATCH-01 %s, ERR-01 %s, exit %d, verdict %s:\n%s", outcome(c, "PATCH-01"), outcome(c, "ERR-01"), c.Exit, c.Verdict, c.Text())
	}
	if !strings.Contains(c.Text(), "not run (Suite Timeout Elapsed): PATCH-01\n") {
		t.Errorf("the not-run requirement and why are not named:\n%s", c.Text())
	}
}

func TestWriteFilesRedacts(t *testing.T) {
	const secret = "s3cr3t-token"
	r := allPassing()
	r.SpecReports = append(r.SpecReports,
		spec("PATCH-01", "leaks", types.SpecStateFailed, "Authorization: Bearer "+secret, finding("PATCH-01", false, secret)),
		spec("PATCH-02", "limit", types.SpecStateFailed, "", finding("PATCH-02", true, "body over the limit")))
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

func TestNothingJudgedIsNoGreen(t *testing.T) {
	var r types.Report
	for _, req := range requirements.All() {
		s := spec(req.ID, "filtered out", types.SpecStateSkipped, "")
		s.ReportEntries = nil
		r.SpecReports = append(r.SpecReports, s)
	}
	c := Build(r, Input{Started: time.Now()})
	if c.Conforms || c.Exit != 2 || !strings.Contains(c.Text(), "NOTHING JUDGED") {
		t.Fatalf("a run that judged nothing: conforms=%v exit=%d\n%s", c.Conforms, c.Exit, c.Text())
	}
}

func TestNothingJudgedNamesTheFilters(t *testing.T) {
	var r types.Report
	r.SuiteConfig = types.SuiteConfig{FocusStrings: []string{"NO-SUCH"}}
	c := Build(r, Input{Started: time.Now()})
	if !strings.Contains(c.Text(), "NOTHING JUDGED (no spec ran: check --focus NO-SUCH)") {
		t.Errorf("the verdict does not name the filter that selected nothing:\n%s", c.Text())
	}
}

func TestConcludeWritesAndPrintsOnce(t *testing.T) {
	const secret = "s3cr3t"
	r := allPassing()
	r.SpecReports[0].Failure.Message = secret
	redact := func(s string) string { return strings.ReplaceAll(s, secret, "[REDACTED]") }
	dir := filepath.Join(t.TempDir(), "reports")
	var out strings.Builder
	c, err := Conclude(r, Input{Target: "t " + secret, Started: time.Now()}, dir, redact, &out)
	if err != nil {
		t.Fatal(err)
	}
	if c.Exit != 0 || strings.Count(out.String(), "verdict: CONFORMS") != 1 || !strings.HasSuffix(out.String(), "reports written to "+dir+"\n") ||
		strings.Contains(out.String(), secret) {
		t.Errorf("exit %d, printed:\n%s", c.Exit, out.String())
	}
	// Ginkgo's JSON report is byte for byte what Ginkgo's own reporter writes (less the secret).
	want := filepath.Join(t.TempDir(), GinkgoJSONFile)
	if err := reporters.GenerateJSONReport(r, want); err != nil {
		t.Fatal(err)
	}
	wb, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, dir, GinkgoJSONFile); got != redact(string(wb)) {
		t.Errorf("%s differs from Ginkgo's", GinkgoJSONFile)
	}
	for _, f := range []string{JUnitFile, ConformanceJSON, ConformanceMarkdown} {
		if s := readFile(t, dir, f); s == "" || strings.Contains(s, secret) {
			t.Errorf("%s: empty or holds the secret", f)
		}
	}

	out.Reset()
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Conclude(r, Input{Started: time.Now()}, blocked, redact, &out); err == nil || out.Len() != 0 {
		t.Errorf("a report dir that cannot be made: err %v, printed %q", err, out.String())
	}
}

// TestMarkdownIsBoundedWhateverTheFindings: a MUST broken by a thousand specs, each with many
// findings and a long transcript, gives a conformance.md that details a few and counts the rest
// (the step summary of a CI job holds 1 MiB); conformance.json keeps every one.
func TestMarkdownIsBoundedWhateverTheFindings(t *testing.T) {
	r := allPassing()
	transcript := strings.Repeat("--- exchange ---\n> PATCH …\n< 200 OK\n", 200)
	var fs []check.Finding
	for i := 0; i < 50; i++ {
		fs = append(fs, finding("PATCH-03", false, "CALL"))
	}
	for i := 0; i < 1000; i++ {
		r.SpecReports = append(r.SpecReports, spec("PATCH-03", "fails "+strings.Repeat("x", i%7)+string(rune('a'+i%26))+time.Duration(i).String(), types.SpecStateFailed, transcript, fs...))
	}
	c := Build(r, Input{Target: "t", Started: time.Now()})
	md := c.Markdown()
	if len(md) > 256<<10 {
		t.Errorf("conformance.md is %d bytes for one broken requirement, want at most 256 KiB", len(md))
	}
	for _, want := range []string{"… and 980 more failed spec(s) of PATCH-03", "40 more finding(s)"} {
		if !strings.Contains(md, want) {
			t.Errorf("conformance.md lacks %q", want)
		}
	}
	if n := strings.Count(md, "--- exchange ---\n> PATCH"); n != mdMaxTranscripts*200 {
		t.Errorf("conformance.md holds %d transcript lines, want those of %d specs", n, mdMaxTranscripts)
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(js), `"spec":"PATCH-03 fails`); n < 1000 {
		t.Errorf("conformance.json lists %d failed specs, want all 1000", n)
	}
}
