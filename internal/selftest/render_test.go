package selftest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/callconf/callconf/internal/mutants"
)

var errAbsent = errors.New("absent")

// goldenIDs are the requirements of the golden matrix: 25 of the contract's, as an older
// catalogue judged them (the golden test pins the renderer, not the catalogue).
var goldenIDs = idList("PATCH-01 PATCH-02 PATCH-03 PATCH-04 PATCH-05 PATCH-06 PATCH-07 PATCH-08 " +
	"ERR-01 ERR-02 ERR-03 ERR-04 ERR-05 ERR-06 ERR-07 ERR-08 ERR-09 HTTP-01 HTTP-02 " +
	"STATE-01 STATE-02 STATE-03 STATE-04 STATE-05 STATE-06")

// goldenMatrix is a small fixed matrix: one row of each kind and shape, taken from an old
// selftest run (not README.md's current matrix, which the selftest itself produces).
func goldenMatrix() Matrix {
	hostileFailed := idList("PATCH-01 PATCH-02 PATCH-03 PATCH-04 PATCH-05 PATCH-06 PATCH-07 PATCH-08 " +
		"ERR-01 ERR-02 ERR-03 ERR-04 ERR-05 ERR-06 ERR-07 ERR-08 ERR-09 HTTP-01 HTTP-02 " +
		"STATE-01 STATE-02 STATE-03 STATE-04 STATE-05 STATE-06")
	status204 := idList("PATCH-01 PATCH-02 PATCH-03 PATCH-04 PATCH-05 PATCH-06 STATE-01 STATE-02 STATE-03 STATE-05 STATE-06")
	return Matrix{
		Requirements: goldenIDs,
		Results: []Result{
			{Name: "reference", Kind: "reference", Exit: []int{0}, Seconds: 0.4},
			{Name: "no-create-405", Kind: "variant", Exit: []int{0}, Seconds: 0.4, Unsupported: idList("STATE-04")},
			{Name: "latency-150ms", Kind: "variant", Exit: []int{0, 0, 0, 0, 0}, Seconds: 51.9},
			{Name: "status-204", Kind: "mutant", Exit: []int{1}, Seconds: 0.4, Declares: status204, Failed: status204, Expected: status204, Killed: true},
			{Name: "trickles-body", Kind: "hostile", Exit: []int{1}, Seconds: 1.1, Failed: hostileFailed, Killed: true},
			{Name: "never-answers", Kind: "hostile", Exit: []int{2}, Seconds: 0.3, Killed: true},
		},
		Mutants: 42, Killed: 42, KilledRight: 42, Exact: 42, Score: 1, OK: true, Seconds: 60,
	}
}

// TestPrintMatrixGolden is a golden test of the renderer: PrintMatrix must render goldenMatrix
// exactly as below (column groups, symbols, exit and time columns, score line), the layout of
// the matrix in README.md and docs/selftest.md.
func TestPrintMatrixGolden(t *testing.T) {
	var b bytes.Buffer
	PrintMatrix(&b, goldenMatrix())
	want := `
detection matrix (X failed as declared, ! failed unexpectedly, ? declared but passed, x failed (hostile target), - unsupported, . passed)
                                         PATCH    ERR       HT STATE 
implementation                 kind      12345678 123456789 12 123456  exit   time  verdict
reference                      reference ........ ......... .. ......  0       0.4s  passes
no-create-405                  variant   ........ ......... .. ...-..  0       0.4s  passes
latency-150ms                  variant   ........ ......... .. ......  0,0,0,0,0  51.9s  passes
status-204                     mutant    XXXXXX.. ......... .. XXX.XX  1       0.4s  killed
trickles-body                  hostile   xxxxxxxx xxxxxxxxx xx xxxxxx  1       1.1s  ended 1
never-answers                  hostile   ........ ......... .. ......  2       0.3s  ended 2

mutation score: 42/42 killed (100%); 42 killed for every declared requirement, 42 by exactly the declared ones
`
	if b.String() != want {
		t.Errorf("matrix:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestPrintMatrixProblems(t *testing.T) {
	m := goldenMatrix()
	m.OK = false
	m.Results = append(m.Results,
		Result{Name: "extra", Kind: "mutant", Exit: []int{1}, Declares: idList("ERR-07"), Failed: idList("ERR-07 HTTP-01"),
			Inconclusive: idList("STATE-02"), Unexpected: idList("HTTP-01"), Killed: true,
			FailedSpecs: map[string]string{"HTTP-01": "Update call HTTP-01 request-id", "STATE-02": "could not read back"}},
		Result{Name: "survivor", Kind: "mutant", Exit: []int{0}, Declares: idList("ERR-08"), Missing: idList("ERR-08"),
			Problems: []string{"survived: the run conforms (exit 0)"}})
	m.Problems = []string{"ERR-09 is declared by no mutant"}
	var b bytes.Buffer
	PrintMatrix(&b, m)
	out := b.String()
	for _, want := range []string{
		", - unsupported, . passed, ~ inconclusive)",
		"extra                          mutant    ........ ......X.. !. .~....  1       0.0s  killed (+extra)",
		"survivor                       mutant    ........ .......?. .. ......  0       0.0s  FAIL",
		"extra (mutant):\n  unexpected HTTP-01: Update call HTTP-01 request-id\n  inconclusive STATE-02: could not read back\n",
		"survivor (mutant):\n  PROBLEM: survived: the run conforms (exit 0)\n",
		"PROBLEM: ERR-09 is declared by no mutant\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("matrix lacks %q:\n%s", want, out)
		}
	}
	if md := Markdown(m); !strings.Contains(md, "Verdict: **FAIL**") || !strings.Contains(md, "| survivor | mutant | ERR-08 |  | FAIL |") {
		t.Errorf("markdown:\n%s", md)
	}
}

func TestWriteFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	m := goldenMatrix()
	if err := WriteFiles(dir, m); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var back Matrix
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, m) {
		t.Errorf("selftest.json does not round-trip:\n%+v\n%+v", back, m)
	}
	for _, key := range []string{`"killedAsDeclared": 42`, `"mutationScore": 1`, `"exit": [`, `"failed": null`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("selftest.json lacks %s", key)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(md), "# Selftest: detection matrix\n\nVerdict: **PASS** in 60 s. Mutation score: 42/42 killed (100%), 42 for every declared requirement, 42 by exactly the declared ones.\n\n```\n") {
		t.Errorf("selftest.md:\n%s", md)
	}
}

