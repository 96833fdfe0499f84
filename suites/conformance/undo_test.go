package conformance

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/listen"
	"github.com/callconf/callconf/internal/redact"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/internal/testsupport"
	"github.com/callconf/callconf/internal/token"
	"github.com/callconf/callconf/schemas"
)

// acceptsAll is a target without create that stores whatever a PATCH of its one call sends
// (merged at the top level, null removing a member) and answers 200 with the call; GET reads
// it. log records "METHOD body" of every request, in order.
type acceptsAll struct {
	mu     sync.Mutex
	call   map[string]any
	log    []string
	frozen bool // PATCHes answer 400 and change nothing
}

func (a *acceptsAll) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.log = append(a.log, r.Method+" "+string(b))
	w.Header().Set("request-id", "00000000-0000-4000-8000-000000000001")
	w.Header().Set("client-request-id", r.Header.Get("client-request-id"))
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodPatch {
		var o map[string]any
		if a.frozen || json.Unmarshal(b, &o) != nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error": {"code": "badRequest", "message": "no", "innerError": {"request-id": "00000000-0000-4000-8000-000000000001", "date": "2026-12-06T00:00:00Z"}}}`))
			return
		}
		for k, v := range o {
			if v == nil {
				delete(a.call, k)
			} else if k != "id" {
				a.call[k] = v
			}
		}
	}
	out, _ := json.Marshal(a.call)
	_, _ = w.Write(out)
}

// namedProbe is a probe of a spec of req on a target without create (read only, named calls),
// with the harness's model of call id started from the baseline.
func namedProbe(t *testing.T, h http.Handler, req, id string) *probe {
	t.Helper()
	base := testsupport.Serve(t, h, listen.Limits{}).URL()
	client, err := target.New(base, config.Default(), token.Static("t", redact.New()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	v, err := schemas.Default()
	if err != nil {
		t.Fatal(err)
	}
	j := judge.New(v)
	s := &suite{cfg: config.Default(), client: client, validator: v, judge: j, run: newRunLog(client, config.Default(), j),
		session: Session{Capabilities: map[requirements.Capability]bool{requirements.Read: true}, CallIDs: []string{id}}}
	p := &probe{ctx: context.Background(), s: s, req: requirements.MustGet(req), models: map[string]map[string]any{}}
	p.startModel(id)
	return p
}

// With named calls only, a probe the target wrongly accepts is undone at once: before the
// spec's next request the call reads as it did right before the probe, the harness's model is
// as before, and the spec goes on (its own check of the answer still fails it).
func TestAnAcceptedProbeOfANamedCallIsUndoneAtOnce(t *testing.T) {
	const id = "c1"
	var base map[string]any
	if err := json.Unmarshal([]byte(baselineCall), &base); err != nil {
		t.Fatal(err)
	}
	base["id"] = id
	tgt := &acceptsAll{call: maps.Clone(base)}
	p := namedProbe(t, tgt, "ERR-02", id)
	model := p.model(id)

	ex := p.rejectable(id, patchWith("application/json", `{"subject": 42, "callconfProbe": {"nested": true}}`)(id, ""))
	if ex.Status != http.StatusOK {
		t.Fatalf("the probe answered %d, want the target's 200", ex.Status)
	}
	if p.notUndone != "" {
		t.Fatalf("not undone: %s", p.notUndone)
	}
	got := p.get(id) // the spec's next request
	var now map[string]any
	if err := json.Unmarshal(got.Body, &now); err != nil {
		t.Fatal(err)
	}
	if d := differing(base, now); len(d) > 0 {
		t.Errorf("the spec's next request sees %v changed: %s", d, got.Body)
	}
	if !check.Equal(p.model(id), model) {
		t.Errorf("the model is %v, want %v as before the probe", p.model(id), model)
	}
	// GET (snapshot), the probe, GET, the PATCH putting it back, GET (checked undone), and the
	// spec's GET: the probe's residue is gone before the spec's next request.
	tgt.mu.Lock()
	log := slices.Clone(tgt.log)
	tgt.mu.Unlock()
	var methods []string
	for _, l := range log {
		methods = append(methods, strings.Fields(l)[0])
	}
	if want := []string{"GET", "PATCH", "GET", "PATCH", "GET", "GET"}; !slices.Equal(methods, want) {
		t.Errorf("requests %q, want %q", log, want)
	}
	if rec := p.s.run.record(); len(rec.Warnings) > 0 {
		t.Errorf("warnings %+v", rec.Warnings)
	}
}

// A probe the target accepted and will not let the harness undo leaves the spec sending
// nothing more: its next request ends it inconclusive, naming the call and what still differs.
func TestAProbeThatCannotBeUndoneStopsTheSpec(t *testing.T) {
	const id = "c1"
	var base map[string]any
	if err := json.Unmarshal([]byte(baselineCall), &base); err != nil {
		t.Fatal(err)
	}
	tgt := &acceptsAll{call: maps.Clone(base)}
	p := namedProbe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tgt.ServeHTTP(w, r)
		if r.Method == http.MethodPatch { // the first PATCH (the probe) goes through; no other
			tgt.mu.Lock()
			tgt.frozen = true
			tgt.mu.Unlock()
		}
	}), "ERR-02", id)
	p.rejectable(id, patchWith("application/json", `{"subject": 42}`)(id, ""))
	if !strings.Contains(p.notUndone, `"c1"`) || !strings.Contains(p.notUndone, "subject still differ") {
		t.Fatalf("notUndone %q, want the call and the member", p.notUndone)
	}
	sent := len(p.exchanges)
	func() {
		defer func() { _ = recover() }() // the spec's end (Fail) outside a running Ginkgo spec
		p.get(id)
	}()
	if len(p.exchanges) != sent {
		t.Errorf("the spec sent another request after a probe it could not undo")
	}
	if n := len(p.findings); n == 0 || !p.findings[n-1].Inconclusive || !strings.Contains(p.findings[n-1].Actual, "could not be undone") {
		t.Errorf("findings %+v, want an inconclusive one naming the probe not undone", p.findings)
	}
}

