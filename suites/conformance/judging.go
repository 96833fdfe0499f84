package conformance

import (
	"net/http"

	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/target"
)

// judgeContext is what the probe knows of a request to call patchOf that the exchange judge
// cannot read in the bytes: whether the call exists (the spec created it, or was given it, and
// has not deleted it), so a valid PATCH of it is held to PATCH-01, and whether the PATCH is one
// of STATE-03's concurrent ones.
func (p *probe) judgeContext(patchOf string) judge.Context {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, exists := p.models[patchOf]
	return judge.Context{Exists: patchOf != "" && exists, Concurrent: p.concurrent}
}

// forgetDeleted drops the harness's model of a call once a DELETE of it was answered 200 or 204
// (the contract takes both as a delete): the call no longer exists, so a later PATCH of it is
// not held to PATCH-01 (STATE-04 expects 404).
func (p *probe) forgetDeleted(r target.Request, ex *target.Exchange) {
	if r.Method != http.MethodDelete || (ex.Status != http.StatusOK && ex.Status != http.StatusNoContent) {
		return
	}
	id, ok := judge.ItemOf(r.Path)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.models, id)
}

// concurrently marks the PATCHes send sends, from several goroutines at once, as concurrent for
// the exchange judge (STATE-03 accepts 409 and 412 for them).
func (p *probe) concurrently(send func()) {
	p.mu.Lock()
	p.concurrent = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.concurrent = false
		p.mu.Unlock()
	}()
	send()
}
