package conformance

import (
	"fmt"
	"net/http"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
)

func defineUpdateSpecs(s *suite) {
	for _, c := range []struct{ name, body string }{
		{"a PATCH of the subject", `{"subject": "callconf PATCH-01"}`},
		{"a PATCH of every updatable property", fullUpdate},
	} {
		s.Spec("PATCH-01", "answers 200 OK to "+c.name, func(p *probe) {
			p.status(p.patch(p.newCall(), c.body), http.StatusOK)
		})
	}

	// PATCH-02 and PATCH-03 are judged on every 200 to a PATCH in every spec (package judge);
	// these specs make sure each is exercised on its own, on a simple and a full update.
	for _, c := range []struct{ req, name, body string }{
		{"PATCH-02", "answers application/json with a body that satisfies the call response schema", fullUpdate},
		{"PATCH-03", "answers with the id of the request URL after a PATCH of the subject", `{"subject": "callconf PATCH-03"}`},
		{"PATCH-03", "answers with the id of the request URL after a PATCH of every updatable property", fullUpdate},
	} {
		s.Spec(c.req, c.name, func(p *probe) {
			p.status(p.patch(p.newCall(), c.body), http.StatusOK)
		})
	}

	for _, c := range patch04Cases() {
		s.Spec("PATCH-04", c.name, func(p *probe) {
			ex := p.patch(p.newCall(), c.body)
			if c.abstract && ex.Status == http.StatusBadRequest {
				p.note("a body naming the abstract base type was rejected (400): %s", c.name)
				return
			}
			// The values sent are judged on every 200 to a valid PATCH (package judge, PATCH-04).
			p.status(ex, http.StatusOK)
		})
	}

	for _, prop := range updatable {
		s.Spec("PATCH-05", "keeps every other updatable property when only "+prop+" is sent", func(p *probe) {
			id := p.newCall()
			if ex := p.patch(id, fullUpdate); ex.Status != http.StatusOK {
				p.inconclusive(ex, "setting every updatable property first (the full update) answered %d, not 200", ex.Status)
			}
			ex := p.patch(id, alternateBody(prop))
			if !p.status(ex, http.StatusOK) {
				return
			}
			if after, ok := p.object(ex); ok {
				p.intact("PATCH-05", ex, id, after, prop)
			}
			if p.s.session.Has(requirements.Read) {
				// STATE-01: the stored call keeps them too, not only the answer.
				got := p.get(id)
				stored, err := check.DecodeObject(got.Body)
				switch {
				case got.Status != http.StatusOK || err != nil:
					p.violateFor("STATE-01", got, check.Mismatch{Expected: "200 with the call", Actual: fmt.Sprintf("%d %s", got.Status, check.Cut(string(got.Body), 200))})
				case !got.Truncated:
					p.intact("STATE-01", got, id, stored)
				}
			}
		})
	}

	for _, c := range serverGenerated {
		s.Spec("PATCH-06", "reflects or rejects the server-generated property "+c.name, func(p *probe) {
			id := p.newCall()
			before := p.snapshot(id)
			ex := p.patch(id, c.body)
			switch ex.Status {
			case http.StatusOK:
				p.note("%s was reflected (200)", c.name)
				p.containsSent(ex, c.body, serverGeneratedNames)
			case http.StatusBadRequest:
				p.note("%s was rejected (400)", c.name)
				p.violate(ex, check.GraphError(ex.Body)...)
				p.unchangedSince(ex, id, before)
			default:
				p.status(ex, http.StatusOK, http.StatusBadRequest)
			}
		})
	}

	s.Spec("PATCH-07", "never lets a body id that differs from the URL change the call's id", func(p *probe) {
		id := p.newCall()
		ex := p.rejectable(id, patchWith("application/json", fmt.Sprintf(`{"id": %q, "subject": "callconf PATCH-07"}`, p.missingID()))(id, ""))
		switch ex.Status {
		case http.StatusBadRequest:
			p.note("a differing body id was rejected (400)")
		case http.StatusOK:
			if obj, ok := p.object(ex); ok {
				p.violate(ex, check.Contains(id, obj["id"], "/id")...)
			}
		default:
			p.status(ex, http.StatusOK, http.StatusBadRequest)
			return
		}
		if p.s.session.Has(requirements.Read) {
			got := p.get(id)
			if p.status(got, http.StatusOK) {
				if obj, ok := p.object(got); ok {
					p.violate(got, check.Contains(id, obj["id"], "/id")...)
				}
			}
		}
	})

	// A 5xx is judged on every exchange (package judge); each request here is one more chance
	// to provoke one. A request answered with a 4xx must also have changed nothing (STATE-07).
	for _, c := range hostileRequests() {
		s.Spec("PATCH-08", "answers without a 5xx: "+c.name, func(p *probe) {
			id := p.newCall()
			p.rejectable(id, c.build(id, p.missingID()))
		})
	}
}

// containsSent checks that the response carries every value the request body set for the
// given properties (PATCH-04 judges the updatable ones; PATCH-06 the server-generated ones).
func (p *probe) containsSent(ex *target.Exchange, body string, props []string) {
	sent, err := check.DecodeObject([]byte(body))
	if err != nil {
		p.harnessError("request body is not a JSON object: %v", err)
	}
	if got, ok := p.object(ex); ok {
		p.violate(ex, check.ContainsProps(sent, got, props)...) // as the proxy judges PATCH-04
	}
}

// missingID returns an id no target has issued, shaped like the target's own: like the id the
// session learnt, else like a call the spec uses (it creates one when it has none: with
// declared capabilities, discovery never saw an id).
func (p *probe) missingID() string {
	sample := p.s.session.SampleID
	if sample == "" {
		p.mu.Lock()
		for id := range p.models {
			if sample == "" || id < sample {
				sample = id
			}
		}
		p.mu.Unlock()
	}
	if sample == "" {
		sample = p.newCall()
	}
	return missingID(sample)
}
