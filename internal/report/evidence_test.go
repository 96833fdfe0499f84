package report

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/xeipuuv/gojsonschema"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/version"
)

// schemaPath is conformance.json's JSON Schema, in the repository.
const schemaPath = "../../docs/conformance.schema.json"

// validate checks a conformance.json against the schema in the repository.
func validate(t *testing.T, doc []byte) {
	t.Helper()
	schema, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewBytesLoader(doc))
	if err != nil {
		t.Fatalf("validating against %s: %v", schemaPath, err)
	}
	for _, e := range res.Errors() {
		t.Errorf("conformance.json breaks its schema: %s", e)
	}
}

// here is the location of the line that calls it, as Ginkgo records a spec's.
func here() types.CodeLocation {
	_, file, line, _ := runtime.Caller(1)
	return types.CodeLocation{FileName: file, LineNumber: line}
}

// realistic is a run with every kind of outcome: a spec whose findings name exchanges, one
// whose exchange breaks another requirement, an inconclusive, an unsupported, a filtered-out
// requirement, a set-up node and a spec of a lost process.
func realistic() types.Report {
	r := allPassing()
	loc := here()
	for i := range r.SpecReports {
		r.SpecReports[i].ContainerHierarchyTexts = []string{"Update call"}
		r.SpecReports[i].LeafNodeLocation = loc
		r.SpecReports[i].RunTime = 20 * time.Millisecond
	}
	failing := spec("PATCH-04", "echoes the subject", types.SpecStateFailed, "PATCH-04 (MUST) 1 finding(s): at /subject: expected \"a\", got \"b\"\n--- exchange 2 ---\nPATCH ...")
	failing.ReportEntries = types.ReportEntries{{Name: EntryResult, Value: types.WrapEntryValue(SpecResult{Requirement: "PATCH-04", Requests: 2,
		Exchanges: []Exchange{{Number: 1, Method: "POST", URL: "http://t/communications/calls", Status: 201},
			{Number: 2, Method: "PATCH", URL: "http://t/communications/calls/42", Status: 200}},
		Findings: []check.Finding{{Requirement: "PATCH-04", Exchange: 2, Mismatch: check.Mismatch{Pointer: "/subject", Expected: `"a"`, Actual: `"b"`}},
			{Requirement: "HTTP-01", Exchange: 1, Mismatch: check.Mismatch{Expected: "a request-id header", Actual: "(absent)"}}}})}}
	failing.LeafNodeLocation = here()
	inconclusive := spec("STATE-02", "could not create its call", types.SpecStateFailed, "precondition", finding("STATE-02", true, "create answered 429"))
	lost := spec("ERR-03", "unknown id", types.SpecStateSkipped, "process 2 of 2 never reported it")
	lost.ReportEntries = nil
	setup := types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStatePassed, LeafNodeLocation: types.CodeLocation{FileName: "/home/ci/go/pkg/mod/github.com/onsi/ginkgo/v2@v2.34.0/core_dsl.go", LineNumber: 9}}
	for _, s := range []*types.SpecReport{&failing, &inconclusive, &lost} {
		s.ContainerHierarchyTexts = []string{"Update call"}
	}
	r.SpecReports = append([]types.SpecReport{setup}, append(r.SpecReports, failing, inconclusive, lost)...)
	for i := range r.SpecReports {
		switch {
		case strings.HasPrefix(r.SpecReports[i].LeafNodeText, "STATE-01"):
			r.SpecReports[i].State = types.SpecStateSkipped
			r.SpecReports[i].ReportEntries[0].Value = types.WrapEntryValue(SpecResult{Requirement: "STATE-01", Unsupported: `the target lacks capability "read"`})
		case r.SpecReports[i].LeafNodeText == "ERR-03 passes" || strings.HasPrefix(r.SpecReports[i].LeafNodeText, "ERR-07"):
			// ERR-03's other spec was lost with its process; ERR-07 the user filtered out.
			r.SpecReports[i].State = types.SpecStateSkipped
			r.SpecReports[i].ReportEntries = nil
			if strings.HasPrefix(r.SpecReports[i].LeafNodeText, "ERR-03") {
				r.SpecReports[i].Failure.Message = "process 2 of 2 never reported it"
			}
		}
	}
	r.SuiteDescription = "Update call conformance"
	r.SuiteConfig = types.SuiteConfig{LabelFilter: "!req:ERR-07", RandomSeed: 1234, RandomizeAllSpecs: true}
	return r
}

