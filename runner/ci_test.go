package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/report"
)

// Why (issue 19): nothing reached GitHub's step summary. publish appends conformance.md to the
// file GITHUB_STEP_SUMMARY names (after what earlier steps wrote), redacted, prints ::error
// annotations only under GITHUB_ACTIONS=true, and does nothing outside GitHub Actions.
func TestPublishAppendsTheSummaryAndAnnotates(t *testing.T) {
	c := report.Build(types.Report{SpecialSuiteFailureReasons: []string{"preparing the target: token SECRET refused"}}, report.Input{Target: "http://t", Started: time.Now()})
	redact := func(s string) string { return strings.ReplaceAll(s, "SECRET", "[REDACTED]") }
	summary := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(summary, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary}
	var out, errb bytes.Buffer
	publish(c, redact, func(k string) string { return env[k] }, &out, &errb)
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
	publish(c, redact, func(string) string { return "" }, &out, &errb)
	if out.Len() != 0 || errb.Len() != 0 {
		t.Errorf("outside GitHub Actions: %q %q", out.String(), errb.String())
	}
	// A summary that cannot be written is a warning.
	env = map[string]string{"GITHUB_STEP_SUMMARY": filepath.Join(t.TempDir(), "no", "such", "dir")}
	publish(c, redact, func(k string) string { return env[k] }, &out, &errb)
	if !strings.Contains(errb.String(), "WARNING: GITHUB_STEP_SUMMARY") || out.Len() != 0 {
		t.Errorf("unwritable summary: stdout %q stderr %q", out.String(), errb.String())
	}
}

// Why: the runs a selftest starts must not write the job's summary or annotate it.
func TestWithoutCIDropsTheGitHubVariables(t *testing.T) {
	got := withoutCI([]string{"GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=/x", "GITHUB_SHA=1", "PATH=/bin"})
	if strings.Join(got, " ") != "GITHUB_SHA=1 PATH=/bin" {
		t.Errorf("%q", got)
	}
}

// Why (issue 19): `help` gave exit 2 only for usage, configuration and unreachable targets, not
// for an inconclusive requirement, an incomplete run or one that judged nothing.
func TestRunHelpNamesEveryExitStatus(t *testing.T) {
	var out bytes.Buffer
	if code := runHelp(t.Context(), nil, strings.NewReader(""), &out, &out); code != exitOK {
		t.Fatalf("help: exit %d", code)
	}
	_, status, _ := strings.Cut(out.String(), "exit status:")
	for _, want := range []string{"0  the target conforms (CONFORMS)", "1  the target does not conform (DOES NOT CONFORM)", "inconclusive", "INCOMPLETE", "NOTHING JUDGED", "COULD NOT START"} {
		if !strings.Contains(status, want) {
			t.Errorf("help's exit statuses lack %q:\n%s", want, status)
		}
	}
}
