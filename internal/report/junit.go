package report

import (
	"encoding/xml"
	"fmt"
	"strings"
)

// The JUnit XML shape CI systems read (the Ant/Surefire dialect): one test case per requirement,
// so a CI dashboard shows the same verdicts as conformance.json. A failed requirement is a
// <failure>, an inconclusive one an <error> (the harness could not judge it), an unsupported or
// disabled one <skipped>.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
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
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit renders the verdict as JUnit XML.
func (c Conformance) JUnit() ([]byte, error) {
	s := junitSuite{Name: "Update call conformance", Time: c.WallTime, Timestamp: c.Date,
		Properties: []junitProperty{{"target", c.Target}, {"harness", c.HarnessVersion}, {"strict", fmt.Sprint(c.Strict)}, {"conforms", fmt.Sprint(c.Conforms)}}}
	if c.SuiteError != "" {
		s.Properties = append(s.Properties, junitProperty{"suiteError", c.SuiteError})
	}
	for _, r := range c.Requirements {
		tc := junitCase{Name: fmt.Sprintf("%s (%s) %s", r.ID, r.Level, r.Title), Classname: r.Feature}
		if len(r.Notes) > 0 {
			tc.SystemOut = "notes:\n- " + strings.Join(r.Notes, "\n- ")
		}
		switch r.Outcome {
		case Failed:
			tc.Failure = &junitProblem{Message: fmt.Sprintf("%d spec(s) failed", len(r.Failures)), Type: "failed", Text: problemText(r.Failures)}
			s.Failures++
		case Inconclusive:
			tc.Error = &junitProblem{Message: fmt.Sprintf("inconclusive: %d spec(s) could not be judged", len(r.Inconclusives)), Type: "inconclusive", Text: problemText(r.Inconclusives)}
			s.Errors++
		case Unsupported, Disabled:
			tc.Skipped = &junitSkipped{Message: string(r.Outcome)}
			s.Skipped++
		}
		s.Cases = append(s.Cases, tc)
		s.Tests++
	}
	out := junitSuites{Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Time: s.Time, Suites: []junitSuite{s}}
	b, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

func problemText(fs []Failure) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "=== %s\n", f.Spec)
		if f.Cause != "" {
			fmt.Fprintf(&b, "cause: %s\n", f.Cause)
		}
		fmt.Fprintf(&b, "%s\n\n", f.Message)
	}
	return b.String()
}
