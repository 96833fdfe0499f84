package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A failing generated case against a mutant only generated cases kill is shrunk, saved under
// replay/, and `callconf replay` reproduces it (exit 1) against the mutant and passes (exit 0)
// against the reference.
func TestGeneratedFailureIsShrunkSavedAndReplayed(t *testing.T) {
	const token = "e2e-generated-token-7c1d"
	env := []string{"CALLCONF_TOKEN=" + token}
	mutant := serveMutant(t, "truncate-nested-strings", token)
	dir := t.TempDir()
	r := run(t, 3*time.Minute, env, "--base-url", mutant, "--label-filter", "generated && req:PATCH-04", "--report-dir", dir)
	if r.code != 1 || !regexp.MustCompile(`(?m)^PATCH-04\s+MUST\s+failed`).MatchString(r.stdout) {
		t.Fatalf("want PATCH-04 failed by a generated case, exit 1:\n%s", r)
	}
	for _, want := range []string{"generated case", "shrunk", "reproduce: curl", "go run ./runner replay"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the failure lacks %q:\n%s", want, r)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "replay", "*.json"))
	if len(files) != 1 {
		t.Fatalf("want one replay file, got %v", files)
	}
	var saved struct {
		Failed []string `json:"failed"`
		Case   struct {
			Steps []struct {
				Body json.RawMessage `json:"body"`
			} `json:"steps"`
		} `json:"case"`
	}
	b, err := os.ReadFile(files[0])
	if err != nil || json.Unmarshal(b, &saved) != nil || len(saved.Case.Steps) == 0 {
		t.Fatalf("replay file %s: %v\n%s", files[0], err, b)
	}
	if len(saved.Failed) == 0 || saved.Failed[0] != "PATCH-04" {
		t.Errorf("the replay file records failures %v, want PATCH-04", saved.Failed)
	}
	// Shrunk: one PATCH whose body sets one property (the mutant only cuts nested strings).
	var body map[string]any
	if err := json.Unmarshal(saved.Case.Steps[0].Body, &body); err != nil || len(saved.Case.Steps) != 1 || len(body) != 1 {
		t.Errorf("the case is not shrunk to one PATCH of one property: %s", b)
	}

	again := run(t, time.Minute, env, "replay", "--base-url", mutant, files[0])
	if again.code != 1 || !strings.Contains(again.stdout, "still fails: [PATCH-04]") {
		t.Fatalf("replay against the mutant: want exit 1, still failing PATCH-04:\n%s", again)
	}
	ref := serveReference(t, token, nil)
	fixed := run(t, time.Minute, env, "replay", "--base-url", ref, files[0])
	if fixed.code != 0 || !strings.Contains(fixed.stdout, "passes") {
		t.Fatalf("replay against the reference: want exit 0:\n%s", fixed)
	}
	if bad := run(t, time.Minute, nil, "replay"); bad.code != 2 {
		t.Errorf("replay without a file: want exit 2:\n%s", bad)
	}
}
