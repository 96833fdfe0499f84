package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/suggest"
	"github.com/callconf/callconf/schemas"
)

// stdinName is how standard input ('-' on the command line) is named in every output.
const stdinName = "<stdin>"

// rootName is how text output shows the root pointer "", as the rest of the harness does;
// --json keeps the RFC 6901 pointer "".
const rootName = check.RootPointer

var validateUsage = fmt.Sprintf(`usage: callconf validate --kind request|response|error [--json] [--max-bytes N] FILE...

Validates each FILE against the harness's schemas ('-' reads standard input, named %[1]s in the
output). Flags may come before or after the files; after '--' every argument is a file.
  request   an update-call request body (strict: only the seed's properties)
  response  a call response body (unknown properties are notes, not failures)
  error     a Graph error body
Prints each file's verdict, then one line per violation and per note:
  FILE:LINE:COLUMN: violation POINTER KEYWORD: MESSAGE (value: VALUE)
  FILE:LINE:COLUMN: note POINTER: MESSAGE
LINE and COLUMN count from 1; COLUMN counts characters, not bytes. A problem with no place in
the text (an empty document) has no LINE:COLUMN. POINTER is an RFC 6901 JSON Pointer; the root
is shown as %[2]s (in --json it is ""). With --json, "value" is the offending JSON value, or
"valueExcerpt" its first %[3]d bytes as text when it is longer.
A FILE larger than --max-bytes (default and at most %[4]d bytes, 16 MiB) is not validated.
Exit status: 0 all valid, 1 any invalid, 2 usage error, unreadable or oversized input.
`, stdinName, rootName, schemas.MaxValueBytes, schemas.MaxDocumentBytes)

// fileReport is the verdict on one input, as printed with --json.
type fileReport struct {
	File       string          `json:"file"` // stdinName for '-'
	Kind       schemas.Kind    `json:"kind"`
	Valid      bool            `json:"valid"`
	Violations []violationJSON `json:"violations"`
	Notes      []noteJSON      `json:"notes"`
	Error      string          `json:"error,omitempty"` // the input could not be read or judged
}

// position is a 1-based line and column (in characters); zero when the problem has no place.
type position struct {
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// compare orders positions as they stand in the text, no place first.
func (p position) compare(q position) int {
	return cmp.Or(cmp.Compare(p.Line, q.Line), cmp.Compare(p.Column, q.Column))
}

// violationJSON is a schemas.Violation with its place and its value as JSON, not as a string.
type violationJSON struct {
	Pointer string `json:"pointer"` // RFC 6901; "" is the root
	position
	Keyword      string          `json:"keyword"`
	Message      string          `json:"message"`
	Value        json.RawMessage `json:"value,omitempty"`
	ValueExcerpt string          `json:"valueExcerpt,omitempty"` // the start of a value too long to show whole
	Limit        bool            `json:"limit,omitempty"`
}

// noteJSON is a schemas.Note with its place.
type noteJSON struct {
	Pointer string `json:"pointer"`
	position
	Message string `json:"message"`
}

// runValidate implements `callconf validate`.
func runValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", stderr, validateUsage)
	kindFlag := fs.String("kind", "", "what the files are: request, response or error (required)")
	asJSON := fs.Bool("json", false, "print the verdicts as a JSON array instead of text")
	maxBytes := fs.Int("max-bytes", schemas.MaxDocumentBytes, "refuse (exit 2) an input larger than this many `bytes`; at most 16 MiB")
	files, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	kind, err := schemas.ParseKind(*kindFlag)
	if err != nil {
		if *kindFlag == "" {
			err = errors.New("--kind is required")
		} else if s := suggest.Closest(*kindFlag, []string{string(schemas.KindRequest), string(schemas.KindResponse), string(schemas.KindError)}); s != "" {
			err = fmt.Errorf("%w; did you mean %s?", err, s)
		}
		fmt.Fprintf(stderr, "validate: %v\n", err)
		fs.Usage()
		return exitUsage
	}
	if *maxBytes < 1 || *maxBytes > schemas.MaxDocumentBytes {
		fmt.Fprintf(stderr, "validate: --max-bytes must be between 1 and %d (16 MiB, the validator's own limit), got %d\n", schemas.MaxDocumentBytes, *maxBytes)
		return exitUsage
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "validate: name at least one FILE ('-' reads standard input)")
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
		fmt.Fprintf(stderr, "validate: '-' (%s) may be named only once\n", stdinName)
		return exitUsage
	}
	v, err := schemas.Default()
	if err != nil {
		fmt.Fprintf(stderr, "validate: schemas: %v\n", err)
		return exitUsage
	}

	code = exitOK
	var reports []fileReport
	for _, name := range files {
		rep := validateOne(v, kind, name, stdin, *maxBytes)
		switch {
		case rep.Error != "":
			code = exitUsage
		case !rep.Valid && code == exitOK:
			code = exitFail
		}
		reports = append(reports, rep)
		if !*asJSON {
			printReport(stdout, stderr, rep)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // keep <stdin> readable
		if err := enc.Encode(reports); err != nil {
			fmt.Fprintf(stderr, "validate: %v\n", err)
			return exitUsage
		}
	}
	return code
}

