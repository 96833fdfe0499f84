package e2e

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xeipuuv/gojsonschema"
)

// The reports are evidence that stands alone (issue 13, item 4): these tests read what a real
// run wrote, against the schema in the repository.

// report is the part of conformance.json these tests read.
type report struct {
	FormatVersion  int
	Verdict        string
	ExitCode       int
	Target         string
	HarnessVersion string
	CommandLine    []string
	Capabilities   *struct {
		Source string
		Have   []string
	}
	Filters struct {
		Focus, Skip []string
		LabelFilter string
	}
	RandomSeed         int64
	StartTime, EndTime string
	NotRun             []string
	Requirements       []struct {
		ID, Outcome, Reason string
		Failures            []struct {
			Spec, Location, Message string
			Findings                []struct {
				Requirement, Pointer, Expected, Got string
				Exchange                            *struct {
					Number      int
					Method, URL string
					Status      int
				}
			}
		}
	}
}

// junitDoc is the part of junit.xml these tests read.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			File      string `xml:"file,attr"`
			Line      int    `xml:"line,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// readReports reads conformance.json (checked against docs/conformance.schema.json) and
// junit.xml from dir.
func readReports(t *testing.T, dir string) (report, junitDoc, string) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(dir, "conformance.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := gojsonschema.Validate(gojsonschema.NewReferenceLoader("file://"+mustAbs(t, "../docs/conformance.schema.json")), gojsonschema.NewBytesLoader(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors() {
		t.Errorf("conformance.json breaks docs/conformance.schema.json: %s", e)
	}
	var c report
	if err := json.Unmarshal(doc, &c); err != nil {
		t.Fatal(err)
	}
	j := readJUnit(t, dir, "junit.xml")
	md, err := os.ReadFile(filepath.Join(dir, "conformance.md"))
	if err != nil {
		t.Fatal(err)
	}
	return c, j, string(md)
}

// readJUnit reads a JUnit file of dir (junit.xml or junit-specs.xml).
func readJUnit(t *testing.T, dir, name string) junitDoc {
	t.Helper()
	x, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	var j junitDoc
	if err := xml.Unmarshal(x, &j); err != nil {
		t.Fatal(err)
	}
	return j
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// specFile is where a spec's own location must point: the suite's files, relative to the module.
var specFile = regexp.MustCompile(`^suites/conformance/specs_[a-z]+\.go$`)

// TestReportsRecordTheRunAndOneJUnitCasePerSpec: junit-specs.xml has a case per spec at the
// spec's own source line; junit.xml has a case per requirement.
func TestReportsRecordTheRunAndOneJUnitCasePerSpec(t *testing.T) {
	dir := t.TempDir()
	r := run(t, 2*time.Minute, nil, "--label-filter", "req:PATCH-03 || feature:state", "--seed", "7", "--report-dir", dir)
	if r.code != 0 {
		t.Fatalf("want exit 0:\n%s", r)
	}
	c, j, md := readReports(t, dir)
	if c.FormatVersion != 1 || c.Verdict != "CONFORMS" || c.RandomSeed != 7 || c.Filters.LabelFilter != "req:PATCH-03 || feature:state" ||
		c.Capabilities == nil || c.Capabilities.Source != "discovered" || strings.Join(c.Capabilities.Have, ",") != "auth,create,delete,read" ||
		!ordered(t, c.StartTime, c.EndTime) || len(c.CommandLine) != 7 || c.CommandLine[2] != "req:PATCH-03 || feature:state" {
		t.Errorf("conformance.json does not describe the run: %+v", c)
	}
	if !strings.Contains(c.HarnessVersion, "go1.") {
		t.Errorf("harness %q", c.HarnessVersion)
	}
	for _, want := range []string{"| command | `runner --label-filter 'req:PATCH-03 || feature:state' --seed 7 --report-dir ",
		"| filters | --label-filter 'req:PATCH-03 || feature:state' |", "| random seed | 7 (specs in random order) |",
		"| capabilities | auth, create, delete, read (discovered) |",
		"- disabled (filtered out by --label-filter 'req:PATCH-03 || feature:state'): PATCH-01 PATCH-02 PATCH-04"} {
		if strings.HasPrefix(want, "| ") { // a table cell escapes its bars
			want = strings.ReplaceAll(want, "||", `\|\|`)
		}
		if !strings.Contains(md, want) {
			t.Errorf("conformance.md lacks %q:\n%s", want, md)
		}
	}
	if len(j.Suites) != 1 || len(j.Suites[0].Cases) != len(c.Requirements) || j.Failures+j.Errors != 0 {
		t.Errorf("junit.xml: %d suites, failures=%d errors=%d; want one case per requirement (%d), none red", len(j.Suites), j.Failures, j.Errors, len(c.Requirements))
	}
	specs := readJUnit(t, dir, "junit-specs.xml")
	cases, classes := 0, map[string]bool{}
	for _, s := range specs.Suites[1:] {
		for _, tc := range s.Cases {
			cases++
			classes[tc.Classname] = true
			if !specFile.MatchString(tc.File) || tc.Line == 0 {
				t.Errorf("%s: location %s:%d, want the spec's own file", tc.Name, tc.File, tc.Line)
			}
			if strings.Contains(tc.Name, "BeforeSuite") {
				t.Errorf("a set-up node is a test case: %s", tc.Name)
			}
		}
	}
	if !classes["callconf.PATCH"] || !classes["callconf.STATE"] || !classes["callconf.ERR"] || !classes["callconf.HTTP"] {
		t.Errorf("classnames %v, want one per requirement group", classes)
	}
	if specs := len(regexp.MustCompile(`"name": "Update call `).FindAllString(readFile(t, dir, "conformance.json"), -1)); cases != specs || cases < 100 {
		t.Errorf("%d junit-specs.xml cases for %d specs", cases, specs)
	}
}