func realisticInput() Input {
	start := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	return Input{Target: "https://graph.example/v1.0", Started: start, Ended: start.Add(90 * time.Second),
		CommandLine:  []string{"runner", "--base-url", "https://graph.example/v1.0", "--header", "X-Api-Key: s3cr3t", "--label-filter", "!req:ERR-07", "--seed", "1234"},
		Capabilities: &Capabilities{Source: "discovered", Have: []string{"auth", "create", "delete", "read"}}}
}

func redactSecret(s string) string { return strings.ReplaceAll(s, "s3cr3t", "[REDACTED]") }

func writeRealistic(t *testing.T) (string, Conformance) {
	t.Helper()
	r := realistic()
	c := Build(r, realisticInput())
	dir := t.TempDir()
	if err := WriteFiles(dir, r, c, redactSecret); err != nil {
		t.Fatal(err)
	}
	return dir, c
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Why: conformance.md records no command line, filters, seed or discovered capabilities.
func TestReportsRecordHowTheRunWasMade(t *testing.T) {
	dir, _ := writeRealistic(t)
	md := readFile(t, dir, ConformanceMarkdown)
	for _, want := range []string{
		"| target | https://graph.example/v1.0 |",
		"| command | `runner --base-url https://graph.example/v1.0 --header 'X-Api-Key: [REDACTED]' --label-filter '!req:ERR-07' --seed 1234` |",
		"| harness | " + version.Read().String() + " |",
		"| capabilities | auth, create, delete, read (discovered) |",
		"| filters | --label-filter '!req:ERR-07' |",
		"| random seed | 1234 (specs in random order) |",
		"| started | 2026-11-28T14:00:00Z |",
		"| ended | 2026-11-28T14:01:30Z (90.00s) |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("conformance.md lacks %q", want)
		}
	}
	var c Conformance
	if err := json.Unmarshal([]byte(readFile(t, dir, ConformanceJSON)), &c); err != nil {
		t.Fatal(err)
	}
	if c.FormatVersion != 1 || c.Harness.Go == "" || c.RandomSeed != 1234 || c.Filters.LabelFilter != "!req:ERR-07" ||
		c.Capabilities == nil || c.Capabilities.Source != "discovered" || c.StartTime != "2026-11-28T14:00:00Z" ||
		c.EndTime != "2026-11-28T14:01:30Z" || len(c.CommandLine) != 9 || c.CommandLine[4] != "X-Api-Key: [REDACTED]" {
		t.Errorf("conformance.json does not record the run: %+v", c)
	}
	for _, f := range []string{ConformanceJSON, ConformanceMarkdown, JUnitFile} {
		if strings.Contains(readFile(t, dir, f), "s3cr3t") {
			t.Errorf("%s holds the secret", f)
		}
	}
}

// Why: a CONFORMS report with disabled requirements does not say why.
func TestConformingReportSaysWhyRequirementsAreDisabled(t *testing.T) {
	r := allPassing()
	r.SuiteDescription = "Update call conformance"
	for i := range r.SpecReports {
		if !strings.HasPrefix(r.SpecReports[i].LeafNodeText, "PATCH-") {
			r.SpecReports[i].State = types.SpecStateSkipped
			r.SpecReports[i].ReportEntries = nil
		}
	}
	r.SuiteConfig.LabelFilter = "level:MUST"
	c := Build(r, Input{Started: time.Now()})
	if c.Verdict != VerdictConforms || c.Exit != 0 || c.Summary.Disabled != len(requirements.All())-8 {
		t.Fatalf("verdict %s exit %d summary %+v", c.Verdict, c.Exit, c.Summary)
	}
	for _, req := range c.Requirements {
		if req.Outcome == Disabled && req.Reason != "filtered out by --label-filter level:MUST" {
			t.Errorf("%s: reason %q", req.ID, req.Reason)
		}
	}
	const line = "disabled (filtered out by --label-filter level:MUST): ERR-01 "
	if !strings.Contains(c.Text(), line) || !strings.Contains(c.Markdown(), "- "+line) {
		t.Errorf("the console and conformance.md do not say why:\n%s\n%s", c.Text(), c.Markdown())
	}
	r.SuiteConfig = types.SuiteConfig{FocusStrings: []string{"PATCH"}, SkipStrings: []string{"PATCH-08"}}
	for i := range r.SpecReports {
		if strings.HasPrefix(r.SpecReports[i].LeafNodeText, "PATCH-08") {
			r.SpecReports[i].State = types.SpecStateSkipped
			r.SpecReports[i].ReportEntries = nil
		}
	}
	c = Build(r, Input{Started: time.Now()})
	for _, req := range c.Requirements {
		want := "filtered out by --focus PATCH"
		if req.ID == "PATCH-08" {
			want = "filtered out by --skip PATCH-08"
		}
		if req.Outcome == Disabled && req.Reason != want {
			t.Errorf("%s: reason %q, want %q", req.ID, req.Reason, want)
		}
	}
}

