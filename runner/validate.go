package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/callconf/callconf/schemas"
)

const validateUsage = `usage: runner validate --kind request|response|error [--json] FILE...

Validates each FILE ('-' reads standard input) against the harness's schemas:
  request   an update-call request body (strict: only the seed's properties)
  response  a call response body (unknown properties are notes, not failures)
  error     a Graph error body
Prints each file's verdict with its violations (JSON pointer, keyword, message, value) and notes.
Exit status: 0 all valid, 1 any invalid, 2 usage error or unreadable input.
`

// fileReport is the verdict on one input, as printed with --json.
type fileReport struct {
	File       string              `json:"file"`
	Kind       schemas.Kind        `json:"kind"`
	Valid      bool                `json:"valid"`
	Violations []schemas.Violation `json:"violations"`
	Notes      []schemas.Note      `json:"notes"`
	Error      string              `json:"error,omitempty"`
}

// runValidate implements `runner validate`.
func runValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", stderr, validateUsage)
	kindFlag := fs.String("kind", "", "what the files are: request, response or error (required)")
	asJSON := fs.Bool("json", false, "print the verdicts as a JSON array instead of text")
	if err := fs.Parse(args); err != nil {
		return parseStatus(err)
	}
	kind, err := schemas.ParseKind(*kindFlag)
	if err != nil {
		if *kindFlag == "" {
			err = errors.New("--kind is required")
		}
		fmt.Fprintf(stderr, "runner validate: %v\n", err)
		fs.Usage()
		return exitUsage
	}
	files := fs.Args()
	if len(files) == 0 {
		fmt.Fprintln(stderr, "runner validate: name at least one FILE ('-' reads standard input)")
		fs.Usage()
		return exitUsage
	}
	stdinUsed := 0
	for _, f := range files {
		if f == "-" {
			stdinUsed++
		}
	}
	if stdinUsed > 1 {
		fmt.Fprintln(stderr, "runner validate: '-' (standard input) may be named only once")
		return exitUsage
	}
	v, err := schemas.Default()
	if err != nil {
		fmt.Fprintf(stderr, "runner validate: schemas: %v\n", err)
		return exitUsage
	}

	code := exitOK
	var reports []fileReport
	for _, name := range files {
		rep := fileReport{File: name, Kind: kind, Violations: []schemas.Violation{}, Notes: []schemas.Note{}}
		doc, err := readInput(name, stdin)
		if err == nil {
			var res schemas.Result
			res, err = v.Validate(kind, doc)
			rep.Valid, rep.Violations, rep.Notes = res.Valid(), res.Violations, res.Notes
		}
		switch {
		case err != nil:
			rep.Error = err.Error()
			fmt.Fprintf(stderr, "runner validate: %s: %v\n", displayName(name), err)
			code = exitUsage
		case !rep.Valid && code == exitOK:
			code = exitFail
		}
		reports = append(reports, rep)
		if !*asJSON {
			printReport(stdout, rep)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			fmt.Fprintf(stderr, "runner validate: %v\n", err)
			return exitUsage
		}
	}
	return code
}

func displayName(name string) string {
	if name == "-" {
		return "(stdin)"
	}
	return name
}

// readInput reads a file or standard input, at most one byte more than the validator accepts
// (so an oversized input is reported as such without being read whole).
func readInput(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		if stdin == nil {
			return nil, errors.New("no standard input")
		}
		r = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, fmt.Errorf("is a directory")
		}
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, schemas.MaxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	return b, nil
}

func printReport(w io.Writer, rep fileReport) {
	name := displayName(rep.File)
	if rep.Error != "" {
		fmt.Fprintf(w, "%s: error: %s\n", name, rep.Error)
		return
	}
	verdict := "valid"
	if !rep.Valid {
		verdict = "invalid"
	}
	fmt.Fprintf(w, "%s: %s %s (%d violation%s, %d note%s)\n", name, verdict, rep.Kind,
		len(rep.Violations), plural(len(rep.Violations)), len(rep.Notes), plural(len(rep.Notes)))
	for _, v := range rep.Violations {
		fmt.Fprintf(w, "  violation %s %s: %s", quotePointer(v.Pointer), v.Keyword, oneLine(v.Message))
		if v.Value != "" {
			fmt.Fprintf(w, " (value: %s)", oneLine(v.Value))
		}
		fmt.Fprintln(w)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "  note %s: %s\n", quotePointer(n.Pointer), oneLine(n.Message))
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// quotePointer prints a JSON Pointer as a JSON string, so the root ("") and names with spaces or
// control characters stay visible and unambiguous.
func quotePointer(p string) string {
	b, _ := json.Marshal(p)
	return string(b)
}

func oneLine(s string) string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(s)
}
