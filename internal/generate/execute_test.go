package generate

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
)

// fake is an in-memory target: PATCH merges top-level members (bodies the schema refuses get
// 400), GET answers the call, DELETE forgets it. store, when set, is its bug: what it stores of
// a property sent.
type fake struct {
	g      *Generator
	calls  map[string]map[string]any
	store  func(k string, v any) any
	accept bool // accept invalid bodies too
}

func (f *fake) Do(r target.Request, _ bool) (*target.Exchange, []check.Finding, string) {
	id, _ := url.PathUnescape(strings.TrimPrefix(r.Path, requirements.CollectionPath+"/"))
	ex := &target.Exchange{Method: r.Method, URL: "http://fake" + r.Path, RequestBody: r.Body, Status: http.StatusOK}
	call, ok := f.calls[id]
	switch {
	case !ok:
		ex.Status = http.StatusNotFound
	case r.Method == http.MethodDelete:
		delete(f.calls, id)
		ex.Status = http.StatusNoContent
	case r.Method == http.MethodPatch && !f.accept && !f.g.Valid(r.Body):
		ex.Status = http.StatusBadRequest
	case r.Method == http.MethodPatch:
		body, _ := check.DecodeObject(r.Body)
		for k, v := range body {
			if f.store != nil {
				v = f.store(k, v)
			}
			call[k] = v
		}
	}
	if ex.Status == http.StatusOK {
		ex.Body, _ = json.Marshal(call)
	}
	return ex, nil, ""
}

func newFake(g *Generator, ids ...string) *fake {
	f := &fake{g: g, calls: map[string]map[string]any{}}
	for _, id := range ids {
		f.calls[id] = map[string]any{"id": id}
	}
	return f
}

func run1(t *testing.T, g *Generator, f *fake, c Case) Outcome {
	t.Helper()
	return Execute(f, Env{Calls: []string{"a", "b"}, Read: true, Valid: g.Valid}, c)
}

func TestExecuteJudgesByTheModel(t *testing.T) {
	g := newGen(t)
	start := g.ResetBody(map[string]any{"subject": "s", "callbackUri": "https://x.example/cb", "tenantId": "t"})
	valid := Case{Calls: 1, Start: start, Steps: []Step{{Op: OpPatch, Body: []byte(`{"subject": "new "}`)}, {Op: OpGet}}}
	if o := run1(t, g, newFake(g, "a"), valid); o.Failed() || o.Inconclusive != "" || len(o.Exchanges) != 3 {
		t.Fatalf("a correct target fails: %+v", o)
	}
	// A target that loses the tenantId on every PATCH that does not set it: PATCH-05 and STATE-01.
	lossy := newFake(g, "a")
	lossy.store = func(k string, v any) any {
		if k == "subject" {
			delete(lossy.calls["a"], "tenantId")
		}
		return v
	}
	if got := run1(t, g, lossy, valid).Requirements(); strings.Join(got, " ") != "PATCH-05 STATE-01" {
		t.Errorf("a target that loses a property: failed %v, want PATCH-05 STATE-01", got)
	}
	// An invalid body accepted: ERR-02; rejected but stored: STATE-07.
	invalid := Case{Calls: 1, Start: start, Steps: []Step{{Op: OpPatch, Body: []byte(`{"subject": 42}`)}}}
	if got := run1(t, g, newFake(g, "a"), invalid); got.Failed() {
		t.Errorf("a rejected invalid body fails: %v", got.Findings)
	}
	acc := newFake(g, "a")
	acc.accept = true
	if got := run1(t, g, acc, invalid).Requirements(); strings.Join(got, " ") != "ERR-02" {
		t.Errorf("an accepted invalid body: failed %v, want ERR-02", got)
	}
	// A PATCH of a deleted call answered 200: STATE-04; a PATCH of one call that changes the
	// other: STATE-08.
	seq := Case{Calls: 2, Start: start, Steps: []Step{{Op: OpDelete, Call: 0}, {Op: OpPatch, Call: 0, Body: []byte(`{"subject": "x"}`)}}}
	resurrect := newFake(g, "a", "b")
	inner := resurrect.Do
	d := doerFunc(func(r target.Request, c bool) (*target.Exchange, []check.Finding, string) {
		ex, f, p := inner(r, c)
		if r.Method == http.MethodDelete {
			resurrect.calls["a"] = map[string]any{"id": "a"} // deleted, yet still there
		}
		return ex, f, p
	})
	if got := Execute(d, Env{Calls: []string{"a", "b"}, Read: true, Valid: g.Valid}, seq).Requirements(); strings.Join(got, " ") != "STATE-04" {
		t.Errorf("a deleted call that takes a PATCH: failed %v, want STATE-04", got)
	}
	cross := newFake(g, "a", "b")
	cross.store = func(k string, v any) any {
		cross.calls["b"][k] = v
		return v
	}
	seq2 := Case{Calls: 2, Start: start, Steps: []Step{{Op: OpPatch, Call: 0, Body: []byte(`{"subject": "x"}`)}, {Op: OpGet, Call: 1}}}
	if got := run1(t, g, cross, seq2).Requirements(); strings.Join(got, " ") != "STATE-08" {
		t.Errorf("a PATCH that writes another call: failed %v, want STATE-08", got)
	}
}

type doerFunc func(target.Request, bool) (*target.Exchange, []check.Finding, string)

func (f doerFunc) Do(r target.Request, c bool) (*target.Exchange, []check.Finding, string) {
	return f(r, c)
}

// Minimize keeps a failing case failing and makes it smaller: a target that cuts strings over 8
// characters in nested members fails a body with several properties (seen by the GET); the
// smallest case is that PATCH setting one nested string of 9 to 16 characters, and the GET.
func TestMinimizeShrinksToASmallestFailingCase(t *testing.T) {
	g := newGen(t)
	start := g.ResetBody(map[string]any{"callbackUri": "https://x.example/cb"})
	body := `{"subject": "keep", "tenantId": "t", "chatInfo": {"threadId": "` + strings.Repeat("x", 40) + `", "messageId": "m"}}`
	c := Case{Calls: 1, Start: start, Steps: []Step{{Op: OpPatch, Body: []byte(body)}, {Op: OpGet}}}
	cut := func() *fake {
		f := newFake(g, "a")
		f.store = func(k string, v any) any {
			if m, ok := v.(map[string]any); ok {
				for mk, mv := range m {
					if s, ok := mv.(string); ok && len(s) > 8 {
						m[mk] = s[:8]
					}
				}
			}
			return v
		}
		return f
	}
	try := func(c Case) Outcome { return run1(t, g, cut(), c) }
	first := try(c)
	if !first.Failed() {
		t.Fatal("the case does not fail against the cutting target")
	}
	small, o, kept := g.Minimize(c, first, 1000, try)
	if !o.Failed() || kept == 0 {
		t.Fatalf("not shrunk: kept %d, failed %v", kept, o.Failed())
	}
	if len(small.Steps) != 2 || small.Steps[1].Op != OpGet || !strings.HasPrefix(string(small.Steps[0].Body), `{"chatInfo":{"threadId":"`) || len(small.Steps[0].Body) > len(`{"chatInfo":{"threadId":""}}`)+16 {
		t.Errorf("not a smallest case: %+v, %s", small.Steps, small.Steps[0].Body)
	}
	// The budget bounds the extra requests.
	if _, _, kept := g.Minimize(c, first, 0, try); kept != 0 {
		t.Errorf("a zero budget still shrank %d times", kept)
	}
}
