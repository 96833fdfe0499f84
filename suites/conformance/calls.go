package conformance

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
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
	if p.s.session.Has(requirements.Delete) {
		s := p.s
		p.mu.Lock()
		p.sent++ // the clean-up DELETE below, sent after the spec's count is recorded
		p.mu.Unlock()
		DeferCleanup(func(ctx context.Context) {
			// Best effort: a failed clean-up is the target's business, not this spec's requirement.
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

// EntryNotDeleted names the report entry that records a created call the spec's clean-up could
// not delete.
const EntryNotDeleted = "callconf.not-deleted"

// deleteCreated deletes a call the spec created. It runs even when the harness's clock cut the
// spec (an interrupt, --deadline): with a context of its own, bounded by cleanupGrace, as the
// spec's may be cancelled already. A call it could not delete is logged and recorded.
func (s *suite) deleteCreated(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupGrace(s.cfg))
	defer cancel()
	ex := s.client.Do(ctx, target.Request{Method: http.MethodDelete, Path: itemPath(id)})
	if ex.Err == nil && (ex.Status == http.StatusOK || ex.Status == http.StatusNoContent) {
		return
	}
	why := fmt.Sprintf("answered %d", ex.Status)
	if ex.Err != nil {
		why = ex.Err.Error()
	}
	left := fmt.Sprintf("created call %q was not deleted: DELETE %s %s", id, ex.URL, why)
	fmt.Fprintln(GinkgoWriter, left)
	AddReportEntry(EntryNotDeleted, s.client.Redact(left), ReportEntryVisibilityFailureOrVerbose)
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
// every updatable and server-generated property that differs afterwards, so the user's call ends
// the spec as it began it (the contract: "Specs leave calls the user named as they found them").
// A target may merge nested objects on PATCH, so a property that differs is first set to null,
// then to its value as found. Best effort: what the target refuses is logged, not judged.
func (p *probe) keepAsFound(id string) {
	s := p.s
	found, ok := s.readCall(p.ctx, id)
	if !ok {
		fmt.Fprintf(GinkgoWriter, "named call %q could not be read before the spec; it will not be restored\n", id)
		return
	}
	DeferCleanup(func(ctx context.Context) {
		if stalled, _ := s.stalled(); stalled {
			return
		}
		now, ok := s.readCall(ctx, id)
		if !ok {
			return
		}
		var differ []string
		for _, k := range append(slices.Clone(updatable), serverGeneratedNames...) {
			if !check.Equal(found[k], now[k]) {
				differ = append(differ, k)
			}
		}
		if len(differ) == 0 {
			return
		}
		patch := func(body map[string]any) {
			if b, err := jsonMarshal(body); err == nil {
				s.client.Do(ctx, target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: jsonHeader(), Body: b})
			}
		}
		back := map[string]any{}
		for _, k := range differ {
			patch(map[string]any{k: nil})
			if v, had := found[k]; had && v != nil {
				back[k] = v
			}
		}
		if len(back) > 0 {
			patch(back)
		}
		if now, ok := s.readCall(ctx, id); ok {
			for _, k := range differ {
				if !check.Equal(found[k], now[k]) {
					fmt.Fprintf(GinkgoWriter, "named call %q: %s could not be restored as found\n", id, k)
				}
			}
		}
	}, NodeTimeout(s.specTimeout()))
}

// readCall reads call id outside any spec's record: a GET with read, else an empty PATCH (whose
// answer is the call).
func (s *suite) readCall(ctx context.Context, id string) (map[string]any, bool) {
	r := target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: jsonHeader(), Body: []byte(`{}`)}
	if s.session.Has(requirements.Read) {
		r = target.Request{Method: http.MethodGet, Path: itemPath(id)}
	}
	ex := s.client.Do(ctx, r)
	obj, err := check.DecodeObject(ex.Body)
	return obj, ex.Err == nil && ex.Status == http.StatusOK && err == nil
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

// unchangedAfter reads call id back after a PATCH that was answered with a 4xx and checks
// STATE-07: the call is as the harness last set it, and no property the rejected body set
// (server-generated ones included) took the value sent, unless it had it before.
func (p *probe) unchangedAfter(rejected *target.Exchange, id string, before map[string]any) {
	if rejected.Status < 400 || rejected.Status >= 500 {
		return
	}
	ex, got := p.readBack(id)
	p.intact("STATE-07", ex, id, got)
	sent, err := check.DecodeObject(rejected.RequestBody)
	if err != nil {
		return
	}
	for _, k := range serverGeneratedNames {
		v, ok := sent[k]
		if !ok || k == "state" { // a live call's state moves on its own
			continue
		}
		if was, had := before[k]; had && check.Equal(was, v) {
			continue
		}
		if now, has := got[k]; has && check.Equal(now, v) {
			p.violateFor("STATE-07", ex, check.Mismatch{Pointer: check.Pointer("", k), Expected: "the value from before the rejected PATCH: " + check.Show(before[k], before[k] != nil),
				Actual: check.Show(now, true), Message: fmt.Sprintf("the PATCH was answered %d, yet its value was stored", rejected.Status)})
		}
	}
}

// snapshot reads call id as stored before a PATCH that may be rejected, for unchangedAfter.
func (p *probe) snapshot(id string) map[string]any {
	_, got := p.readBack(id)
	return got
}
