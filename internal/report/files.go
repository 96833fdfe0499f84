package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/config"
	"github.com/onsi/ginkgo/v2/types"
)

// File names written into the report directory; CI jobs depend on them.
const (
	JUnitFile           = "junit.xml"
	JUnitSpecsFile      = "junit-specs.xml" // one case per spec: the detail behind junit.xml
	GinkgoJSONFile      = "ginkgo-report.json"
	ConformanceJSON     = "conformance.json"
	ConformanceMarkdown = "conformance.md"
)

// Conclude is the one place a suite run's verdict is made: it builds it from r, writes every
// report into dir (unless dir is "") and prints the verdict's text to w, each through redact.
func Conclude(r types.Report, in Input, dir string, redact func(string) string, w io.Writer) (Conformance, error) {
	c := Build(r, in)
	if dir != "" {
		if err := WriteFiles(dir, r, c, redact); err != nil {
			return c, err
		}
	}
	fmt.Fprint(w, redact(c.Text()))
	if dir != "" {
		fmt.Fprintf(w, "reports written to %s\n", dir)
	}
	return c, nil
}

// WriteFiles writes every report into dir (created if needed): Ginkgo's JSON report of r, then
// WriteConformance's. Each file passes through redact before it is kept, so a secret that
// slipped into a message never reaches an artifact.
func WriteFiles(dir string, r types.Report, c Conformance, redact func(string) string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report dir: %w", err)
	}
	// As reporters.GenerateJSONReport writes it, but redacted before it reaches the disk.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode([]types.Report{r}); err != nil {
		return fmt.Errorf("ginkgo json report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, GinkgoJSONFile), []byte(redact(b.String())), 0o644); err != nil {
		return fmt.Errorf("ginkgo json report: %w", err)
	}
	return WriteConformance(dir, c, redact)
}

// WriteConformance writes conformance.json, conformance.md, junit.xml and junit-specs.xml for c
// into dir (created if needed), each through redact: the reports of a run without a Ginkgo
// report.
func WriteConformance(dir string, c Conformance, redact func(string) string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report dir: %w", err)
	}
	junit, err := c.JUnit()
	if err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	junitSpecs, err := c.JUnitSpecs()
	if err != nil {
		return fmt.Errorf("junit report of the specs: %w", err)
	}
	js, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("conformance json: %w", err)
	}
	for _, f := range []struct{ name, text string }{
		{JUnitFile, string(junit)},
		{JUnitSpecsFile, string(junitSpecs)},
		{ConformanceJSON, string(js) + "\n"},
		{ConformanceMarkdown, c.Markdown()},
	} {
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(redact(f.text)), 0o644); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
}

