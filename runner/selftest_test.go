package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/mutants"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
)

// canned builds a finished run of an implementation from exit statuses and the requirement IDs
// each child failed, without starting anything.
func canned(kind mutants.Kind, declares []string, exits []int, failed ...[]string) *implRun {
	r := &implRun{impl: mutants.Impl{Name: "canned", Kind: kind, Description: "canned", Declares: declares},
		inst: &mutants.Instance{}}
	for i, exit := range exits {
		c := &report.Conformance{}
		for _, req := range requirements.All() {
			out := report.Requirement{Requirement: req, Outcome: report.Passed}
			if i < len(failed) && slices.Contains(failed[i], req.ID) {
				out.Outcome = report.Failed
				out.Failures = []report.Failure{{Spec: "Update call " + req.ID + " canned", Message: "  1. canned violation"}}
			}
			c.Requirements = append(c.Requirements, out)
		}
		r.jobs = append(r.jobs, &job{run: r, exit: exit, report: c})
	}
	return r
}

func TestEvaluate(t *testing.T) {
	ids := strings.Fields
	for _, c := range []struct {
		name       string
		run        *implRun
		problems   int
		killed     bool
		unexpected []string
		missing    []string
	}{
		{"reference passes", canned(mutants.KindReference, nil, []int{0}), 0, false, nil, nil},
		{"variant fails a SHOULD", canned(mutants.KindVariant, nil, []int{1}, ids("ERR-05")), 2, false, ids("ERR-05"), nil},
		{"variant shards pass", canned(mutants.KindVariant, nil, []int{0, 0}), 0, false, nil, nil},
		{"variant shard fails", canned(mutants.KindVariant, nil, []int{0, 1}, nil, ids("HTTP-01")), 2, false, ids("HTTP-01"), nil},
		{"mutant killed exactly", canned(mutants.KindMutant, ids("PATCH-04 STATE-05"), []int{1}, ids("PATCH-04 STATE-05")), 0, true, nil, nil},
		{"mutant killed with extras", canned(mutants.KindMutant, ids("PATCH-04"), []int{1}, ids("PATCH-04 STATE-01")), 0, true, ids("STATE-01"), nil},
		{"mutant killed for the wrong reason", canned(mutants.KindMutant, ids("PATCH-04 STATE-05"), []int{1}, ids("PATCH-04 ERR-01")), 1, true, ids("ERR-01"), ids("STATE-05")},
		{"mutant survives", canned(mutants.KindMutant, ids("ERR-07"), []int{0}), 1, false, nil, ids("ERR-07")},
		{"mutant run ends 2", canned(mutants.KindMutant, ids("ERR-07"), []int{2}, ids("ERR-07")), 1, false, nil, nil},
		{"hostile ends 1", canned(mutants.KindHostile, nil, []int{1}, ids("PATCH-01")), 0, true, nil, nil},
		{"hostile ends 2", canned(mutants.KindHostile, nil, []int{2}), 0, true, nil, nil},
		{"hostile ends 0", canned(mutants.KindHostile, nil, []int{0}), 1, false, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := evaluate(c.run)
			if len(res.Problems) != c.problems {
				t.Errorf("problems %q, want %d", res.Problems, c.problems)
			}
			if res.Killed != c.killed {
				t.Errorf("killed %t, want %t", res.Killed, c.killed)
			}
			if !slices.Equal(res.Unexpected, c.unexpected) || !slices.Equal(res.Missing, c.missing) {
				t.Errorf("unexpected %v missing %v, want %v %v", res.Unexpected, res.Missing, c.unexpected, c.missing)
			}
		})
	}
}

