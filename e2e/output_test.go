package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestQuietPrintsTheVerdictAndTheFailuresOnly: -q printed the whole table of requirements; it
// prints the verdict line and one line per failed requirement (its first finding and count).
func TestQuietPrintsTheVerdictAndTheFailuresOnly(t *testing.T) {
	const token = "e2e-quiet-token-12"
	base := serveMutant(t, "id-uppercased", token) // fails PATCH-03
	r := run(t, 2*time.Minute, []string{"CALLCONF_TOKEN=" + token}, "--base-url", base, "--label-filter", "req:PATCH-03 || req:PATCH-01", "--report-dir", t.TempDir(), "-q")
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "verdict: DOES NOT CONFORM") || !strings.HasPrefix(lines[1], "failed PATCH-03 (MUST): Update call PATCH-03 ") ||
		!strings.Contains(lines[1], "[PATCH-03] at /id: expected ") {
		t.Errorf("-q printed:\n%s", r.stdout)
	}
}

// TestCouldNotStartStatesItsCauseOnce: the cause of a run that could not start was printed three
// times (on stderr, as "suite error:", and again for the requirements not run); it is stated once,
// on stderr, and the verdict and the reports still name it.
func TestCouldNotStartStatesItsCauseOnce(t *testing.T) {
	dir := t.TempDir()
	r := run(t, time.Minute, nil, "--base-url", "http://127.0.0.1:1", "--timeout", "2s", "--report-dir", dir)
	if r.code != 2 || !strings.Contains(r.stdout, "verdict: COULD NOT START") {
		t.Fatalf("want exit 2, COULD NOT START:\n%s", r)
	}
	if n := strings.Count(r.stdout+r.stderr, "connection refused"); n != 1 || !strings.Contains(r.stderr, "connection refused") {
		t.Errorf("the cause is stated %d times:\n%s", n, r)
	}
	if c, _, md := readReports(t, dir); !strings.Contains(md, "connection refused") || !strings.Contains(strings.Join(c.NotRun, " "), "PATCH-01") {
		t.Errorf("the reports lost the cause:\n%s", md)
	}
}

// TestMistypedFlagStillWritesTheReports: a CI job whose command line has a mistyped flag exits 2
// naming the flag meant, and its report directory says so (the artifact upload used to find
// nothing).
func TestMistypedFlagStillWritesTheReports(t *testing.T) {
	dir := t.TempDir()
	r := run(t, time.Minute, nil, "--report-dir", dir, "--base-ulr", "http://127.0.0.1:1")
	if r.code != 2 || !strings.Contains(r.stderr, "did you mean --base-url?") {
		t.Fatalf("want exit 2 naming --base-url:\n%s", r)
	}
	c, _, md := readReports(t, dir)
	if c.Verdict != "COULD NOT START" || c.ExitCode != 2 || !strings.Contains(md, "unknown flag --base-ulr") {
		t.Errorf("reports: verdict %s, exit %d:\n%s", c.Verdict, c.ExitCode, md)
	}
}
