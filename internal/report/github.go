package report

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// The variables GitHub Actions sets in a job's steps that Publish reads.
const (
	EnvGitHubActions     = "GITHUB_ACTIONS"      // "true" in a GitHub Actions job
	EnvGitHubStepSummary = "GITHUB_STEP_SUMMARY" // the file a step appends its Markdown summary to
)

// Publish hands the verdict to the CI system the run is in: when GITHUB_STEP_SUMMARY names a
// file, conformance.md is appended to it (the job's summary page), and under GITHUB_ACTIONS=true
// each gating failure (and a run without a verdict) is printed on stdout as an ::error
// annotation. Everything passes through redact first. A summary that cannot be written is
// warned about on stderr; it never changes the verdict.
func Publish(c Conformance, redact func(string) string, getenv func(string) string, stdout, stderr io.Writer) {
	if getenv(EnvGitHubActions) == "true" {
		for _, a := range c.Annotations(redact) {
			fmt.Fprintln(stdout, a)
		}
	}
	path := getenv(EnvGitHubStepSummary)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		_, err = io.WriteString(f, StepSummary(redact(c.Markdown()))+"\n")
		err = cmp.Or(err, f.Close()) // Close runs either way
	}
	if err != nil {
		fmt.Fprintf(stderr, "WARNING: %s: %v\n", EnvGitHubStepSummary, err)
	}
}

// MaxStepSummary bounds what a run appends to GitHub's step summary: GitHub refuses a step's
// summary past 1 MiB, so a longer conformance.md is cut there, with a pointer to the whole file.
const MaxStepSummary = 1000 << 10

// StepSummary is conformance.md as a GitHub Actions step summary: md itself, or its first lines
// up to MaxStepSummary with a note that the report directory has the rest.
func StepSummary(md string) string {
	if len(md) <= MaxStepSummary {
		return md
	}
	const note = "\n\n*(cut to fit GitHub's step summary: the whole report is conformance.md in the report directory)*\n"
	cut := md[:MaxStepSummary-len(note)]
	if i := strings.LastIndexByte(cut, '\n'); i > 0 {
		cut = cut[:i]
	}
	if strings.Count(cut, "```")%2 == 1 { // close a code block left open
		cut += "\n```"
	}
	return cut + note
}

// Annotations are the run's workflow commands for GitHub Actions: an ::error for each gating
// requirement that failed (at its first failed spec's source line), and one for a run that gives
// no verdict (exit 2) naming why. Each value passes through redact, then is escaped as
// GitHub's workflow commands require.
func (c Conformance) Annotations(redact func(string) string) []string {
	var out []string
	for _, r := range c.Requirements {
		if r.Outcome != Failed || !c.gates(r) {
			continue
		}
		props := []string{"title=" + escapeProperty(fmt.Sprintf("%s (%s) failed: %s", r.ID, r.Level, r.Title))}
		fs := c.ownFirst(r.Failures, r.ID)
		if len(fs) > 0 {
			if file, line := splitLocation(fs[0].Location); file != "" && line > 0 {
				props = append([]string{"file=" + escapeProperty(file), "line=" + strconv.Itoa(line)}, props...)
			}
		}
		out = append(out, "::error "+strings.Join(props, ",")+"::"+escapeData(redact(requirementHeadline(fs))))
	}
	if c.Exit == 2 {
		out = append(out, "::error title="+escapeProperty("callconf: "+c.Verdict)+"::"+escapeData(redact(c.Why())))
	}
	return out
}

// escapeData escapes a workflow command's message: %, CR and LF.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value: as data, and : and , too.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
