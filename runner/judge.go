package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/har"
	"github.com/callconf/callconf/internal/proxy"
	"github.com/callconf/callconf/internal/report"
)

const judgeUsage = `usage: callconf judge [--report-dir DIR] [--fail-on must|should|never] [-v] FILE.har

Judges recorded traffic offline, as 'callconf proxy' judges live traffic: each exchange of the
calls routes in the HTTP Archive (HAR 1.2, as browsers, Dev Proxy, Fiddler, 'callconf proxy
--har' and every run's exchanges.har write it) is held to the contract: the request of a PATCH
(client findings) and every answer (service findings). Exchanges of other routes are counted
and skipped; those without an answer are counted as not judged. Prints one line per exchange of
the calls routes (-v: every exchange), then the verdict per requirement; --report-dir writes
conformance.json, conformance.md and junit.xml. Exits 1 when a requirement at the --fail-on
level failed, else 0; 2 for a file that is not a HAR, or one with no exchange to judge.

`

// runJudge implements `callconf judge FILE.har`.
func runJudge(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("judge", stderr, judgeUsage)
	reportDir := fs.String("report-dir", "", "write conformance.json, conformance.md and junit.xml into `DIR`")
	failOnFlag := fs.String("fail-on", string(proxy.FailOnMust), "exit 1 when a requirement of this `level` failed: must, should (MUST or SHOULD) or never")
	verbose := fs.Bool("v", false, "print a line for every exchange, those of other routes too")
	rest, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(rest) != 1 {
		fmt.Fprintf(stderr, "judge: name one HAR file (got %d)\nrun '%s help judge' for usage\n", len(rest), progName)
		return exitUsage
	}
	failOn, err := proxy.ParseFailOn(*failOnFlag)
	if err != nil {
		fmt.Fprintf(stderr, "judge: %v\n", err)
		return exitUsage
	}
	start := time.Now()
	h, err := readHAR(rest[0])
	if err != nil {
		fmt.Fprintf(stderr, "judge: %s: %v\n", rest[0], err)
		return exitUsage
	}
	off, err := proxy.NewOffline(proxy.Options{Config: config.Config{MaxResponseBytes: config.DefaultMaxResponseBytes}})
	if err != nil {
		fmt.Fprintf(stderr, "judge: %v\n", err)
		return exitUsage
	}
	for i, e := range h.Log.Entries {
		before := off.Skipped
		verdict := off.Entry(i+1, e)
		if off.Skipped == before || *verbose {
			fmt.Fprint(stdout, off.Redact(proxy.Line(i+1, e, verdict)))
		}
	}
	fmt.Fprintf(stdout, "%d exchange(s) in %s: %d judged, %d of other routes skipped, %d of the calls routes not judged (no answer or an unreadable body)\n",
		len(h.Log.Entries), rest[0], off.Judged, off.Skipped, off.Unusable)
	if off.Judged == 0 {
		fmt.Fprintf(stderr, "judge: nothing judged: %s holds no answered exchange of the calls routes (%s)\n", rest[0], "/communications/calls")
		return exitUsage
	}
	c := off.Conformance(rest[0], start, failOn == proxy.FailOnShould)
	c.CommandLine = commandLine(append([]string{"judge"}, args...))
	c.Exit = failOn.ExitCode(c)
	fmt.Fprint(stdout, off.Redact(c.Text()))
	if *reportDir != "" {
		if err := report.WriteConformance(*reportDir, c, off.Redact); err != nil {
			fmt.Fprintf(stderr, "judge: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(stdout, "reports written to %s\n", *reportDir)
	}
	return c.Exit
}

// readHAR reads and parses a HAR file of at most har.MaxFile bytes.
func readHAR(path string) (har.HAR, error) {
	f, err := os.Open(path)
	if err != nil {
		return har.HAR{}, err
	}
	defer f.Close()
	return har.Read(f, har.MaxFile)
}
