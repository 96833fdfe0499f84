package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/progress"
	"github.com/callconf/callconf/internal/redact"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/token"
	"github.com/callconf/callconf/suites/conformance"
)

// runOptions are the runner's own flags, beside the harness configuration.
type runOptions struct {
	focus, skip, labelFilter string
	verbose, quiet           bool
	randomize                bool
	seed                     int64
}

func bindRunOptions(fs *flag.FlagSet) *runOptions {
	o := &runOptions{}
	fs.StringVar(&o.focus, "focus", "", "run only specs whose full name matches this regular expression")
	fs.StringVar(&o.skip, "skip", "", "skip specs whose full name matches this regular expression (reported as disabled)")
	fs.StringVar(&o.labelFilter, "label-filter", "", "Ginkgo label filter, e.g. 'level:MUST' or 'req:PATCH-04 || feature:state'")
	fs.BoolVar(&o.verbose, "v", false, "print every setting at start, every spec and its report entries")
	fs.BoolVar(&o.quiet, "q", false, "print only the verdict line and one line per failed requirement (and errors)")
	fs.BoolVar(&o.randomize, "randomize-all", true, "randomize the order of all specs")
	fs.Int64Var(&o.seed, "seed", 0, "random seed (0: from the clock; printed at start)")
	return o
}