func TestMutantFailuresAreStructuredInReports(t *testing.T) {
	const token = "e2e-reports-token-77"
	base := serveMutant(t, "status-204", token)
	dir := t.TempDir()
	r := run(t, 2*time.Minute, []string{"CALLCONF_TOKEN=" + token}, "--base-url", base, "--label-filter", "req:PATCH-01", "--report-dir", dir)
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	c, j, md := readReports(t, dir)
	if c.Verdict != "DOES NOT CONFORM" || c.ExitCode != 1 || c.Target != base {
		t.Errorf("verdict %s, exit %d, target %s", c.Verdict, c.ExitCode, c.Target)
	}
	found := false
	for _, req := range c.Requirements {
		if req.ID != "PATCH-01" {
			continue
		}
		for _, f := range req.Failures {
			for _, fd := range f.Findings {
				if fd.Requirement == "PATCH-01" && fd.Expected == "status 200" && strings.HasPrefix(fd.Got, "204") &&
					fd.Exchange != nil && fd.Exchange.Method == "PATCH" && fd.Exchange.Status == 204 && strings.HasPrefix(fd.Exchange.URL, base+"/") &&
					specFile.MatchString(strings.Split(f.Location, ":")[0]) && strings.Contains(f.Message, "reproduce: curl") {
					found = true
				}
			}
		}
	}
	if !found {
		t.Errorf("no structured PATCH-01 finding (exchange PATCH → 204, expected status 200):\n%s", readFile(t, dir, "conformance.json"))
	}
	if !strings.Contains(md, "| exchange | pointer | expected | got |") || strings.Contains(md+readFile(t, dir, "conformance.json")+readFile(t, dir, "junit.xml"), token) {
		t.Errorf("conformance.md lacks the findings table, or a report holds the token:\n%s", md)
	}
	if j.Failures != 1 || j.Errors != 0 { // PATCH-01's case, nothing else
		t.Errorf("junit.xml: %d failures, %d errors", j.Failures, j.Errors)
	}
	for _, tc := range j.Suites[0].Cases {
		if (tc.Failure != nil) != strings.HasPrefix(tc.Name, "PATCH-01 ") {
			t.Errorf("junit.xml case %s: failure %+v", tc.Name, tc.Failure)
		}
	}
	specs := readJUnit(t, dir, "junit-specs.xml")
	if specs.Failures < 2 { // the verdict and at least one PATCH-01 spec
		t.Errorf("junit-specs.xml: %d failures", specs.Failures)
	}
	for _, s := range specs.Suites {
		for _, tc := range s.Cases {
			if tc.Failure != nil && tc.Name != "verdict" && (!specFile.MatchString(tc.File) || tc.Classname != "callconf.PATCH") {
				t.Errorf("failed case %s at %s in class %s", tc.Name, tc.File, tc.Classname)
			}
		}
	}
}

func TestUnpreparedTargetReportsCouldNotStart(t *testing.T) {
	dir := t.TempDir()
	r := run(t, time.Minute, nil, "--base-url", "http://127.0.0.1:1", "--timeout", "2s", "--report-dir", dir)
	if r.code != 2 || !strings.Contains(r.stdout, "verdict: COULD NOT START") || !strings.Contains(r.stderr, "unreachable") {
		t.Fatalf("want exit 2, COULD NOT START, and stderr naming the unreachable target:\n%s", r)
	}
	c, j, md := readReports(t, dir)
	if !strings.Contains(md, "unreachable") {
		t.Errorf("conformance.md does not say why nothing ran:\n%s", md)
	}
	if c.Verdict != "COULD NOT START" || c.ExitCode != 2 || len(c.NotRun) != len(c.Requirements) || c.Capabilities != nil {
		t.Errorf("conformance.json: verdict %s, exit %d, %d of %d not run", c.Verdict, c.ExitCode, len(c.NotRun), len(c.Requirements))
	}
	if strings.Contains(md, "| failed |") || !strings.Contains(md, "| not run |") {
		t.Errorf("conformance.md shows requirements as failed:\n%s", md)
	}
	if j.Tests == 0 || j.Errors != 1 || j.Suites[0].Cases[0].Error == nil || !strings.Contains(j.Suites[0].Cases[0].Error.Message, "unreachable") {
		t.Errorf("junit.xml: tests=%d errors=%d, want an error case naming the cause: %+v", j.Tests, j.Errors, j.Suites[0].Cases)
	}
}

// ordered reports whether the RFC 3339 times start and end parse and end is not before start
// (as strings they do not compare: RFC3339Nano drops trailing zeros).
func ordered(t *testing.T, start, end string) bool {
	t.Helper()
	s, err1 := time.Parse(time.RFC3339Nano, start)
	e, err2 := time.Parse(time.RFC3339Nano, end)
	return err1 == nil && err2 == nil && !e.Before(s)
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
