package conformance

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/schemas"
)

// newCall gives the spec a call in the baseline state and returns its id; the harness's model of
// the call starts as the baseline body. With create, the call is new and deleted afterwards (when
// the target can delete); without, the spec takes its process's named call and resets it with a
// PATCH, so no spec depends on what another left behind.
func (p *probe) newCall() string {
	if !p.s.session.Has(requirements.Create) {
		return p.namedCall(0)
	}
	ex := p.setup(createCall())
	if ex.Status != http.StatusCreated {
		p.inconclusive(ex, "creating a call (POST %s) answered %d, not 201", requirements.CollectionPath, ex.Status)
	}
	obj := p.setupObject(ex)
	id, _ := obj["id"].(string)
	if id == "" {
		p.inconclusive(ex, "the created call has no string id")
	}
	p.startModel(id)
	s := p.s
	s.run.created(id)
	if s.session.Has(requirements.Delete) {
		DeferCleanup(func(ctx context.Context) {
			// The clean-up is outside the spec's test: the run log judges it (a 5xx fails
			// PATCH-08 under the run), and the ledger lists the call if it stays behind.
			if stalled, _ := s.stalled(); !stalled {
				s.deleteCreated(ctx, id)
			}
		}, NodeTimeout(cleanupGrace(s.cfg)), GracePeriod(cleanupGrace(s.cfg)))
	}
	return id
}

// cleanupGrace bounds one clean-up request: its per-request timeout, and a little more.
func cleanupGrace(cfg config.Config) time.Duration {
	return cmp.Or(cfg.Timeout, config.DefaultTimeout) + time.Second
}

// deleteCreated deletes a call the spec created through the run log (judged, and entered in
// the ledger, which lists it at the end if it stays behind). It runs even when the harness's
// clock cut the spec (an interrupt, --deadline): with a context of its own, bounded by
// cleanupGrace, as the spec's may be cancelled already.
func (s *suite) deleteCreated(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupGrace(s.cfg))
	defer cancel()
	s.run.deleteCall(ctx, report.PhaseCleanUp, id, s.session.Has(requirements.Read))
}

// namedCall resets the n-th call id this process may use (n = 0 first) to the baseline.
func (p *probe) namedCall(n int) string {
	ids := p.s.session.ProcessCallIDs(p.s.process())
	if n >= len(ids) {
		p.unsupportedf("the spec needs %d calls and the target cannot create them: name more with --call-id", n+1)
	}
	id := ids[n]
	p.keepAsFound(id)
	p.startModel(id)
	ex := p.setup(target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: jsonHeader(), Body: []byte(baselineCall)})
	if ex.Status != http.StatusOK {
		p.inconclusive(ex, "resetting the named call %q with a PATCH of the baseline body answered %d, not 200", id, ex.Status)
	}
	return id
}

// keepAsFound reads a named call as the spec finds it and registers a clean-up that puts back
// every member that differs afterwards, then reads it again (runLog.restore): the contract's
// "Calls the user named are left as found". A call the harness cannot read it cannot restore:
// the spec then does not write it and ends inconclusive, unless the user declared the named
// calls disposable (--disposable-calls). Both reads and the restore are judged as exchanges
// outside the spec's test; what could not be put back is a warning in the terminal and reports.
func (p *probe) keepAsFound(id string) {
	s := p.s
	read := s.session.Has(requirements.Read)
	found, ex, ok := s.run.readCall(p.ctx, report.PhaseReading, id, read)
	if !ok {
		how := fmt.Sprintf("reading it with %s answered %s", readMethod(read), answered(ex))
		if !s.cfg.DisposableCalls {
			s.run.warn(report.Warning{Kind: report.WarnUnread, CallID: id, Text: fmt.Sprintf(
				"named call %s cannot be restored (%s): specs that would write it are inconclusive (--disposable-calls lets them write it)", id, how)})
			p.inconclusive(nil, "the named call %q cannot be restored: %s; the spec writes no call it cannot put back (--disposable-calls declares the named calls may be left changed)", id, how)
			return // not reached: inconclusive ends the spec
		}
		s.run.warn(report.Warning{Kind: report.WarnUnread, CallID: id, Text: fmt.Sprintf(
			"named call %s cannot be restored (%s); the named calls are disposable (--disposable-calls): specs write it all the same", id, how)})
		return
	}
	// The baseline sets every property the call has not: one a PATCH cannot remove (not
	// nullable) the spec cannot put back when the call lacked it, so it writes nothing.
	for _, k := range notNullable(s.validator) {
		if found[k] == nil && !s.cfg.DisposableCalls {
			s.run.warn(report.Warning{Kind: report.WarnNotRestored, CallID: id, Members: []string{k}, Text: fmt.Sprintf(
				"named call %s cannot be restored: it has no %s, which the specs set and a PATCH cannot remove (not nullable); specs that would write it are inconclusive (--disposable-calls lets them write it)", id, k)})
			p.inconclusive(nil, "the named call %q cannot be restored: it has no %s, which the spec sets and a PATCH cannot remove (--disposable-calls declares the named calls may be left changed)", id, k)
		}
	}
	spec := CurrentSpecReport().FullText()
	DeferCleanup(func(ctx context.Context) {
		if stalled, last := s.stalled(); stalled {
			s.run.warn(report.Warning{Kind: report.WarnNotRestored, CallID: id,
				Text: fmt.Sprintf("named call %s was not put back as %q found it: the target stopped answering (%s)", id, spec, last)})
			return
		}
		s.restoreNamed(ctx, id, found, read, spec)
	}, NodeTimeout(restoreGrace(s.cfg)+time.Second), GracePeriod(restoreGrace(s.cfg)))
}

