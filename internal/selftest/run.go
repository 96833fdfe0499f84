package selftest

import (
	"bytes"
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

	"github.com/callconf/callconf/internal/ids"
	"github.com/callconf/callconf/internal/listen"
	"github.com/callconf/callconf/internal/mutants"
	"github.com/callconf/callconf/internal/report"
)

// The runner's exit statuses a child may end with (README, "Exit status").
const (
	exitConforms  = 0 // the target conforms
	exitFails     = 1 // a requirement failed
	exitNoVerdict = 2 // configuration error, unreachable target, suite error
)

// Names of the files a child's output is kept in, inside its directory.
const (
	StdoutFile = "stdout.txt"
	StderrFile = "stderr.txt"
)

// Command is how a child run is started: Exe, then Prefix, then the run's arguments. The runner
// re-executes itself; tests point it at a runner binary they built or at a fake.
type Command struct {
	Exe    string
	Prefix []string
}

// Options direct and bound the child runs.
type Options struct {
	Parallel     int           // child runs at once; at least 1
	ChildTimeout time.Duration // bound on one child run, unless the instance sets its own Limit
	WorkDir      string        // each implementation gets a directory named after it in here
	Command      Command       // how to start a child
	Progress     io.Writer     // one line per finished child; nil discards them
	// Env is the environment of every child (nil: this process's), to which the instance's token
	// is added as TokenVar=token. The runner passes its own environment without its settings, so
	// that a child sees only the flags it is given.
	Env      []string
	TokenVar string
	// Seeds, when above 0, adds to the reference and every allowed variant (but a sharded, slow
	// one) a child that runs only the generated specs with that many generation seeds: a false
	// alarm on some generated case fails the selftest.
	Seeds int
}

// Target is one implementation of the catalogue, served on loopback and run by its children.
type Target struct {
	Impl     mutants.Impl
	Dir      string   // the implementation's directory under Options.WorkDir
	Children []*Child // one per shard; one when the instance is not sharded

	inst    *mutants.Instance
	server  *listen.Server
	checkMu sync.Mutex // Instance.Check runs after each child, one at a time
}

// Child is one child run, of a whole implementation or one shard of it, and what it left.
type Child struct {
	Label  string // the implementation's name, with the shard's directory when sharded
	Filter string // Ginkgo label filter of the shard; "" = every spec
	Dir    string // the child's --report-dir; stdout.txt and stderr.txt are kept here too
	Args   []string

	Exit     int  // exit status; -1 when the child did not end by itself or never started
	TimedOut bool // killed at its time limit
	Duration time.Duration
	StartErr error // the child could not be started (or its output files not created)

	Report    *report.Conformance // the child's conformance.json; nil when unreadable
	ReportErr error               // why Report is nil

	MissesExpect bool     // the instance sets Expect and the output does not match it
	Panics       []string // crash traces found in the output, one line each
	CheckErr     error    // what the instance's Check returned after this child
}

// Run serves impls, runs every child against them o.Parallel at a time, slowest first, stops the
// servers and returns what each child left. It returns an error only when an implementation
// cannot be built or served; an interrupted ctx leaves the remaining children unrun (Exit -1).
func Run(ctx context.Context, impls []mutants.Impl, o Options) ([]*Target, error) {
	if o.Parallel < 1 {
		return nil, errors.New("selftest: Parallel must be at least 1")
	}
	if o.TokenVar == "" {
		return nil, errors.New("selftest: TokenVar must name the variable that carries the token")
	}
	targets, err := serve(impls, o.WorkDir, o.Seeds)
	defer stop(targets)
	if err != nil {
		return nil, err
	}
	execute(ctx, targets, o)
	return targets, nil
}

// serve builds and serves every implementation and plans its children.
func serve(impls []mutants.Impl, work string, seeds int) ([]*Target, error) {
	var targets []*Target
	for _, im := range impls {
		inst, err := im.Build(ids.Token("selftest-"))
		if err != nil {
			return targets, fmt.Errorf("building %s: %w", im.Name, err)
		}
		srv, err := listen.Start("127.0.0.1:0", inst.Handler)
		if err != nil {
			if inst.Close != nil {
				inst.Close()
			}
			return targets, fmt.Errorf("serving %s: %w", im.Name, err)
		}
		t := &Target{Impl: im, Dir: filepath.Join(work, im.Name), inst: inst, server: srv}
		shards := inst.Shards
		if len(shards) == 0 {
			shards = []string{""}
		}
		for i, f := range shards {
			c := &Child{Label: im.Name, Filter: f, Dir: t.Dir, Exit: -1}
			if len(inst.Shards) > 0 {
				c.Dir = filepath.Join(t.Dir, "shard-"+strconv.Itoa(i+1))
				c.Label = fmt.Sprintf("%s (%s)", im.Name, filepath.Base(c.Dir))
			}
			c.Args = childArgs(inst, srv.URL(), c.Dir, f, childProcs(&im, inst, len(shards)))
			t.Children = append(t.Children, c)
		}
		if c := seedsChild(t, inst, srv.URL(), seeds); c != nil {
			t.Children = append(t.Children, c)
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// stop shuts every server down and releases what the instances started besides.
func stop(targets []*Target) {
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = t.server.Shutdown(ctx)
			if t.inst.Close != nil {
				t.inst.Close()
			}
		})
	}
	wg.Wait()
}

// slowProcs is how many processes the children of one slow (sharded) implementation run in
// together: its answers take long, so the runner's parallel mode shortens its run the most.
const slowProcs = 16

