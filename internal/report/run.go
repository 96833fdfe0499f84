package report

import (
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// filteredOut names the user's filter that left spec out ("--label-filter 'level:MUST'"), or ""
// when the filters select it. It matches as Ginkgo does: --focus and --skip against the suite's
// description, a space and the spec's full text; a spec is focused when any focus matches.
func filteredOut(suite string, sc types.SuiteConfig, spec types.SpecReport) string {
	text := suite + " " + spec.FullText()
	if len(sc.FocusStrings) > 0 {
		focused := false
		for _, f := range sc.FocusStrings {
			if re, err := regexp.Compile(f); err == nil && re.MatchString(text) {
				focused = true
			}
		}
		if !focused {
			return "--focus " + shellQuote(strings.Join(sc.FocusStrings, "|"))
		}
	}
	for _, f := range sc.SkipStrings {
		if re, err := regexp.Compile(f); err == nil && re.MatchString(text) {
			return "--skip " + shellQuote(f)
		}
	}
	if sc.LabelFilter != "" {
		if ok, err := spec.MatchesLabelFilter(sc.LabelFilter); err != nil || !ok {
			return "--label-filter " + shellQuote(sc.LabelFilter)
		}
	}
	return ""
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,/:=@+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
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
