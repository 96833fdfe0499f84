package e2e

import (
	"strings"
	"testing"
	"time"
)

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
	if r.code != 0 || !strings.HasPrefix(r.stdout, "verdict: CONFORMS") || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("-q: want the verdict line alone (no failures to list):\n%s", r)
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
