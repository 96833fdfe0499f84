package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/suites/conformance"
)

// check validates the run's filters before anything is sent: a regular expression that does not
// compile (Ginkgo panics on it), a label filter that does not parse, and a label naming a
// requirement, level or feature that does not exist (it would select nothing and pass).
func (o *runOptions) check() error {
	if o.quiet && o.verbose {
		return errors.New("-q and -v exclude each other")
	}
	for _, re := range []struct{ flag, expr string }{{"--focus", o.focus}, {"--skip", o.skip}} {
		if re.expr == "" {
			continue
		}
		if _, err := regexp.Compile(re.expr); err != nil {
			return fmt.Errorf("%s %q is not a valid regular expression: %s", re.flag, re.expr, plainError(err))
		}
	}
	if o.labelFilter == "" {
		return nil
	}
	if _, err := types.ParseLabelFilter(o.labelFilter); err != nil {
		// Ginkgo's message repeats the filter first.
		msg := strings.TrimPrefix(plainError(err), strings.Join(strings.Fields(o.labelFilter), " "))
		return fmt.Errorf("--label-filter %q does not parse: %s", o.labelFilter, strings.TrimSpace(msg))
	}
	return checkLabels(o.labelFilter)
}

// ansi matches the terminal colour sequences of Ginkgo's error messages.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// plainError is err's message on one line without colour codes; for Ginkgo's errors, only the
// message (not its heading and documentation link).
func plainError(err error) string {
	msg := err.Error()
	var ge types.GinkgoError
	if errors.As(err, &ge) {
		msg = ge.Message
	}
	return strings.Join(strings.Fields(ansi.ReplaceAllString(msg, "")), " ")
}

// checkLabels reports a req:, level: or feature: label of filter that no spec carries, with the
// closest that exists: `req:PATCH-4` would run nothing and conform. The suite's test binary
// makes the same check (conformance.CheckLabelFilter), so `go tool ginkgo run` refuses it too.
func checkLabels(filter string) error { return conformance.CheckLabelFilter(filter) }
