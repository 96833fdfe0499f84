package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/check"
)

// EntryRun names the report entry in which a process hands the report what the harness sent
// outside any spec (RunRecord); it sits on a suite-level node.
const EntryRun = "callconf.run"

// RunSpec is the name under which a requirement lists the findings of exchanges outside any spec.
const RunSpec = "the run, outside any spec"

// The phases of a run outside specs, as RunFinding.Phase names them.
const (
	PhaseDiscovery = "discovery"
	PhaseAuthProbe = "authentication probe"
	PhaseReading   = "reading a named call"
	PhaseRestore   = "restoring a named call"
	PhaseCleanUp   = "clean-up"
	PhaseLedger    = "end-of-run ledger"
)

// The kinds of run-level warnings.
const (
	WarnLeftBehind   = "left behind"   // a call the run created that it could not delete
	WarnNamedChanged = "named changed" // a named call that reads differently at the end of the run
	WarnNotRestored  = "not restored"  // a named call a spec changed and could not put back
	WarnUnread       = "unread"        // a named call the harness could not read
)

// RunRecord is what one process of the run (or the preparation of the target) sent outside any
// spec: how many requests, what the exchange judge found in them, and warnings about calls.
type RunRecord struct {
	Requests int          `json:"requests"`
	Retries  int          `json:"retries,omitempty"`
	Findings []RunFinding `json:"findings,omitempty"`
	Warnings []Warning    `json:"warnings,omitempty"`
}

// RunFinding is a finding of the exchange judge in an exchange outside any spec.
type RunFinding struct {
	Phase    string        `json:"phase"`
	Exchange Exchange      `json:"exchange"`
	Finding  check.Finding `json:"finding"`
}

// Warning is something the user should know about the calls of the run that is no
// requirement's failure: a call left behind, a named call that changed.
type Warning struct {
	Kind   string `json:"kind"`
	CallID string `json:"callId,omitempty"`
	// Members are the call's members that changed (sorted), for WarnNamedChanged and
	// WarnNotRestored.
	Members []string `json:"members,omitempty"`
	Text    string   `json:"text"`
}

// String renders the warning on one line.
func (w Warning) String() string { return "WARNING: " + w.Text }

// Merge adds o's content to r.
func (r *RunRecord) Merge(o RunRecord) {
	r.Requests += o.Requests
	r.Retries += o.Retries
	r.Findings = append(r.Findings, o.Findings...)
	r.Warnings = append(r.Warnings, o.Warnings...)
}

// RunSection is conformance.json's account of the run outside any spec.
type RunSection struct {
	// Requests counts the requests sent outside any spec (discovery, probes, set-up, reads and
	// restores of named calls, clean-up); Conformance.Requests includes them.
	Requests int `json:"requests"`
	// FindingsTotal counts the findings outside any spec; Findings lists at most the first 200.
	FindingsTotal int       `json:"findingsTotal,omitempty"`
	Findings      []Finding `json:"findings,omitempty"`
	Warnings      []Warning `json:"warnings,omitempty"`
}

// runRecords reads the RunRecords suite-level nodes of r carry (the value itself within one
// process, its JSON form from another process).
func runRecords(r types.Report) []RunRecord {
	var out []RunRecord
	for _, spec := range r.SpecReports {
		for _, e := range spec.ReportEntries {
			if e.Name != EntryRun {
				continue
			}
			if rec, ok := e.Value.GetRawValue().(RunRecord); ok {
				out = append(out, rec)
				continue
			}
			var rec RunRecord
			if err := json.Unmarshal([]byte(e.Value.AsJSON), &rec); err == nil {
				out = append(out, rec)
			}
		}
	}
	return out
}

// maxRunFindings bounds the findings outside specs a report lists; the rest are counted.
const maxRunFindings = 200

// addRun folds the run-level records into c: each finding counts against its requirement (as a
// failure listed under RunSpec), the requests into the run's count, warnings as they are.
func (c *Conformance) addRun(recs []RunRecord, byID map[string]*Requirement, acc map[string]*pending) {
	var all RunRecord
	for _, r := range recs {
		all.Merge(r)
	}
	c.Run.Requests = all.Requests
	c.Requests += all.Requests
	c.Retries += all.Retries
	slices.SortStableFunc(all.Warnings, func(a, b Warning) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.CallID, b.CallID), cmp.Compare(a.Text, b.Text))
	})
	c.Run.Warnings = slices.CompactFunc(all.Warnings, func(a, b Warning) bool {
		return a.Kind == b.Kind && a.CallID == b.CallID && a.Text == b.Text
	})
	byReq := map[string][]Finding{}
	for i, f := range all.Findings {
		req, ok := byID[f.Finding.Requirement]
		if !ok {
			continue
		}
		ex := f.Exchange
		ex.Number = i + 1
		fd := findingOf(f.Finding, &ex)
		fd.Phase = f.Phase
		if f.Finding.Inconclusive {
			// The harness's own limit on an exchange outside any spec: noted, never a verdict.
			req.Notes = append(req.Notes, fmt.Sprintf("%s: %s %s → %d: %s", f.Phase, ex.Method, ex.URL, ex.Status, f.Finding.Actual))
			continue
		}
		c.Run.FindingsTotal++
		if len(c.Run.Findings) < maxRunFindings {
			c.Run.Findings = append(c.Run.Findings, fd)
		}
		byReq[req.ID] = append(byReq[req.ID], fd)
	}
	for id, fs := range byReq {
		acc[id].failed++
		var b strings.Builder
		fmt.Fprintf(&b, "%d finding(s) in exchanges the harness sent outside any spec:\n", len(fs))
		for i, fd := range fs {
			if i == maxRunFindings {
				fmt.Fprintf(&b, "… and %d more\n", len(fs)-i)
				break
			}
			fmt.Fprintf(&b, "  %s\n", fd.runLine())
		}
		byID[id].Failures = append(byID[id].Failures, Failure{Spec: RunSpec, Message: cut(b.String(), maxFailureMessage), Findings: fs[:min(len(fs), maxRunFindings)]})
	}
}

