package report

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/requirements"
)

// Sides of an exchange: which party's message broke the contract.
const (
	SideClient  = "client"  // the request
	SideService = "service" // the answer
)

// Attributed is a finding with the party whose message broke the contract.
type Attributed struct {
	Side string `json:"side"`
	check.Finding
}

// String renders f on one line, naming its side and requirement.
func (f Attributed) String() string { return f.Side + " " + f.Finding.String() }

// Judged is one exchange judged outside the suite (by `runner proxy`): the requirements it was
// held to, what broke them, and notes.
type Judged struct {
	Label    string // how reports name the exchange, e.g. "#7 PATCH /communications/calls/42 → 200"
	Applied  []string
	Findings []Attributed
	Notes    []check.Note
}

// MaxListed bounds the exchanges a Tally lists per requirement (failed and inconclusive each);
// the rest are counted in a note, so a long-running proxy keeps a bounded report.
const MaxListed = 50

// Tally accumulates judged exchanges into a Conformance. It keeps counts and at most MaxListed
// exchanges per requirement and outcome, never the exchanges themselves. It is safe for
// concurrent use.
type Tally struct {
	mu   sync.Mutex
	seen int // exchanges, judged or not
	byID map[string]*tallied
}

type tallied struct {
	tally                   // exchanges that passed, failed or were inconclusive
	applied                 int
	failures, inconclusives []Failure
	notes                   map[string]bool
	// byService counts the failed exchanges whose answer broke the requirement: the others
	// failed by their request alone (the client's fault, not the service's).
	byService int
}

// NewTally returns an empty tally.
func NewTally() *Tally {
	t := &Tally{byID: map[string]*tallied{}}
	for _, r := range requirements.All() {
		t.byID[r.ID] = &tallied{notes: map[string]bool{}}
	}
	return t
}

// Seen counts an exchange that was forwarded but not judged (a route outside the contract, a
// transport failure): it counts in Requests only.
func (t *Tally) Seen() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seen++
}

// Add counts one judged exchange: for every requirement it was held to (or broke), passed,
// failed or inconclusive.
func (t *Tally) Add(j Judged) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seen++
	if len(j.Findings) == 0 && len(j.Notes) == 0 { // the common case, without allocating
		for i, id := range j.Applied {
			if r, ok := t.byID[id]; ok && !slices.Contains(j.Applied[:i], id) {
				r.applied++
				r.passed++
			}
		}
		return
	}
	failing := map[string][]string{}
	inconclusive := map[string][]string{}
	found := map[string][]Finding{}
	for _, f := range j.Findings {
		d := findingOf(f.Finding, nil)
		d.Side = f.Side
		found[f.Requirement] = append(found[f.Requirement], d)
		if f.Inconclusive {
			inconclusive[f.Requirement] = append(inconclusive[f.Requirement], f.String())
		} else {
			failing[f.Requirement] = append(failing[f.Requirement], f.String())
		}
	}
	ids := slices.Clone(j.Applied)
	for _, f := range j.Findings {
		ids = append(ids, f.Requirement)
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		r, ok := t.byID[id]
		if !ok {
			continue
		}
		r.applied++
		switch {
		case len(failing[id]) > 0:
			r.failed++
			if slices.ContainsFunc(found[id], func(f Finding) bool { return !f.Inconclusive && f.Side != SideClient }) {
				r.byService++
			}
			if len(r.failures) < MaxListed {
				r.failures = append(r.failures, Failure{Spec: j.Label, Message: strings.Join(failing[id], "\n"), Findings: onlyConclusive(found[id], false)})
			}
		case len(inconclusive[id]) > 0:
			r.inconclusive++
			if len(r.inconclusives) < MaxListed {
				r.inconclusives = append(r.inconclusives, Failure{Spec: j.Label, Cause: strings.Join(inconclusive[id], "; "), Message: strings.Join(inconclusive[id], "\n"), Findings: onlyConclusive(found[id], true)})
			}
		default:
			r.passed++
		}
	}
	for _, n := range j.Notes {
		if r, ok := t.byID[n.Requirement]; ok && len(r.notes) < MaxListed {
			r.notes[n.Text] = true
		}
	}
}

// Conformance is the verdict on what the tally saw: a requirement is failed when an exchange
// broke it, inconclusive when one could not be judged, passed when exchanges were held to it
// and none broke it, and disabled when no exchange was held to it. Specs counts the exchanges
// held to a requirement, Requests every exchange seen.
func (t *Tally) Conformance(in Input) Conformance {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := newConformance(in, types.SuiteConfig{})
	c.Requests = t.seen
	for _, req := range requirements.All() {
		r := t.byID[req.ID]
		out := Requirement{Requirement: req, Specs: r.applied, Passed: r.passed,
			Failures: slices.Clone(r.failures), Inconclusives: slices.Clone(r.inconclusives)}
		for n := range r.notes {
			out.Notes = append(out.Notes, n)
		}
		if more := r.failed - len(r.failures); more > 0 {
			out.Notes = append(out.Notes, fmt.Sprintf("%d more failed exchanges not listed", more))
		}
		if more := r.inconclusive - len(r.inconclusives); more > 0 {
			out.Notes = append(out.Notes, fmt.Sprintf("%d more inconclusive exchanges not listed", more))
		}
		out.Outcome = r.outcome()
		c.Summary.count(out.Outcome)
		if out.Outcome == Disabled {
			out.Notes = append(out.Notes, "not exercised: no exchange seen was held to this requirement")
		}
		slices.Sort(out.Notes)
		c.Requirements = append(c.Requirements, out)
	}
	c.finish(false)
	t.separateClients(&c)
	return c
}

// ClientSide is, for exchanges judged by the proxy, what the clients' requests broke: the
// verdict of a run is the service's (its answers), so that a correct service is not reported
// as failing because a client sent bad requests.
type ClientSide struct {
	Verdict string `json:"verdict"` // VerdictFails: the field is there only when a request broke the contract
	// Failed names the requirements the clients' requests broke; Requests counts those requests.
	Failed   []string `json:"failed,omitempty"`
	Requests int      `json:"requests"`
}

// separateClients makes c's verdict the service's: a requirement that failed only by the
// requests of clients counts for the verdict as passed (or disabled, when no exchange passed
// it), and c.Client says what the clients broke. It changes nothing when no request broke
// the contract.
func (t *Tally) separateClients(c *Conformance) {
	svc := *c
	svc.Requirements = slices.Clone(c.Requirements)
	client := &ClientSide{Verdict: VerdictConforms}
	for i, r := range svc.Requirements {
		tr := t.byID[r.ID]
		if clients := tr.failed - tr.byService; clients > 0 {
			client.Verdict = VerdictFails
			client.Failed = append(client.Failed, r.ID)
			client.Requests += clients
		}
		if r.Outcome == Failed && tr.byService == 0 {
			svc.Requirements[i].Outcome = Passed
			if tr.passed == 0 {
				svc.Requirements[i].Outcome = Disabled
			}
		}
	}
	if client.Requests == 0 {
		return // every failure was the service's: the verdict stands as it is
	}
	svc.finish(false)
	c.Verdict, c.Conforms, c.Exit, c.Client = svc.Verdict, svc.Conforms, svc.Exit, client
}

// Text is the clients' line under the service's verdict.
func (cs ClientSide) Text() string {
	return fmt.Sprintf("clients: %s (%d %s broke %s; this is the clients' fault, not the service's)",
		cs.Verdict, cs.Requests, map[bool]string{true: "request", false: "requests"}[cs.Requests == 1], strings.Join(cs.Failed, " "))
}