// validateOne reads and judges one input.
func validateOne(v *schemas.Validator, kind schemas.Kind, name string, stdin io.Reader, maxBytes int) fileReport {
	rep := fileReport{File: displayName(name), Kind: kind, Violations: []violationJSON{}, Notes: []noteJSON{}}
	doc, err := readInput(name, stdin, maxBytes)
	if err != nil {
		rep.Error = err.Error()
		return rep
	}
	res, err := v.Validate(kind, doc)
	if err != nil {
		rep.Error = err.Error()
		return rep
	}
	rep.Valid = res.Valid()
	var ptrs []string
	for _, x := range res.Violations {
		if x.Pos == 0 && x.Keyword != "json" {
			ptrs = append(ptrs, x.Pointer)
		}
	}
	for _, n := range res.Notes {
		ptrs = append(ptrs, n.Pointer)
	}
	var found map[string]int
	if len(ptrs) > 0 {
		found = schemas.Locate(doc, ptrs)
	}
	place := func(pointer string, pos int) position {
		off, ok := pos-1, pos > 0
		if !ok {
			off, ok = found[pointer]
		}
		if !ok {
			return position{}
		}
		line, col := schemas.LineColumn(doc, off)
		return position{Line: line, Column: col}
	}
	for _, x := range res.Violations {
		vj := violationJSON{Pointer: x.Pointer, Keyword: x.Keyword, Message: x.Message + didYouMean(x), Limit: x.Limit}
		if x.Pos > 0 || x.Keyword != "json" {
			vj.position = place(x.Pointer, x.Pos)
			// The validator names the place of a syntax error in its message too; line and
			// column say it here.
			vj.Message = strings.TrimSuffix(vj.Message, fmt.Sprintf(" (at line %d, column %d)", vj.Line, vj.Column))
		}
		switch {
		case x.Value == "":
		case json.Valid([]byte(x.Value)):
			vj.Value = json.RawMessage(x.Value)
		default: // cut by the validator, so no longer JSON
			vj.ValueExcerpt = x.Value
		}
		rep.Violations = append(rep.Violations, vj)
	}
	for _, n := range res.Notes {
		rep.Notes = append(rep.Notes, noteJSON{Pointer: n.Pointer, position: place(n.Pointer, 0), Message: n.Message})
	}
	// In the order of the text, as a compiler lists errors; the validator's order (by pointer)
	// breaks ties, so the output stays deterministic.
	slices.SortStableFunc(rep.Violations, func(a, b violationJSON) int { return a.position.compare(b.position) })
	slices.SortStableFunc(rep.Notes, func(a, b noteJSON) int { return a.position.compare(b.position) })
	return rep
}

func displayName(name string) string {
	if name == "-" {
		return stdinName
	}
	return name
}

// readInput reads a file or standard input, at most one byte more than maxBytes, so that an
// oversized input is refused without being read whole.
func readInput(name string, stdin io.Reader, maxBytes int) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		if stdin == nil {
			return nil, errors.New("no standard input")
		}
		r = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the file's name is printed beside it
			}
			return nil, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, errors.New("is a directory")
		}
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if len(b) > maxBytes {
		return nil, fmt.Errorf("larger than --max-bytes %d bytes: not validated", maxBytes)
	}
	return b, nil
}

// printReport writes one input's verdict as text; an input that could not be judged is
// reported on stderr only.
func printReport(stdout, stderr io.Writer, rep fileReport) {
	if rep.Error != "" {
		fmt.Fprintf(stderr, "validate: %s: %s\n", rep.File, rep.Error)
		return
	}
	verdict := "valid"
	if !rep.Valid {
		verdict = "invalid"
	}
	fmt.Fprintf(stdout, "%s: %s %s body (%d violation%s, %d note%s)\n", rep.File, verdict, rep.Kind,
		len(rep.Violations), plural(len(rep.Violations)), len(rep.Notes), plural(len(rep.Notes)))
	for _, v := range rep.Violations {
		fmt.Fprintf(stdout, "  %s violation %s %s: %s", where(rep.File, v.position), showPointer(v.Pointer), v.Keyword, oneLine(v.Message))
		switch {
		case v.Value != nil:
			fmt.Fprintf(stdout, " (value: %s)", v.Value)
		case v.ValueExcerpt != "":
			fmt.Fprintf(stdout, " (value: %s)", oneLine(v.ValueExcerpt))
		}
		fmt.Fprintln(stdout)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(stdout, "  %s note %s: %s\n", where(rep.File, n.position), showPointer(n.Pointer), oneLine(n.Message))
	}
}

// where is the FILE:LINE:COLUMN: prefix editors and terminals recognise.
func where(file string, p position) string {
	if p.Line == 0 {
		return file + ":"
	}
	return fmt.Sprintf("%s:%d:%d:", file, p.Line, p.Column)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// showPointer prints a JSON Pointer for text output: the root as rootName, a pointer with
// spaces, quotes or control characters as a JSON string (so it stays one unambiguous word),
// any other as it is.
func showPointer(p string) string {
	if p == "" {
		return rootName
	}
	if strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' || r == '"' || r == 0x7f || r == '\u2028' || r == '\u2029' }) {
		b, _ := json.Marshal(p)
		return string(b)
	}
	return p
}

func oneLine(s string) string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(s)
}
