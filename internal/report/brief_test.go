package report

import (
	"strings"
	"testing"

	"github.com/callconf/callconf/internal/requirements"
)

// TestBriefIsVerdictAndFailures: -q's account is the verdict line and one line per failed or
// inconclusive requirement with its first failure and how many more; no passed requirement.
func TestBriefIsVerdictAndFailures(t *testing.T) {
	c := Conformance{Verdict: VerdictFails, Target: "t"}
	for _, r := range requirements.All() {
		out := Requirement{Requirement: r, Outcome: Passed}
		switch r.ID {
		case "PATCH-04":
			out.Outcome = Failed
			out.Failures = []Failure{
				{Spec: "subject round trip", Findings: []Finding{{Requirement: "PATCH-04", Pointer: "/subject", Expected: `"a"`, Got: `"b"`}}},
				{Spec: "other", Message: "x"},
			}
		case "ERR-01":
			out.Outcome = Inconclusive
			out.Inconclusives = []Failure{{Spec: "bad json", Cause: "throttled past --retry-budget"}}
		}
		c.Requirements = append(c.Requirements, out)
	}
	got := c.Brief()
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "verdict: DOES NOT CONFORM") ||
		lines[1] != `failed PATCH-04 MUST: subject round trip: at /subject: expected "a", got "b" (1 more)` ||
		lines[2] != "inconclusive ERR-01 SHOULD: bad json: throttled past --retry-budget" {
		t.Errorf("brief:\n%s", got)
	}
}
