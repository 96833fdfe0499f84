package proxy

import (
	"fmt"

	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
)

// FailOn is the level of finding that makes `runner proxy` exit 1.
type FailOn string

// The --fail-on levels.
const (
	FailOnMust   FailOn = "must"   // a MUST requirement failed
	FailOnShould FailOn = "should" // a MUST or SHOULD requirement failed
	FailOnNever  FailOn = "never"  // exit 0 whatever was seen
)

// ParseFailOn reads a --fail-on value.
func ParseFailOn(s string) (FailOn, error) {
	switch f := FailOn(s); f {
	case FailOnMust, FailOnShould, FailOnNever:
		return f, nil
	}
	return "", fmt.Errorf("--fail-on %q: want must, should or never", s)
}

// ExitCode is 1 when c holds a failed requirement at or above the level, else 0. Inconclusive
// findings (the proxy's own limits) and MAY requirements never fail the proxy.
func (f FailOn) ExitCode(c report.Conformance) int {
	for _, r := range c.Requirements {
		if r.Outcome != report.Failed {
			continue
		}
		if r.Level == requirements.Must && f != FailOnNever || r.Level == requirements.Should && f == FailOnShould {
			return 1
		}
	}
	return 0
}
