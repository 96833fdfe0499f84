package selftest

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/callconf/callconf/internal/mutants"
)

// matrixRows reads the implementation rows (name and kind) of the detection matrix in a
// document: the lines of its matrix block that start with a name and a kind.
func matrixRows(t *testing.T, path string) [][2]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`^([a-z0-9][a-zA-Z0-9-]*)\s+(reference|variant|mutant|hostile)\s`)
	header := regexp.MustCompile(`^implementation\s+kind\s`)
	var rows [][2]string
	in := false // inside the matrix: from its "implementation kind" header to the first blank line
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case header.MatchString(line):
			in = true
		case in && strings.TrimSpace(line) == "":
			return rows
		case in:
			if m := row.FindStringSubmatch(line); m != nil {
				rows = append(rows, [2]string{m[1], m[2]})
			} else {
				t.Errorf("%s: a matrix line that names no implementation: %q", path, line)
			}
		}
	}
	return rows
}

// TestPublishedMatricesMatchTheCatalogue: the matrix in README.md and docs/selftest.md is the
// output of a selftest run (`go run ./runner selftest --report-dir docs`, pasted into README),
// so it must list exactly the catalogue's implementations, in its order and with its kinds, and
// README's prose must count them as the catalogue does. A catalogue change without a new run
// fails here.
func TestPublishedMatricesMatchTheCatalogue(t *testing.T) {
	var want [][2]string
	count := map[mutants.Kind]int{}
	for _, impl := range mutants.All() {
		want = append(want, [2]string{impl.Name, string(impl.Kind)})
		count[impl.Kind]++
	}
	for _, doc := range []string{"../../README.md", "../../docs/selftest.md"} {
		if got := matrixRows(t, doc); !slices.Equal(got, want) {
			t.Errorf("%s: the matrix lists %d implementations, the catalogue %d; regenerate it with `go run ./runner selftest --report-dir docs` and paste the matrix into README.md\ngot:  %v\nwant: %v",
				doc, len(got), len(want), got, want)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, phrase := range []string{
		fmt.Sprintf("%d allowed variants", count[mutants.KindVariant]),
		fmt.Sprintf("%d mutants", count[mutants.KindMutant]),
		fmt.Sprintf("%d hostile targets", count[mutants.KindHostile]),
	} {
		if !strings.Contains(string(readme), phrase) {
			t.Errorf("README.md does not say %q, as the catalogue counts", phrase)
		}
	}
}