// runSuite runs the conformance suite in this process and maps the verdict to the exit status:
// 0 conforms, 1 does not, 2 for configuration errors or an unreachable target.
func runSuite(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var flagErr bytes.Buffer // what a flag error printed, for the report
	fs := newFlagSet("", io.MultiWriter(stderr, &flagErr), usageText()+runUsage)
	flags := config.Bind(fs)
	opts := bindRunOptions(fs)
	help := fs.Usage
	fs.Usage = func() { help(); fmt.Fprint(fs.Output(), runEpilogue()) }
	start := time.Now()
	if code, ok := parseFlags(fs, args); !ok {
		if code == exitOK { // -h
			return code
		}
		// A mistyped flag in a CI job: its report directory (from the flags read so far or the
		// environment) still says why nothing ran.
		cfg, _ := flags.Load(os.LookupEnv)
		sc, _ := opts.ginkgoConfig()
		cause, _, _ := strings.Cut(flagErr.String(), "\n")
		return notStarted(cfg, args, sc, start, cause, stdout, stderr)
	}
	fs.SetOutput(stderr)
	sc, rc := opts.ginkgoConfig() // the could-not-start report records the filters and seed too
	// Everything the user typed is checked before anything is sent: a bad filter found after
	// discovery has already created and deleted a call on the target.
	if err := opts.check(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		cfg, _ := flags.Load(os.LookupEnv) // for the report directory, if it was given
		return notStarted(cfg, args, sc, start, err.Error(), stdout, stderr)
	}
	cfg, err := readConfig(flags)
	if err != nil {
		fmt.Fprintf(stderr, "%s: configuration errors:\n%v\n", progName, err)
		return notStarted(cfg, args, sc, start, "configuration errors: "+strings.ReplaceAll(err.Error(), "\n", "; "), stdout, stderr)
	}
	cfg = seedGenerated(cfg, opts.seed)
	if err := cfg.CheckTarget(); err != nil {
		fmt.Fprintf(stderr, "%s: configuration error: %v\n", progName, err)
		return notStarted(cfg, args, sc, start, "configuration error: "+err.Error(), stdout, stderr)
	}
	shard, err := checkShard(cfg, opts)
	if err != nil {
		fmt.Fprintf(stderr, "%s: configuration error: %v\n", progName, err)
		return notStarted(cfg, args, sc, start, "configuration error: "+err.Error(), stdout, stderr)
	}
	named := len(cfg.CallIDs)
	cfg.CallIDs = shard.callIDs(cfg.CallIDs) // the preparation and every process use the shard's share
	switch {
	case opts.verbose:
		fmt.Fprint(stdout, "effective configuration:\n"+cfg.String())
	case !opts.quiet:
		fmt.Fprintf(stdout, "configuration: %s (-v prints every setting)\n", cfg.Summary())
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintf(stderr, "WARNING: %s\n", w)
	}
	tokens, err := token.ForConfig(cfg)
	if err == nil {
		err = firstToken(ctx, cfg, tokens)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: configuration error: %v\n", progName, err)
		return notStarted(cfg, args, sc, start, "configuration error: "+err.Error(), stdout, stderr)
	}
	redact := tokens.Redactor().String // the run's one redactor: every secret, every token
	// notStartedNow ends a run that cannot start after the target was prepared.
	notStartedNow := func(cause string) int {
		in := report.Input{Target: conformance.ConfiguredTargetName(cfg), Strict: cfg.Strict, Started: start, CommandLine: commandLine(args), Shard: shard.info(nil)}
		concludeQuietly(notStartedReport(sc, cause), in, cfg.ReportDir, redact, stdout, stderr)
		return exitUsage
	}

	pctx, cancel := context.WithTimeout(ctx, cfg.Deadline)
	defer cancel()
	log := stdout // what discovery learned; -q prints the verdict alone
	if opts.quiet {
		log = io.Discard
	}
	tgt, err := conformance.Prepare(pctx, cfg, tokens, log)
	if err != nil {
		// The cause is stated once in the terminal: here, with what to try.
		cause := err.Error()
		if hint := prepareHint(err, cfg.BaseURL); hint != "" && pctx.Err() == nil { // not when an interrupt or --deadline cut it
			cause += "; " + hint
		}
		fmt.Fprintf(stderr, "%s: %s\n", progName, redact(cause))
		// CI keeps the reports as artifacts: say there why nothing ran.
		in := report.Input{Target: conformance.ConfiguredTargetName(cfg), Strict: cfg.Strict, Started: start, CommandLine: commandLine(args)}
		if pe := (*conformance.PrepareError)(nil); errors.As(err, &pe) {
			in.Run = []report.RunRecord{pe.Record} // what discovery sent, judged
			collectExchanges(pe.Exchanges, cfg.ReportDir, redact, stderr)
		}
		in.Shard = shard.info(in.Run)
		conclude(notStartedReport(sc, "preparing the target: "+err.Error()), in, cfg.ReportDir, redact, opts.quiet, stdout, stderr)
		return exitUsage
	}
	defer tgt.Close()
	sess := tgt.Session
	if sess.Exchanges != "" {
		defer os.RemoveAll(sess.Exchanges) // the HAR's parts, when the run ends before collecting them
	}
	if err := shard.checkCalls(sess, named); err != nil {
		fmt.Fprintf(stderr, "%s: configuration error: %v\n", progName, err)
		return notStartedNow("configuration error: " + err.Error())
	}

	var raw *types.Report
	// This process runs specs only in a serial run: as process 1 of 1 (a parallel run's children
	// are told their number and the total).
	conformance.Define(conformance.Options{Config: cfg, Target: tgt, Log: io.Discard, Started: start, Process: 1, Processes: 1})
	sc.Timeout = cfg.Deadline - time.Since(start)
	rc.Verbose = opts.verbose
	rc.NoColor = !isTerminal(stdout)
	user, owner := sc, map[string]int(nil)
	if shard.on() {
		sc, owner = shard.suite(sc, rc)
	}
	preview := ginkgo.PreviewSpecs(conformance.SuiteName, sc, rc)
	if err := conformance.CheckTree(preview); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		return notStartedNow(err.Error())
	}
	procs, warnings, err := chooseProcs(cfg, sess, preview.PreRunStats.SpecsThatWillRun)
	if err != nil {
		fmt.Fprintf(stderr, "%s: configuration error: %v\n", progName, err)
		return notStartedNow("configuration error: " + err.Error())
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "WARNING: %s\n", w)
	}
	// Verbose serial runs stream Ginkgo's output as it goes; every other run shows a progress
	// line and prints Ginkgo's account of the run at its end.
	stream := opts.verbose && procs == 1
	prog := progress.New(stderr, preview.PreRunStats.SpecsThatWillRun, progress.Options{Terminal: isTerminal(stderr)})
	hookReports(prog.Add, func(r types.Report) { raw = &r })
	if !stream {
		prog.Start()
	}
	fmt.Fprintf(log, "running %d specs in %d process(es)%s\n", preview.PreRunStats.SpecsThatWillRun, procs, shard.label())
	if procs == 1 {
		if !stream {
			formatter.ColorableStdOut = io.Discard
		}
		ginkgo.RunSpecs(&suiteT{}, conformance.SuiteName, sc, rc)
	} else {
		exe, err := os.Executable()
		if err != nil {
			prog.Stop()
			fmt.Fprintf(stderr, "%s: cannot find this executable to run it in %d processes: %v (use --procs 1)\n", progName, procs, err)
			return notStartedNow(fmt.Sprintf("cannot find this executable to run it in %d processes: %v", procs, err))
		}
		pr := parallelRun{cfg: cfg, sess: sess, started: start, procs: procs, sc: sc, preview: preview, progress: prog, stderr: stderr, exe: exe}
		merged, err := pr.run(ctx)
		if err != nil {
			prog.Stop()
			fmt.Fprintf(stderr, "%s: %v\n", progName, err)
			return notStartedNow(err.Error())
		}
		raw = &merged
	}
	prog.Stop()
	if raw == nil {
		fmt.Fprintf(stderr, "%s: the suite ended without a report\n", progName)
		return notStartedNow("the suite ended without a report")
	}
	run := *raw
	if shard.on() {
		run = shard.own(run, owner, user)
	}
	if !stream && !opts.quiet {
		replay(redactWriter{stdout, redact}, rc, condense(run, opts.verbose))
	}
	// The end of the run on the target: the preparation's calls deleted, the named calls read
	// again. It runs after an interrupt too, within a bounded grace.
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), finishGrace)
	defer fcancel()
	in := report.Input{Target: conformance.TargetName(sess), Strict: cfg.Strict, Started: start, CommandLine: commandLine(args),
		Capabilities: conformance.ReportCapabilities(sess), Run: []report.RunRecord{tgt.Finish(fctx)}}
	collectExchanges(sess.Exchanges, cfg.ReportDir, redact, stderr)
	in.Shard = shard.info(in.Run)
	return conclude(run, in, cfg.ReportDir, redact, opts.quiet, stdout, stderr)
}

