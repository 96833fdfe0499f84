package main

import (
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/report"
)

// failedSpec is a failed spec of requirement id whose first finding is f.
func failedSpec(id, text string, fs ...check.Finding) types.SpecReport {
	return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: text, State: types.SpecStateFailed,
		Failure:       types.Failure{Message: "full account of " + text},
		ReportEntries: types.ReportEntries{{Name: report.EntryResult, Value: types.WrapEntryValue(report.SpecResult{Requirement: id, Findings: fs})}}}
}

// Why (issue 19): a target broken one way failed hundreds of specs alike, and the terminal
// printed every account in full (megabytes). Each distinct finding is shown once in full, with
// how many specs failed alike; -v shows them all.
func TestCondenseShowsEachDistinctFindingOnce(t *testing.T) {
	status := check.Finding{Requirement: "PATCH-01", Mismatch: check.Mismatch{Expected: "status 200", Actual: "204"}}
	subject := func(v string) check.Finding {
		return check.Finding{Requirement: "PATCH-04", Mismatch: check.Mismatch{Pointer: "/subject", Expected: v, Actual: "x"}}
	}
	r := types.Report{SpecReports: []types.SpecReport{
		failedSpec("PATCH-01", "a", status),
		failedSpec("PATCH-04", "b", subject(`"1"`)),
		failedSpec("PATCH-01", "c", status),
		failedSpec("PATCH-04", "d", subject(`"2"`)), // another value sent, the same check and place
		failedSpec("PATCH-01", "e", check.Finding{Requirement: "PATCH-01", Mismatch: check.Mismatch{Expected: "status 200 or 400", Actual: "500"}}),
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "f", State: types.SpecStateTimedout, Failure: types.Failure{Message: "timed out"}},
	}}
	got := condense(r, false).SpecReports
	want := []string{
		"full account of a\n1 more spec(s) failed with the same finding: c (-v prints each)",
		"full account of b\n1 more spec(s) failed with the same finding: d (-v prints each)",
		`the same finding as "a" (shown above; -v prints this spec's own account)`,
		`the same finding as "b" (shown above; -v prints this spec's own account)`,
		"full account of e",
		"timed out",
	}
	for i, w := range want {
		if got[i].Failure.Message != w {
			t.Errorf("spec %s: %q, want %q", got[i].LeafNodeText, got[i].Failure.Message, w)
		}
	}
	if r.SpecReports[2].Failure.Message != "full account of c" {
		t.Error("condense changed the report it was given (the reports are made from it)")
	}
	for i, s := range condense(r, true).SpecReports {
		if s.Failure.Message != r.SpecReports[i].Failure.Message || !strings.HasPrefix(s.Failure.Message, "full") && i < 5 {
			t.Errorf("-v: spec %s condensed", s.LeafNodeText)
		}
	}
}