func TestEvaluateHostileTimeoutAndPanic(t *testing.T) {
	r := canned(mutants.KindHostile, nil, []int{-1})
	r.jobs[0].timedOut = true
	if res := evaluate(r); len(res.Problems) != 1 || res.Killed {
		t.Errorf("a hostile child killed at its limit: problems %q killed %t", res.Problems, res.Killed)
	}
	r = canned(mutants.KindHostile, nil, []int{2})
	dir := t.TempDir()
	out := filepath.Join(dir, "stderr.txt")
	if err := os.WriteFile(out, []byte("runner: something\npanic: runtime error: index out of range\n\ngoroutine 1 [running]:\nmain.main()\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.jobs[0].panics = findPanics(out, filepath.Join(dir, "absent.txt"))
	if len(r.jobs[0].panics) != 2 {
		t.Fatalf("findPanics = %q", r.jobs[0].panics)
	}
	if res := evaluate(r); len(res.Problems) != 2 {
		t.Errorf("a panicking child: problems %q", res.Problems)
	}
}

func TestBuildMatrix(t *testing.T) {
	runs := []*implRun{
		canned(mutants.KindReference, nil, []int{0}),
		canned(mutants.KindMutant, []string{"ERR-07"}, []int{1}, []string{"ERR-07"}),
		canned(mutants.KindMutant, []string{"ERR-08"}, []int{0}),
	}
	m := buildMatrix(runs, false)
	if m.OK || m.Mutants != 2 || m.Killed != 1 || m.Exact != 1 || m.Score != 0.5 {
		t.Errorf("matrix: ok %t mutants %d killed %d exact %d score %v", m.OK, m.Mutants, m.Killed, m.Exact, m.Score)
	}
	if len(m.Problems) != 0 {
		t.Errorf("the catalogue declares every requirement, yet: %q", m.Problems)
	}
	// The whole catalogue ran, but only ERR-07 was caught: every other requirement is uncovered.
	m = buildMatrix(runs, true)
	if len(m.Uncovered) != len(requirements.All())-1 || slices.Contains(m.Uncovered, "ERR-07") {
		t.Errorf("uncovered %v", m.Uncovered)
	}
	var b bytes.Buffer
	printMatrix(&b, m)
	for _, want := range []string{"PATCH    ERR       HT STATE", "12345678 123456789 12 123456", "mutation score: 1/2 killed (50%)", "survived"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("matrix lacks %q:\n%s", want, b.String())
		}
	}
	if md := matrixMarkdown(m); !strings.Contains(md, "Verdict: **FAIL**") {
		t.Errorf("markdown:\n%s", md)
	}
}

func TestSelftestFlags(t *testing.T) {
	var out, errs bytes.Buffer
	child := childCommand{exe: "/nonexistent"}
	if code := selftest(context.Background(), []string{"--parallel", "0"}, &out, &errs, child); code != exitUsage {
		t.Errorf("--parallel 0: exit %d", code)
	}
	if code := selftest(context.Background(), []string{"--only", "nothing-by-this-name"}, &out, &errs, child); code != exitUsage {
		t.Errorf("--only matching nothing: exit %d", code)
	}
	out.Reset()
	if code := selftest(context.Background(), []string{"--list", "--only", "reference|gzip"}, &out, &errs, child); code != exitOK {
		t.Errorf("--list: exit %d", code)
	}
	if got := strings.Count(out.String(), "\n"); got != 2 {
		t.Errorf("--list printed %d lines:\n%s", got, out.String())
	}
}

// TestSelftestChildren builds the runner and runs a small selftest end to end: the reference, a
// variant and two mutants, each in a child process.
func TestSelftestChildren(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the runner and starts child processes")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	bin := filepath.Join(t.TempDir(), "runner")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	reports := t.TempDir()
	var out, errs bytes.Buffer
	code := selftest(ctx, []string{"--only", "reference|gzip|status-204|no-request-id", "--parallel", "2",
		"--report-dir", reports, "--work-dir", t.TempDir()}, &out, &errs, childCommand{exe: bin})
	if code != exitOK {
		t.Fatalf("selftest exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errs.String())
	}
	b, err := os.ReadFile(filepath.Join(reports, selftestJSON))
	if err != nil {
		t.Fatal(err)
	}
	var m Matrix
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if !m.OK || m.Mutants != 2 || m.Killed != 2 || len(m.Results) != 4 {
		t.Errorf("matrix: %+v", m)
	}
	for _, r := range m.Results {
		if r.Name == "no-request-id" && !slices.Equal(r.Failed, []string{"HTTP-01"}) {
			t.Errorf("no-request-id failed %v, want HTTP-01", r.Failed)
		}
	}
	if _, err := os.Stat(filepath.Join(reports, selftestMarkdown)); err != nil {
		t.Error(err)
	}
}
