package conformance

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"

	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
)

// newCall gives the spec a call in the baseline state and returns its id and the representation
// the target answered. With create, the call is new and deleted afterwards (when the target can
// delete); without, the spec takes its process's named call and resets it with a PATCH, so no
// spec depends on what another left behind.
func (p *probe) newCall() (string, map[string]any) {
	if !p.s.session.Has(requirements.Create) {
		ids := p.s.session.CallIDs
		id := ids[(GinkgoParallelProcess()-1)%len(ids)]
		ex := p.patch(id, baselineCall)
		if ex.Status != http.StatusOK {
			p.fatalf(ex, "resetting the named call %q with a PATCH of the baseline body answered %d, not 200", id, ex.Status)
		}
		obj, ok := p.object(ex)
		if !ok {
			p.finish()
		}
		return id, obj
	}
	ex := p.do(target.Request{Method: http.MethodPost, Path: CollectionPath, Header: jsonHeader(), Body: []byte(baselineCall)})
	if ex.Status != http.StatusCreated {
		p.fatalf(ex, "creating a call (POST %s) answered %d, not 201", CollectionPath, ex.Status)
	}
	obj, ok := p.object(ex)
	if !ok {
		p.finish()
	}
	id, _ := obj["id"].(string)
	if id == "" {
		p.fatalf(ex, "the created call has no string id")
	}
	if p.s.session.Has(requirements.Delete) {
		s := p.s
		p.sent++ // the clean-up DELETE below, sent after the spec's count is recorded
		DeferCleanup(func(ctx context.Context) {
			// Best effort: a failed clean-up is the target's business, not this spec's requirement.
			if stalled, _ := s.stalled(); !stalled {
				s.client.Do(ctx, target.Request{Method: http.MethodDelete, Path: itemPath(id)})
			}
		}, NodeTimeout(s.specTimeout()))
	}
	return id, obj
}
