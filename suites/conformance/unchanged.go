package conformance

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
)

// rejectable sends r, a request a target may reject, with STATE-07's bracket around it: call id
// is read right before it (snapshot) and, when r is answered with a 4xx, read again and compared
// with that reading, property by property (unchangedSince).
//
// With named calls only (no create) a request the target accepted (2xx) is undone at once
// (undoAccepted): no probe outlives the request that sent it.
func (p *probe) rejectable(id string, r target.Request) *target.Exchange {
	before := p.snapshot(id)
	model := p.model(id)
	ex := p.do(r)
	p.unchangedSince(ex, id, before)
	p.undoAccepted(ex, id, before, model)
	return ex
}

// undoAccepted puts a named call back as it was read right before a request a target may
// wrongly accept, when the target accepted it (2xx), and reads it again: the contract's "with
// named calls only, an accepted probe is undone at once and checked undone before the next
// request". The harness's model of the call goes back to model, its state before the request.
// A call the harness could not put back ends the spec inconclusive at its next request
// (p.send), after the spec has judged the answer; keepAsFound's restore at the spec's end tries
// again and warns of what stays. Calls the spec created take probes freely: it deletes them.
func (p *probe) undoAccepted(ex *target.Exchange, id string, before, model map[string]any) {
	if p.s.session.Has(requirements.Create) || ex.Status < 200 || ex.Status >= 300 {
		return
	}
	left, why := p.s.run.putBack(p.ctx, id, before, p.s.session.Has(requirements.Read))
	left = slices.DeleteFunc(left, func(k string) bool { return k == "id" }) // no PATCH sets it; PATCH-07 judges it
	p.mu.Lock()
	defer p.mu.Unlock()
	p.models[id] = model
	switch {
	case why != "":
		p.notUndone = fmt.Sprintf("the accepted %s of the named call %q could not be undone: %s", ex.Method, id, why)
	case len(left) > 0:
		p.notUndone = fmt.Sprintf("the accepted %s of the named call %q could not be undone: %s still differ", ex.Method, id, strings.Join(left, ", "))
	}
}

// unchangedSince checks STATE-07 after rejected, when it was answered with a 4xx: every property
// of call id, server-generated ones included, is as before (the call as read right before the
// PATCH). With read the call is read back with GET; without, it is seen in the answer to an
// accepted PATCH that sets, to the value the harness last set, a property the rejected request
// does not name (so the read cannot hide what that request changed), and that property is left
// out of the comparison. Only the properties the contract defines are compared. A live call's
// state moves on its own: a state that changed to another value than the one the rejected body
// sent is a note, not a failure.
func (p *probe) unchangedSince(rejected *target.Exchange, id string, before map[string]any) {
	if rejected.Status < 400 || rejected.Status >= 500 {
		return
	}
	var ex *target.Exchange
	var after map[string]any
	set := "" // the property the read back set itself, without read
	if p.s.session.Has(requirements.Read) {
		ex, after = p.readBack(id)
	} else {
		ex, after, set = p.readAvoiding(id, rejected.RequestBody)
	}
	sent, _ := check.DecodeObject(rejected.RequestBody) // nil when the body is no JSON object
	for _, k := range callProperties {
		was, had := before[k]
		now, has := after[k]
		if k == set || check.Equal(was, now) && (had == has || was == nil) { // null or absent alike
			continue
		}
		if v, set := sent[k]; k == "state" && !(set && has && check.Equal(v, now)) {
			p.note("the call's state changed from %s to %s around a rejected PATCH: a live call's state moves on its own", check.Show(was, had), check.Show(now, has))
			continue
		}
		p.violateFor("STATE-07", ex, check.Mismatch{Pointer: check.Pointer("", k), Expected: check.Show(was, had) + " (as read right before the rejected PATCH)",
			Actual: check.Show(now, has), Message: fmt.Sprintf("the PATCH was answered %d, yet the call changed", rejected.Status)})
	}
}

// callProperties are the properties of a call the contract defines (the call schema's): STATE-07
// compares each of them. Properties a target adds and annotations (an etag, a last-modified
// time) are its own business: they may be renewed on every answer.
var callProperties = append(append([]string{"@odata.type", "id"}, updatable...), serverGeneratedNames...)

// readAvoiding shows call id, without read, in the answer to an accepted PATCH that sets a
// property the raw request body does not name to the value the harness last set; it returns
// the property it set.
func (p *probe) readAvoiding(id string, raw []byte) (*target.Exchange, map[string]any, string) {
	model := p.model(id)
	set, fallback := "", ""
	for _, k := range append([]string{"tenantId", "subject", "callbackUri"}, updatable...) {
		v, ok := model[k]
		switch {
		case !ok || v == nil:
		case !bytes.Contains(raw, []byte(`"`+k+`"`)):
			set = k
		case fallback == "":
			fallback = k
		}
		if set != "" {
			break
		}
	}
	if set == "" {
		// The request names every property the harness holds a value for (a PUT of a whole
		// call): one of them must serve, and what the request did to it goes unseen.
		if set = fallback; set == "" {
			p.inconclusive(nil, "the harness holds no value of the call to read it back with")
		}
		p.note("without read, the call was read back with a PATCH of %s, which the rejected request also names: a change of it there cannot be seen", set)
	}
	ex := p.setup(target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: jsonHeader(), Body: []byte(`{"` + set + `": ` + quote(model[set]) + `}`)})
	if ex.Status != http.StatusOK {
		p.inconclusive(ex, "reading the call back (a PATCH of %s) answered %d, not 200", set, ex.Status)
	}
	return ex, p.setupObject(ex), set
}

// snapshot reads call id as stored right before a request a target may reject, for
// unchangedSince.
func (p *probe) snapshot(id string) map[string]any {
	_, got := p.readBack(id)
	return got
}
