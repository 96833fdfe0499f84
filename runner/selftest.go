package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/mutants"
	"github.com/callconf/callconf/internal/selftest"
)

// runSelftest is `callconf selftest`: it proves the harness against the mutants catalogue (see
// package selftest), each child run being this executable re-executed.
func runSelftest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "selftest: cannot find this executable to re-run it: %v\n", err)
		return exitUsage
	}
	return runSelftestWith(ctx, args, stdout, stderr, selftest.Command{Exe: exe})
}

// runSelftestWith is runSelftest with the command that starts a child run; tests point it at a
// runner binary they built.
func runSelftestWith(ctx context.Context, args []string, stdout, stderr io.Writer, child selftest.Command) int {
	fs := newFlagSet("selftest", stderr, selftestUsage)
	o := selftest.Options{Command: child, Progress: stdout, Env: withoutCI(config.WithoutEnv(os.Environ())), TokenVar: config.EnvToken}
	var only []string
	var reportDir string
	var keep, list bool
	fs.IntVar(&o.Parallel, "parallel", 3, "child runs at once")
	fs.Func("only", "run only implementations whose name fully matches this regular expression (repeatable)", func(s string) error {
		only = append(only, s)
		return nil
	})
	fs.StringVar(&reportDir, "report-dir", "", "write the matrix as "+selftest.JSONFile+" and "+selftest.MarkdownFile+" into this directory")
	fs.StringVar(&o.WorkDir, "work-dir", "", "directory for the children's reports and output (default: a new temporary directory)")
	fs.BoolVar(&keep, "keep", false, "keep the work directory even when everything passed (it is always kept, and printed, when not)")
	fs.BoolVar(&list, "list", false, "print the catalogue (name, kind, what each is declared to fail or spare) and exit without running")
	fs.DurationVar(&o.ChildTimeout, "child-timeout", 4*time.Minute, "bound on one child run (hostile targets have their own, shorter bound)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if o.Parallel < 1 {
		fmt.Fprintln(stderr, "selftest: --parallel must be at least 1")
		return exitUsage
	}
	impls, err := mutants.Select(only)
	if err != nil {
		fmt.Fprintf(stderr, "selftest: %v\n", err)
		return exitUsage
	}
	if list {
		selftest.PrintCatalogue(stdout, impls)
		return exitOK
	}
	temporary := o.WorkDir == ""
	if temporary {
		o.WorkDir, err = os.MkdirTemp("", "callconf-selftest-")
	} else {
		err = os.MkdirAll(o.WorkDir, 0o755)
	}
	if err != nil {
		fmt.Fprintf(stderr, "selftest: %v\n", err)
		return exitUsage
	}
	// A temporary work directory goes only after a pass without --keep: whatever else ends the
	// selftest leaves the children's reports and output there, and says where.
	passed := false
	defer func() {
		if passed && !keep && temporary {
			_ = os.RemoveAll(o.WorkDir)
			return
		}
		fmt.Fprintf(stdout, "selftest: work directory kept: %s\n", o.WorkDir)
	}()
	start := time.Now()
	fmt.Fprintf(stdout, "selftest: %s, %d at once, work directory %s\n", selftest.CountKinds(impls), o.Parallel, o.WorkDir)
	targets, err := selftest.Run(ctx, impls, o)
	if err != nil {
		fmt.Fprintf(stderr, "selftest: %v\n", err)
		return exitUsage
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "selftest: interrupted")
		return exitUsage
	}

	m := selftest.Score(targets, len(impls) == len(mutants.All()))
	m.Seconds = time.Since(start).Seconds()
	m.WorkDir = o.WorkDir
	selftest.PrintMatrix(stdout, m)
	selftest.PrintTails(stdout, m)
	if reportDir != "" {
		if err := selftest.WriteFiles(reportDir, m); err != nil {
			fmt.Fprintf(stderr, "selftest: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(stdout, "matrix written to %s and %s\n", filepath.Join(reportDir, selftest.JSONFile), filepath.Join(reportDir, selftest.MarkdownFile))
	}
	if m.OK {
		passed = true
		fmt.Fprintf(stdout, "selftest: PASS in %.1fs\n", m.Seconds)
		return exitOK
	}
	fmt.Fprintf(stdout, "selftest: FAIL in %.1fs\n", m.Seconds)
	return exitFail
}

const selftestUsage = `usage: callconf selftest [flags]

Runs the conformance suite (strict) against the reference, every allowed variant, every mutant
and every hostile target of the catalogue, each in a child process, and prints the detection
matrix. Exit 0 only when everything behaves as declared.

Each child's reports and output go to a directory named after its implementation in the work
directory. A temporary work directory is removed after a pass, unless --keep; after a failure
or an interruption it is kept, and its path printed. --list shows the catalogue;
'callconf serve --mutant NAME' (or --variant NAME) serves one implementation to reproduce its
row with any client.

`