// Why: conformance.json has no format version and no schema.
func TestConformanceJSONFollowsItsSchema(t *testing.T) {
	dir, _ := writeRealistic(t)
	validate(t, []byte(readFile(t, dir, ConformanceJSON)))

	unprepared := Build(types.Report{SpecialSuiteFailureReasons: []string{"preparing the target: refused"}}, Input{Target: "t", Started: time.Now()})
	tl := NewTally()
	tl.Add(Judged{Label: "#1 PATCH /c/1 → 400", Applied: []string{"PATCH-01"}, Findings: []Attributed{attributed(SideClient, "PATCH-01", false, `"hologram"`)}})
	for _, c := range []Conformance{unprepared, tl.Conformance(Input{Started: time.Now()})} {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		validate(t, b)
	}
	schema, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(schema), `"formatVersion": {"const": `+strconv.Itoa(FormatVersion)+`}`) {
		t.Errorf("the schema does not describe format version %d", FormatVersion)
	}
}

// Why: failures are one text blob in conformance.json.
func TestFailuresAreStructuredData(t *testing.T) {
	_, c := writeRealistic(t)
	var patch04, http01 Requirement
	for _, r := range c.Requirements {
		switch r.ID {
		case "PATCH-04":
			patch04 = r
		case "HTTP-01":
			http01 = r
		}
	}
	if len(patch04.Failures) != 1 || len(patch04.Failures[0].Findings) != 1 {
		t.Fatalf("PATCH-04 failures: %+v", patch04.Failures)
	}
	f := patch04.Failures[0]
	got := f.Findings[0]
	want := Finding{Requirement: "PATCH-04", Exchange: &Exchange{Number: 2, Method: "PATCH", URL: "http://t/communications/calls/42", Status: 200},
		Pointer: "/subject", Expected: `"a"`, Got: `"b"`}
	if got.Exchange == nil || *got.Exchange != *want.Exchange || got.Pointer != want.Pointer || got.Expected != want.Expected || got.Got != want.Got || got.Requirement != want.Requirement {
		t.Errorf("finding %+v (exchange %+v), want %+v", got, got.Exchange, want)
	}
	if f.Spec != "Update call PATCH-04 echoes the subject" || !strings.HasPrefix(f.Location, "internal/report/evidence_test.go:") || !strings.Contains(f.Message, "--- exchange 2 ---") {
		t.Errorf("failure %+v: want the spec, its file relative to the module and the human text", f)
	}
	// The same spec's first exchange broke HTTP-01: that failure carries only HTTP-01's finding.
	if len(http01.Failures) != 1 || len(http01.Failures[0].Findings) != 1 || http01.Failures[0].Findings[0].Exchange.Method != "POST" {
		t.Errorf("HTTP-01 failures: %+v", http01.Failures)
	}
	md := c.Markdown()
	if !strings.Contains(md, "| #2 PATCH http://t/communications/calls/42 → 200 | /subject | \"a\" | \"b\" |") {
		t.Errorf("conformance.md does not tabulate the finding:\n%s", md)
	}
}

