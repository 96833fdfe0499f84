package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

func TestFilteredOutNamesTheFilter(t *testing.T) {
	sel := newSelection(types.SuiteConfig{FocusStrings: []string{"PATCH", "ERR"}, SkipStrings: []string{"[", "PATCH-02", "it's"},
		LabelFilter: "!req:PATCH-03"})
	for _, tc := range []struct{ id, text, want string }{
		{"STATE-01", "passes", "--focus 'PATCH|ERR'"},
		{"PATCH-02", "passes", "--skip PATCH-02"},
		{"ERR-01", "it's skipped", `--skip 'it'\''s'`},
		{"PATCH-03", "passes", "--label-filter '!req:PATCH-03'"},
		{"PATCH-01", "passes", ""},
	} {
		if got := sel.filteredOut("Suite", spec(tc.id, tc.text, types.SpecStateSkipped, "")); got != tc.want {
			t.Errorf("%s %s: filtered out by %q, want %q", tc.id, tc.text, got, tc.want)
		}
	}
	if got := newSelection(types.SuiteConfig{LabelFilter: "(("}).filteredOut("Suite", spec("PATCH-01", "x", types.SpecStateSkipped, "")); got != "--label-filter '(('" {
		t.Errorf("a label filter that does not parse selects nothing: got %q", got)
	}
}

// BenchmarkBuildShard builds the report of one shard of a parallel run: most specs skipped by
// the long pattern naming every other process's specs.
func BenchmarkBuildShard(b *testing.B) {
	r := allPassing()
	var others []string
	for i := range 300 {
		text := fmt.Sprintf("skipped spec number %d", i)
		s := spec("PATCH-01", text, types.SpecStateSkipped, "")
		s.ReportEntries = nil
		r.SpecReports = append(r.SpecReports, s)
		others = append(others, "PATCH-01 "+text)
	}
	r.SuiteConfig.SkipStrings = []string{"^Suite (" + strings.Join(others, "|") + ")$"}
	r.SuiteDescription = "Suite"
	in := Input{Started: time.Now()}
	for b.Loop() {
		Build(r, in)
	}
}
