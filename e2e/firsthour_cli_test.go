package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGitHubActionsRecipeWithMissingBaseURLSecret runs the README's GitHub Actions step with the
// base URL's secret not set: CALLCONF_TOKEN from a secret, CALLCONF_BASE_URL expanded to "". It
// used to test the embedded reference and conform (exit 0); the job must fail with exit 2 and a
// message naming CALLCONF_BASE_URL, and write no green report.
func TestGitHubActionsRecipeWithMissingBaseURLSecret(t *testing.T) {
	dir := t.TempDir()
	reports := filepath.Join(dir, "reports")
	r := run(t, time.Minute, []string{"CALLCONF_TOKEN=staging-token-SECRET", "CALLCONF_BASE_URL="}, "--report-dir", reports)
	if r.code != 2 {
		t.Fatalf("want exit 2:\n%s", r)
	}
	if !strings.Contains(r.stderr, "CALLCONF_BASE_URL is set but empty") || strings.Contains(r.stdout+r.stderr, "SECRET") || strings.Contains(r.stdout, "CONFORMS") {
		t.Fatalf("want a message naming CALLCONF_BASE_URL, no token, no verdict:\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(reports, "conformance.json")); err == nil {
		t.Fatal("a report was written for a run that tested nothing")
	}
	// The same step with the token's secret missing too still names the base URL.
	r = run(t, time.Minute, []string{"CALLCONF_TOKEN=", "CALLCONF_BASE_URL="}, "--report-dir", reports)
	if r.code != 2 || !strings.Contains(r.stderr, "CALLCONF_BASE_URL") {
		t.Fatalf("want exit 2 naming CALLCONF_BASE_URL:\n%s", r)
	}
}

// TestMisspeltVariableExits2: CALLCONF_BASE_ULR used to be ignored (the embedded reference,
// CONFORMS); now it is exit 2 with the variable meant.
func TestMisspeltVariableExits2(t *testing.T) {
	r := run(t, time.Minute, []string{"CALLCONF_BASE_ULR=https://staging.example.com/beta"})
	if r.code != 2 || !strings.Contains(r.stderr, "did you mean CALLCONF_BASE_URL?") || strings.Contains(r.stdout, "CONFORMS") {
		t.Fatalf("want exit 2 with a suggestion:\n%s", r)
	}
}

// TestQuietStart: a run opens with one line of configuration (it was 17); -v prints the full
// table, -q only the verdict summary.
func TestQuietStart(t *testing.T) {
	filter := []string{"--label-filter", "req:PATCH-01", "--timeout", "7s"}
	r := run(t, 2*time.Minute, nil, filter...)
	if r.code != 0 {
		t.Fatalf("want exit 0:\n%s", r)
	}
	lines := strings.Split(r.stdout, "\n")
	want := "configuration: target: embedded reference; strict: no; token: made by the embedded reference; timeout: 7s (-v prints every setting)"
	if lines[0] != want || strings.Contains(r.stdout, "effective configuration") || strings.Contains(r.stdout, "deadline:") {
		t.Fatalf("first line %q, want %q, and no table:\n%s", lines[0], want, r)
	}

	r = run(t, 2*time.Minute, nil, append(filter, "-v")...)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "effective configuration:\n") || !strings.Contains(r.stdout, "deadline: 10m0s (default)") {
		t.Fatalf("-v: want the full table first:\n%s", r)
	}

	r = run(t, 2*time.Minute, nil, append(filter, "-q")...)
	if r.code != 0 || !strings.Contains(r.stdout, "verdict: CONFORMS") {
		t.Fatalf("-q: want the verdict:\n%s", r)
	}
	for _, noise := range []string{"configuration", "running ", "capabilities", "Ran "} {
		if strings.Contains(r.stdout, noise) {
			t.Errorf("-q printed %q:\n%s", noise, r.stdout)
		}
	}
}

// TestVersionAndHelpOfTheBinary: `version` and `--version` exit 0 with the program's name, and
// `help serve` is serve's help, not the top-level one.
func TestVersionAndHelpOfTheBinary(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		r := run(t, time.Minute, nil, arg)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "callconf ") || strings.Count(r.stdout, "\n") != 1 {
			t.Fatalf("%s:\n%s", arg, r)
		}
	}
	r := run(t, time.Minute, nil, "help", "serve")
	if r.code != 0 || !strings.Contains(r.stdout, "-addr") || strings.Contains(r.stdout, "callconf [run] [flags]") {
		t.Fatalf("help serve:\n%s", r)
	}
}
