package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/callconf/callconf/internal/har"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/version"
)

// mergeUsage is `callconf merge`'s help.
const mergeUsage = `usage: ` + progName + ` merge --report-dir OUT DIR…

Merge the report directories of the shards of one run (each run with --shard I/N, the same
build, target, filters, --seed and --strict) into the reports and verdict of one run of every
spec: conformance.json, conformance.md, junit.xml, junit-specs.xml, ginkgo-report.json and
exchanges.har (the shards' exchanges in time order) in
OUT (published to GitHub Actions as a run is). It refuses (exit 2) shards of different runs, a
shard given twice and a missing shard.

exit status: as a run's: 0 conforms, 1 does not, 2 no verdict (or the shards cannot be merged)

flags:
`

// runMerge is `callconf merge --report-dir OUT DIR…`.
func runMerge(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("merge", stderr, mergeUsage)
	out := fs.String("report-dir", "", "`dir`ectory to write the merged reports to (required)")
	quiet := fs.Bool("q", false, "print only the verdict (and errors)")
	dirs, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	switch {
	case *out == "":
		fmt.Fprintf(stderr, "%s merge: --report-dir OUT is required: where the merged reports go\n", progName)
		return exitUsage
	case len(dirs) == 0:
		fmt.Fprintf(stderr, "%s merge: name the report directory of every shard (--report-dir of each run with --shard I/N)\n", progName)
		return exitUsage
	}
	run, in, err := report.Merge(dirs, commandLine(append([]string{"merge"}, args...)))
	if err != nil {
		fmt.Fprintf(stderr, "%s merge: %v\n", progName, err)
		return exitUsage
	}
	// The shards' HARs join into the run's one, in time order, as a run's processes' parts do.
	var hars []string
	for _, d := range dirs {
		hars = append(hars, filepath.Join(d, har.FileName))
	}
	if _, err := har.Join(hars, filepath.Join(*out, har.FileName), har.Creator{Name: "callconf merge", Version: version.Read().String()}); err != nil {
		fmt.Fprintf(stderr, "%s merge: %v\n", progName, err)
		return exitUsage
	}
	// The shards' reports were redacted when they were written; nothing here holds a secret.
	// The merged verdict is the run's: printed, written and published (step summary,
	// annotations) as a run's is.
	return conclude(run, in, *out, func(s string) string { return s }, *quiet, stdout, stderr)
}