// collectExchanges writes the run's exchanges.har (conformance.CollectExchanges); a failure
// is said, and leaves the verdict as it is: the HAR is evidence, not the verdict.
func collectExchanges(parts, reportDir string, redact func(string) string, stderr io.Writer) {
	if err := conformance.CollectExchanges(parts, reportDir, redact); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
	}
}

// finishGrace bounds the end of the run on the target (conformance.Target.Finish).
const finishGrace = 30 * time.Second

// commandLine is the run's command line as the reports record it: the program's name and the
// arguments it was given (the reports pass it through the run's redactor).
func commandLine(args []string) []string {
	return append([]string{filepath.Base(os.Args[0])}, args...)
}

// ginkgoConfig is Ginkgo's configuration with the run's filters, order and seed (the seed
// from the clock unless --seed names one).
func (o *runOptions) ginkgoConfig() (types.SuiteConfig, types.ReporterConfig) {
	sc, rc := ginkgo.GinkgoConfiguration()
	sc.RandomizeAllSpecs = o.randomize
	if o.seed != 0 {
		sc.RandomSeed = o.seed
	}
	if o.focus != "" {
		sc.FocusStrings = []string{o.focus}
	}
	if o.skip != "" {
		sc.SkipStrings = []string{o.skip}
	}
	sc.LabelFilter = o.labelFilter
	return sc, rc
}

// conclude makes the run's verdict (report.Conclude), hands it to the CI system the run is in
// (report.Publish) and returns the exit status. quiet (-q) prints only the verdict line and what failed.
func conclude(run types.Report, in report.Input, dir string, redact func(string) string, quiet bool, stdout, stderr io.Writer) int {
	w := stdout
	if quiet {
		w = io.Discard
	}
	c, err := report.Conclude(run, in, dir, redact, w)
	if quiet {
		fmt.Fprint(stdout, redact(c.Brief()))
	}
	report.Publish(c, redact, os.Getenv, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		return exitUsage
	}
	return c.Exit
}

// concludeQuietly is conclude for a run that ended before any spec ran, its cause already on
// stderr: it writes the reports and publishes them, and prints only where the reports went.
func concludeQuietly(run types.Report, in report.Input, dir string, redact func(string) string, stdout, stderr io.Writer) {
	c, err := report.Conclude(run, in, dir, redact, io.Discard)
	report.Publish(c, redact, os.Getenv, stdout, stderr)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
	case dir != "":
		fmt.Fprintf(stdout, "%s: verdict %s; reports written to %s\n", progName, c.Verdict, dir)
	}
}

// notStartedReport is the Ginkgo report of a run that ended, for cause, before any spec ran.
func notStartedReport(sc types.SuiteConfig, cause string) types.Report {
	return types.Report{SuiteDescription: conformance.SuiteName, SpecialSuiteFailureReasons: []string{cause}, SuiteConfig: sc}
}

// notStarted ends a run refused before its target was prepared (a configuration error): CI
// keeps the report directory as an artifact, so it is written all the same, with the verdict
// COULD NOT START and the cause (cfg may be partly loaded: its report directory is used when it
// was read). Secrets the configuration named are redacted. It returns exit 2.
func notStarted(cfg config.Config, args []string, sc types.SuiteConfig, start time.Time, cause string, stdout, stderr io.Writer) int {
	in := report.Input{Target: redact.Userinfo(conformance.ConfiguredTargetName(cfg)), Strict: cfg.Strict, Started: start, CommandLine: commandLine(args)}
	concludeQuietly(notStartedReport(sc, cause), in, cfg.ReportDir, redact.New(cfg.Secrets()...).String, stdout, stderr)
	return exitUsage
}

// redactWriter passes what it writes through redact.
type redactWriter struct {
	w      io.Writer
	redact func(string) string
}

func (r redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// suiteT stands in for *testing.T: RunSpecs only needs to be told the suite failed, and the
// runner derives its exit status from the verdict instead.
type suiteT struct{ failed bool }

func (t *suiteT) Fail() { t.failed = true }

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
