package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/check"
)

// Why (issue 19): under GitHub Actions each gating failure becomes an ::error annotation; a
// message with %, CR or LF (or a title with : and ,) must not end the command early or forge
// another one, and a failure that does not gate is no annotation.
func TestAnnotationsAreGatingFailuresEscaped(t *testing.T) {
	r := allPassing()
	r.SuiteDescription = "Update call conformance"
	r.SpecReports = append(r.SpecReports,
		spec("PATCH-02", "breaks", types.SpecStateFailed, "", finding("PATCH-02", false, "100% \r\n::error::forged")),
		spec("HTTP-01", "breaks", types.SpecStatePassed, "", finding("HTTP-01", false, "x")))
	c := Build(r, Input{Started: time.Now()})
	got := c.Annotations(func(s string) string { return strings.ReplaceAll(s, "forged", "[REDACTED]") })
	if len(got) != 1 {
		t.Fatalf("annotations %q, want PATCH-02's only", got)
	}
	a := got[0]
	if !strings.HasPrefix(a, "::error title=PATCH-02 (MUST) failed%3A ") || strings.ContainsAny(a, "\r\n") ||
		!strings.Contains(a, "got 100%25 %0D%0A::error::[REDACTED]") {
		t.Errorf("annotation %q", a)
	}
	if e := escapeProperty("a:b,c%d\ne"); e != "a%3Ab%2Cc%25d%0Ae" {
		t.Errorf("property escaped as %q", e)
	}
	// A run without a verdict names why.
	nothing := Build(types.Report{SpecialSuiteFailureReasons: []string{"preparing the target: refused"}}, Input{Started: time.Now()})
	if got := nothing.Annotations(func(s string) string { return s }); len(got) != 1 || got[0] != "::error title=callconf%3A COULD NOT START::preparing the target: refused" {
		t.Errorf("could not start: %q", got)
	}
}

// Why: GitHub refuses a step summary past 1 MiB; a longer conformance.md is cut on a line, an
// open code block closed, with a pointer to the whole file.
func TestStepSummaryIsBounded(t *testing.T) {
	if s := StepSummary("# short\n"); s != "# short\n" {
		t.Errorf("a short report changed: %q", s)
	}
	long := "# report\n\n```\n" + strings.Repeat("a line of a transcript\n", MaxStepSummary/10)
	s := StepSummary(long)
	if len(s) > MaxStepSummary || !strings.HasPrefix(s, "# report\n") || !strings.Contains(s, "conformance.md in the report directory") || strings.Count(s, "```")%2 != 0 {
		t.Errorf("cut summary: %d bytes, ends %q", len(s), s[len(s)-200:])
	}
}

// Why (issue 19): -q printed the whole table; Brief is the verdict line and the failures.
func TestBriefIsTheVerdictAndTheFailures(t *testing.T) {
	_, c := writeRealistic(t)
	got := c.Brief()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "verdict: DOES NOT CONFORM") || !strings.HasPrefix(lines[1], "failed PATCH-04 (MUST): ") ||
		!strings.HasPrefix(lines[2], "failed HTTP-01 (SHOULD, does not gate): ") || !strings.HasPrefix(lines[3], "inconclusive STATE-02: ") {
		t.Errorf("brief:\n%s", got)
	}
}

// Why (issue 19): nothing reached GitHub's step summary. Publish appends conformance.md to the
// file GITHUB_STEP_SUMMARY names (after what earlier steps wrote), redacted, prints ::error
// annotations only under GITHUB_ACTIONS=true, and does nothing outside GitHub Actions.
func TestPublishAppendsTheSummaryAndAnnotates(t *testing.T) {
	c := Build(types.Report{SpecialSuiteFailureReasons: []string{"preparing the target: token SECRET refused"}}, Input{Target: "http://t", Started: time.Now()})
	redact := func(s string) string { return strings.ReplaceAll(s, "SECRET", "[REDACTED]") }
	summary := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(summary, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary}
	var out, errb bytes.Buffer
	Publish(c, redact, func(k string) string { return env[k] }, &out, &errb)
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "earlier step\n# Update call conformance\n") || !strings.Contains(string(b), "**Verdict: COULD NOT START**") || strings.Contains(string(b)+out.String(), "SECRET") {
		t.Errorf("summary:\n%s\nstdout:\n%s", b, out.String())
	}
	if !strings.HasPrefix(out.String(), "::error title=callconf%3A COULD NOT START::preparing the target: token [REDACTED] refused\n") || errb.Len() != 0 {
		t.Errorf("annotations:\n%s\nstderr: %s", out.String(), errb.String())
	}
	out.Reset()
	Publish(c, redact, func(string) string { return "" }, &out, &errb)
	if out.Len() != 0 || errb.Len() != 0 {
		t.Errorf("outside GitHub Actions: %q %q", out.String(), errb.String())
	}
	// A summary that cannot be written is a warning.
	env = map[string]string{"GITHUB_STEP_SUMMARY": filepath.Join(t.TempDir(), "no", "such", "dir")}
	Publish(c, redact, func(k string) string { return env[k] }, &out, &errb)
	if !strings.Contains(errb.String(), "WARNING: GITHUB_STEP_SUMMARY") || out.Len() != 0 {
		t.Errorf("unwritable summary: stdout %q stderr %q", out.String(), errb.String())
	}
}

// Why: a requirement's case in junit.xml stays readable however many specs broke it: at most
// maxJUnitFailures specs, each with at most maxJUnitFindings findings, and counts of the rest.
func TestJUnitRequirementCaseIsBounded(t *testing.T) {
	r := allPassing()
	r.SuiteDescription = "Update call conformance"
	for i := range 15 {
		var fs []check.Finding
		for j := range 7 {
			fs = append(fs, finding("PATCH-02", false, fmt.Sprintf("got-%d-%d", i, j)))
		}
		r.SpecReports = append(r.SpecReports, spec("PATCH-02", fmt.Sprintf("breaks %02d", i), types.SpecStateFailed, "", fs...))
	}
	b, err := Build(r, Input{Started: time.Now()}).JUnit()
	if err != nil {
		t.Fatal(err)
	}
	var s junitSuites
	if err := xml.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	for _, tc := range s.Suites[0].Cases {
		if !strings.HasPrefix(tc.Name, "PATCH-02 ") {
			continue
		}
		out := tc.SystemOut
		if tc.Failure == nil || strings.Count(out, "\nfailed: ") != maxJUnitFailures || !strings.Contains(out, "… and 5 more failed spec(s)") ||
			strings.Count(out, "… and 2 more finding(s)") != maxJUnitFailures || !strings.Contains(tc.Failure.Message, "(and 14 more spec(s))") {
			t.Errorf("PATCH-02's case:\n%s\nfailure %+v", out, tc.Failure)
		}
		return
	}
	t.Fatal("no PATCH-02 case")
}
