package report

import (
	"slices"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/check"
)

// TestTallyVerdictIsTheServices: exchanges whose only findings are a client's bad requests
// leave the verdict CONFORMS, with the client's failures stated apart; a failure of the
// service's answer still makes it DOES NOT CONFORM, whatever the clients did.
func TestTallyVerdictIsTheServices(t *testing.T) {
	client := Judged{Label: "#1", Applied: []string{"PATCH-01", "ERR-06"},
		Findings: []Attributed{{Side: SideClient, Finding: check.Finding{Requirement: "PATCH-01", Mismatch: check.Mismatch{Pointer: "/requestedModalities/0", Expected: "a modality", Actual: `"hologram"`}}}}}
	good := Judged{Label: "#2", Applied: []string{"PATCH-01", "PATCH-02"}}
	tl := NewTally()
	tl.Add(client)
	tl.Add(good)
	c := tl.Conformance(Input{Started: time.Now()})
	if c.Verdict != VerdictConforms || !c.Conforms || c.Client == nil || c.Client.Verdict != VerdictFails ||
		!slices.Equal(c.Client.Failed, []string{"PATCH-01"}) || c.Client.Requests != 1 {
		t.Errorf("client-only: verdict %s, client %+v", c.Verdict, c.Client)
	}
	tl.Add(Judged{Label: "#3", Applied: []string{"PATCH-02"},
		Findings: []Attributed{{Side: SideService, Finding: check.Finding{Requirement: "PATCH-02", Mismatch: check.Mismatch{Expected: "application/json", Actual: "text/plain"}}}}})
	c = tl.Conformance(Input{Started: time.Now()})
	if c.Verdict != VerdictFails || c.Conforms || c.Client == nil {
		t.Errorf("service failed too: verdict %s, client %+v", c.Verdict, c.Client)
	}
	only := NewTally()
	only.Add(good)
	if c := only.Conformance(Input{Started: time.Now()}); c.Client != nil || c.Verdict != VerdictConforms {
		t.Errorf("no client failure: verdict %s, client %+v", c.Verdict, c.Client)
	}
}
