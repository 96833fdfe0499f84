package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/progress"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/throttle"
	"github.com/callconf/callconf/suites/conformance"
)

// A parallel run (README, "Parallel runs"): the parent resolves the target once (the embedded
// reference included), previews the spec tree and deals the specs out to --procs children, each
// this executable re-run as `runner shard-child PLAN`. A child runs only its share, reports each
// finished spec on stderr for the progress line and leaves its raw Ginkgo report in a file; the
// parent merges the reports and builds the verdict and the report files once. The session (with
// its token) travels in the plan file (0600, in a 0700 directory), the configuration in the
// child's environment (config.Env): neither is ever on a command line.

// shardCommand is the hidden subcommand a child runs.
const shardCommand = "shard-child"

// shardPlan is what a child needs besides the configuration.
type shardPlan struct {
	Shard   int                 `json:"shard"`  // 1-based
	Shards  int                 `json:"shards"` // the number of processes
	Session conformance.Session `json:"session"`
	Started time.Time           `json:"started"` // the child's suite ends --deadline after it
	// Suite is the parent's Ginkgo configuration: filters, order, seed.
	Suite types.SuiteConfig `json:"suite"`
	// Others matches the full names of the specs other processes run.
	Others string `json:"others,omitempty"`
	// RateLimit and MaxInFlight are this child's share of the run's limits.
	RateLimit   float64 `json:"rateLimit,omitempty"`
	MaxInFlight int     `json:"maxInFlight,omitempty"`
	// Report is the file the child writes its Ginkgo report (JSON) to.
	Report string `json:"report"`
}

// chooseProcs decides how many processes run the suite: --procs, or auto (1 for the embedded
// reference, which answers in microseconds and gains nothing from more; AutoRemoteProcs for a
// base URL, where the processes mostly wait on the network). --max-in-flight caps it (a process
// needs a slot of its own). Against a target without create each process needs CallsPerSpec
// named calls of its own: auto lowers the count with a warning, an explicit --procs that asks
// for more is a configuration error, because two processes writing the same call would change
// the verdicts. Never more processes run than the specs selected (specs): a process without a
// spec only costs its start (a re-run line for one spec started 16).
func chooseProcs(cfg config.Config, sess conformance.Session, specs int) (int, []string, error) {
	procs, auto := cfg.Procs, cfg.Procs == 0
	if auto {
		procs = 1
		if !sess.Embedded {
			procs = config.AutoRemoteProcs
		}
	}
	procs = max(1, min(procs, specs))
	var warnings []string
	if cfg.MaxInFlight > 0 && procs > cfg.MaxInFlight {
		warnings = append(warnings, fmt.Sprintf("running %d processes instead of %d: --max-in-flight %d leaves no request slot for more", cfg.MaxInFlight, procs, cfg.MaxInFlight))
		procs = cfg.MaxInFlight
	}
	if !sess.Has(requirements.Create) && len(sess.CallIDs) > 0 {
		most := max(1, len(sess.CallIDs)/conformance.CallsPerSpec)
		if procs > most {
			why := fmt.Sprintf("the target cannot create calls, so each process needs %d named calls of its own (a spec may use %d, and no two processes may write the same call); %d were named",
				conformance.CallsPerSpec, conformance.CallsPerSpec, len(sess.CallIDs))
			if !auto {
				return 0, nil, fmt.Errorf("--procs %d needs at least %d --call-id: %s. Name more calls, or lower --procs to %d", procs, procs*conformance.CallsPerSpec, why, most)
			}
			warnings = append(warnings, fmt.Sprintf("running %d process(es) instead of %d: %s", most, procs, why))
			procs = most
		}
	}
	return procs, warnings, nil
}

// deal assigns each spec that will run to a process: sorted by name and dealt out in turn, so
// the specs of one requirement (often alike in cost) spread over every process. Specs the
// user's filters leave out stay with process 1, where they are reported as filtered.
func deal(preview types.Report, procs int) map[string]int {
	var names []string
	owner := map[string]int{}
	for _, s := range preview.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		owner[s.FullText()] = 1
		if willRun(s) {
			names = append(names, s.FullText())
		}
	}
	slices.Sort(names)
	for i, n := range names {
		owner[n] = i%procs + 1
	}
	return owner
}

// willRun reports whether a previewed spec passed the user's filters.
func willRun(s types.SpecReport) bool {
	return s.State != types.SpecStateSkipped && s.State != types.SpecStatePending
}