// Why: when the target cannot be prepared every requirement shows "failed 0/0" and junit.xml
// says tests="0" failures="0".
func TestUnpreparedTargetCouldNotStart(t *testing.T) {
	r := types.Report{SpecialSuiteFailureReasons: []string{"preparing the target: target unreachable: connection refused"}}
	c := Build(r, Input{Target: "http://127.0.0.1:1", Started: time.Now()})
	if c.Verdict != VerdictCouldNotStart || c.Exit != 2 || c.Conforms || c.Summary.NotRun != len(requirements.All()) {
		t.Fatalf("verdict %s exit %d summary %+v", c.Verdict, c.Exit, c.Summary)
	}
	for _, req := range c.Requirements {
		if req.Outcome != NotRun || !strings.Contains(req.Reason, "connection refused") {
			t.Fatalf("%s: %s (%s), want not run naming the cause", req.ID, req.Outcome, req.Reason)
		}
	}
	if !strings.Contains(c.Text(), "verdict: COULD NOT START") || strings.Contains(c.Markdown(), "| failed |") {
		t.Errorf("text:\n%s\nmarkdown:\n%s", c.Text(), c.Markdown())
	}
	b, err := c.JUnit()
	if err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(b, &suites); err != nil {
		t.Fatal(err)
	}
	if suites.Errors != 1 || suites.Tests == 0 {
		t.Errorf("junit.xml: tests=%d errors=%d, want one error case among the cases", suites.Tests, suites.Errors)
	}
	verdict := suites.Suites[0].Cases[0]
	if verdict.Error == nil || !strings.Contains(verdict.Error.Message, "COULD NOT START: preparing the target: target unreachable: connection refused") {
		t.Errorf("the junit error case does not say why: %+v", verdict)
	}
}

// Why: junit.xml has a [SynchronizedBeforeSuite] case, one classname, a machine path, and
// failure locations in Ginkgo's code. The per-spec detail now lives in junit-specs.xml, where a
// requirement that does not gate the run (a SHOULD without --strict) is never red either.
func TestJUnitSpecsHasOneCasePerSpec(t *testing.T) {
	dir, c := writeRealistic(t)
	b := []byte(readFile(t, dir, JUnitSpecsFile))
	var suites junitSuites
	if err := xml.Unmarshal(b, &suites); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "BeforeSuite") || strings.Contains(string(b), "/home/") || strings.Contains(string(b), moduleRoot()) || strings.Contains(string(b), "package=") {
		t.Errorf("junit.xml names the set-up node or a machine path:\n%s", b)
	}
	classname := regexp.MustCompile(`^callconf\.(PATCH|ERR|HTTP|STATE)$`)
	cases := map[string]junitCase{}
	outcome := map[string]string{}
	for _, s := range suites.Suites[1:] {
		for _, p := range s.Properties {
			if p.Name == "outcome" {
				outcome[s.Properties[0].Value] = p.Value
			}
		}
		for _, tc := range s.Cases {
			if !classname.MatchString(tc.Classname) {
				t.Errorf("%s: classname %q", tc.Name, tc.Classname)
			}
			if !strings.HasPrefix(tc.Classname, "callconf."+strings.SplitN(s.Properties[0].Value, "-", 2)[0]) {
				t.Errorf("%s: classname %q in suite %s", tc.Name, tc.Classname, s.Name)
			}
			cases[tc.Name] = tc
		}
	}
	if specs := len(c.Specs); len(cases) != specs+1 { // and the HTTP-01 case of PATCH-04's spec
		t.Errorf("%d cases for %d specs", len(cases), specs)
	}
	fail := cases["Update call PATCH-04 echoes the subject"]
	if fail.Failure == nil || fail.File != "internal/report/evidence_test.go" || fail.Line == 0 || !strings.Contains(fail.Failure.Message, "[PATCH-04] at /subject") {
		t.Errorf("failed spec: %+v", fail)
	}
	// HTTP-01 (a SHOULD) failed through another spec's exchange: listed, never a <failure>.
	if tc := cases["Update call PATCH-04 echoes the subject (its exchanges break HTTP-01)"]; tc.Failure != nil || tc.Classname != "callconf.HTTP" ||
		!strings.Contains(tc.SystemOut, "does not gate this run") || !hasProperty(tc.Properties, "gates", "false") {
		t.Errorf("HTTP-01's failure through another spec's exchange: %+v", tc)
	}
	if tc := cases["Update call STATE-02 could not create its call"]; tc.Error != nil || !strings.HasPrefix(tc.SystemOut, "inconclusive") {
		t.Errorf("inconclusive spec of a SHOULD: %+v", tc)
	}
	if tc := cases["Update call STATE-01 passes"]; tc.Skipped == nil || !strings.HasPrefix(tc.Skipped.Message, "unsupported: ") {
		t.Errorf("unsupported spec: %+v", tc)
	}
	if tc := cases["Update call ERR-07 passes"]; tc.Skipped == nil || tc.Skipped.Message != "disabled: filtered out by --label-filter '!req:ERR-07'" {
		t.Errorf("filtered-out spec: %+v", tc)
	}
	if tc := cases["Update call ERR-03 unknown id"]; tc.Error == nil || tc.Error.Type != "not run" {
		t.Errorf("a spec lost with its process: %+v", tc)
	}
	if outcome["PATCH-04"] != "failed" || outcome["ERR-03"] != "not run" || outcome["PATCH-01"] != "passed" {
		t.Errorf("per-requirement verdicts: %v", outcome)
	}
	verdict := suites.Suites[0].Cases[0]
	if verdict.Name != "verdict" || verdict.Failure == nil || !strings.Contains(verdict.Failure.Message, "DOES NOT CONFORM: failed: PATCH-04") {
		t.Errorf("verdict case: %+v", verdict)
	}
}

