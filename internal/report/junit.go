package report

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/callconf/callconf/internal/check"
)

// The JUnit XML shapes CI systems read (the Ant/Surefire dialect).
//
// junit.xml (JUnit) is the gate: one test suite, "callconf run", with the run's description as
// properties and one test case per requirement (classname "callconf.PATCH" and so on, from the
// requirement's ID). A case is a <failure> only when its requirement failed and gates this run
// (every MUST; with --strict every requirement); an <error> when it gates and is inconclusive,
// or was selected and not run; <skipped> when unsupported or filtered out. A requirement that
// failed or is inconclusive without gating is none of these: its case says so in its properties
// ("outcome", "gates") and its system-out. When the run gives no verdict for a reason no
// requirement carries (it could not start, it judged nothing, the suite itself failed), one
// more case, "verdict", is that <error>. So failures+errors is 0 exactly when the run exits 0,
// and failures counts the gating requirements that failed.
//
// junit-specs.xml (JUnitSpecs) is the detail: the same run suite with one "verdict" case, then
// one suite per requirement, its verdict in its properties, with one case per spec: a failed
// spec of a gating requirement is a <failure>, an inconclusive or not-run one an <error>, an
// unsupported or filtered-out one <skipped>. A spec whose exchanges broke another requirement
// is listed under that requirement too. A run without specs (the proxy's) has one case per
// requirement instead.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       float64         `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name       string          `xml:"name,attr"`
	Classname  string          `xml:"classname,attr"`
	File       string          `xml:"file,attr,omitempty"`
	Line       int             `xml:"line,attr,omitempty"`
	Time       float64         `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Failure    *junitProblem   `xml:"failure,omitempty"`
	Error      *junitProblem   `xml:"error,omitempty"`
	Skipped    *junitSkipped   `xml:"skipped,omitempty"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// add counts tc in s.
func (s *junitSuite) add(tc junitCase) {
	s.Tests++
	s.Time += tc.Time
	switch {
	case tc.Failure != nil:
		s.Failures++
	case tc.Error != nil:
		s.Errors++
	case tc.Skipped != nil:
		s.Skipped++
	}
	s.Cases = append(s.Cases, tc)
}

// JUnitSpecs renders the verdict as JUnit XML with one case per spec (junit-specs.xml).
func (c Conformance) JUnitSpecs() ([]byte, error) {
	out := junitSuites{Name: "Update call conformance", Time: c.WallTime}
	run := c.junitRun()
	run.add(c.verdictCase())
	for _, rc := range c.junitRunCases() {
		run.add(rc)
	}
	out.Suites = append(out.Suites, run)
	owned := map[string][]Spec{}
	owner := map[string]string{}
	for _, s := range c.Specs {
		owned[s.Requirement] = append(owned[s.Requirement], s)
		owner[s.Name] = s.Requirement
	}
	for _, r := range c.Requirements {
		s := junitSuite{Name: fmt.Sprintf("%s (%s) %s", r.ID, r.Level, r.Title), Timestamp: c.StartTime,
			Properties: []junitProperty{{"requirement", r.ID}, {"level", string(r.Level)}, {"outcome", string(r.Outcome)},
				{"gates", strconv.FormatBool(c.gates(r))}}}
		if r.Reason != "" {
			s.Properties = append(s.Properties, junitProperty{"reason", r.Reason})
		}
		for _, n := range r.Notes {
			s.Properties = append(s.Properties, junitProperty{"note", n})
		}
		if len(c.Specs) == 0 {
			tc := c.requirementCase(r)
			c.ungate(r, &tc)
			s.add(tc)
		} else {
			for _, spec := range owned[r.ID] {
				s.add(c.specCase(r, spec))
			}
			for _, tc := range c.crossCases(r, owner) {
				s.add(tc)
			}
		}
		out.Suites = append(out.Suites, s)
	}
	return out.marshal()
}

