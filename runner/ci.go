package main

import (
	"slices"
	"strings"

	"github.com/callconf/callconf/internal/report"
)

// withoutCI is env less the GitHub Actions variables report.Publish reads: the runs a selftest
// starts are the harness's own business, not the job's summary or annotations.
func withoutCI(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		return strings.HasPrefix(kv, report.EnvGitHubActions+"=") || strings.HasPrefix(kv, report.EnvGitHubStepSummary+"=")
	})
}