// Markdown renders the verdict for people (and CI artifacts): how the run was made, the
// verdict, one row per requirement, then each failure with its findings as a table.
func (c Conformance) Markdown() string {
	var b strings.Builder
	verdict := c.Verdict
	b.WriteString("# Update call conformance\n\n")
	if c.Client != nil {
		verdict = "service " + verdict
	}
	fmt.Fprintf(&b, "**Verdict: %s** (exit status %d)\n\n", verdict, c.Exit)
	if c.Client != nil {
		fmt.Fprintf(&b, "%s\n\n", c.Client.Text())
	}
	mode := "default (every applicable MUST gates)"
	if c.Strict {
		mode = "strict (every applicable requirement gates)"
	}
	caps := "unknown (the target was never prepared)"
	if c.Capabilities != nil {
		caps = fmt.Sprintf("%s (%s)", cmp.Or(strings.Join(c.Capabilities.Have, ", "), "none"), c.Capabilities.Source)
	}
	order := "in a fixed order"
	if c.Randomized {
		order = "in random order"
	}
	b.WriteString("| | |\n|---|---|\n")
	for _, row := range [][2]string{
		{"target", c.Target},
		{"command", "`" + mdCode(strings.Join(quoteArgs(c.CommandLine), " ")) + "`"},
		{"harness", c.HarnessVersion},
		{"capabilities", caps},
		{"filters", c.Filters.String()},
		{"random seed", fmt.Sprintf("%d (specs %s)", c.RandomSeed, order)},
		{"mode", mode},
		{"started", c.StartTime},
		{"ended", fmt.Sprintf("%s (%.2fs)", c.EndTime, c.WallTime)},
		{"requests", fmt.Sprintf("%d (%d throttled and retried)", c.Requests, c.Retries)},
		{"outcomes", fmt.Sprintf("%d passed, %d failed, %d inconclusive, %d unsupported, %d disabled, %d not run",
			c.Summary.Passed, c.Summary.Failed, c.Summary.Inconclusive, c.Summary.Unsupported, c.Summary.Disabled, c.Summary.NotRun)},
	} {
		fmt.Fprintf(&b, "| %s | %s |\n", row[0], mdCell(row[1]))
	}
	b.WriteString("\n")
	if c.SuiteError != "" {
		fmt.Fprintf(&b, "**Suite error:**\n\n```\n%s\n```\n\n", fence(strings.TrimSpace(c.SuiteError)))
	}
	if lines := c.reasonLines(); len(lines) > 0 {
		for _, l := range lines {
			fmt.Fprintf(&b, "- %s\n", l)
		}
		b.WriteString("\n")
	}
	b.WriteString("| ID | level | outcome | specs | retries | requirement |\n|---|---|---|---|---|---|\n")
	for _, r := range c.Requirements {
		fmt.Fprintf(&b, "| %s | %s | %s | %d/%d | %d | %s |\n", r.ID, r.Level, r.Outcome, r.Passed, r.Specs, r.Retries, mdCell(r.Title))
	}
	b.WriteString(c.runMarkdown())
	for _, r := range c.Requirements {
		if len(r.Failures) == 0 && len(r.Inconclusives) == 0 && len(r.Notes) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s (%s): %s\n\n", r.ID, r.Level, r.Outcome)
		if r.Reason != "" {
			fmt.Fprintf(&b, "- why: %s\n", r.Reason)
		}
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- note: %s\n", n)
		}
		for _, f := range r.Inconclusives {
			fmt.Fprintf(&b, "- inconclusive: %s: %s\n", f.Spec, f.Cause)
		}
		for _, f := range r.Failures {
			fmt.Fprintf(&b, "\n### %s\n\n", f.Spec)
			if f.Location != "" {
				fmt.Fprintf(&b, "spec: `%s`\n\n", mdCode(f.Location))
			}
			if len(f.Findings) > 0 {
				b.WriteString("| exchange | pointer | expected | got |\n|---|---|---|---|\n")
				for _, fd := range f.Findings {
					fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdCell(fd.Exchange.String()), mdCell(check.ShowPointer(fd.Pointer)), mdCell(fd.Expected), mdCell(fd.Got))
				}
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "```\n%s\n```\n", fence(f.Message))
		}
	}
	return b.String()
}

// String renders the filters as the flags that set them, or says none did.
func (f Filters) String() string {
	var parts []string
	for _, x := range f.Focus {
		parts = append(parts, "--focus "+config.ShellQuote(x))
	}
	for _, x := range f.Skip {
		parts = append(parts, "--skip "+config.ShellQuote(x))
	}
	if f.LabelFilter != "" {
		parts = append(parts, "--label-filter "+config.ShellQuote(f.LabelFilter))
	}
	if len(parts) == 0 {
		return "none (every spec selected)"
	}
	return strings.Join(parts, " ")
}

// String names an exchange on one line ("#2 PATCH https://t/calls/1 → 400"); "" for nil.
func (e *Exchange) String() string {
	if e == nil {
		return ""
	}
	answer := strconv.Itoa(e.Status)
	if e.Status == 0 {
		answer = cmp.Or(e.Error, "no answer")
	}
	return fmt.Sprintf("#%d %s %s → %s", e.Number, e.Method, e.URL, answer)
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = config.ShellQuote(a)
	}
	return out
}

// mdCell keeps a value inside one Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\r", " ", "\n", " ").Replace(s)
}

// mdCode keeps a value inside one inline code span.
func mdCode(s string) string { return strings.ReplaceAll(s, "`", "'") }

// fence keeps a value inside a fenced code block.
func fence(s string) string { return strings.ReplaceAll(s, "```", "'''") }