func hasProperty(ps []junitProperty, name, value string) bool {
	for _, p := range ps {
		if p.Name == name && p.Value == value {
			return true
		}
	}
	return false
}

// Why (issue 19): junit.xml had a case per spec, every spec carrying every finding, so a run that
// failed only a SHOULD and exited 0 read failures="318". Now it has one case per requirement;
// only what gates is a <failure> or an <error>, a non-gating failure is a property and
// system-out, and the counts say what the exit status says.
func TestJUnitHasOneCasePerRequirementAndOnlyWhatGatesIsRed(t *testing.T) {
	dir, c := writeRealistic(t)
	b := []byte(readFile(t, dir, JUnitFile))
	var suites junitSuites
	if err := xml.Unmarshal(b, &suites); err != nil {
		t.Fatal(err)
	}
	if len(suites.Suites) != 1 {
		t.Fatalf("%d suites, want one", len(suites.Suites))
	}
	cases := map[string]junitCase{}
	for _, tc := range suites.Suites[0].Cases {
		id, _, _ := strings.Cut(tc.Name, " ")
		if _, dup := cases[id]; dup {
			t.Errorf("two cases for %s", id)
		}
		cases[id] = tc
	}
	if len(cases) != len(requirements.All()) {
		t.Errorf("%d cases for %d requirements:\n%s", len(cases), len(requirements.All()), b)
	}
	// PATCH-04 (MUST) failed: the one <failure>; ERR-03 was selected and not run: the one <error>.
	if tc := cases["PATCH-04"]; tc.Failure == nil || !strings.Contains(tc.Failure.Message, "[PATCH-04] at /subject") || !strings.Contains(tc.Failure.Text, "#2 PATCH http://t/communications/calls/42 → 200") {
		t.Errorf("PATCH-04: %+v", tc)
	}
	if tc := cases["ERR-03"]; tc.Error == nil || tc.Error.Type != "not run" {
		t.Errorf("ERR-03: %+v", tc)
	}
	// HTTP-01 (SHOULD) failed and STATE-02 (SHOULD) is inconclusive: reported, not red.
	for _, id := range []string{"HTTP-01", "STATE-02"} {
		tc := cases[id]
		if tc.Failure != nil || tc.Error != nil || !hasProperty(tc.Properties, "gates", "false") || !strings.Contains(tc.SystemOut, "does not gate this run") {
			t.Errorf("%s: %+v", id, tc)
		}
	}
	if !hasProperty(cases["HTTP-01"].Properties, "outcome", "failed") || !strings.Contains(cases["HTTP-01"].SystemOut, "request-id") {
		t.Errorf("HTTP-01's failure is not visible: %+v", cases["HTTP-01"])
	}
	if tc := cases["ERR-07"]; tc.Skipped == nil || tc.Skipped.Message != "disabled: filtered out by --label-filter '!req:ERR-07'" {
		t.Errorf("ERR-07: %+v", tc)
	}
	if suites.Failures != 1 || suites.Errors != 1 || suites.Tests != len(requirements.All()) || c.Exit != 1 {
		t.Errorf("counts tests=%d failures=%d errors=%d (exit %d)", suites.Tests, suites.Failures, suites.Errors, c.Exit)
	}
	// Under --strict the same run gates on HTTP-01 and STATE-02 too.
	in := realisticInput()
	in.Strict = true
	strict, err := Build(realistic(), in).JUnit()
	if err != nil {
		t.Fatal(err)
	}
	var s2 junitSuites
	if err := xml.Unmarshal(strict, &s2); err != nil {
		t.Fatal(err)
	}
	if s2.Failures != 2 || s2.Errors != 2 {
		t.Errorf("strict: failures=%d errors=%d, want HTTP-01 and PATCH-04 failed, STATE-02 and ERR-03 errors", s2.Failures, s2.Errors)
	}
}

