package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
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

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/mutants"
	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
)

// The selftest proves the harness: it serves every implementation of the mutants catalogue on
// loopback, runs the conformance suite against each in a child process (this binary, re-executed
// as `run --strict`), and judges the verdicts: the reference and the allowed variants must pass
// everything, each mutant must fail (at least) the requirements it declares, each hostile target
// must make the run end with 1 or 2, in time, without a panic, and every requirement must be
// declared by some mutant.

// Files the selftest writes into --report-dir.
const (
	selftestJSON     = "selftest.json"
	selftestMarkdown = "selftest.md"
)

// childCommand is how a child run is started: exe, then prefix, then the run's arguments. The
// runner re-executes itself; tests point it at a runner binary they built.
type childCommand struct {
	exe    string
	prefix []string
}

type selftestOptions struct {
	parallel     int
	only         []string
	reportDir    string
	workDir      string
	keep         bool
	list         bool
	childTimeout time.Duration
}

func runSelftest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "selftest: cannot find this executable to re-run it: %v\n", err)
		return exitUsage
	}
	return selftest(ctx, args, stdout, stderr, childCommand{exe: exe})
}

func selftest(ctx context.Context, args []string, stdout, stderr io.Writer, child childCommand) int {
	fs := flag.NewFlagSet("runner selftest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o selftestOptions
	fs.IntVar(&o.parallel, "parallel", 3, "child runs at once")
	fs.Func("only", "run only implementations whose name fully matches this regular expression (repeatable)", func(s string) error {
		o.only = append(o.only, s)
		return nil
	})
	fs.StringVar(&o.reportDir, "report-dir", "", "write the matrix as "+selftestJSON+" and "+selftestMarkdown+" into this directory")
	fs.StringVar(&o.workDir, "work-dir", "", "directory for the children's reports and output (default: a new temporary directory)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory even when everything passed")
	fs.BoolVar(&o.list, "list", false, "print the catalogue and exit")
	fs.DurationVar(&o.childTimeout, "child-timeout", 4*time.Minute, "bound on one child run (hostile targets have their own, shorter bound)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: runner selftest [flags]\n\nRuns the conformance suite (strict) against the reference, every allowed variant, every\nmutant and every hostile target of the catalogue, each in a child process, and prints the\ndetection matrix. Exit 0 only when everything behaves as declared.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "selftest: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	if o.parallel < 1 {
		fmt.Fprintln(stderr, "selftest: --parallel must be at least 1")
		return exitUsage
	}
	impls, err := mutants.Select(o.only)
	if err != nil {
		fmt.Fprintf(stderr, "selftest: %v\n", err)
		return exitUsage
	}
	if o.list {
		printCatalogue(stdout, impls)
		return exitOK
	}
	work := o.workDir
	if work == "" {
		if work, err = os.MkdirTemp("", "callconf-selftest-"); err != nil {
			fmt.Fprintf(stderr, "selftest: %v\n", err)
			return exitUsage
		}
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		fmt.Fprintf(stderr, "selftest: %v\n", err)
		return exitUsage
	}
	start := time.Now()
	fmt.Fprintf(stdout, "selftest: %s, %d at once, work directory %s\n", countKinds(impls), o.parallel, work)

	runs, err := startAll(impls, work)
	defer stopAll(runs)
	if err != nil {
		fmt.Fprintf(stderr, "selftest: %v\n", err)
		return exitUsage
	}
	executeAll(ctx, runs, o, child, stdout)
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "selftest: interrupted")
		return exitUsage
	}

	m := buildMatrix(runs, len(impls) == len(mutants.All()))
	m.Seconds = time.Since(start).Seconds()
	m.WorkDir = work
	printMatrix(stdout, m)
	for _, r := range m.Results {
		if len(r.Problems) > 0 {
			printTails(stdout, r)
		}
	}
	if o.reportDir != "" {
		if err := writeMatrix(o.reportDir, m); err != nil {
			fmt.Fprintf(stderr, "selftest: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(stdout, "matrix written to %s and %s\n", filepath.Join(o.reportDir, selftestJSON), filepath.Join(o.reportDir, selftestMarkdown))
	}
	if m.OK {
		if !o.keep && o.workDir == "" {
			_ = os.RemoveAll(work)
		}
		fmt.Fprintf(stdout, "selftest: PASS in %.1fs\n", m.Seconds)
		return exitOK
	}
	fmt.Fprintf(stdout, "selftest: FAIL in %.1fs (children's reports and output kept in %s)\n", m.Seconds, work)
	return exitFail
}

// implRun is one implementation being served and run.
type implRun struct {
	impl    mutants.Impl
	inst    *mutants.Instance
	server  *reference.Running
	dir     string
	jobs    []*job
	checkMu sync.Mutex
}

// job is one child run: an implementation, or one shard of it.
type job struct {
	run    *implRun
	filter string // Ginkgo label filter of the shard; "" = every spec
	dir    string

	args     []string
	exit     int // -1: did not end by itself
	timedOut bool
	startErr error
	duration time.Duration
	report   *report.Conformance
	reportEr error
	panics   []string
}

func startAll(impls []mutants.Impl, work string) ([]*implRun, error) {
	var runs []*implRun
	for _, im := range impls {
		tok, err := selftestToken()
		if err != nil {
			return runs, err
		}
		inst, err := im.Build(tok)
		if err != nil {
			return runs, fmt.Errorf("building %s: %w", im.Name, err)
		}
		srv, err := reference.Listen("127.0.0.1:0", inst.Handler)
		if err != nil {
			if inst.Close != nil {
				inst.Close()
			}
			return runs, fmt.Errorf("serving %s: %w", im.Name, err)
		}
		r := &implRun{impl: im, inst: inst, server: srv, dir: filepath.Join(work, im.Name)}
		shards := inst.Shards
		if len(shards) == 0 {
			shards = []string{""}
		}
		for i, f := range shards {
			dir := r.dir
			if len(inst.Shards) > 0 {
				dir = filepath.Join(r.dir, "shard-"+strconv.Itoa(i+1))
			}
			r.jobs = append(r.jobs, &job{run: r, filter: f, dir: dir, exit: -1})
		}
		runs = append(runs, r)
	}
	return runs, nil
}

func stopAll(runs []*implRun) {
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = r.server.Shutdown(ctx)
			if r.inst.Close != nil {
				r.inst.Close()
			}
		}()
	}
	wg.Wait()
}

