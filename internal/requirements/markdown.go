package requirements

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"text/template"
)

// MarkdownPath is where the repository keeps the contract that Markdown generates, relative to
// the module root.
const MarkdownPath = "docs/contract.md"

// MarkdownCommand regenerates MarkdownPath from the module root.
const MarkdownCommand = "go run ./runner list --markdown > " + MarkdownPath

// contractTemplate is the prose of the contract; its {{table ...}} actions are filled from the
// registry.
//
//go:embed contract.md.tmpl
var contractTemplate string

// Markdown renders the contract document (docs/contract.md): the prose of the embedded template,
// with the requirement tables generated from the registry. Every requirement appears in exactly
// one table, or Markdown fails.
func Markdown() ([]byte, error) {
	placed := map[string]int{}
	funcs := template.FuncMap{"table": func(features ...string) (string, error) {
		var b strings.Builder
		b.WriteString("| ID | level | requirement |\n|---|---|---|")
		n := 0
		for _, r := range all {
			if slices.Contains(features, r.Feature) {
				fmt.Fprintf(&b, "\n| %s | %s | %s |", r.ID, r.Level, strings.ReplaceAll(r.Text, "|", `\|`))
				placed[r.ID]++
				n++
			}
		}
		if n == 0 {
			return "", fmt.Errorf("no requirement has the feature %q", features)
		}
		return b.String(), nil
	}}
	t, err := template.New("contract.md.tmpl").Funcs(funcs).Option("missingkey=error").Parse(contractTemplate)
	if err != nil {
		return nil, fmt.Errorf("requirements: the contract template: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, nil); err != nil {
		return nil, fmt.Errorf("requirements: the contract template: %w", err)
	}
	for _, r := range all {
		if placed[r.ID] != 1 {
			return nil, fmt.Errorf("requirements: %s appears in %d tables of the contract template, want 1 (is its feature %q in a {{table}}?)", r.ID, placed[r.ID], r.Feature)
		}
	}
	return b.Bytes(), nil
}
