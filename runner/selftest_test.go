package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/mutants"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/selftest"
)

func TestSelftestFlags(t *testing.T) {
	var out, errs bytes.Buffer
	child := selftest.Command{Exe: "/nonexistent"}
	for _, args := range [][]string{{"--parallel", "0"}, {"--only", "nothing-by-this-name"}, {"extra"}, {"--no-such-flag"}} {
		if code := runSelftestWith(context.Background(), args, &out, &errs, child); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
	out.Reset()
	if code := runSelftestWith(context.Background(), []string{"--list", "--only", "reference|gzip"}, &out, &errs, child); code != exitOK {
		t.Errorf("--list: exit %d", code)
	}
	if got := strings.Count(out.String(), "\n"); got != 3 {
		t.Errorf("--list printed %d lines:\n%s", got, out.String())
	}
}

// TestSelftestListNamesEveryImplementation: --list prints every implementation of the catalogue
// with what it is declared to fail or spare, exit 0, and starts no child (the command given
// does not exist).
func TestSelftestListNamesEveryImplementation(t *testing.T) {
	var out, errs bytes.Buffer
	code := runSelftestWith(context.Background(), []string{"--list"}, &out, &errs, selftest.Command{Exe: "/nonexistent"})
	if code != exitOK || errs.Len() > 0 {
		t.Fatalf("exit %d, stderr %s", code, errs.String())
	}
	// What the catalogue's lines hold is package selftest's test; here: --list prints exactly
	// that and runs nothing.
	var want bytes.Buffer
	selftest.PrintCatalogue(&want, mutants.All())
	if out.String() != want.String() {
		t.Errorf("--list printed:\n%s\nwant the catalogue:\n%s", out.String(), want.String())
	}
}

// fakeRunner writes a program that stands in for the runner in a child run: it puts a
// conformance.json in which every requirement passes into its --report-dir and exits with exit.
func fakeRunner(t *testing.T, exit int) selftest.Command {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake runner is a shell script")
	}
	dir := t.TempDir()
	c := report.Conformance{Strict: true, Conforms: exit == 0}
	for _, r := range requirements.All() {
		c.Requirements = append(c.Requirements, report.Requirement{Requirement: r, Outcome: report.Passed})
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	canned := filepath.Join(dir, report.ConformanceJSON)
	script := filepath.Join(dir, "fake-runner")
	body := fmt.Sprintf("#!/bin/sh\nwhile [ $# -gt 0 ]; do\n  if [ \"$1\" = --report-dir ]; then cp '%s' \"$2/%s\"; fi\n  shift\ndone\nexit %d\n", canned, report.ConformanceJSON, exit)
	if err := errors.Join(os.WriteFile(canned, b, 0o600), os.WriteFile(script, []byte(body), 0o700)); err != nil {
		t.Fatal(err)
	}
	return selftest.Command{Exe: script}
}

// keptDir runs the selftest of the reference alone with a temporary work directory (under a
// TMPDIR of the test's) and returns its exit status, output and the directory it printed as kept.
func keptDir(t *testing.T, child selftest.Command, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("TMPDIR", t.TempDir())
	var out, errs bytes.Buffer
	code := runSelftestWith(context.Background(), append([]string{"--only", "reference", "--parallel", "1"}, args...), &out, &errs, child)
	_, kept, _ := strings.Cut(out.String(), "selftest: work directory kept: ")
	kept, _, _ = strings.Cut(kept, "\n")
	return code, out.String() + errs.String(), kept
}

// TestSelftestKeepLeavesWorkDirectory: after a pass, --keep keeps the temporary work directory
// (with the child's report) and prints it; without --keep it is removed.
func TestSelftestKeepLeavesWorkDirectory(t *testing.T) {
	code, out, kept := keptDir(t, fakeRunner(t, 0), "--keep")
	if code != exitOK || kept == "" {
		t.Fatalf("exit %d, kept %q\n%s", code, kept, out)
	}
	if _, err := os.Stat(filepath.Join(kept, "reference", report.ConformanceJSON)); err != nil {
		t.Errorf("the child's report is gone: %v\n%s", err, out)
	}

	code, out, kept = keptDir(t, fakeRunner(t, 0))
	if code != exitOK || kept != "" {
		t.Fatalf("without --keep: exit %d, kept %q\n%s", code, kept, out)
	}
	_, dir, _ := strings.Cut(out, "work directory ")
	dir, _, _ = strings.Cut(dir, "\n")
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("without --keep, %s is left after a pass (%v)", dir, err)
	}
}

// TestSelftestFailureKeepsWorkDirectory: a failing selftest (here the reference's run ends 1)
// keeps the temporary work directory and prints it, --keep or not, so that `--only NAME`
// leaves the failing child's output to read.
func TestSelftestFailureKeepsWorkDirectory(t *testing.T) {
	code, out, kept := keptDir(t, fakeRunner(t, 1))
	if code != exitFail || kept == "" {
		t.Fatalf("exit %d, kept %q\n%s", code, kept, out)
	}
	for _, f := range []string{selftest.StdoutFile, selftest.StderrFile, report.ConformanceJSON} {
		if _, err := os.Stat(filepath.Join(kept, "reference", f)); err != nil {
			t.Errorf("%v\n%s", err, out)
		}
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
	// Bounded well above its usual minute: CI runs it beside every other package's tests.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	reports := t.TempDir()
	var out, errs bytes.Buffer
	// Two generation seeds, not the default 20: the seeds' children are covered, the time is not
	// spent (selftest's own tests pin which children run them).
	code := runSelftestWith(ctx, []string{"--only", "reference|gzip|status-204|no-request-id", "--parallel", "2", "--seeds", "2",
		"--report-dir", reports, "--work-dir", t.TempDir()}, &out, &errs, selftest.Command{Exe: bin})
	if code != exitOK {
		t.Fatalf("selftest exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errs.String())
	}
	for _, want := range []string{"selftest: 4 implementations (1 reference, 1 variants, 2 mutants, 0 hostile), 2 at once", "detection matrix (", "selftest: PASS in "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	b, err := os.ReadFile(filepath.Join(reports, selftest.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var m selftest.Matrix
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
	if _, err := os.Stat(filepath.Join(reports, selftest.MarkdownFile)); err != nil {
		t.Error(err)
	}
}