func selftestToken() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return fmt.Sprintf("selftest-%x", b), nil
}

// childArgs are the arguments of job's child run, after the command's prefix.
func (j *job) childArgs() []string {
	in := j.run.inst
	args := []string{"run", "--strict", "--base-url", j.run.server.URL(), "--report-dir", j.dir, "--randomize-all=false"}
	for _, id := range in.CallIDs {
		args = append(args, "--call-id", id)
	}
	if in.Capabilities != nil {
		caps := strings.Join(in.Capabilities, ",")
		if caps == "" {
			caps = "none"
		}
		args = append(args, "--capabilities", caps)
	}
	if j.filter != "" {
		args = append(args, "--label-filter", j.filter)
	}
	return append(args, in.Args...)
}

// cost orders jobs so that the slow ones start first.
func (j *job) cost() int {
	switch {
	case len(j.run.inst.Shards) > 0:
		return 3
	case j.run.impl.Kind == mutants.KindHostile:
		return 2
	}
	return 1
}

func executeAll(ctx context.Context, runs []*implRun, o selftestOptions, child childCommand, progress io.Writer) {
	var jobs []*job
	for _, r := range runs {
		jobs = append(jobs, r.jobs...)
	}
	slices.SortStableFunc(jobs, func(a, b *job) int { return cmp.Compare(b.cost(), a.cost()) })
	queue := make(chan *job)
	var wg sync.WaitGroup
	var outMu sync.Mutex
	done := 0
	for range o.parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				j.execute(ctx, o, child)
				outMu.Lock()
				done++
				fmt.Fprintf(progress, "  [%d/%d] %-32s exit %-2d %5.1fs\n", done, len(jobs), j.label(), j.exit, j.duration.Seconds())
				outMu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		queue <- j
	}
	close(queue)
	wg.Wait()
}

func (j *job) label() string {
	if len(j.run.jobs) > 1 {
		return fmt.Sprintf("%s (%s)", j.run.impl.Name, filepath.Base(j.dir))
	}
	return j.run.impl.Name
}

