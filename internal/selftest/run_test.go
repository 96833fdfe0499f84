package selftest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/mutants"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
)

// fakeChildEnv, set in the environment of this test binary's children, makes the binary act as
// a fake runner (fakeChild) instead of running the tests.
const fakeChildEnv = "SELFTEST_FAKE_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(fakeChildEnv) == "1" {
		os.Exit(fakeChild(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Setenv(fakeChildEnv, "1")
	os.Exit(m.Run())
}

// fakeChild stands in for `runner run`: it takes the arguments Run gives a child, plus --fake-*
// flags that the instance under test appends (Instance.Args), and writes conformance.json.
func fakeChild(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	baseURL := fs.String("base-url", "", "")
	dir := fs.String("report-dir", "", "")
	filter := fs.String("label-filter", "", "")
	fs.Bool("strict", false, "")
	fs.Bool("randomize-all", true, "")
	fs.String("capabilities", "", "")
	fs.Int("procs", 0, "")
	fs.Func("call-id", "", func(string) error { return nil })
	fail := fs.String("fake-fail", "", "requirement IDs that fail")
	inconclusive := fs.String("fake-inconclusive", "", "requirement IDs the run cannot decide")
	exit := fs.Int("fake-exit", 0, "exit status")
	say := fs.String("fake-say", "", "printed to stderr")
	noReport := fs.Bool("fake-no-report", false, "write no conformance.json")
	get := fs.Bool("fake-get", false, "GET the base URL first, waiting as long as it takes")
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprintf(stderr, "fake child: want run, got %q\n", args)
		return 3
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 3
	}
	fmt.Fprintf(stdout, "token=%s filter=%s leaked=%s\n", os.Getenv("FAKE_TOKEN"), *filter, os.Getenv("CALLCONF_LEAK"))
	if *get {
		resp, err := http.Get(*baseURL)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		resp.Body.Close()
	}
	fmt.Fprint(stderr, *say)
	if !*noReport {
		c := report.Conformance{Target: *baseURL, Strict: true}
		for _, req := range requirements.All() {
			out := report.Requirement{Requirement: req, Outcome: report.Passed}
			switch {
			case slices.Contains(strings.Fields(*fail), req.ID):
				out.Outcome = report.Failed
				out.Failures = []report.Failure{{Spec: "fake " + req.ID, Message: "fake failure"}}
			case slices.Contains(strings.Fields(*inconclusive), req.ID):
				out.Outcome = Inconclusive
			}
			c.Requirements = append(c.Requirements, out)
		}
		b, _ := json.Marshal(c)
		if err := os.WriteFile(filepath.Join(*dir, report.ConformanceJSON), b, 0o644); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	return *exit
}

// fake is an implementation served by h whose child is this test binary told args.
func fake(name string, kind mutants.Kind, declares []string, h http.Handler, edit func(*mutants.Instance), args ...string) mutants.Impl {
	return mutants.Impl{Name: name, Kind: kind, Description: "fake " + name, Declares: declares,
		Build: func(tok string) (*mutants.Instance, error) {
			in := &mutants.Instance{Handler: h, Token: tok, Args: args}
			if edit != nil {
				edit(in)
			}
			return in, nil
		}}
}

func options(t *testing.T) Options {
	t.Setenv("CALLCONF_LEAK", "yes")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env := config.WithoutEnv(os.Environ())
	return Options{Parallel: 2, ChildTimeout: time.Minute, WorkDir: t.TempDir(), Command: Command{Exe: exe},
		Env: env, TokenVar: "FAKE_TOKEN"}
}

func byName(targets []*Target) map[string]*Target {
	m := map[string]*Target{}
	for _, t := range targets {
		m[t.Impl.Name] = t
	}
	return m
}

func TestRun(t *testing.T) {
	var hits atomic.Int32
	counting := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	var checks atomic.Int32
	impls := []mutants.Impl{
		fake("good", mutants.KindReference, nil, counting, nil, "--fake-get"),
		fake("sharded", mutants.KindVariant, nil, counting, func(in *mutants.Instance) {
			in.Shards = []string{"feature:update", "!feature:update"}
			in.Check = func() error {
				if checks.Add(1) == 2 {
					return errors.New("second look")
				}
				return nil
			}
		}),
		fake("bug", mutants.KindMutant, idList("ERR-07"), counting, nil, "--fake-fail", "ERR-07 HTTP-01", "--fake-exit", "1"),
		fake("crash", mutants.KindHostile, nil, counting, func(in *mutants.Instance) { in.Expect = `timed out after \d+ms`; in.Token = "" },
			"--fake-say", "runner: timed out after 300ms\npanic: boom\n\ngoroutine 1 [running]:\n", "--fake-exit", "2", "--fake-no-report"),
	}
	o := options(t)
	var progress bytes.Buffer
	o.Progress = &progress
	targets, err := Run(context.Background(), impls, o)
	if err != nil {
		t.Fatal(err)
	}
	got := byName(targets)
	if len(targets) != 4 || hits.Load() != 1 {
		t.Fatalf("%d targets, %d requests served", len(targets), hits.Load())
	}

	good := got["good"].Children[0]
	if good.Exit != 0 || good.Report == nil || good.StartErr != nil || good.Dir != filepath.Join(o.WorkDir, "good") || good.Label != "good" {
		t.Errorf("good: %+v", good)
	}
	if i := slices.Index(good.Args, "--procs"); i < 0 || good.Args[i+1] != strconv.Itoa(fastProcs) {
		t.Errorf("good (a fast target) does not run in %d processes: args %q", fastProcs, good.Args)
	}
	if !slices.Contains(good.Args, "--strict") || !slices.Contains(good.Args, "--report-dir") || good.Report.Target != got["good"].server.URL() {
		t.Errorf("good: args %q, report target %q", good.Args, good.Report.Target)
	}
	out, err := os.ReadFile(filepath.Join(good.Dir, StdoutFile))
	if err != nil || !strings.HasPrefix(string(out), "token=selftest-") || !strings.Contains(string(out), "leaked=\n") {
		t.Errorf("good's stdout (token given, CALLCONF_* withheld): %q %v", out, err)
	}

	sharded := got["sharded"]
	if len(sharded.Children) != 2 || checks.Load() != 2 {
		t.Fatalf("sharded: %d children, %d checks", len(sharded.Children), checks.Load())
	}
	for i, c := range sharded.Children {
		if want := fmt.Sprintf("sharded (shard-%d)", i+1); c.Label != want || c.Dir != filepath.Join(sharded.Dir, fmt.Sprintf("shard-%d", i+1)) {
			t.Errorf("shard %d: label %q dir %q", i, c.Label, c.Dir)
		}
		if i := slices.Index(c.Args, "--label-filter"); i < 0 || c.Args[i+1] != c.Filter || c.Filter == "" {
			t.Errorf("shard args %q", c.Args)
		}
		if i := slices.Index(c.Args, "--procs"); i < 0 || c.Args[i+1] != "8" {
			t.Errorf("a shard of a slow target runs in %d of 16 processes: args %q", 8, c.Args)
		}
	}
	if errs := []error{sharded.Children[0].CheckErr, sharded.Children[1].CheckErr}; (errs[0] == nil) == (errs[1] == nil) {
		t.Errorf("one of the two checks fails, got %v", errs)
	}

	if bug := got["bug"].Children[0]; bug.Exit != 1 || bug.Report == nil {
		t.Errorf("bug: %+v", bug)
	}
	crash := got["crash"].Children[0]
	if crash.Exit != 2 || crash.Report != nil || crash.ReportErr == nil || crash.MissesExpect || len(crash.Panics) != 2 {
		t.Errorf("crash: exit %d report %v (%v) misses %t panics %q", crash.Exit, crash.Report, crash.ReportErr, crash.MissesExpect, crash.Panics)
	}
	if out, _ := os.ReadFile(filepath.Join(crash.Dir, StdoutFile)); !strings.HasPrefix(string(out), "token= ") {
		t.Errorf("a target without a token gets none: %q", out)
	}

	// The slow ones start first; every child reports its end once.
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	if len(lines) != 5 || !strings.Contains(progress.String(), "[5/5]") {
		t.Errorf("progress:\n%s", progress.String())
	}

	m := Score(targets, false)
	res := map[string]Result{}
	for _, r := range m.Results {
		res[r.Name] = r
	}
	if r := res["good"]; len(r.Problems) != 0 {
		t.Errorf("good: %q", r.Problems)
	}
	if r := res["sharded"]; len(r.Problems) != 1 || !strings.Contains(r.Problems[0], "check: second look") {
		t.Errorf("sharded: %q", r.Problems)
	}
	if r := res["bug"]; !r.Killed || !slices.Equal(r.Unexpected, idList("HTTP-01")) || r.FailedSpecs["HTTP-01"] != "fake HTTP-01" || len(r.Problems) != 0 {
		t.Errorf("bug: %+v", r)
	}
	if r := res["crash"]; len(r.Problems) != 2 || !r.Killed {
		t.Errorf("crash: %+v", r)
	}
}

func TestRunTimeLimit(t *testing.T) {
	// The target never answers; the child waits for it until its limit kills it.
	release := make(chan struct{})
	defer close(release)
	hang := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	impls := []mutants.Impl{fake("hangs", mutants.KindHostile, nil, hang, func(in *mutants.Instance) {
		in.Limit = 300 * time.Millisecond
		in.Expect = "never printed"
	}, "--fake-get")}
	targets, err := Run(context.Background(), impls, options(t))
	if err != nil {
		t.Fatal(err)
	}
	c := targets[0].Children[0]
	if !c.TimedOut || c.Exit != -1 || !c.MissesExpect {
		t.Fatalf("child: %+v", c)
	}
	res := Evaluate(targets[0])
	if res.Killed || len(res.Problems) != 2 || !strings.Contains(res.Problems[0], "still running after") {
		t.Errorf("result: %+v", res)
	}
}

func TestRunRefuses(t *testing.T) {
	o := options(t)
	o.Parallel = 0
	if _, err := Run(context.Background(), nil, o); err == nil {
		t.Error("Parallel 0 accepted")
	}
	o = options(t)
	broken := mutants.Impl{Name: "broken", Build: func(string) (*mutants.Instance, error) { return nil, errAbsent }}
	if _, err := Run(context.Background(), []mutants.Impl{fake("good", mutants.KindReference, nil, http.NotFoundHandler(), nil), broken}, o); !errors.Is(err, errAbsent) {
		t.Errorf("an implementation that cannot be built: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	targets, err := Run(ctx, []mutants.Impl{fake("good", mutants.KindReference, nil, http.NotFoundHandler(), nil)}, o)
	if err != nil || targets[0].Children[0].Exit != -1 {
		t.Errorf("an interrupted selftest still ran its child: %v %+v", err, targets)
	}
}

// TestChildArgsKeepTheImplementationsProcs: a mutant marked serial (its bug reaches across
// calls, so only a serial run gives the declared verdict every time) runs in one process; the
// child's --procs must not override it (it did, and writes-other-call failed extra
// requirements depending on the order). childProcs is the one place that chooses them, and the
// reproduction line (RunArgs, printed by `serve --mutant`) names --procs 1 for a serial one only.
func TestChildArgsKeepTheImplementationsProcs(t *testing.T) {
	lastProcs := func(args []string) string {
		last := ""
		for i, a := range args {
			if a == "--procs" && i+1 < len(args) {
				last = args[i+1] // the flag package keeps the last value
			}
		}
		return last
	}
	build := func(name string) (mutants.Impl, *mutants.Instance) {
		im, ok := mutants.Get(name)
		if !ok {
			t.Fatalf("no %s in the catalogue", name)
		}
		in, err := im.Build("tok")
		if err != nil {
			t.Fatal(err)
		}
		return im, in
	}
	procsOf := func(name string) string {
		im, in := build(name)
		args := childArgs(in, "http://127.0.0.1:1", t.TempDir(), "", childProcs(&im, in, 1))
		if n := slices.Index(args, "--procs"); n < 0 || slices.Index(args[n+1:], "--procs") >= 0 {
			t.Errorf("%s's child args name --procs other than once: %q", name, args)
		}
		return lastProcs(args)
	}
	if got := procsOf("writes-other-call"); got != "1" {
		t.Errorf("a serial mutant's child runs with --procs %q, want 1", got)
	}
	if got := procsOf("reference"); got != strconv.Itoa(fastProcs) {
		t.Errorf("a fast implementation's child runs with --procs %q, want %d", got, fastProcs)
	}
	if _, in := build("writes-other-call"); lastProcs(RunArgs(in, "http://127.0.0.1:1")) != "1" {
		t.Errorf("a serial mutant's reproduction line lacks --procs 1: %q", RunArgs(in, "http://127.0.0.1:1"))
	}
	if _, in := build("reference"); lastProcs(RunArgs(in, "http://127.0.0.1:1")) != "" {
		t.Errorf("the reference's reproduction line names --procs: %q", RunArgs(in, "http://127.0.0.1:1"))
	}
}