// marshal totals the suites' counts and renders the document.
func (out junitSuites) marshal() ([]byte, error) {
	for _, s := range out.Suites {
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
	}
	b, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

// JUnit renders the verdict as JUnit XML with one case per requirement (junit.xml): what gates
// the run is a <failure> or an <error>, and nothing else is.
func (c Conformance) JUnit() ([]byte, error) {
	out := junitSuites{Name: "Update call conformance", Time: c.WallTime}
	run := c.junitRun()
	var cases []junitCase
	carried := false // a requirement's case carries the run's error
	for _, r := range c.Requirements {
		tc := c.gateCase(r)
		carried = carried || tc.Error != nil
		cases = append(cases, tc)
	}
	if c.Exit == 2 && !carried { // exit 1 always has a failed case
		run.add(c.verdictCase())
	}
	for _, tc := range cases {
		run.add(tc)
	}
	for _, rc := range c.junitRunCases() {
		// A gating finding outside any spec is already its requirement's <failure>: here only
		// what informs (the calls' warnings, non-gating findings) is added.
		if rc.Failure == nil {
			run.add(rc)
		}
	}
	out.Suites = append(out.Suites, run)
	return out.marshal()
}

// maxJUnitFailures bounds the failed specs a requirement's case of junit.xml details; the rest
// are counted, and junit-specs.xml and conformance.json have them all.
const maxJUnitFailures = 10

// maxJUnitFindings bounds the findings listed for each of those specs.
const maxJUnitFindings = 5

// gateCase is requirement r's one case in junit.xml.
func (c Conformance) gateCase(r Requirement) junitCase {
	gates := c.gates(r)
	tc := junitCase{Name: fmt.Sprintf("%s (%s) %s", r.ID, r.Level, r.Title), Classname: group(r.ID),
		Properties: []junitProperty{{"requirement", r.ID}, {"level", string(r.Level)}, {"outcome", string(r.Outcome)},
			{"gates", strconv.FormatBool(gates)}}}
	for _, s := range c.Specs {
		if s.Requirement == r.ID {
			tc.Time += s.Seconds
		}
	}
	if r.Reason != "" {
		tc.Properties = append(tc.Properties, junitProperty{"reason", r.Reason})
	}
	var out strings.Builder
	fmt.Fprintf(&out, "%s: %s", r.ID, r.Outcome)
	if r.Specs > 0 {
		fmt.Fprintf(&out, " (%d of %d specs passed)", r.Passed, r.Specs)
	}
	if (r.Outcome == Failed || r.Outcome == Inconclusive) && !gates {
		fmt.Fprintf(&out, "; a %s does not gate this run (--strict makes it)", r.Level)
	}
	out.WriteString("\n")
	if r.Reason != "" {
		fmt.Fprintf(&out, "why: %s\n", r.Reason)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&out, "note: %s\n", n)
	}
	details := c.failureSummary(r)
	out.WriteString(details)
	switch r.Outcome {
	case Failed:
		if gates {
			tc.Failure = &junitProblem{Message: requirementHeadline(c.ownFirst(r.Failures, r.ID)), Type: "failed", Text: details}
		}
	case Inconclusive:
		if gates {
			tc.Error = &junitProblem{Message: "inconclusive: " + requirementHeadline(c.ownFirst(r.Inconclusives, r.ID)), Type: "inconclusive", Text: details}
		}
	case NotRun:
		if c.Verdict == VerdictCouldNotStart { // the verdict case carries the error, once
			tc.Skipped = &junitSkipped{Message: r.Reason}
		} else {
			tc.Error = &junitProblem{Message: r.Reason, Type: "not run", Text: "the filters selected this requirement, but none of its specs ran: " + r.Reason}
		}
	case Unsupported, Disabled:
		tc.Skipped = &junitSkipped{Message: strings.TrimSuffix(string(r.Outcome)+": "+r.Reason, ": ")}
	}
	tc.SystemOut = out.String()
	return tc
}