// execute runs the child and gathers what it left.
func (j *job) execute(ctx context.Context, o selftestOptions, child childCommand) {
	limit := o.childTimeout
	if l := j.run.inst.Limit; l > 0 {
		limit = l
	}
	if err := os.MkdirAll(j.dir, 0o755); err != nil {
		j.startErr = err
		return
	}
	stdout, err1 := os.Create(filepath.Join(j.dir, "stdout.txt"))
	stderr, err2 := os.Create(filepath.Join(j.dir, "stderr.txt"))
	if err := errors.Join(err1, err2); err != nil {
		j.startErr = err
		return
	}
	defer stdout.Close()
	defer stderr.Close()

	cctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	j.args = append(slices.Clone(child.prefix), j.childArgs()...)
	cmd := exec.CommandContext(cctx, child.exe, j.args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = config.WithoutEnv(os.Environ())
	if tok := j.run.inst.Token; tok != "" {
		cmd.Env = append(cmd.Env, config.EnvToken+"="+tok)
	}
	start := time.Now()
	err := cmd.Run()
	j.duration = time.Since(start)
	var ee *exec.ExitError
	switch {
	case cctx.Err() != nil && ctx.Err() == nil:
		j.timedOut = true
	case err == nil:
		j.exit = 0
	case errors.As(err, &ee) && ee.Exited():
		j.exit = ee.ExitCode()
	default:
		j.startErr = err
	}
	j.panics = findPanics(filepath.Join(j.dir, "stdout.txt"), filepath.Join(j.dir, "stderr.txt"))
	if e := j.run.inst.Expect; e != "" && j.startErr == nil {
		if !outputMatches(e, filepath.Join(j.dir, "stdout.txt"), filepath.Join(j.dir, "stderr.txt")) {
			j.startErr = fmt.Errorf("the output never names the cause: no match for %q", e)
		}
	}
	j.report, j.reportEr = readConformance(filepath.Join(j.dir, report.ConformanceJSON))
	if c := j.run.inst.Check; c != nil {
		j.run.checkMu.Lock()
		defer j.run.checkMu.Unlock()
		if err := c(); err != nil && j.startErr == nil {
			j.startErr = fmt.Errorf("check: %w", err)
		}
	}
}

// panicLine matches what a crashing Go program or a panicking Ginkgo spec prints.
var panicLine = regexp.MustCompile(`(?m)^(panic: |fatal error: |goroutine \d+ \[running\]:)|\[PANICKED\]`)

func findPanics(files ...string) []string {
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, loc := range panicLine.FindAllIndex(b, 3) {
			end := bytes.IndexByte(b[loc[0]:], '\n')
			if end < 0 || end > 200 {
				end = min(200, len(b)-loc[0])
			}
			out = append(out, filepath.Base(f)+": "+string(b[loc[0]:loc[0]+end]))
		}
	}
	return out
}

// outputMatches reports whether any of the files matches the regular expression.
func outputMatches(expr string, files ...string) bool {
	re, err := regexp.Compile(expr)
	if err != nil {
		return false
	}
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && re.Match(b) {
			return true
		}
	}
	return false
}