// Why (issue 19): the counts of <testsuites> must say what the exit status says: no failure and
// no error exactly when the run exits 0, a failure exactly when a gating requirement failed, and
// an <error> for a run that gives no verdict although no requirement failed (it judged nothing,
// could not start).
func TestJUnitCountsMatchTheVerdict(t *testing.T) {
	only := func(id string, state types.SpecState, fs ...check.Finding) types.Report {
		r := allPassing()
		r.SuiteDescription = "Update call conformance"
		r.SpecReports = append(r.SpecReports, spec(id, "breaks", state, "", fs...))
		return r
	}
	nothing := allPassing()
	nothing.SuiteDescription = "Update call conformance"
	nothing.SuiteConfig.LabelFilter = "req:NONE-01"
	for i := range nothing.SpecReports {
		nothing.SpecReports[i].State = types.SpecStateSkipped
		nothing.SpecReports[i].ReportEntries = nil
	}
	for _, tc := range []struct {
		name   string
		r      types.Report
		strict bool
	}{
		{"conforming", allPassing(), false},
		{"a SHOULD fails", only("HTTP-01", types.SpecStateFailed, finding("HTTP-01", false, "x")), false},
		{"a SHOULD fails, strict", only("HTTP-01", types.SpecStateFailed, finding("HTTP-01", false, "x")), true},
		{"a MUST fails", only("PATCH-02", types.SpecStateFailed, finding("PATCH-02", false, "x")), false},
		{"a MUST is inconclusive", only("PATCH-02", types.SpecStateFailed, finding("PATCH-02", true, "x")), false},
		{"nothing judged", nothing, false},
		{"could not start", types.Report{SpecialSuiteFailureReasons: []string{"preparing the target: refused"}}, false},
	} {
		c := Build(tc.r, Input{Started: time.Now(), Strict: tc.strict})
		b, err := c.JUnit()
		if err != nil {
			t.Fatal(err)
		}
		var s junitSuites
		if err := xml.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		if (s.Failures+s.Errors == 0) != (c.Exit == 0) || (s.Failures > 0) != c.gatingFailed() || (c.Exit == 2 && s.Errors == 0) {
			t.Errorf("%s: exit %d (%s), junit failures=%d errors=%d", tc.name, c.Exit, c.Verdict, s.Failures, s.Errors)
		}
	}
}