// With create the spec's own call takes probes: nothing is undone (the spec deletes the call).
func TestAProbeOfACreatedCallIsNotUndone(t *testing.T) {
	const id = "c1"
	var base map[string]any
	if err := json.Unmarshal([]byte(baselineCall), &base); err != nil {
		t.Fatal(err)
	}
	tgt := &acceptsAll{call: maps.Clone(base)}
	p := namedProbe(t, tgt, "ERR-02", id)
	p.s.session.Capabilities[requirements.Create] = true
	p.rejectable(id, patchWith("application/json", `{"subject": 42}`)(id, ""))
	tgt.mu.Lock()
	defer tgt.mu.Unlock()
	if len(tgt.log) != 2 || tgt.call["subject"] != float64(42) {
		t.Errorf("requests %q, call %v: want the snapshot and the probe, its value kept", tgt.log, tgt.call)
	}
}

// The restore of a named call at a spec's end runs even when the harness's clock cut the spec
// (its context is cancelled): with a context of its own.
func TestRestoreRunsAfterTheClockCutTheSpec(t *testing.T) {
	const id = "c1"
	var base map[string]any
	if err := json.Unmarshal([]byte(baselineCall), &base); err != nil {
		t.Fatal(err)
	}
	found := map[string]any{}
	for k, v := range base {
		found[k] = v
	}
	found["id"] = id
	tgt := &acceptsAll{call: map[string]any{"id": id, "subject": "changed by a spec"}}
	p := namedProbe(t, tgt, "PATCH-04", id)
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(context.DeadlineExceeded)
	p.s.restoreNamed(ctx, id, found, true, "a cut spec")
	tgt.mu.Lock()
	now := tgt.call
	tgt.mu.Unlock()
	if d := differing(found, now); len(d) > 0 {
		t.Errorf("after a cut spec's restore %v still differ: %v", d, now)
	}
	if rec := p.s.run.record(); len(rec.Warnings) > 0 || rec.Requests == 0 {
		t.Errorf("warnings %+v after %d requests", rec.Warnings, rec.Requests)
	}
}