func readConformance(path string) (*report.Conformance, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c report.Conformance
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// Result is the selftest's verdict on one implementation (selftest.json).
type Result struct {
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	Description string   `json:"description"`
	Declares    []string `json:"declares,omitempty"`
	Exit        []int    `json:"exit"` // per child; -1: killed at its time limit or not started
	Seconds     float64  `json:"seconds"`
	Failed      []string `json:"failed"`                // requirement IDs that failed
	Unsupported []string `json:"unsupported,omitempty"` // requirement IDs that did not apply
	Expected    []string `json:"expected,omitempty"`    // declared and failed
	Missing     []string `json:"missing,omitempty"`     // declared, but passed
	Unexpected  []string `json:"unexpected,omitempty"`  // failed, not declared
	Killed      bool     `json:"killed,omitempty"`      // mutants: the run ended 1 with failures
	Problems    []string `json:"problems,omitempty"`    // why this implementation fails the selftest
	WorkDir     string   `json:"workDir"`
	// FailedSpecs names, per unexpected requirement, its first failing spec (for diagnosis).
	FailedSpecs map[string]string `json:"failedSpecs,omitempty"`
	outputs     []string
}

// Matrix is the whole selftest (selftest.json).
type Matrix struct {
	Requirements []string `json:"requirements"`
	Results      []Result `json:"results"`
	Mutants      int      `json:"mutants"`
	Killed       int      `json:"killed"`
	KilledRight  int      `json:"killedAsDeclared"` // killed with every declared requirement
	Exact        int      `json:"killedExactly"`    // killed by exactly the declared requirements
	Score        float64  `json:"mutationScore"`
	Uncovered    []string `json:"uncoveredRequirements,omitempty"`
	Problems     []string `json:"problems,omitempty"` // catalogue-wide problems
	OK           bool     `json:"ok"`
	Seconds      float64  `json:"seconds"`
	WorkDir      string   `json:"workDir"`
}

func buildMatrix(runs []*implRun, whole bool) Matrix {
	m := Matrix{OK: true}
	for _, r := range requirements.All() {
		m.Requirements = append(m.Requirements, r.ID)
	}
	for _, r := range runs {
		res := evaluate(r)
		if res.Kind == string(mutants.KindMutant) {
			m.Mutants++
			if res.Killed {
				m.Killed++
				if len(res.Missing) == 0 {
					m.KilledRight++
					if len(res.Unexpected) == 0 {
						m.Exact++
					}
				}
			}
		}
		if len(res.Problems) > 0 {
			m.OK = false
		}
		m.Results = append(m.Results, res)
	}
	if m.Mutants > 0 {
		m.Score = float64(m.Killed) / float64(m.Mutants)
	}
	// Every requirement must be declared by a mutant of the catalogue, and, when the whole
	// catalogue ran, failed by one that declares it.
	declared := map[string]bool{}
	for _, im := range mutants.All() {
		if im.Kind == mutants.KindMutant {
			for _, id := range im.Declares {
				declared[id] = true
			}
		}
	}
	caught := map[string]bool{}
	for _, res := range m.Results {
		for _, id := range res.Expected {
			caught[id] = true
		}
	}
	for _, id := range m.Requirements {
		switch {
		case !declared[id]:
			m.Uncovered = append(m.Uncovered, id)
			m.Problems = append(m.Problems, id+" is declared by no mutant")
		case whole && !caught[id]:
			m.Uncovered = append(m.Uncovered, id)
			m.Problems = append(m.Problems, id+" is failed by none of the mutants that declare it")
		}
	}
	if len(m.Problems) > 0 {
		m.OK = false
	}
	return m
}

// evaluate judges one implementation from its children.
func evaluate(r *implRun) Result {
	im := r.impl
	res := Result{Name: im.Name, Kind: string(im.Kind), Description: im.Description, Declares: im.Declares, WorkDir: r.dir}
	failed, unsupported := map[string]bool{}, map[string]bool{}
	specs := map[string]string{}
	problem := func(format string, args ...any) { res.Problems = append(res.Problems, fmt.Sprintf(format, args...)) }
	exits := map[int]bool{}
	for _, j := range r.jobs {
		res.Exit = append(res.Exit, j.exit)
		res.Seconds = max(res.Seconds, j.duration.Seconds())
		res.outputs = append(res.outputs, j.dir)
		exits[j.exit] = true
		name := j.label()
		switch {
		case j.startErr != nil:
			problem("%s: %v", name, j.startErr)
		case j.timedOut:
			problem("%s: still running after %s, killed", name, j.duration.Round(time.Second))
		}
		for _, p := range j.panics {
			problem("%s panicked: %s", name, p)
		}
		if j.report == nil {
			if im.Kind != mutants.KindHostile && !j.timedOut {
				problem("%s: no %s (%v)", name, report.ConformanceJSON, j.reportEr)
			}
			continue
		}
		if j.report.SuiteError != "" && im.Kind != mutants.KindHostile {
			problem("%s: suite error: %s", name, firstLine(j.report.SuiteError))
		}
		for _, req := range j.report.Requirements {
			switch req.Outcome {
			case report.Failed:
				failed[req.ID] = true
				if _, ok := specs[req.ID]; !ok && len(req.Failures) > 0 {
					specs[req.ID] = req.Failures[0].Spec + ": " + firstViolation(req.Failures[0].Message)
				}
			case report.Unsupported:
				unsupported[req.ID] = true
			}
		}
	}
	for _, req := range requirements.All() {
		if failed[req.ID] {
			res.Failed = append(res.Failed, req.ID)
		} else if unsupported[req.ID] {
			res.Unsupported = append(res.Unsupported, req.ID)
		}
	}
	switch im.Kind {
	case mutants.KindReference, mutants.KindVariant:
		res.Unexpected = res.Failed
		for _, j := range r.jobs {
			if j.exit != 0 && !j.timedOut && j.startErr == nil {
				problem("%s: exit %d, want 0 (strict)", j.label(), j.exit)
			}
		}
		if len(res.Failed) > 0 {
			problem("fails %s, but must pass everything (strict)", strings.Join(res.Failed, " "))
		}
	case mutants.KindMutant:
		for _, id := range im.Declares {
			if failed[id] {
				res.Expected = append(res.Expected, id)
			} else {
				res.Missing = append(res.Missing, id)
			}
		}
		for _, id := range res.Failed {
			if !slices.Contains(im.Declares, id) {
				res.Unexpected = append(res.Unexpected, id)
			}
		}
		res.Killed = exits[1] && len(res.Failed) > 0 && !exits[-1] && !exits[2]
		switch {
		case exits[2]:
			problem("the run ended 2 (configuration error or unreachable target), not with a verdict")
		case !res.Killed:
			problem("survived: the run conforms (exit 0)")
		case len(res.Missing) > 0:
			problem("killed, but not for %s, which it declares", strings.Join(res.Missing, " "))
		}
	case mutants.KindHostile:
		for _, j := range r.jobs {
			if !j.timedOut && j.startErr == nil && j.exit != exitFail && j.exit != exitUsage {
				problem("%s: exit %d, want 1 or 2", j.label(), j.exit)
			}
		}
		res.Killed = !exits[0] && !exits[-1]
	}
	if len(res.Unexpected) > 0 {
		res.FailedSpecs = map[string]string{}
		for _, id := range res.Unexpected {
			res.FailedSpecs[id] = specs[id]
		}
	}
	return res
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// firstViolation picks the first numbered violation line of a spec's failure message.
func firstViolation(msg string) string {
	for _, l := range strings.Split(msg, "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "1. ") {
			return cutText(t, 300)
		}
	}
	return cutText(firstLine(msg), 300)
}

func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// cell is the matrix mark of requirement id for one result.
func (r Result) cell(id string) string {
	failed := slices.Contains(r.Failed, id)
	declared := slices.Contains(r.Declares, id)
	switch {
	case failed && r.Kind == string(mutants.KindHostile):
		return "x"
	case failed && declared:
		return "X"
	case failed:
		return "!"
	case declared:
		return "?"
	case slices.Contains(r.Unsupported, id):
		return "-"
	}
	return "."
}

func (r Result) verdict() string {
	switch {
	case len(r.Problems) > 0:
		return "FAIL"
	case r.Kind == string(mutants.KindMutant) && len(r.Unexpected) > 0:
		return "killed (+extra)"
	case r.Kind == string(mutants.KindMutant):
		return "killed"
	case r.Kind == string(mutants.KindHostile):
		return "ended " + exitList(r.Exit)
	}
	return "passes"
}

func exitList(e []int) string {
	var s []string
	for _, x := range e {
		s = append(s, strconv.Itoa(x))
	}
	return strings.Join(s, ",")
}

// gridHeader renders the requirement columns as two lines: the ID prefixes (cut to the width
// of their group), then the numbers.
func gridHeader(ids []string) (string, string) {
	var top, bottom []string
	for i := 0; i < len(ids); {
		prefix, _, _ := strings.Cut(ids[i], "-")
		var nums strings.Builder
		for ; i < len(ids); i++ {
			p, num, _ := strings.Cut(ids[i], "-")
			if p != prefix {
				break
			}
			nums.WriteString(num[len(num)-1:])
		}
		w := nums.Len()
		top = append(top, fmt.Sprintf("%-*s", w, prefix[:min(w, len(prefix))]))
		bottom = append(bottom, nums.String())
	}
	return strings.Join(top, " "), strings.Join(bottom, " ")
}

func (r Result) grid(ids []string) string {
	var b strings.Builder
	prev := ""
	for i, id := range ids {
		prefix, _, _ := strings.Cut(id, "-")
		if i > 0 && prefix != prev {
			b.WriteByte(' ')
		}
		prev = prefix
		b.WriteString(r.cell(id))
	}
	return b.String()
}

func printMatrix(w io.Writer, m Matrix) {
	top, bottom := gridHeader(m.Requirements)
	const nameW, kindW = 30, 9
	fmt.Fprintf(w, "\ndetection matrix (X failed as declared, ! failed unexpectedly, ? declared but passed, x failed (hostile target), - unsupported, . passed)\n")
	fmt.Fprintf(w, "%-*s %-*s %s\n", nameW, "", kindW, "", top)
	fmt.Fprintf(w, "%-*s %-*s %s  exit   time  verdict\n", nameW, "implementation", kindW, "kind", bottom)
	for _, r := range m.Results {
		fmt.Fprintf(w, "%-*s %-*s %s  %-5s %5.1fs  %s\n", nameW, r.Name, kindW, r.Kind, r.grid(m.Requirements), exitList(r.Exit), r.Seconds, r.verdict())
	}
	fmt.Fprintln(w)
	for _, r := range m.Results {
		if len(r.Unexpected) == 0 && len(r.Problems) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s (%s):\n", r.Name, r.Kind)
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  PROBLEM: %s\n", p)
		}
		for _, id := range r.Unexpected {
			fmt.Fprintf(w, "  unexpected %s: %s\n", id, r.FailedSpecs[id])
		}
	}
	for _, p := range m.Problems {
		fmt.Fprintf(w, "PROBLEM: %s\n", p)
	}
	if m.Mutants > 0 {
		fmt.Fprintf(w, "mutation score: %d/%d killed (%.0f%%); %d killed for every declared requirement, %d by exactly the declared ones\n",
			m.Killed, m.Mutants, 100*m.Score, m.KilledRight, m.Exact)
	}
}

