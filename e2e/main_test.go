// Package e2e tests the runner binary as users run it: against the embedded reference, a served
// reference with a token, broken and hostile targets, and TLS targets. Each test builds nothing
// itself: TestMain builds the runner once.
//
// It imports the project's packages only to set up targets (internal/reference, internal/mutants,
// internal/listen, internal/testsupport), to name what it expects (internal/requirements) and for
// config.WithoutEnv; what it judges is the binary's exit status, output
// and report files.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/config"
)

// panicTrace matches the goroutine header of a Go panic trace.
var panicTrace = regexp.MustCompile(`goroutine \d+ \[`)

// runnerBin is the runner built once for every test of this package.
var runnerBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "callconf-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	runnerBin = filepath.Join(dir, "runner")
	build := exec.Command("go", "build", "-o", runnerBin, "../runner")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the runner:", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one finished runner process.
type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %s\n--- stdout ---\n%s\n--- stderr ---\n%s", r.code, r.elapsed, tail(r.stdout, 6000), tail(r.stderr, 3000))
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// run executes the runner with args and extra environment (CALLCONF_* from the test's own
// environment is dropped), bounded by limit.
func run(t *testing.T, limit time.Duration, env []string, args ...string) result {
	t.Helper()
	return execute(t, limit, "runner", env, func(ctx context.Context) *exec.Cmd {
		return exec.CommandContext(ctx, runnerBin, args...)
	})
}

// execute runs the command cmd makes, with the test's environment less its CALLCONF_* and
// GitHub Actions variables (a run of these tests in a job must not write the job's summary)
// plus env, bounded by limit; a command that outlives it or panics fails the test.
func execute(t *testing.T, limit time.Duration, what string, env []string, cmd func(context.Context) *exec.Cmd) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	c := cmd(ctx)
	c.Env = append(withoutGitHub(config.WithoutEnv(os.Environ())), env...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	start := time.Now()
	err := c.Run()
	r := result{code: c.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("%s did not end within %s: %v\n%s", what, limit, err, r)
	}
	if strings.Contains(r.stdout+r.stderr, "panic:") || panicTrace.MatchString(r.stdout+r.stderr) {
		t.Fatalf("%s panicked:\n%s", what, r)
	}
	return r
}

// withoutGitHub is env less GITHUB_ACTIONS and GITHUB_STEP_SUMMARY.
func withoutGitHub(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "GITHUB_ACTIONS=") && !strings.HasPrefix(kv, "GITHUB_STEP_SUMMARY=") {
			out = append(out, kv)
		}
	}
	return out
}
