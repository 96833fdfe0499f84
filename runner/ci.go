package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/callconf/callconf/internal/report"
)

// The variables GitHub Actions sets in a job's steps that the runner reads.
const (
	envGitHubActions     = "GITHUB_ACTIONS"      // "true" in a GitHub Actions job
	envGitHubStepSummary = "GITHUB_STEP_SUMMARY" // the file a step appends its Markdown summary to
)

// publish hands the verdict to the CI system the run is in: when GITHUB_STEP_SUMMARY names a
// file, conformance.md is appended to it (the job's summary page), and under GITHUB_ACTIONS=true
// each gating failure (and a run without a verdict) is printed on stdout as an ::error
// annotation. Everything passes through redact first. A summary that cannot be written is
// warned about; it never changes the exit status.
func publish(c report.Conformance, redact func(string) string, getenv func(string) string, stdout, stderr io.Writer) {
	if getenv(envGitHubActions) == "true" {
		for _, a := range c.Annotations(redact) {
			fmt.Fprintln(stdout, a)
		}
	}
	path := getenv(envGitHubStepSummary)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		_, err = io.WriteString(f, report.StepSummary(redact(c.Markdown()))+"\n")
		err = cmp.Or(err, f.Close()) // Close runs either way

	}
	if err != nil {
		fmt.Fprintf(stderr, "WARNING: %s: %v\n", envGitHubStepSummary, err)
	}
}

// withoutCI is env less the GitHub Actions variables publish reads: the runs a selftest starts
// are the harness's own business, not the job's summary or annotations.
func withoutCI(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		return strings.HasPrefix(kv, envGitHubActions+"=") || strings.HasPrefix(kv, envGitHubStepSummary+"=")
	})
}