// printTails shows the end of the output of each child of a failing implementation.
func printTails(w io.Writer, r Result) {
	for _, dir := range r.outputs {
		for _, f := range []string{"stderr.txt", "stdout.txt"} {
			t := tail(filepath.Join(dir, f), 20)
			if strings.TrimSpace(t) == "" {
				continue
			}
			fmt.Fprintf(w, "--- %s: last lines of %s ---\n%s\n", r.Name, filepath.Join(dir, f), t)
		}
	}
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = cutText(l, 400)
	}
	return strings.Join(lines, "\n")
}

func writeMatrix(dir string, m Matrix) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, selftestJSON), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, selftestMarkdown), []byte(matrixMarkdown(m)), 0o644)
}

func matrixMarkdown(m Matrix) string {
	var b strings.Builder
	b.WriteString("# Selftest: detection matrix\n\n")
	verdict := "PASS"
	if !m.OK {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "Verdict: **%s** in %.0f s. Mutation score: %d/%d killed (%.0f%%), %d for every declared requirement, %d by exactly the declared ones.\n\n",
		verdict, m.Seconds, m.Killed, m.Mutants, 100*m.Score, m.KilledRight, m.Exact)
	b.WriteString("```\n")
	printMatrix(&b, m)
	b.WriteString("```\n\n| implementation | kind | declares | failed | verdict | description |\n|---|---|---|---|---|---|\n")
	for _, r := range m.Results {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.Name, r.Kind, strings.Join(r.Declares, " "),
			strings.Join(r.Failed, " "), r.verdict(), strings.ReplaceAll(r.Description, "|", `\|`))
	}
	return b.String()
}

func printCatalogue(w io.Writer, impls []mutants.Impl) {
	for _, im := range impls {
		fmt.Fprintf(w, "%-30s %-9s %-40s %s\n", im.Name, im.Kind, strings.Join(im.Declares, " "), im.Description)
	}
}

func countKinds(impls []mutants.Impl) string {
	n := map[mutants.Kind]int{}
	for _, im := range impls {
		n[im.Kind]++
	}
	return fmt.Sprintf("%d implementations (%d reference, %d variants, %d mutants, %d hostile)", len(impls),
		n[mutants.KindReference], n[mutants.KindVariant], n[mutants.KindMutant], n[mutants.KindHostile])
}
