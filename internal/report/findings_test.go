package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/check"
)

func attributed(side, req string, inconclusive bool, actual string) Attributed {
	return Attributed{Side: side, Finding: finding(req, inconclusive, actual)}
}

func TestTallyOutcomes(t *testing.T) {
	tl := NewTally()
	tl.Add(Judged{Label: "#1 PATCH /c/1 → 200", Applied: []string{"PATCH-01", "PATCH-02", "HTTP-01"}})
	tl.Add(Judged{Label: "#2 PATCH /c/1 → 400", Applied: []string{"PATCH-01", "ERR-06", "HTTP-01"},
		Findings: []Attributed{attributed(SideClient, "PATCH-01", false, `"hologram"`)},
		Notes:    []check.Note{{Requirement: "ERR-06", Text: "a note"}}})
	tl.Add(Judged{Label: "#3 PATCH /c/1 → 200", Applied: []string{"PATCH-02"},
		Findings: []Attributed{attributed(SideService, "PATCH-02", true, "over the limit")}})
	tl.Seen()
	c := tl.Conformance(Input{Target: "http://t", Started: time.Now()})

	want := map[string]Outcome{"PATCH-01": Failed, "PATCH-02": Inconclusive, "HTTP-01": Passed, "ERR-06": Passed, "STATE-01": Disabled}
	for _, r := range c.Requirements {
		if w, ok := want[r.ID]; ok && r.Outcome != w {
			t.Errorf("%s: %s, want %s", r.ID, r.Outcome, w)
		}
		switch r.ID {
		case "PATCH-01":
			if r.Specs != 2 || r.Passed != 1 || len(r.Failures) != 1 || r.Failures[0].Spec != "#2 PATCH /c/1 → 400" ||
				r.Failures[0].Message != `client [PATCH-01] at (root): expected x, got "hologram"` {
				t.Errorf("PATCH-01: %+v", r)
			}
		case "PATCH-02":
			if len(r.Inconclusives) != 1 || !strings.Contains(r.Inconclusives[0].Cause, "over the limit") {
				t.Errorf("PATCH-02: %+v", r)
			}
		case "ERR-06":
			if len(r.Notes) != 1 || r.Notes[0] != "a note" {
				t.Errorf("ERR-06 notes: %v", r.Notes)
			}
		}
	}
	if c.Requests != 4 || c.Conforms || c.Summary.Failed != 1 || c.Summary.Inconclusive != 1 || c.Summary.Passed != 2 {
		t.Errorf("requests %d, conforms %v, summary %+v", c.Requests, c.Conforms, c.Summary)
	}
}

func TestTallyBoundsListedExchanges(t *testing.T) {
	tl := NewTally()
	for range MaxListed + 7 {
		tl.Add(Judged{Label: "x", Findings: []Attributed{attributed(SideService, "HTTP-01", false, "(absent)")}})
	}
	c := tl.Conformance(Input{Started: time.Now()})
	for _, r := range c.Requirements {
		if r.ID == "HTTP-01" && (len(r.Failures) != MaxListed || !contains(r.Notes, "7 more failed exchanges not listed")) {
			t.Errorf("%d failures listed, notes %v", len(r.Failures), r.Notes)
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestWriteConformanceRedacts(t *testing.T) {
	tl := NewTally()
	tl.Add(Judged{Label: "#1", Findings: []Attributed{attributed(SideService, "ERR-06", false, "token SECRET echoed")}})
	c := tl.Conformance(Input{Target: "http://t", Started: time.Now()})
	dir := filepath.Join(t.TempDir(), "reports")
	if err := WriteConformance(dir, c, func(s string) string { return strings.ReplaceAll(s, "SECRET", "[REDACTED]") }); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{ConformanceJSON, ConformanceMarkdown, JUnitFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "SECRET") || !strings.Contains(string(b), "[REDACTED]") {
			t.Errorf("%s not redacted:\n%s", name, b)
		}
	}
	var back Conformance
	b, _ := os.ReadFile(filepath.Join(dir, ConformanceJSON))
	if err := json.Unmarshal(b, &back); err != nil || back.Summary.Failed != 1 {
		t.Errorf("conformance.json: %v %+v", err, back.Summary)
	}
}

func TestTallyNothingJudgedDoesNotConform(t *testing.T) {
	tl := NewTally()
	tl.Seen() // an exchange off the calls routes: forwarded, never judged
	c := tl.Conformance(Input{Target: "http://t", Started: time.Now()})
	if c.Conforms || c.Verdict != VerdictNothingJudged {
		t.Errorf("a proxy that judged nothing: conforms=%v verdict %s", c.Conforms, c.Verdict)
	}
	text := c.Text()
	if !strings.Contains(text, "NOTHING JUDGED") || strings.Contains(text, "--focus") || strings.Contains(text, "--label-filter") {
		t.Errorf("the text names flags the proxy lacks:\n%s", text)
	}
	junit, err := c.JUnit()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(junit), "no spec ran") {
		t.Errorf("the JUnit verdict speaks of specs the proxy never had:\n%s", junit)
	}
}
