package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/report"
)

// maxNamedAlike bounds the other specs a condensed failure names.
const maxNamedAlike = 5

// condense prepares the account of a run the terminal shows (not the reports): of the failed
// specs whose first finding of their own requirement is the same check at the same place (one
// requirement, pointer and, for a check of the whole answer, expectation), the first is shown
// in full and says how many others failed alike; each of the others is cut to one line naming
// it. A broken target fails hundreds of specs the same way; the terminal shows each distinct
// finding once, with a count. -v shows every account in full (r is returned as it is).
func condense(r types.Report, verbose bool) types.Report {
	if verbose {
		return r
	}
	out := r
	out.SpecReports = slices.Clone(r.SpecReports)
	first := map[string]int{}   // key → index of the spec shown in full
	alike := map[int][]string{} // that index → the other specs' names
	for i, s := range out.SpecReports {
		key, ok := findingKey(s)
		if !ok {
			continue
		}
		j, seen := first[key]
		if !seen {
			first[key] = i
			continue
		}
		alike[j] = append(alike[j], s.FullText())
		f := out.SpecReports[j].Failure
		s.Failure.Message = fmt.Sprintf("the same finding as %q (shown above; -v prints this spec's own account)", out.SpecReports[j].FullText())
		s.Failure.Location = f.Location
		s.AdditionalFailures = nil
		s.CapturedGinkgoWriterOutput, s.CapturedStdOutErr = "", ""
		out.SpecReports[i] = s
	}
	for j, names := range alike {
		s := out.SpecReports[j]
		shown := names[:min(len(names), maxNamedAlike)]
		more := ""
		if len(names) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(names)-len(shown))
		}
		s.Failure.Message += fmt.Sprintf("\n%d more spec(s) failed with the same finding: %s%s (-v prints each)", len(names), strings.Join(shown, "; "), more)
		out.SpecReports[j] = s
	}
	return out
}

// findingKey is what makes two failed specs' failures alike: the first finding of their own
// requirement, by requirement, pointer and (for a check of the whole answer, whose expectation
// names the check, not a value the spec sent) expectation. ok is false for a spec that did not
// fail on a finding (a timeout, a panic) or that passed.
func findingKey(s types.SpecReport) (string, bool) {
	if s.LeafNodeType != types.NodeTypeIt || s.State != types.SpecStateFailed {
		return "", false
	}
	res, typed := report.ResultOf(s)
	if !typed {
		return "", false
	}
	i := slices.IndexFunc(res.Findings, func(f check.Finding) bool { return f.Requirement == res.Requirement && !f.Inconclusive })
	if i < 0 {
		return "", false
	}
	f := res.Findings[i]
	key := f.Requirement + "\x00" + f.Pointer
	if f.Pointer == "" {
		key += "\x00" + f.Expected
	}
	return key, true
}
