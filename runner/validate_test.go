package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/callconf/callconf/fixtures"
	"github.com/callconf/callconf/schemas"
)

func validateRun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runValidate(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func validateFixture(t *testing.T, name string) string {
	t.Helper()
	all, err := fixtures.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		if f.Name == name {
			p := filepath.Join(t.TempDir(), name+".json")
			if err := os.WriteFile(p, f.Body, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	t.Fatalf("no fixture %s", name)
	return ""
}

var validateViolationLine = regexp.MustCompile(`^  \S+:\d+:\d+: violation (\S+) (\S+): `)

func TestValidateSeedExampleRequestReportsExactlyFivePointers(t *testing.T) {
	file := validateFixture(t, "request-seed-example")
	code, out, errOut := validateRun(t, "", "--kind", "request", file)
	if code != exitFail {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitFail, errOut)
	}
	var got []string
	for _, line := range strings.Split(out, "\n") {
		if m := validateViolationLine.FindStringSubmatch(line); m != nil {
			got = append(got, m[1]+" "+m[2])
		}
	}
	want := []string{`/direction enum`, `/mediaState/audio enum`, `/requestedModalities/0 enum`, `/state enum`, `/toneInfo/tone enum`}
	slices.Sort(got) // the output is in the order of the text
	if !slices.Equal(got, want) {
		t.Errorf("violations %q, want %q\n%s", got, want, out)
	}
	if !strings.Contains(out, file+": invalid request body (5 violations, 0 notes)") {
		t.Errorf("no verdict line:\n%s", out)
	}
	if !strings.Contains(out, `(value: "String")`) {
		t.Errorf("no offending value:\n%s", out)
	}
}

func TestValidateExitStatuses(t *testing.T) {
	valid := validateFixture(t, "request-seed-example-corrected")
	invalid := validateFixture(t, "request-state-ringing")
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
	}{
		{"all valid", "", []string{"--kind", "request", valid}, exitOK},
		{"one invalid", "", []string{"--kind", "request", valid, invalid}, exitFail},
		{"stdin valid", `{"id":"x"}`, []string{"--kind", "response", "-"}, exitOK},
		{"stdin not JSON", `nope`, []string{"--kind", "error", "-"}, exitFail},
		{"no kind", "", []string{valid}, exitUsage},
		{"bad kind", "", []string{"--kind", "call", valid}, exitUsage},
		{"no files", "", []string{"--kind", "request"}, exitUsage},
		{"unknown flag", "", []string{"--kind", "request", "--strict", valid}, exitUsage},
		{"unreadable file", "", []string{"--kind", "request", filepath.Join(t.TempDir(), "missing.json")}, exitUsage},
		{"unreadable beats invalid", "", []string{"--kind", "request", invalid, filepath.Join(t.TempDir(), "missing.json")}, exitUsage},
		{"directory", "", []string{"--kind", "request", t.TempDir()}, exitUsage},
		{"stdin twice", "{}", []string{"--kind", "request", "-", "-"}, exitUsage},
		{"help", "", []string{"-h"}, exitOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := validateRun(t, c.stdin, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errOut)
			}
			if c.code == exitUsage && errOut == "" {
				t.Error("usage error without a message on stderr")
			}
		})
	}
}

func TestValidateNotesAndDeterminism(t *testing.T) {
	doc := `{"id":"x","zeta":1,"alpha":2,"state":"ringing","source":{"identity":{},"countryCode":"US"}}`
	code, first, _ := validateRun(t, doc, "--kind", "response", "-")
	if code != exitFail {
		t.Fatalf("exit %d", code)
	}
	want := `<stdin>: invalid response body (1 violation, 3 notes)
  <stdin>:1:38: violation /state enum: value is not one of the allowed values: "incoming", "establishing", "established", "hold", "transferring", "transferAccepted", "redirecting", "terminating", "terminated", "unknownFutureValue" (value: "ringing")
  <stdin>:1:18: note /zeta: unknown property "zeta" (tolerated in a response)
  <stdin>:1:28: note /alpha: unknown property "alpha" (tolerated in a response)
  <stdin>:1:86: note /source/countryCode: unknown property "countryCode" (tolerated in a response)
`
	if first != want {
		t.Errorf("got\n%s\nwant\n%s", first, want)
	}
	for range 20 {
		if _, again, _ := validateRun(t, doc, "--kind", "response", "-"); again != first {
			t.Fatalf("output changed between runs:\n%s\n%s", first, again)
		}
	}
}

func TestValidateJSONOutput(t *testing.T) {
	code, out, _ := validateRun(t, `{"error":{"code":"","message":"m"}}`, "--kind", "error", "--json", "-")
	if code != exitFail {
		t.Fatalf("exit %d", code)
	}
	var reps []fileReport
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(reps) != 1 || reps[0].Valid || len(reps[0].Violations) != 1 {
		t.Fatalf("got %+v", reps)
	}
	got := reps[0].Violations[0]
	if got.Pointer != "/error/code" || got.Keyword != "minLength" || string(got.Value) != `""` || got.Line != 1 || got.Column != 18 {
		t.Errorf("got %+v", got)
	}
}