// requirementHeadline is the first of fs on one line, and how many more there are.
func requirementHeadline(fs []Failure) string {
	if len(fs) == 0 {
		return "no spec recorded why"
	}
	f := fs[0]
	s := f.Spec + ": " + cmp.Or(f.Cause, headline(f))
	if len(fs) > 1 {
		s += fmt.Sprintf(" (and %d more spec(s))", len(fs)-1)
	}
	return s
}

// failureSummary lists r's failed and inconclusive specs, its own specs first, each with its
// source and findings (at most maxJUnitFailures of each); the full messages are in
// junit-specs.xml.
func (c Conformance) failureSummary(r Requirement) string {
	var b strings.Builder
	for _, l := range []struct {
		what string
		fs   []Failure
	}{{"failed", c.ownFirst(r.Failures, r.ID)}, {"inconclusive", c.ownFirst(r.Inconclusives, r.ID)}} {
		for i, f := range l.fs {
			if i == maxJUnitFailures {
				fmt.Fprintf(&b, "… and %d more %s spec(s): see junit-specs.xml or conformance.json\n", len(l.fs)-i, l.what)
				break
			}
			fmt.Fprintf(&b, "%s: %s\n", l.what, f.Spec)
			if f.Location != "" {
				fmt.Fprintf(&b, "  spec: %s\n", f.Location)
			}
			if f.Cause != "" {
				fmt.Fprintf(&b, "  cause: %s\n", f.Cause)
			}
			for j, fd := range f.Findings {
				if j == maxJUnitFindings {
					fmt.Fprintf(&b, "  … and %d more finding(s)\n", len(f.Findings)-j)
					break
				}
				fmt.Fprintf(&b, "  %s[%s] at %s: expected %s, got %s\n", exchangePrefix(fd.Exchange), fd.Requirement, check.ShowPointer(fd.Pointer), fd.Expected, fd.Got)
			}
			if len(f.Findings) == 0 && f.Cause == "" {
				fmt.Fprintf(&b, "  %s\n", cmp.Or(firstLine(f.Message), "failed"))
			}
		}
	}
	return b.String()
}

// exchangePrefix names a finding's exchange before it ("#2 PATCH … → 200: "), "" for none.
func exchangePrefix(e *Exchange) string {
	if e == nil {
		return ""
	}
	return e.String() + ": "
}

// junitRun is the suite that describes the run.
func (c Conformance) junitRun() junitSuite {
	verdict := c.Verdict
	caps := ""
	if c.Capabilities != nil {
		caps = c.Capabilities.Source + ": " + strings.Join(c.Capabilities.Have, ",")
	}
	s := junitSuite{Name: "callconf run", Timestamp: c.StartTime, Properties: []junitProperty{
		{"target", c.Target}, {"harness", c.HarnessVersion}, {"commandLine", strings.Join(quoteArgs(c.CommandLine), " ")},
		{"capabilities", caps}, {"filters", c.Filters.String()}, {"randomSeed", strconv.FormatInt(c.RandomSeed, 10)},
		{"strict", strconv.FormatBool(c.Strict)}, {"startTime", c.StartTime}, {"endTime", c.EndTime},
		{"verdict", verdict}, {"exitCode", strconv.Itoa(c.Exit)}, {"conforms", strconv.FormatBool(c.Conforms)},
		{"formatVersion", strconv.Itoa(c.FormatVersion)},
	}}
	if c.SuiteError != "" {
		s.Properties = append(s.Properties, junitProperty{"suiteError", c.SuiteError})
	}
	return s
}

// verdictCase is the run's verdict as a case: a <failure> when a gating requirement failed
// (exit 1), an <error> when the run gives no verdict (exit 2).
func (c Conformance) verdictCase() junitCase {
	tc := junitCase{Name: "verdict", Classname: "callconf.RUN", Time: c.WallTime}
	why := c.verdictWhy()
	switch {
	case c.Exit == 1:
		tc.Failure = &junitProblem{Message: c.Verdict + ": " + why, Type: "does not conform", Text: c.Text()}
	case c.Exit != 0:
		tc.Error = &junitProblem{Message: c.Verdict + ": " + why, Type: strings.ToLower(c.Verdict), Text: c.Text()}
	}
	return tc
}

