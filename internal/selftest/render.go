package selftest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/callconf/callconf/internal/mutants"
)

// Files WriteFiles writes into the report directory.
const (
	JSONFile     = "selftest.json"
	MarkdownFile = "selftest.md"
)

// legend explains the matrix marks; the inconclusive and not-run marks are added only when a
// cell shows them.
const (
	legend             = "X failed as declared, ! failed unexpectedly, ? declared but passed, x failed (hostile target), - unsupported, . passed"
	legendInconclusive = ", ~ inconclusive"
	legendNotRun       = ", o not run"
)

// cell is the matrix mark of requirement id for one result.
func (r Result) cell(id string) string {
	failed := slices.Contains(r.Failed, id)
	declared := slices.Contains(r.Declares, id)
	switch {
	case failed && r.Kind == string(mutants.KindHostile):
		return "x"
	case failed && declared:
		return "X"
	case failed:
		return "!"
	case slices.Contains(r.Inconclusive, id):
		return "~"
	case slices.Contains(r.NotRun, id):
		// Neither passed nor "declared but passed": a run that never got past preparing its
		// target decided nothing.
		return "o"
	case declared:
		return "?"
	case slices.Contains(r.Unsupported, id):
		return "-"
	}
	return "."
}

// status is the last column of a result's row.
func (r Result) status() string {
	switch {
	case len(r.Problems) > 0:
		return "FAIL"
	case r.Kind == string(mutants.KindMutant) && len(r.Unexpected) > 0:
		return "killed (+extra)"
	case r.Kind == string(mutants.KindMutant):
		return "killed"
	case r.Kind == string(mutants.KindHostile):
		return "ended " + exitList(r.Exit)
	}
	return "passes"
}

func exitList(e []int) string {
	var s []string
	for _, x := range e {
		s = append(s, strconv.Itoa(x))
	}
	return strings.Join(s, ",")
}

// gridHeader renders the requirement columns as two lines: the ID prefixes (cut to the width
// of their group), then the last digit of each number.
func gridHeader(ids []string) (string, string) {
	var top, bottom []string
	for i := 0; i < len(ids); {
		prefix, _, _ := strings.Cut(ids[i], "-")
		var nums strings.Builder
		for ; i < len(ids); i++ {
			p, num, _ := strings.Cut(ids[i], "-")
			if p != prefix {
				break
			}
			nums.WriteString(num[len(num)-1:])
		}
		w := nums.Len()
		top = append(top, fmt.Sprintf("%-*s", w, prefix[:min(w, len(prefix))]))
		bottom = append(bottom, nums.String())
	}
	return strings.Join(top, " "), strings.Join(bottom, " ")
}

// grid is the row of marks of one result, a space between requirement groups.
func (r Result) grid(ids []string) string {
	var b strings.Builder
	prev := ""
	for i, id := range ids {
		prefix, _, _ := strings.Cut(id, "-")
		if i > 0 && prefix != prev {
			b.WriteByte(' ')
		}
		prev = prefix
		b.WriteString(r.cell(id))
	}
	return b.String()
}

// PrintMatrix writes the detection matrix, the problems and unexpected failures of each
// implementation, and the mutation score.
func PrintMatrix(w io.Writer, m Matrix) {
	top, bottom := gridHeader(m.Requirements)
	const nameW, kindW = 30, 9
	marks := legend
	if slices.ContainsFunc(m.Results, func(r Result) bool { return len(r.Inconclusive) > 0 }) {
		marks += legendInconclusive
	}
	if slices.ContainsFunc(m.Results, func(r Result) bool { return len(r.NotRun) > 0 }) {
		marks += legendNotRun
	}
	fmt.Fprintf(w, "\ndetection matrix (%s)\n", marks)
	fmt.Fprintf(w, "%-*s %-*s %s\n", nameW, "", kindW, "", top)
	fmt.Fprintf(w, "%-*s %-*s %s  exit   time  verdict\n", nameW, "implementation", kindW, "kind", bottom)
	for _, r := range m.Results {
		fmt.Fprintf(w, "%-*s %-*s %s  %-5s %5.1fs  %s\n", nameW, r.Name, kindW, r.Kind, r.grid(m.Requirements), exitList(r.Exit), r.Seconds, r.status())
	}
	fmt.Fprintln(w)
	for _, r := range m.Results {
		if len(r.Unexpected) == 0 && len(r.Problems) == 0 && (len(r.Inconclusive) == 0 || r.Kind == string(mutants.KindHostile)) {
			continue
		}
		fmt.Fprintf(w, "%s (%s):\n", r.Name, r.Kind)
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  PROBLEM: %s\n", p)
		}
		for _, id := range r.Unexpected {
			fmt.Fprintf(w, "  unexpected %s: %s\n", id, r.FailedSpecs[id])
		}
		if r.Kind != string(mutants.KindHostile) {
			for _, id := range r.Inconclusive {
				fmt.Fprintf(w, "  inconclusive %s: %s\n", id, r.FailedSpecs[id])
			}
		}
	}
	for _, p := range m.Problems {
		fmt.Fprintf(w, "PROBLEM: %s\n", p)
	}
	if m.Mutants > 0 {
		fmt.Fprintf(w, "mutation score: %d/%d killed (%.0f%%); %d killed for every declared requirement, %d by exactly the declared ones\n",
			m.Killed, m.Mutants, 100*m.Score, m.KilledRight, m.Exact)
	}
}

