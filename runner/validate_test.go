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

var validateViolationLine = regexp.MustCompile(`^  violation ("[^"]*") (\S+): `)

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
	want := []string{`"/direction" enum`, `"/mediaState/audio" enum`, `"/requestedModalities/0" enum`, `"/state" enum`, `"/toneInfo/tone" enum`}
	if !slices.Equal(got, want) {
		t.Errorf("violations %q, want %q\n%s", got, want, out)
	}
	if !strings.Contains(out, file+": invalid request (5 violations, 0 notes)") {
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
	want := `(stdin): invalid response (1 violation, 3 notes)
  violation "/state" enum: value is not one of the allowed values: "incoming", "establishing", "established", "hold", "transferring", "transferAccepted", "redirecting", "terminating", "terminated", "unknownFutureValue" (value: "ringing")
  note "/alpha": unknown property "alpha" (tolerated in a response)
  note "/source/countryCode": unknown property "countryCode" (tolerated in a response)
  note "/zeta": unknown property "zeta" (tolerated in a response)
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
	if len(reps) != 1 || reps[0].Valid || len(reps[0].Violations) != 1 || reps[0].Violations[0] != (schemas.Violation{
		Pointer: "/error/code", Keyword: "minLength", Message: reps[0].Violations[0].Message, Value: `""`}) {
		t.Errorf("got %+v", reps)
	}
}

func TestValidateOversizedStdinIsBounded(t *testing.T) {
	big := strings.Repeat(" ", schemas.MaxDocumentBytes+10) + "{}"
	code, out, _ := validateRun(t, big, "--kind", "request", "-")
	if code != exitFail || !strings.Contains(out, "larger than the limit") {
		t.Errorf("exit %d\n%s", code, out)
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