// Why says in one line what decided the verdict ("failed: PATCH-01; selected but not run: ERR-03").
func (c Conformance) Why() string { return c.verdictWhy() }

// verdictWhy says in one line what decided the verdict: for a run that could not start, only
// why (every requirement was left unrun by it).
func (c Conformance) verdictWhy() string {
	if c.Verdict == VerdictCouldNotStart && c.SuiteError != "" {
		return firstLine(c.SuiteError)
	}
	var failed, inconclusive []string
	for _, r := range c.Requirements {
		switch {
		case !c.gates(r):
		case r.Outcome == Failed:
			failed = append(failed, r.ID)
		case r.Outcome == Inconclusive:
			inconclusive = append(inconclusive, r.ID)
		}
	}
	var parts []string
	if c.SuiteError != "" {
		parts = append(parts, firstLine(c.SuiteError))
	}
	if len(failed) > 0 {
		parts = append(parts, "failed: "+strings.Join(failed, " "))
	}
	if len(c.NotRun) > 0 {
		parts = append(parts, "selected but not run: "+strings.Join(c.NotRun, " "))
	}
	if len(inconclusive) > 0 {
		parts = append(parts, "inconclusive: "+strings.Join(inconclusive, " "))
	}
	if !c.Judged() {
		parts = append(parts, c.nothingJudgedWhy())
	}
	if len(parts) == 0 {
		return "every gating requirement passed"
	}
	return strings.Join(parts, "; ")
}

// group is a requirement's JUnit classname: "callconf." and its ID's prefix ("PATCH", "ERR").
func group(id string) string {
	prefix, _, _ := strings.Cut(id, "-")
	return "callconf." + prefix
}

// specCase is the case of a spec under its own requirement r.
func (c Conformance) specCase(r Requirement, s Spec) junitCase {
	tc := junitCase{Name: s.Name, Classname: group(r.ID), Time: s.Seconds}
	tc.File, tc.Line = splitLocation(s.Location)
	switch s.Outcome {
	case Failed:
		f, _ := find(r.Failures, s.Name)
		tc.Failure = &junitProblem{Message: headline(f), Type: "failed", Text: problemText(f)}
		c.ungate(r, &tc)
	case Inconclusive:
		f, _ := find(r.Inconclusives, s.Name)
		tc.Error = &junitProblem{Message: "inconclusive: " + cmp.Or(f.Cause, headline(f)), Type: "inconclusive", Text: problemText(f)}
		c.ungate(r, &tc)
	case Unsupported:
		tc.Skipped = &junitSkipped{Message: "unsupported: " + s.Reason}
	case Disabled:
		tc.Skipped = &junitSkipped{Message: "disabled: " + s.Reason}
	case NotRun:
		if c.Verdict == VerdictCouldNotStart { // the verdict case carries the error, once
			tc.Skipped = &junitSkipped{Message: "not run: " + s.Reason}
		} else {
			tc.Error = &junitProblem{Message: "not run: " + s.Reason, Type: "not run", Text: "the filters selected this spec, but it never ran: " + s.Reason}
		}
	}
	return tc
}

// ungate turns tc's failure or error into its system-out and properties when r does not gate
// the run: a SHOULD that failed without --strict is reported, never red.
func (c Conformance) ungate(r Requirement, tc *junitCase) {
	if c.gates(r) {
		return
	}
	p := cmp.Or(tc.Failure, tc.Error)
	if p == nil {
		return
	}
	tc.Properties = append(tc.Properties, junitProperty{"outcome", p.Type}, junitProperty{"gates", "false"})
	tc.SystemOut = fmt.Sprintf("%s (a %s does not gate this run; --strict makes it): %s\n%s", p.Type, r.Level, p.Message, p.Text)
	tc.Failure, tc.Error = nil, nil
}

