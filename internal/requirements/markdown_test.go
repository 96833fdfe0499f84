package requirements

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestContractDocIsGenerated fails when docs/contract.md differs from what the registry and the
// template generate, the way Kubernetes verifies its conformance list.
func TestContractDocIsGenerated(t *testing.T) {
	want, err := Markdown()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(MarkdownPath)))
	if err != nil {
		t.Fatalf("%v: generate it from the module root with: %s", err, MarkdownCommand)
	}
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	line := 0
	for line < len(g) && line < len(w) && g[line] == w[line] {
		line++
	}
	at := func(l []string) string {
		if line < len(l) {
			return l[line]
		}
		return "(end of file)"
	}
	t.Fatalf("%s is out of date with internal/requirements; regenerate it from the module root with:\n\t%s\nfirst difference, line %d:\n\tfile:      %s\n\tgenerated: %s",
		MarkdownPath, MarkdownCommand, line+1, at(g), at(w))
}

func TestMarkdownHoldsEveryRequirementOnce(t *testing.T) {
	b, err := Markdown()
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, r := range All() {
		row := "| " + r.ID + " | " + string(r.Level) + " | " + r.Text + " |\n"
		if strings.Count(doc, row) != 1 {
			t.Errorf("%s: its row is not in the document exactly once", r.ID)
		}
	}
	for _, section := range []string{"## Capabilities", "## How the harness judges a response", "## The reference implementation"} {
		if !strings.Contains(doc, "\n"+section+"\n") {
			t.Errorf("the prose lacks %q", section)
		}
	}
	if strings.Contains(doc, "shared/") || strings.Contains(doc, "{{") {
		t.Error("the document points outside the repository or holds template text")
	}
}
