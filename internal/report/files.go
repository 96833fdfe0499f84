package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// File names written into the report directory; CI jobs depend on them.
const (
	JUnitFile           = "junit.xml"
	GinkgoJSONFile      = "ginkgo-report.json"
	ConformanceJSON     = "conformance.json"
	ConformanceMarkdown = "conformance.md"
)

// WriteFiles writes every report into dir (created if needed). Each file passes through redact
// before it is kept, so a secret that slipped into a message never reaches an artifact.
func WriteFiles(dir string, r types.Report, c Conformance, redact func(string) string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report dir: %w", err)
	}
	ginkgoJSON := filepath.Join(dir, GinkgoJSONFile)
	if err := reporters.GenerateJSONReport(r, ginkgoJSON); err != nil {
		return fmt.Errorf("ginkgo json report: %w", err)
	}
	if err := redactFile(ginkgoJSON, redact); err != nil {
		return err
	}
	junit, err := c.JUnit()
	if err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, JUnitFile), []byte(redact(string(junit))), 0o644); err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	js, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("conformance json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConformanceJSON), []byte(redact(string(js))+"\n"), 0o644); err != nil {
		return fmt.Errorf("conformance json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConformanceMarkdown), []byte(redact(c.Markdown())), 0o644); err != nil {
		return fmt.Errorf("conformance markdown: %w", err)
	}
	return nil
}

func redactFile(path string, redact func(string) string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("redacting %s: %w", path, err)
	}
	if out := redact(string(b)); out != string(b) {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			return fmt.Errorf("redacting %s: %w", path, err)
		}
	}
	return nil
}

// Markdown renders the verdict for people (and CI artifacts).
func (c Conformance) Markdown() string {
	var b strings.Builder
	verdict := "conforms"
	if !c.Conforms {
		verdict = "does **not** conform"
	}
	fmt.Fprintf(&b, "# Update call conformance\n\n")
	fmt.Fprintf(&b, "- target: %s\n- harness: %s\n- date: %s\n- mode: %s\n- verdict: the target %s\n- %d passed, %d failed, %d inconclusive, %d unsupported, %d disabled; %d requests (%d throttled and retried) in %.2fs\n\n",
		c.Target, c.HarnessVersion, c.Date, map[bool]string{true: "strict (every applicable requirement gates)", false: "default (every applicable MUST gates)"}[c.Strict],
		verdict, c.Summary.Passed, c.Summary.Failed, c.Summary.Inconclusive, c.Summary.Unsupported, c.Summary.Disabled, c.Requests, c.Retries, c.WallTime)
	if c.SuiteError != "" {
		fmt.Fprintf(&b, "**Suite error:**\n\n```\n%s\n```\n\n", c.SuiteError)
	}
	b.WriteString("| ID | level | outcome | specs | retries | requirement |\n|---|---|---|---|---|---|\n")
	for _, r := range c.Requirements {
		fmt.Fprintf(&b, "| %s | %s | %s | %d/%d | %d | %s |\n", r.ID, r.Level, r.Outcome, r.Passed, r.Specs, r.Retries, r.Title)
	}
	for _, r := range c.Requirements {
		if len(r.Failures) == 0 && len(r.Inconclusives) == 0 && len(r.Notes) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s (%s): %s\n\n", r.ID, r.Level, r.Outcome)
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- note: %s\n", n)
		}
		for _, f := range r.Inconclusives {
			fmt.Fprintf(&b, "- inconclusive: %s: %s\n", f.Spec, f.Cause)
		}
		for _, f := range r.Failures {
			fmt.Fprintf(&b, "\n### %s\n\n```\n%s\n```\n", f.Spec, strings.ReplaceAll(f.Message, "```", "'''"))
		}
	}
	return b.String()
}