func TestValidateOversizedStdinIsBounded(t *testing.T) {
	big := strings.Repeat(" ", schemas.MaxDocumentBytes+10) + "{}"
	code, out, errOut := validateRun(t, big, "--kind", "request", "-")
	if code != exitUsage || out != "" || errOut != "validate: <stdin>: larger than --max-bytes 16777216 bytes: not validated\n" {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

func TestValidateEveryFixtureVerdict(t *testing.T) {
	all, err := fixtures.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		code, out, _ := validateRun(t, string(f.Body), "--kind", string(f.Kind), "-")
		want := exitOK
		if !f.Valid {
			want = exitFail
		}
		if code != want {
			t.Errorf("%s: exit %d, want %d\n%s", f.Name, code, want, out)
		}
	}
}

// writeTemp writes body into a new file and returns its path.
func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestValidateErrorPrintedOnce: an input that cannot be read is reported exactly once — on
// stderr in text mode, in the JSON only with --json — where it used to be on both streams.
func TestValidateErrorPrintedOnce(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.json")
	code, out, errOut := validateRun(t, "", "--kind", "request", missing)
	if code != exitUsage {
		t.Errorf("exit %d", code)
	}
	if n := strings.Count(out+errOut, "no such file"); n != 1 || out != "" {
		t.Errorf("the error appears %d times\nstdout: %s\nstderr: %s", n, out, errOut)
	}
	if want := "validate: " + missing + ": no such file or directory\n"; errOut != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
	code, out, errOut = validateRun(t, "", "--kind", "request", "--json", missing)
	if code != exitUsage || errOut != "" || strings.Count(out, "no such file") != 1 {
		t.Errorf("--json: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

// TestValidatePositionsAreLineColumn: every violation and note is placed as FILE:LINE:COLUMN
// (1-based, columns in characters), in text and --json, and no output gives a byte offset.
func TestValidatePositionsAreLineColumn(t *testing.T) {
	cases := []struct {
		name, kind, doc, want string
		line, col             int
	}{
		{"syntax error", "request", "{\"a\":1,\n \"b\": }", `FILE:2:7: violation /b json: not well-formed JSON: invalid character '}' looking for beginning of value`, 2, 7},
		{"schema violation, columns in characters", "request", "{\n  \"callbackUri\": \"Größe\", \"state\": \"ringing\"\n}", `FILE:2:36: violation /state enum: `, 2, 36},
		{"missing member: at its object", "error", "{\n \"error\": {\"code\": \"x\"}}", `FILE:2:11: violation /error/message required: `, 2, 11},
		{"note", "response", "{\"id\": \"x\",\n\"zz\": 1}", `FILE:2:7: note /zz: unknown property`, 2, 7},
		{"not UTF-8", "request", "{\"a\":\"\xff\"}", `FILE:1:7: violation (root) json: document is not valid UTF-8`, 1, 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := writeTemp(t, "doc.json", c.doc)
			_, out, errOut := validateRun(t, "", "--kind", c.kind, file)
			if !strings.Contains(out, strings.Replace(c.want, "FILE", file, 1)) {
				t.Errorf("output lacks %q:\n%s%s", c.want, out, errOut)
			}
			if strings.Contains(out, "byte") || strings.Contains(out, "offset") || strings.Contains(out, "(at line") {
				t.Errorf("output gives a byte offset or the place twice:\n%s", out)
			}
			_, out, _ = validateRun(t, "", "--kind", c.kind, "--json", file)
			var reps []fileReport
			if err := json.Unmarshal([]byte(out), &reps); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			var places []position
			for _, v := range reps[0].Violations {
				places = append(places, v.position)
			}
			for _, n := range reps[0].Notes {
				places = append(places, n.position)
			}
			if len(places) != 1 || places[0] != (position{Line: c.line, Column: c.col}) {
				t.Errorf("--json places %+v, want %d:%d\n%s", places, c.line, c.col, out)
			}
		})
	}
}

// TestValidateJSONValueEncodedOnce: with --json a violation's value is the JSON value itself
// (a number is a number, a string one level of quotes), and a value too long to show whole is
// an excerpt in its own field, never a string holding JSON.
func TestValidateJSONValueEncodedOnce(t *testing.T) {
	long := strings.Repeat("x", 500)
	doc := `{"direction": 5, "state": "ringing", "toneInfo": {"tone": "` + long + `"}}`
	_, out, _ := validateRun(t, doc, "--kind", "request", "--json", "-")
	var reps []struct {
		Violations []map[string]any `json:"violations"`
	}
	if err := json.Unmarshal([]byte(out), &reps); err != nil || len(reps) != 1 {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[string]map[string]any{}
	for _, v := range reps[0].Violations {
		got[v["pointer"].(string)] = v
	}
	if v := got["/direction"]["value"]; v != float64(5) {
		t.Errorf("/direction value %#v, want the number 5", v)
	}
	if v := got["/state"]["value"]; v != "ringing" {
		t.Errorf("/state value %#v, want the string ringing", v)
	}
	tone := got["/toneInfo/tone"]
	if _, ok := tone["value"]; ok {
		t.Errorf("a cut value is given as value: %v", tone)
	}
	if ex, _ := tone["valueExcerpt"].(string); !strings.HasPrefix(ex, `"xxx`) || !strings.HasSuffix(ex, "…") {
		t.Errorf("valueExcerpt %q", ex)
	}
}

// TestValidateMaxBytes: the size limit is in -h, settable with --max-bytes, and an input over it
// is a usage error (exit 2) that names the limit, not a violation of the document.
func TestValidateMaxBytes(t *testing.T) {
	_, _, help := validateRun(t, "", "-h")
	for _, want := range []string{"--max-bytes", "16 MiB", "(default 16777216)"} {
		if !strings.Contains(help, want) {
			t.Errorf("-h lacks %q:\n%s", want, help)
		}
	}
	file := validateFixture(t, "request-seed-example-corrected")
	if code, out, errOut := validateRun(t, "", "--kind", "request", file); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := validateRun(t, "", "--kind", "request", "--max-bytes", "100", file)
	if code != exitUsage || out != "" || !strings.Contains(errOut, file+": larger than --max-bytes 100 bytes: not validated") {
		t.Errorf("over the limit: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if code, _, _ := validateRun(t, "{}", "--kind", "response", "--max-bytes", "2", "-"); code == exitUsage {
		t.Error("an input of exactly --max-bytes is refused")
	}
	for _, bad := range []string{"0", "-1", "16777217", "1MiB"} {
		if code, _, errOut := validateRun(t, "{}", "--kind", "response", "--max-bytes", bad, "-"); code != exitUsage || errOut == "" {
			t.Errorf("--max-bytes %s: exit %d, stderr %q", bad, code, errOut)
		}
	}
}

// TestValidateFlagsAfterFiles: `validate FILE --kind request` applies the flag; after "--"
// every argument is a file.
func TestValidateFlagsAfterFiles(t *testing.T) {
	valid := validateFixture(t, "request-seed-example-corrected")
	invalid := validateFixture(t, "request-state-ringing")
	code, out, errOut := validateRun(t, "", invalid, "--kind", "request", valid, "--json")
	if code != exitFail {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	var reps []fileReport
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatalf("--json after the files ignored: %v\n%s", err, out)
	}
	if len(reps) != 2 || reps[0].File != invalid || reps[1].File != valid || reps[0].Valid || !reps[1].Valid {
		t.Errorf("reports %+v", reps)
	}
	code, _, errOut = validateRun(t, "", "--kind", "request", "--", valid, "--json")
	if code != exitUsage || !strings.Contains(errOut, "validate: --json: no such file or directory") {
		t.Errorf("after --: exit %d, stderr %s", code, errOut)
	}
}

// TestValidateOneNameForStdinAndRoot: standard input is <stdin> and the root pointer (root) in
// every text line, and the JSON names standard input the same way and keeps the RFC 6901 root "".
func TestValidateOneNameForStdinAndRoot(t *testing.T) {
	code, out, errOut := validateRun(t, `[1]`, "--kind", "request", "-")
	if code != exitFail {
		t.Fatalf("exit %d", code)
	}
	want := "<stdin>: invalid request body (1 violation, 0 notes)\n  <stdin>:1:1: violation (root) type: wrong JSON type: expected object, got array (value: [1])\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	_, out, _ = validateRun(t, `[1]`, "--kind", "request", "--json", "-")
	if !strings.Contains(out, `"file": "<stdin>"`) || !strings.Contains(out, `"pointer": ""`) {
		t.Errorf("--json:\n%s", out)
	}
	_, _, errOut = validateRun(t, "{}", "--kind", "request", "-", "-")
	if !strings.Contains(errOut, "<stdin>") {
		t.Errorf("stdin twice: %s", errOut)
	}
	_, _, help := validateRun(t, "", "-h")
	for _, s := range []string{out, errOut, help} {
		if strings.Contains(s, "(stdin)") || strings.Contains(s, `violation ""`) {
			t.Errorf("another name for stdin or the root:\n%s", s)
		}
	}
}

// TestValidateNoteSaysAnError: a note on an error body says "an error", not "a error".
func TestValidateNoteSaysAnError(t *testing.T) {
	_, out, _ := validateRun(t, `{"error":{"code":"c","message":"m"},"extra":1}`, "--kind", "error", "-")
	if !strings.Contains(out, `unknown property "extra" (tolerated in an error)`) || strings.Contains(out, "a error") {
		t.Errorf("got\n%s", out)
	}
}
