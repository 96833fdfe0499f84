package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// suitePackage is the suite as the README runs it.
const suitePackage = "./suites/conformance"

// compiledSuite is the suite's test binary, built once by `go tool ginkgo build` beside the
// runner. `go tool ginkgo run BINARY` runs it exactly as `go tool ginkgo run ./suites/conformance`
// runs the binary it compiles, without compiling it for every case.
var compiledSuite = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(filepath.Dir(runnerBin), "conformance.test")
	out, err := exec.Command("go", "-C", "..", "tool", "ginkgo", "build", "-o", bin, suitePackage).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go tool ginkgo build: %v\n%s", err, out)
	}
	return bin, nil
})

// suiteBinary returns compiledSuite's binary, failing the test when it could not be built.
func suiteBinary(t *testing.T) string {
	t.Helper()
	bin, err := compiledSuite()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// ginkgoRun runs `go tool ginkgo run GINKGO-FLAGS SUITE -- HARNESS-FLAGS` from the module root
// (the Ginkgo CLI go.mod pins), SUITE being compiledSuite's binary, with env added to the test's
// environment less its CALLCONF_* variables.
func ginkgoRun(t *testing.T, suite string, env, ginkgoFlags, harnessFlags []string) result {
	t.Helper()
	args := append(append([]string{"tool", "ginkgo", "run", "--no-color"}, ginkgoFlags...), suite)
	if len(harnessFlags) > 0 {
		args = append(append(args, "--"), harnessFlags...)
	}
	return execute(t, 4*time.Minute, "go tool ginkgo run", env, func(ctx context.Context) *exec.Cmd {
		c := exec.CommandContext(ctx, "go", args...)
		c.Dir = ".."
		return c
	})
}

// failedSpec matches a spec Ginkgo lists as failed in its summary, with its requirement.
var failedSpec = regexp.MustCompile(`(?m)^\s*\[FAIL\] Update call \[It\] ([A-Z]+-\d+) `)

// TestGinkgoRunExitsAsTheRunnerDoes: `go tool ginkgo run ./suites/conformance` passed with "Ran 0
// of 318 Specs" where the runner said NOTHING JUDGED and exited 2, and failed for a target the
// runner found conforming (a SHOULD failed). Each case runs the real Ginkgo CLI and the runner on
// the same target with the same filters: both exit 0, or neither does.
func TestGinkgoRunExitsAsTheRunnerDoes(t *testing.T) {
	const token = "e2e-ginkgo-token-31"
	var requests atomic.Int64
	counted := serveReference(t, token, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			next.ServeHTTP(w, r)
		})
	})
	noRequestID := serveMutant(t, "no-request-id", token) // fails HTTP-01 (a SHOULD) only
	compiled := suiteBinary(t)
	for _, tc := range []struct {
		name         string
		base         string
		ginkgoFlags  []string
		harnessFlags []string
		pass         bool
		says         string // in the Ginkgo CLI's output
		failedSpecs  string // the requirement of every spec Ginkgo marks failed ("" none)
	}{
		{name: "conforming reference", pass: true, says: "verdict: CONFORMS"},
		{name: "a filter naming no requirement", base: counted, ginkgoFlags: []string{"--label-filter", "req:PATCH-4"}, says: "did you mean req:PATCH-04?"},
		{name: "nothing judged", ginkgoFlags: []string{"--focus", "no such spec"}, says: "verdict: NOTHING JUDGED"},
		{name: "only a SHOULD fails", base: noRequestID, ginkgoFlags: []string{"--label-filter", "req:HTTP-01 || req:PATCH-01"}, pass: true, says: "HTTP-01   SHOULD failed"},
		{name: "only a SHOULD fails, strict", base: noRequestID, ginkgoFlags: []string{"--label-filter", "req:HTTP-01 || req:PATCH-01"}, harnessFlags: []string{"--strict"}, says: "verdict: DOES NOT CONFORM", failedSpecs: "HTTP-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var env []string
			harness := append([]string{"--report-dir", t.TempDir()}, tc.harnessFlags...)
			if tc.base != "" {
				env = []string{"CALLCONF_TOKEN=" + token}
				harness = append(harness, "--base-url", tc.base)
			}
			summary := filepath.Join(t.TempDir(), "summary.md")
			before := requests.Load()
			g := ginkgoRun(t, compiled, append([]string{"GITHUB_STEP_SUMMARY=" + summary}, env...), tc.ginkgoFlags, harness)
			// The suite's verdict reaches GitHub's step summary as the runner's does.
			if b, err := os.ReadFile(summary); tc.base != counted && (err != nil || !strings.Contains(string(b), "**Verdict: ")) {
				t.Errorf("no verdict in the step summary (%v):\n%s", err, b)
			}
			if (g.code == 0) != tc.pass || !strings.Contains(g.stdout+g.stderr, tc.says) {
				t.Errorf("go tool ginkgo run: want pass=%v and %q:\n%s", tc.pass, tc.says, g)
			}
			// Ginkgo marks a spec failed only for its own requirement, and only when that gates
			// the run: PATCH-01's specs, whose answers also lack request-id, are not red.
			failed := failedSpec.FindAllStringSubmatch(g.stdout, -1)
			if (len(failed) > 0) != (tc.failedSpecs != "") {
				t.Errorf("Ginkgo marked %d specs failed, want them of %q only:\n%s", len(failed), tc.failedSpecs, g)
			}
			for _, m := range failed {
				if m[1] != tc.failedSpecs {
					t.Errorf("Ginkgo marked a spec of %s failed: %s", m[1], m[0])
				}
			}
			if tc.base == counted && requests.Load() != before {
				t.Errorf("the Ginkgo run sent %d requests before refusing its filter", requests.Load()-before)
			}
			// The runner, given the same filters and settings, exits 0 exactly as often.
			args := append([]string{"--report-dir", t.TempDir()}, tc.harnessFlags...)
			for i := 0; i+1 < len(tc.ginkgoFlags); i += 2 {
				args = append(args, tc.ginkgoFlags[i], tc.ginkgoFlags[i+1])
			}
			if tc.base != "" {
				args = append(args, "--base-url", tc.base)
			}
			if r := run(t, 2*time.Minute, env, args...); (r.code == 0) != tc.pass || (g.code == 0) != (r.code == 0) {
				t.Errorf("the runner exits %d, ginkgo %d; want both to pass=%v:\n%s", r.code, g.code, tc.pass, r)
			}
		})
	}
}

// TestGinkgoRunSuggestsAMistypedFlag: `go tool ginkgo run ./suites/conformance -- --base-ulr URL`
// printed the test binary's whole usage without naming the flag meant; it says it in one line.
func TestGinkgoRunSuggestsAMistypedFlag(t *testing.T) {
	g := ginkgoRun(t, suiteBinary(t), nil, nil, []string{"--base-ulr", "http://127.0.0.1:1"})
	if g.code == 0 || !strings.Contains(g.stdout+g.stderr, "unknown flag --base-ulr; did you mean --base-url?") || strings.Contains(g.stdout+g.stderr, "-test.v") {
		t.Errorf("want a failure naming --base-url, without the usage:\n%s", g)
	}
}