// runLine renders a finding outside any spec on one line, with its phase and exchange.
func (f Finding) runLine() string {
	ex := ""
	if f.Exchange != nil {
		ex = fmt.Sprintf("%s %s → %d", f.Exchange.Method, f.Exchange.URL, f.Exchange.Status)
		if f.Exchange.Status == 0 {
			ex = fmt.Sprintf("%s %s → %s", f.Exchange.Method, f.Exchange.URL, cmp.Or(f.Exchange.Error, "no answer"))
		}
	}
	s := fmt.Sprintf("%s [%s] %s: expected %s, got %s", f.Requirement, f.Phase, ex, f.Expected, f.Got)
	if f.Pointer != "" {
		s += " at " + check.ShowPointer(f.Pointer)
	}
	return s
}

// maxRunLines bounds the run-level lines the terminal summary prints.
const maxRunLines = 20

// runText renders the run-level findings and warnings for the terminal.
func (c Conformance) runText() string {
	var b strings.Builder
	if n := c.Run.FindingsTotal; n > 0 {
		fmt.Fprintf(&b, "outside any spec (discovery, probes, reads and restores of named calls, clean-up): %d finding(s)\n", n)
		for i, f := range c.Run.Findings {
			if i == maxRunLines {
				fmt.Fprintf(&b, "  … and %d more (conformance.json, \"run\")\n", n-i)
				break
			}
			fmt.Fprintf(&b, "  %s\n", f.runLine())
		}
	}
	for i, w := range c.Run.Warnings {
		if i == maxRunLines {
			fmt.Fprintf(&b, "… and %d more warnings (conformance.json, \"run\")\n", len(c.Run.Warnings)-i)
			break
		}
		b.WriteString(w.String() + "\n")
	}
	return b.String()
}

// runMarkdown renders the run-level section of conformance.md ("" when there is nothing to say).
func (c Conformance) runMarkdown() string {
	if len(c.Run.Findings) == 0 && len(c.Run.Warnings) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n## The run, outside any spec\n\n")
	fmt.Fprintf(&b, "%d request(s) outside any spec (discovery, probes, reads and restores of named calls, clean-up).\n\n", c.Run.Requests)
	if len(c.Run.Warnings) > 0 {
		for _, w := range c.Run.Warnings {
			fmt.Fprintf(&b, "- **warning** (%s): %s\n", w.Kind, mdCell(w.Text))
		}
		b.WriteString("\n")
	}
	if len(c.Run.Findings) > 0 {
		if c.Run.FindingsTotal > len(c.Run.Findings) {
			fmt.Fprintf(&b, "%d finding(s); the first %d:\n\n", c.Run.FindingsTotal, len(c.Run.Findings))
		}
		b.WriteString("| requirement | phase | exchange | pointer | expected | got |\n|---|---|---|---|---|---|\n")
		for _, f := range c.Run.Findings {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", f.Requirement, mdCell(f.Phase), mdCell(f.Exchange.String()),
				mdCell(check.ShowPointer(f.Pointer)), mdCell(f.Expected), mdCell(f.Got))
		}
	}
	return b.String()
}

// junitRunCases are the run suite's cases for what happened outside any spec: one per
// requirement its exchanges broke (a failure when that requirement gates, else an error-free
// case with the finding as output), and one for the calls' warnings (output only).
func (c Conformance) junitRunCases() []junitCase {
	var out []junitCase
	for _, r := range c.Requirements {
		f, ok := find(r.Failures, RunSpec)
		if !ok {
			continue
		}
		tc := junitCase{Name: RunSpec + " (its exchanges break " + r.ID + ")", Classname: "callconf.RUN"}
		if c.gates(r) {
			tc.Failure = &junitProblem{Message: headline(f), Type: "failed", Text: f.Message}
		} else {
			tc.SystemOut = f.Message
		}
		out = append(out, tc)
	}
	if len(c.Run.Warnings) > 0 {
		var b strings.Builder
		for _, w := range c.Run.Warnings {
			b.WriteString(w.String() + "\n")
		}
		out = append(out, junitCase{Name: fmt.Sprintf("calls of the run: %d warning(s)", len(c.Run.Warnings)), Classname: "callconf.RUN", SystemOut: b.String()})
	}
	return out
}