// restoreGrace bounds the restore of one named call: a reading, a PATCH of what differs (one
// per member if the target refuses the lot), a clear-and-set of merged objects, and the
// readings after them, each within cleanupGrace.
func restoreGrace(cfg config.Config) time.Duration { return 4 * cleanupGrace(cfg) }

// restoreNamed puts a named call back as found (runLog.restore). Like deleteCreated it runs
// even when the harness's clock cut the spec: with a context of its own, bounded by
// restoreGrace, as the spec's may be cancelled already.
func (s *suite) restoreNamed(ctx context.Context, id string, found map[string]any, read bool, spec string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restoreGrace(s.cfg))
	defer cancel()
	s.run.restore(ctx, id, found, read, spec)
}

// notNullable lists the updatable properties the request schema does not let a PATCH set to
// null (callbackUri): once set, a PATCH cannot take them away again.
func notNullable(v *schemas.Validator) []string {
	var out []string
	for _, f := range v.RequestFields() {
		name := strings.TrimPrefix(f.Pointer, "/")
		if !f.Nullable && slices.Contains(updatable, name) {
			out = append(out, name)
		}
	}
	return out
}

// secondCall gives the spec another call besides its first.
func (p *probe) secondCall() string {
	if !p.s.session.Has(requirements.Create) {
		return p.namedCall(1)
	}
	return p.newCall()
}

// startModel starts the harness's model of call id from the baseline body.
func (p *probe) startModel(id string) {
	base, err := check.DecodeObject([]byte(baselineCall))
	if err != nil {
		p.harnessError("the baseline body is not a JSON object: %v", err)
	}
	model := map[string]any{}
	for _, k := range updatable {
		if v, ok := base[k]; ok {
			model[k] = v
		}
	}
	p.mu.Lock()
	p.models[id] = model
	p.mu.Unlock()
}

// setupObject decodes the body of a setup exchange; a body that is no JSON object leaves the spec
// inconclusive.
func (p *probe) setupObject(ex *target.Exchange) map[string]any {
	obj, err := check.DecodeObject(ex.Body)
	if err != nil || ex.Truncated {
		p.inconclusive(ex, "the answer to %s is not a JSON object the harness can read: %v", ex.Method, err)
	}
	return obj
}

// unsupportedf ends the spec as unsupported: the target cannot give it what it needs.
func (p *probe) unsupportedf(format string, args ...any) {
	p.mu.Lock()
	p.unsupported = fmt.Sprintf(format, args...)
	p.mu.Unlock()
	Skip("unsupported: " + p.unsupported)
}

// model returns a copy of the harness's model of call id.
func (p *probe) model(id string) map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]any{}
	for k, v := range p.models[id] {
		out[k] = v
	}
	return out
}

// intact checks, for requirement req, that representation got of call id shows every updatable
// property as the harness last set it, except those named in skip.
func (p *probe) intact(req string, ex *target.Exchange, id string, got map[string]any, skip ...string) {
	want := p.model(id)
	var vs []check.Mismatch
	for _, k := range updatable {
		v, ok := want[k]
		if !ok || slices.Contains(skip, k) {
			continue
		}
		w, present := got[k]
		if !present && v != nil {
			vs = append(vs, check.Mismatch{Pointer: check.Pointer("", k), Expected: check.Show(v, true) + " (as the harness last set it)", Actual: "(absent)"})
			continue
		}
		vs = append(vs, check.Contains(v, w, check.Pointer("", k))...)
	}
	p.violateFor(req, ex, vs...)
}

// readBack shows the call as stored: a GET with read; without, a PATCH that sets the tenantId
// to the value the harness last set (an accepted PATCH's answer is the call).
func (p *probe) readBack(id string) (*target.Exchange, map[string]any) {
	var ex *target.Exchange
	if p.s.session.Has(requirements.Read) {
		ex = p.setup(target.Request{Method: http.MethodGet, Path: itemPath(id)})
	} else {
		ex = p.setup(target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: jsonHeader(), Body: []byte(`{"tenantId": ` + quote(p.model(id)["tenantId"]) + `}`)})
	}
	if ex.Status != http.StatusOK {
		p.inconclusive(ex, "reading the call back (%s) answered %d, not 200", ex.Method, ex.Status)
	}
	return ex, p.setupObject(ex)
}