// crossCases are the specs of other requirements whose exchanges failed r or left it
// inconclusive.
func (c Conformance) crossCases(r Requirement, owner map[string]string) []junitCase {
	var out []junitCase
	for _, f := range r.Failures {
		if owner[f.Spec] != r.ID {
			tc := junitCase{Name: f.Spec + " (its exchanges break " + r.ID + ")", Classname: group(r.ID)}
			tc.File, tc.Line = splitLocation(f.Location)
			tc.Failure = &junitProblem{Message: headline(f), Type: "failed", Text: problemText(f)}
			c.ungate(r, &tc)
			out = append(out, tc)
		}
	}
	for _, f := range r.Inconclusives {
		if owner[f.Spec] != r.ID {
			tc := junitCase{Name: f.Spec + " (its exchanges leave " + r.ID + " inconclusive)", Classname: group(r.ID)}
			tc.File, tc.Line = splitLocation(f.Location)
			tc.Error = &junitProblem{Message: "inconclusive: " + cmp.Or(f.Cause, headline(f)), Type: "inconclusive", Text: problemText(f)}
			c.ungate(r, &tc)
			out = append(out, tc)
		}
	}
	return out
}

// requirementCase is the one case of a requirement in a run without specs.
func (c Conformance) requirementCase(r Requirement) junitCase {
	tc := junitCase{Name: fmt.Sprintf("%s (%s) %s", r.ID, r.Level, r.Title), Classname: group(r.ID)}
	switch r.Outcome {
	case Failed:
		tc.Failure = &junitProblem{Message: fmt.Sprintf("%d failed", len(r.Failures)), Type: "failed", Text: problemTexts(r.Failures)}
	case Inconclusive:
		tc.Error = &junitProblem{Message: fmt.Sprintf("inconclusive: %d could not be judged", len(r.Inconclusives)), Type: "inconclusive", Text: problemTexts(r.Inconclusives)}
	case NotRun:
		tc.Skipped = &junitSkipped{Message: r.Reason}
	case Unsupported, Disabled:
		tc.Skipped = &junitSkipped{Message: strings.TrimSuffix(string(r.Outcome)+": "+r.Reason, ": ")}
	}
	return tc
}

// find returns the failure of spec name in fs.
func find(fs []Failure, name string) (Failure, bool) {
	for _, f := range fs {
		if f.Spec == name {
			return f, true
		}
	}
	return Failure{Spec: name}, false
}

// headline is a failure on one line: its first finding, or its message's first line.
func headline(f Failure) string {
	if len(f.Findings) > 0 {
		fd := f.Findings[0]
		s := fmt.Sprintf("[%s] at %s: expected %s, got %s", fd.Requirement, check.ShowPointer(fd.Pointer), fd.Expected, fd.Got)
		if len(f.Findings) > 1 {
			s += fmt.Sprintf(" (and %d more)", len(f.Findings)-1)
		}
		return s
	}
	return cmp.Or(firstLine(f.Message), "failed")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// splitLocation splits "dir/file.go:42" into its file and line.
func splitLocation(loc string) (string, int) {
	i := strings.LastIndexByte(loc, ':')
	if i < 0 {
		return loc, 0
	}
	n, err := strconv.Atoi(loc[i+1:])
	if err != nil {
		return loc, 0
	}
	return loc[:i], n
}

func problemText(f Failure) string {
	var b strings.Builder
	if f.Location != "" {
		fmt.Fprintf(&b, "spec: %s\n", f.Location)
	}
	if f.Cause != "" {
		fmt.Fprintf(&b, "cause: %s\n", f.Cause)
	}
	b.WriteString(f.Message)
	return b.String()
}

func problemTexts(fs []Failure) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "=== %s\n%s\n\n", f.Spec, problemText(f))
	}
	return b.String()
}