func TestPrintTails(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for i := range 30 {
		lines = append(lines, "line "+strings.Repeat("x", i))
	}
	if err := os.WriteFile(filepath.Join(dir, StderrFile), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := Matrix{Results: []Result{
		{Name: "passing", outputs: []string{dir}},
		{Name: "failing", Problems: []string{"boom"}, outputs: []string{dir, filepath.Join(dir, "absent")}},
	}}
	var b bytes.Buffer
	PrintTails(&b, m)
	out := b.String()
	if strings.Count(out, "--- ") != 1 || !strings.HasPrefix(out, "--- failing: last lines of "+filepath.Join(dir, StderrFile)+" ---\nline "+strings.Repeat("x", 10)+"\n") {
		t.Errorf("tails:\n%s", out)
	}
}

func TestCatalogue(t *testing.T) {
	impls, err := mutants.Select([]string{"reference|gzip"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	PrintCatalogue(&b, impls)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME ") || strings.Join(strings.Fields(lines[1]), " ") != "reference reference passes everything — the reference implementation, unchanged" {
		t.Errorf("catalogue:\n%s", b.String())
	}
	if got, want := CountKinds(impls), "2 implementations (1 reference, 1 variants, 0 mutants, 0 hostile)"; got != want {
		t.Errorf("CountKinds = %q, want %q", got, want)
	}
}

// TestCatalogueListsEveryImplementationWithItsExpectation: `selftest --list` names every
// implementation of the catalogue with what it is declared to fail or spare.
func TestCatalogueListsEveryImplementationWithItsExpectation(t *testing.T) {
	var b bytes.Buffer
	PrintCatalogue(&b, mutants.All())
	rows := map[string]string{}
	for _, line := range strings.Split(b.String(), "\n")[1:] {
		if name, _, ok := strings.Cut(line, " "); ok {
			rows[name] = line
		}
	}
	spared := 0
	for _, im := range mutants.All() {
		row, ok := rows[im.Name]
		if !ok {
			t.Errorf("%s is not listed", im.Name)
			continue
		}
		if !strings.Contains(row, " "+string(im.Kind)+" ") || !strings.HasSuffix(row, Declared(im)+" — "+im.Description) {
			t.Errorf("%s: row %q", im.Name, row)
		}
		if im.Kind == mutants.KindMutant && !strings.Contains(row, "fails "+strings.Join(im.Declares, " ")) {
			t.Errorf("%s: declared failures missing: %q", im.Name, row)
		}
		if len(im.Spares) > 0 {
			spared++
			if !strings.Contains(row, "spares "+strings.Join(im.Spares, " ")) {
				t.Errorf("%s: spares missing: %q", im.Name, row)
			}
		}
	}
	if spared == 0 {
		t.Error("no hostile target spares a requirement: the test proves nothing about spares")
	}
	if len(rows) != len(mutants.All()) {
		t.Errorf("%d rows for %d implementations", len(rows), len(mutants.All()))
	}
}
