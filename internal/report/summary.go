package report

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/callconf/callconf/internal/check"
)

// failedLines gives, for each failed requirement, one line: its first finding and how many more
// there are, so the summary says why without repeating every exchange ("failed HTTP-01 (SHOULD,
// does not gate): Update call …: #1 POST … → 201: [HTTP-01] at (the whole body): expected …, got
// … (and 1180 more findings in 311 more specs)").
func (c Conformance) failedLines() []string {
	var out []string
	for _, r := range c.Requirements {
		if r.Outcome != Failed || len(r.Failures) == 0 {
			continue
		}
		level := string(r.Level)
		if !c.gates(r) {
			level += ", does not gate"
		}
		f := c.ownFirst(r.Failures, r.ID)[0]
		first := cmp.Or(firstLine(f.Message), "failed")
		findings := 0
		for _, g := range r.Failures {
			findings += max(1, len(g.Findings))
		}
		if len(f.Findings) > 0 {
			fd := f.Findings[0]
			first = fmt.Sprintf("%s[%s] at %s: expected %s, got %s", exchangePrefix(fd.Exchange), fd.Requirement, check.ShowPointer(fd.Pointer), fd.Expected, fd.Got)
		}
		line := fmt.Sprintf("failed %s (%s): %s: %s", r.ID, level, f.Spec, oneLine(first, maxSummaryFinding))
		if more := findings - 1; more > 0 {
			line += fmt.Sprintf(" (and %d more finding(s)", more)
			if specs := len(r.Failures) - 1; specs > 0 {
				line += fmt.Sprintf(" in %d more spec(s)", specs)
			}
			line += ")"
		}
		out = append(out, line)
	}
	return out
}

// maxSummaryFinding bounds the finding a summary line shows; the reports have it whole.
const maxSummaryFinding = 300

// oneLine is s on one line, cut to n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// ownFirst is fs with the failures of id's own specs first (each part in its order): the first
// failure a summary shows is then one of the requirement's own specs when there is one, not of a
// spec whose exchanges happened to break it.
func (c Conformance) ownFirst(fs []Failure, id string) []Failure {
	owner := make(map[string]string, len(c.Specs))
	for _, s := range c.Specs {
		owner[s.Name] = s.Requirement
	}
	out := make([]Failure, 0, len(fs))
	for _, own := range []bool{true, false} {
		for _, f := range fs {
			if (owner[f.Spec] == id) == own {
				out = append(out, f)
			}
		}
	}
	return out
}

// Brief is the verdict for -q: of Text, only the verdict line and the lines of what failed or
// is inconclusive (each failed requirement's first finding and count), without the table.
func (c Conformance) Brief() string {
	var b strings.Builder
	for _, line := range strings.Split(c.Text(), "\n") {
		for _, prefix := range []string{"verdict: ", "failed ", "inconclusive "} {
			if strings.HasPrefix(line, prefix) {
				b.WriteString(line + "\n")
				break
			}
		}
	}
	return b.String()
}