// othersPattern matches exactly the names of the specs other processes run.
func othersPattern(owner map[string]int, shard int) string {
	var quoted []string
	for name, o := range owner {
		if o != shard {
			quoted = append(quoted, regexp.QuoteMeta(name))
		}
	}
	if len(quoted) == 0 {
		return ""
	}
	slices.Sort(quoted)
	// Ginkgo matches skip patterns against the suite's description, a space and the full text.
	return "^" + regexp.QuoteMeta(conformance.SuiteName+" ") + "(?:" + strings.Join(quoted, "|") + ")$"
}

// parallelRun is one run across child processes.
type parallelRun struct {
	cfg      config.Config
	sess     conformance.Session
	started  time.Time
	procs    int
	sc       types.SuiteConfig
	preview  types.Report
	progress *progress.Reporter
	stderr   io.Writer
	exe      string // this executable
}

// run starts the children, waits for them and returns the merged Ginkgo report.
func (pr parallelRun) run(ctx context.Context) (types.Report, error) {
	dir, err := os.MkdirTemp("", "callconf-run-")
	if err != nil {
		return types.Report{}, fmt.Errorf("parallel run: %w", err)
	}
	defer os.RemoveAll(dir)
	owner := deal(pr.preview, pr.procs)
	env := append(config.WithoutEnv(os.Environ()), pr.cfg.Env()...)
	// A backstop beyond the children's own suite timeout, for a child that hangs regardless.
	ctx, cancel := context.WithDeadline(ctx, pr.started.Add(pr.cfg.Deadline+30*time.Second))
	defer cancel()

	reports := make([]*types.Report, pr.procs)
	problems := make([]string, pr.procs)
	var wg sync.WaitGroup
	for i := range pr.procs {
		shard := i + 1
		rate, inFlight := throttle.Share(pr.cfg.RateLimit, pr.cfg.MaxInFlight, pr.procs, shard)
		plan := shardPlan{
			Shard: shard, Shards: pr.procs, Session: pr.sess, Started: pr.started,
			Suite:  pr.sc,
			Others: othersPattern(owner, shard), RateLimit: rate, MaxInFlight: inFlight,
			Report: filepath.Join(dir, fmt.Sprintf("report-%d.json", shard)),
		}
		planPath := filepath.Join(dir, fmt.Sprintf("plan-%d.json", shard))
		if err := writePrivateJSON(planPath, plan); err != nil {
			return types.Report{}, err
		}
		wg.Go(func() {
			problem := pr.child(ctx, shard, planPath, env, filepath.Join(dir, fmt.Sprintf("output-%d.txt", shard)))
			r, err := readReport(plan.Report)
			// Each child writes only its own index; wg.Wait orders these writes before merge.
			if err != nil {
				problems[i] = fmt.Sprintf("process %d of %d ended without a report (%s)", shard, pr.procs, cmp.Or(problem, err.Error()))
				return
			}
			reports[i] = r
		})
	}
	wg.Wait()
	return merge(pr.preview, pr.sc, owner, reports, problems), nil
}

// child runs one child to its end; it returns "" or what went wrong with the process itself.
func (pr parallelRun) child(ctx context.Context, shard int, plan string, env []string, output string) string {
	out, err := os.OpenFile(output, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err.Error()
	}
	defer out.Close()
	cmd := exec.CommandContext(ctx, pr.exe, shardCommand, plan)
	cmd.Env = env
	cmd.Stdout = out
	// One interrupt reaches the child, from here: its Ginkgo cuts the spec it runs, runs the
	// clean-up and writes its report.
	ownGroup(cmd)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err.Error()
	}
	if err := cmd.Start(); err != nil {
		return "cannot start it: " + err.Error()
	}
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if s, ok := progress.Decode(sc.Text()); ok {
			pr.progress.Add(s)
			continue
		}
		fmt.Fprintf(out, "stderr: %s\n", sc.Text())
		fmt.Fprintf(pr.stderr, "[process %d] %s\n", shard, sc.Text())
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ee):
		return "exit status " + strconv.Itoa(ee.ExitCode()) + tail(output)
	}
	return err.Error() + tail(output)
}

// tail returns the last lines of a child's output, for a child that left no report.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return "; its last output:\n" + strings.Join(lines[max(0, len(lines)-10):], "\n")
}

