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
	code := runSelftestWith(ctx, []string{"--only", "reference|gzip|status-204|no-request-id", "--parallel", "2",
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