// PrintTails shows the last lines of the output of each child of every implementation that
// fails the selftest.
func PrintTails(w io.Writer, m Matrix) {
	for _, r := range m.Results {
		if len(r.Problems) == 0 {
			continue
		}
		for _, dir := range r.outputs {
			for _, f := range []string{StderrFile, StdoutFile} {
				t := tail(filepath.Join(dir, f), 20)
				if strings.TrimSpace(t) == "" {
					continue
				}
				fmt.Fprintf(w, "--- %s: last lines of %s ---\n%s\n", r.Name, filepath.Join(dir, f), t)
			}
		}
	}
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = cutText(l, 400)
	}
	return strings.Join(lines, "\n")
}

func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// WriteFiles writes the matrix into dir (created if needed) as JSONFile and MarkdownFile.
func WriteFiles(dir string, m Matrix) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, JSONFile), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, MarkdownFile), []byte(Markdown(m)), 0o644)
}

// Markdown renders the verdict, the text matrix in a code block and a table of the results.
func Markdown(m Matrix) string {
	var b strings.Builder
	b.WriteString("# Selftest: detection matrix\n\n")
	verdict := "PASS"
	if !m.OK {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "Verdict: **%s** in %.0f s. Mutation score: %d/%d killed (%.0f%%), %d for every declared requirement, %d by exactly the declared ones.\n\n",
		verdict, m.Seconds, m.Killed, m.Mutants, 100*m.Score, m.KilledRight, m.Exact)
	b.WriteString("```\n")
	PrintMatrix(&b, m)
	b.WriteString("```\n\n| implementation | kind | declares | failed | verdict | description |\n|---|---|---|---|---|---|\n")
	for _, r := range m.Results {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.Name, r.Kind, strings.Join(r.Declares, " "),
			strings.Join(r.Failed, " "), r.status(), strings.ReplaceAll(r.Description, "|", `\|`))
	}
	return b.String()
}

// PrintCatalogue writes a header and one line per implementation: name, kind, what the
// selftest expects of its strict run (Declared) and, after " — ", the description.
func PrintCatalogue(w io.Writer, impls []mutants.Impl) {
	const row = "%-30s %-9s  %s — %s\n"
	fmt.Fprintf(w, row, "NAME", "KIND", "EXPECTED OF A STRICT RUN", "DESCRIPTION")
	for _, im := range impls {
		fmt.Fprintf(w, row, im.Name, im.Kind, Declared(im), im.Description)
	}
}

// Declared says what the selftest expects of a strict run against im: the reference and the
// variants pass everything, a mutant fails its declared requirements, a hostile target ends
// with exit 1 or 2 in time, failing none of the requirements it spares.
func Declared(im mutants.Impl) string {
	switch im.Kind {
	case mutants.KindMutant:
		return "fails " + strings.Join(im.Declares, " ")
	case mutants.KindHostile:
		if len(im.Spares) > 0 {
			return "ends 1 or 2 in time; spares " + strings.Join(im.Spares, " ")
		}
		return "ends 1 or 2 in time"
	}
	return "passes everything"
}

// CountKinds summarises impls by kind, for the selftest's first line.
func CountKinds(impls []mutants.Impl) string {
	n := map[mutants.Kind]int{}
	for _, im := range impls {
		n[im.Kind]++
	}
	return fmt.Sprintf("%d implementations (%d reference, %d variants, %d mutants, %d hostile)", len(impls),
		n[mutants.KindReference], n[mutants.KindVariant], n[mutants.KindMutant], n[mutants.KindHostile])
}