// merge builds one Ginkgo report from the children's: each spec as the process it was dealt to
// ran it, in the order of the preview; suite-level nodes (those of process 1, and every failed
// one); every special failure reason, plus the problems of children that left no report, whose
// specs then count as not run.
func merge(preview types.Report, sc types.SuiteConfig, owner map[string]int, reports []*types.Report, problems []string) types.Report {
	out := types.Report{
		SuitePath: preview.SuitePath, SuiteDescription: preview.SuiteDescription, SuiteLabels: preview.SuiteLabels,
		SuiteConfig: sc, PreRunStats: preview.PreRunStats, SuiteSucceeded: true,
	}
	specs := make([]map[string]types.SpecReport, len(reports))
	var suiteNodes []types.SpecReport
	for i, r := range reports {
		if r == nil {
			out.SuiteSucceeded = false
			continue
		}
		if out.StartTime.IsZero() || r.StartTime.Before(out.StartTime) {
			out.StartTime = r.StartTime
		}
		if r.EndTime.After(out.EndTime) {
			out.EndTime = r.EndTime
		}
		out.SuiteSucceeded = out.SuiteSucceeded && r.SuiteSucceeded
		for _, reason := range r.SpecialSuiteFailureReasons {
			if !slices.Contains(out.SpecialSuiteFailureReasons, reason) {
				out.SpecialSuiteFailureReasons = append(out.SpecialSuiteFailureReasons, reason)
			}
		}
		specs[i] = map[string]types.SpecReport{}
		for _, s := range r.SpecReports {
			switch {
			case s.LeafNodeType == types.NodeTypeIt:
				specs[i][s.FullText()] = s
			case len(suiteNodes) == 0 || s.Failed() || carriesRun(s):
				suiteNodes = append(suiteNodes, s)
			}
		}
	}
	out.RunTime = out.EndTime.Sub(out.StartTime)
	for _, p := range problems {
		if p != "" {
			out.SpecialSuiteFailureReasons = append(out.SpecialSuiteFailureReasons, p)
		}
	}
	out.SpecReports = append(out.SpecReports, suiteNodes...)
	for i, s := range preview.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		o := owner[s.FullText()]
		if m := specs[o-1]; m != nil {
			if got, ok := m[s.FullText()]; ok {
				out.SpecReports = append(out.SpecReports, got)
				continue
			}
		}
		s.State = types.SpecStateSkipped // its process never reported it
		if willRun(preview.SpecReports[i]) {
			// The reports name it as selected but not run, and why.
			s.Failure = types.Failure{Message: fmt.Sprintf("process %d of %d never reported it", o, len(reports))}
		}
		out.SpecReports = append(out.SpecReports, s)
	}
	return out
}

// carriesRun reports whether a suite-level node carries what its process sent outside any spec
// (report.EntryRun): every process's counts in the verdict.
func carriesRun(s types.SpecReport) bool {
	return slices.ContainsFunc(s.ReportEntries, func(e types.ReportEntry) bool { return e.Name == report.EntryRun })
}

// replay prints a finished run's report the way Ginkgo prints a run as it goes: the suite
// header, a mark per spec, each failure in full and the closing summary.
func replay(w io.Writer, rc types.ReporterConfig, r types.Report) {
	rep := reporters.NewDefaultReporter(rc, w)
	rep.SuiteWillBegin(r)
	for _, s := range r.SpecReports {
		rep.WillRun(s)
		rep.DidRun(s)
	}
	rep.SuiteDidEnd(r)
}

// specProgress is what a finished spec adds to the progress line; ok is false for a spec the
// filters (or the dealing) left out, which never ran.
func specProgress(s types.SpecReport) (progress.Spec, bool) {
	if s.LeafNodeType != types.NodeTypeIt {
		return progress.Spec{}, false
	}
	res, typed := report.ResultOf(s)
	if !typed && !willRun(s) {
		return progress.Spec{}, false
	}
	// A spec the harness's clock cut (interrupted, timed out) failed nothing: not counted.
	failed := s.State.Is(types.SpecStateFailureStates &^ (types.SpecStateInterrupted | types.SpecStateTimedout))
	return progress.Spec{Failed: failed, Requests: res.Requests, Retries: res.Retries}, true
}

func writePrivateJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

func readReport(path string) (*types.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r types.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return &r, nil
}
