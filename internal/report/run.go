package report

import (
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/config"
)

// selection is the user's spec filters, compiled once per report: a run that skips most specs
// (a shard of a parallel run skips every other process's) asks it about each of them.
type selection struct {
	focusFlag string // the --focus flag naming every focus, "" when none
	focus     []*regexp.Regexp
	skip      []skipFilter
	labelFlag string // the --label-filter flag, "" when none
	label     types.LabelFilter
}

type skipFilter struct {
	flag string
	re   *regexp.Regexp
}

// newSelection compiles sc's filters. A filter that does not compile selects nothing, as in
// Ginkgo, which refuses such a filter before any spec runs.
func newSelection(sc types.SuiteConfig) selection {
	var s selection
	if len(sc.FocusStrings) > 0 {
		s.focusFlag = "--focus " + config.ShellQuote(strings.Join(sc.FocusStrings, "|"))
		for _, f := range sc.FocusStrings {
			if re, err := regexp.Compile(f); err == nil {
				s.focus = append(s.focus, re)
			}
		}
	}
	for _, f := range sc.SkipStrings {
		if re, err := regexp.Compile(f); err == nil {
			s.skip = append(s.skip, skipFilter{flag: "--skip " + config.ShellQuote(f), re: re})
		}
	}
	if sc.LabelFilter != "" {
		s.labelFlag = "--label-filter " + config.ShellQuote(sc.LabelFilter)
		if f, err := types.ParseLabelFilter(sc.LabelFilter); err == nil {
			s.label = f
		}
	}
	return s
}

// filteredOut names the user's filter that left spec out ("--label-filter 'level:MUST'"), or ""
// when the filters select it. It matches as Ginkgo does: --focus and --skip against the suite's
// description, a space and the spec's full text; a spec is focused when any focus matches.
func (s selection) filteredOut(suite string, spec types.SpecReport) string {
	text := suite + " " + spec.FullText()
	if s.focusFlag != "" && !slices.ContainsFunc(s.focus, func(re *regexp.Regexp) bool { return re.MatchString(text) }) {
		return s.focusFlag
	}
	for _, f := range s.skip {
		if f.re.MatchString(text) {
			return f.flag
		}
	}
	if s.labelFlag != "" && (s.label == nil || !s.label(spec.Labels())) {
		return s.labelFlag
	}
	return ""
}

// SourceLocation renders a code location relative to the module root
// ("suites/conformance/update.go:42"), never as a path of the machine that built the harness.
// The root is where this file sits, less its place in the module: the same prefix every file of
// the build carries (a directory, or the module path under -trimpath).
func SourceLocation(l types.CodeLocation) string {
	if l.FileName == "" {
		return ""
	}
	file := filepath.ToSlash(l.FileName)
	if root := moduleRoot(); root != "" && strings.HasPrefix(file, root) {
		file = strings.TrimPrefix(file, root)
	} else {
		file = filepath.Base(file)
	}
	if l.LineNumber > 0 {
		file += ":" + strconv.Itoa(l.LineNumber)
	}
	return file
}

// moduleRoot is the prefix of this build's source paths up to the module's root, with its
// trailing slash; "" when the build recorded no path.
func moduleRoot() string {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	root, found := strings.CutSuffix(filepath.ToSlash(self), "internal/report/run.go")
	if !found {
		return ""
	}
	return root
}
