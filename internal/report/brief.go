package report

import (
	"fmt"
	"strings"

	"github.com/callconf/callconf/internal/check"
)

// Brief is the run's account for -q: the verdict line of Text, the suite error when there was
// one, and one line per requirement that failed or was inconclusive (its level, its first
// failure and how many more); never the table of every requirement.
func (c Conformance) Brief() string {
	var b strings.Builder
	if c.SuiteError != "" {
		fmt.Fprintf(&b, "suite error: %s\n", strings.TrimSpace(c.SuiteError))
	}
	for _, line := range strings.Split(c.Text(), "\n") {
		if strings.HasPrefix(line, "verdict: ") {
			b.WriteString(line + "\n")
			break
		}
	}
	for _, r := range c.Requirements {
		var list []Failure
		switch r.Outcome {
		case Failed:
			list = r.Failures
		case Inconclusive:
			list = r.Inconclusives
		default:
			continue
		}
		fmt.Fprintf(&b, "%s %s %s", r.Outcome, r.ID, r.Level)
		if len(list) > 0 {
			fmt.Fprintf(&b, ": %s", briefFailure(list[0]))
			if len(list) > 1 {
				fmt.Fprintf(&b, " (%d more)", len(list)-1)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// briefFailure is one failure on one line: its spec and first finding, or its cause or message.
func briefFailure(f Failure) string {
	what := f.Cause
	if len(f.Findings) > 0 {
		fd := f.Findings[0]
		what = fmt.Sprintf("at %s: expected %s, got %s", check.ShowPointer(fd.Pointer), fd.Expected, fd.Got)
	}
	if what == "" {
		what, _, _ = strings.Cut(strings.TrimSpace(f.Message), "\n")
	}
	if f.Spec == "" {
		return what
	}
	return f.Spec + ": " + what
}
