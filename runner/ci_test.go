package main

import (
	"bytes"
	"strings"
	"testing"
)

// Why: the runs a selftest starts must not write the job's summary or annotate it.
func TestWithoutCIDropsTheGitHubVariables(t *testing.T) {
	got := withoutCI([]string{"GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=/x", "GITHUB_SHA=1", "PATH=/bin"})
	if strings.Join(got, " ") != "GITHUB_SHA=1 PATH=/bin" {
		t.Errorf("%q", got)
	}
}

// Why (issue 19): `help` gave exit 2 only for usage, configuration and unreachable targets, not
// for an inconclusive requirement, an incomplete run or one that judged nothing.
func TestRunHelpNamesEveryExitStatus(t *testing.T) {
	var out bytes.Buffer
	if code := runHelp(t.Context(), nil, strings.NewReader(""), &out, &out); code != exitOK {
		t.Fatalf("help: exit %d", code)
	}
	_, status, _ := strings.Cut(out.String(), "exit status:")
	for _, want := range []string{"0  the target conforms (CONFORMS)", "1  the target does not conform (DOES NOT CONFORM)", "inconclusive", "INCOMPLETE", "NOTHING JUDGED", "COULD NOT START"} {
		if !strings.Contains(status, want) {
			t.Errorf("help's exit statuses lack %q:\n%s", want, status)
		}
	}
}