// Why (item 1): a requirement the user did not filter out that ran no spec (its specs lost by a
// parallel process) reads as disabled and the run as CONFORMS.
func TestSelectedRequirementThatRanNoSpecExitsTwo(t *testing.T) {
	r := allPassing()
	r.SuiteDescription = "Update call conformance"
	for i := range r.SpecReports {
		if strings.HasPrefix(r.SpecReports[i].LeafNodeText, "ERR-05") {
			r.SpecReports[i].State = types.SpecStateSkipped
			r.SpecReports[i].ReportEntries = nil
			r.SpecReports[i].Failure.Message = "process 2 of 2 never reported it"
		}
	}
	c := Build(r, Input{Started: time.Now()})
	if outcome(c, "ERR-05") != NotRun || c.Exit != 2 || c.Conforms || c.Verdict != VerdictIncomplete || len(c.NotRun) != 1 {
		t.Fatalf("ERR-05 %s, exit %d, verdict %s:\n%s", outcome(c, "ERR-05"), c.Exit, c.Verdict, c.Text())
	}
	if !strings.Contains(c.Text(), "not run (process 2 of 2 never reported it): ERR-05\n") || !strings.Contains(c.Text(), "verdict: INCOMPLETE (specs the filters selected never ran: ERR-05)") {
		t.Errorf("the requirement is not named:\n%s", c.Text())
	}
	r.SuiteConfig.SkipStrings = []string{"ERR-05"} // the same run, with ERR-05 skipped by the user
	if c := Build(r, Input{Started: time.Now()}); outcome(c, "ERR-05") != Disabled || c.Exit != 0 {
		t.Errorf("a requirement the user skipped: %s, exit %d", outcome(c, "ERR-05"), c.Exit)
	}
}

func TestReportsAreDeterministic(t *testing.T) {
	r := realistic()
	in := realisticInput()
	a, _ := json.Marshal(Build(r, in))
	for i, j := 0, len(r.SpecReports)-1; i < j; i, j = i+1, j-1 {
		r.SpecReports[i], r.SpecReports[j] = r.SpecReports[j], r.SpecReports[i]
	}
	c := Build(r, in)
	b, _ := json.Marshal(c)
	if string(a) != string(b) {
		t.Errorf("the order of the specs changes conformance.json")
	}
	j1, _ := c.JUnit()
	j2, _ := Build(r, in).JUnit()
	if string(j1) != string(j2) {
		t.Error("junit.xml differs between two builds of one report")
	}
}

// A failed MUST is named as such even when the suite also ended early (exit 2, its reports
// incomplete); an early end without a failure is INCOMPLETE.
func TestVerdictNamesAFailureBeforeAnEarlyEnd(t *testing.T) {
	r := allPassing()
	r.SpecReports = append(r.SpecReports, spec("PATCH-04", "fails", types.SpecStateFailed, "", finding("PATCH-04", false, "b")))
	r.SpecialSuiteFailureReasons = []string{"Interrupted by User"}
	if c := Build(r, Input{Started: time.Now()}); c.Verdict != VerdictFails || c.Exit != 2 {
		t.Errorf("verdict %s, exit %d; want DOES NOT CONFORM, 2", c.Verdict, c.Exit)
	}
	r.SpecReports = r.SpecReports[:len(r.SpecReports)-1]
	if c := Build(r, Input{Started: time.Now()}); c.Verdict != VerdictIncomplete || c.Exit != 2 {
		t.Errorf("verdict %s, exit %d; want INCOMPLETE, 2", c.Verdict, c.Exit)
	}
}

// Why (issue 19 item 6): the summary said which requirements failed but not why; it now gives
// each failed requirement's first finding, whether it gates, and how many more there are.
func TestSummaryGivesEachFailureItsFirstFindingAndCount(t *testing.T) {
	_, c := writeRealistic(t)
	text := c.Text()
	for _, want := range []string{
		`failed PATCH-04 (MUST): Update call PATCH-04 echoes the subject: #2 PATCH http://t/communications/calls/42 → 200: [PATCH-04] at /subject: expected "a", got "b"` + "\n",
		"failed HTTP-01 (SHOULD, does not gate): Update call PATCH-04 echoes the subject: #1 POST http://t/communications/calls → 201: [HTTP-01] at",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the summary lacks %q:\n%s", want, text)
		}
	}
	r := allPassing()
	r.SpecReports = append(r.SpecReports,
		spec("HTTP-01", "a", types.SpecStatePassed, "", finding("HTTP-01", false, "x"), finding("HTTP-01", false, "y")),
		spec("HTTP-01", "b", types.SpecStatePassed, "", finding("HTTP-01", false, "z")))
	if text := Build(r, Input{Started: time.Now()}).Text(); !strings.Contains(text, "got x (and 2 more finding(s) in 1 more spec(s))\n") {
		t.Errorf("the count of the other findings:\n%s", text)
	}
}