// fastProcs is the --procs of a child against a fast loopback target: two, so that every
// implementation is judged through the runner's parallel mode (specs dealt out to child
// processes, their reports merged), at the cost of little more than two process starts.
const fastProcs = 2

// childProcs is the --procs of one child. Each of the shards of a slow implementation gets its
// part of slowProcs; a serial instance runs in one process (its bug reaches across calls), and
// so does a hostile target (it keeps its timing, and its run must end within its limit) and one
// with named calls (each process needs calls of its own); every other one runs in fastProcs
// processes.
func childProcs(im *mutants.Impl, in *mutants.Instance, shards int) int {
	switch {
	case in.Serial:
		return 1
	case len(in.Shards) > 0:
		return max(1, slowProcs/shards)
	case im.Kind == mutants.KindHostile || len(in.CallIDs) > 0:
		return 1
	}
	return fastProcs
}

// RunArgs are the arguments of a run against the instance served at url as the selftest's
// children get them, less where they write and how they are split (report directory, shard
// filter, and processes unless the instance is serial): what reproduces a row of the matrix
// (`runner serve --mutant NAME`). The token, if any, goes in the environment, never here.
func RunArgs(in *mutants.Instance, url string) []string {
	args := runArgs(in, url)
	if in.Serial {
		// Part of what reproduces its verdict: in parallel, its bug reaches other specs' calls.
		args = append(args, "--procs", "1")
	}
	return args
}

// runArgs are RunArgs without the processes.
func runArgs(in *mutants.Instance, url string) []string {
	args := []string{"run", "--strict", "--base-url", url, "--randomize-all=false"}
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
	return append(args, in.Args...)
}

// childArgs are the arguments of a child run against url, after the command's prefix; procs is
// its childProcs, the one place that chooses them.
func childArgs(in *mutants.Instance, url, dir, filter string, procs int) []string {
	args := append(runArgs(in, url), "--report-dir", dir, "--procs", strconv.Itoa(procs))
	if filter != "" {
		args = append(args, "--label-filter", filter)
	}
	return args
}

// cost orders children so that the slow ones start first: shards, then hostile targets.
func cost(t *Target) int {
	switch {
	case len(t.inst.Shards) > 0:
		return 3
	case t.Impl.Kind == mutants.KindHostile:
		return 2
	}
	return 1
}

// work is one child to run, with the target it runs against.
type work struct {
	target *Target
	child  *Child
}

func execute(ctx context.Context, targets []*Target, o Options) {
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	var all []work
	for _, t := range targets {
		for _, c := range t.Children {
			all = append(all, work{t, c})
		}
	}
	slices.SortStableFunc(all, func(a, b work) int { return cmp.Compare(cost(b.target), cost(a.target)) })
	queue := make(chan work)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range o.Parallel {
		wg.Go(func() {
			for w := range queue {
				w.target.runChild(ctx, w.child, o)
				mu.Lock()
				done++
				fmt.Fprintf(progress, "  [%d/%d] %-32s exit %-2d %5.1fs\n", done, len(all), w.child.Label, w.child.Exit, w.child.Duration.Seconds())
				mu.Unlock()
			}
		})
	}
	for _, w := range all {
		if ctx.Err() != nil {
			break
		}
		queue <- w
	}
	close(queue)
	wg.Wait()
}

// runChild runs c within its limit and gathers what it left.
func (t *Target) runChild(ctx context.Context, c *Child, o Options) {
	limit := o.ChildTimeout
	if t.inst.Limit > 0 {
		limit = t.inst.Limit
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		c.StartErr = err
		return
	}
	outPath, errPath := filepath.Join(c.Dir, StdoutFile), filepath.Join(c.Dir, StderrFile)
	stdout, err1 := os.Create(outPath)
	stderr, err2 := os.Create(errPath)
	defer func() {
		for _, f := range []*os.File{stdout, stderr} {
			if f != nil {
				f.Close()
			}
		}
	}()
	if err := errors.Join(err1, err2); err != nil {
		c.StartErr = err
		return
	}

	cctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(cctx, o.Command.Exe, append(slices.Clone(o.Command.Prefix), c.Args...)...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = slices.Clone(o.Env)
	if o.Env == nil {
		cmd.Env = os.Environ()
	}
	if tok := t.inst.Token; tok != "" && o.TokenVar != "" {
		cmd.Env = append(cmd.Env, o.TokenVar+"="+tok)
	}
	start := time.Now()
	err := cmd.Run()
	c.Duration = time.Since(start)
	var ee *exec.ExitError
	switch {
	case cctx.Err() != nil && ctx.Err() == nil:
		c.TimedOut = true
	case err == nil:
		c.Exit = 0
	case errors.As(err, &ee) && ee.Exited():
		c.Exit = ee.ExitCode()
	default:
		c.StartErr = err
	}
	c.Panics = findPanics(outPath, errPath)
	c.MissesExpect = t.inst.Expect != "" && !outputMatches(t.inst.Expect, outPath, errPath)
	c.Report, c.ReportErr = readConformance(filepath.Join(c.Dir, report.ConformanceJSON))
	if t.inst.Check != nil {
		t.checkMu.Lock()
		defer t.checkMu.Unlock()
		c.CheckErr = t.inst.Check()
	}
}

// panicLine matches what a crashing Go program or a panicking Ginkgo spec prints.
var panicLine = regexp.MustCompile(`(?m)^(panic: |fatal error: |goroutine \d+ \[running\]:)|\[PANICKED\]`)

// findPanics returns the first lines of at most three crash traces per file.
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

// readConformance decodes a child's conformance.json.
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
