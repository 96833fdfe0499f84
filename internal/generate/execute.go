package generate

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sync"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/schemas"
)

// Step is one request of a case, on one of the case's calls.
type Step struct {
	Op     string            `json:"op"` // patch, get, delete, concurrent (PATCHes sent at once)
	Call   int               `json:"call"`
	Body   json.RawMessage   `json:"body,omitempty"`
	Bodies []json.RawMessage `json:"bodies,omitempty"`
}

// The operations of a Step.
const (
	OpPatch      = "patch"
	OpGet        = "get"
	OpDelete     = "delete"
	OpConcurrent = "concurrent"
)

// Case is one generated case: every call it uses is first reset with a PATCH of Start (so the case
// does not depend on what came before it), then the steps run in order.
type Case struct {
	Calls int             `json:"calls"`
	Start json.RawMessage `json:"start"`
	Steps []Step          `json:"steps"`
}

// Doer sends the requests of a case: it waits out throttling, has every exchange judged by the
// exchange judge and returns what the judge found; problem is "" when an answer came back.
type Doer interface {
	Do(r target.Request, concurrent bool) (ex *target.Exchange, found []check.Finding, problem string)
}

// Env is what a case runs against: the ids of its calls, and whether the target can read them.
type Env struct {
	Calls []string
	Read  bool
	Valid func([]byte) bool // the request schema's verdict on a body
}

// Outcome is what one run of a case found.
type Outcome struct {
	Exchanges []*target.Exchange
	Findings  []check.Finding // Exchange numbers Exchanges from 1
	Notes     []string
	// Inconclusive says why the case could not get to what it tests ("" when it did).
	Inconclusive string
}

// Failed reports whether the case found a violation.
func (o Outcome) Failed() bool {
	return slices.ContainsFunc(o.Findings, func(f check.Finding) bool { return !f.Inconclusive })
}

// Requirements lists the requirements the case's violations name, sorted.
func (o Outcome) Requirements() []string {
	var out []string
	for _, f := range o.Findings {
		if !f.Inconclusive && !slices.Contains(out, f.Requirement) {
			out = append(out, f.Requirement)
		}
	}
	slices.Sort(out)
	return out
}

type run struct {
	d      Doer
	env    Env
	out    Outcome
	mu     sync.Mutex
	models []map[string]any // per call: the updatable properties as the case set them; nil: unknown
	alive  []bool
	last   int // the call the last accepted PATCH changed (-1: none)
}

// Execute runs c and judges it: the exchange judge's findings on every exchange, and the model's:
// an accepted valid PATCH keeps what it did not set (PATCH-05), a read shows what the case set
// (STATE-01; STATE-08 when another call was changed last), a rejected invalid body answers 400 or
// 422 (ERR-02) and changes nothing (STATE-07), a PATCH of a deleted call answers 404 (STATE-04),
// and concurrent PATCHes of different properties are all kept (STATE-03).
func Execute(d Doer, env Env, c Case) Outcome {
	r := &run{d: d, env: env, last: -1}
	start, err := decodeObject(c.Start)
	if err != nil || len(env.Calls) < c.Calls {
		r.out.Inconclusive = "the case cannot start: its reset body is no object, or it has too few calls"
		return r.out
	}
	for i := range c.Calls {
		ex, ok := r.send(http.MethodPatch, i, c.Start, false)
		if !ok {
			return r.out
		}
		if ex.Status != http.StatusOK {
			r.out.Inconclusive = fmt.Sprintf("resetting call %d with a PATCH answered %d, not 200", i+1, ex.Status)
			return r.out
		}
		r.models = append(r.models, updatableOf(start))
		r.alive = append(r.alive, true)
	}
	for _, s := range c.Steps {
		if s.Call < 0 || s.Call >= c.Calls {
			r.out.Inconclusive = "a step names a call the case does not have"
			return r.out
		}
		var ok bool
		switch s.Op {
		case OpPatch:
			ok = r.patch(s.Call, s.Body)
		case OpGet:
			ok = r.get(s.Call)
		case OpDelete:
			ok = r.del(s.Call)
		case OpConcurrent:
			ok = r.concurrent(s.Call, s.Bodies)
		default:
			r.out.Inconclusive = "unknown step " + s.Op
			return r.out
		}
		if !ok {
			return r.out
		}
	}
	return r.out
}

func (r *run) path(i int) string {
	return requirements.CollectionPath + "/" + url.PathEscape(r.env.Calls[i])
}

// send sends one request of the case and keeps its exchange and the judge's findings.
func (r *run) send(method string, call int, body []byte, concurrent bool) (*target.Exchange, bool) {
	req := target.Request{Method: method, Path: r.path(call)}
	if body != nil {
		req.Header, req.Body = http.Header{"Content-Type": {"application/json"}}, body
	}
	ex, found, problem := r.d.Do(req, concurrent)
	r.mu.Lock()
	defer r.mu.Unlock()
	if ex != nil {
		r.out.Exchanges = append(r.out.Exchanges, ex)
		for _, f := range found {
			f.Exchange = len(r.out.Exchanges)
			r.out.Findings = append(r.out.Findings, f)
		}
	}
	if problem != "" {
		r.out.Inconclusive = problem
		return ex, false
	}
	return ex, true
}

// violate records violations of req shown by the last exchange.
func (r *run) violate(req string, vs ...check.Mismatch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range vs {
		r.out.Findings = append(r.out.Findings, check.Finding{Requirement: req, Exchange: len(r.out.Exchanges), Mismatch: v})
	}
}

func (r *run) patch(i int, body []byte) bool {
	if !r.alive[i] {
		ex, ok := r.send(http.MethodPatch, i, body, false)
		if ok && ex.Status != http.StatusNotFound {
			r.violate("STATE-04", check.Mismatch{Expected: "404 to a PATCH of a deleted call", Actual: fmt.Sprintf("%d %s", ex.Status, check.Cut(string(ex.Body), 200))})
		}
		return ok
	}
	if !r.env.Valid(body) {
		return r.invalid(i, body)
	}
	ex, ok := r.send(http.MethodPatch, i, body, false)
	if !ok || ex.Status != http.StatusOK {
		return ok // the exchange judge holds a valid PATCH to PATCH-01
	}
	sent, _ := decodeObject(body)
	got, err := decodeObject(ex.Body)
	if err != nil || r.models[i] == nil {
		r.learn(i, sent)
		return true
	}
	var vs []check.Mismatch
	for _, k := range slices.Sorted(maps.Keys(r.models[i])) {
		if _, set := sent[k]; set {
			continue
		}
		w, present := got[k]
		vs = append(vs, check.ContainsAt(r.models[i][k], w, present || r.models[i][k] == nil, check.Pointer("", k))...)
	}
	r.violate("PATCH-05", vs...)
	r.learn(i, sent)
	return true
}

func (r *run) learn(i int, sent map[string]any) {
	if r.models[i] == nil {
		return
	}
	for k, v := range updatableOf(sent) {
		r.models[i][k] = v
	}
	r.last = i
}

// read shows call i as stored: a GET with read; without, the answer to a PATCH that sets a
// property the case set, to the value it set, that avoid does not name.
func (r *run) read(i int, avoid map[string]any) (map[string]any, bool, bool) {
	if r.env.Read {
		ex, ok := r.send(http.MethodGet, i, nil, false)
		if !ok || ex.Status != http.StatusOK {
			return nil, false, ok
		}
		got, err := decodeObject(ex.Body)
		return got, err == nil, true
	}
	for _, k := range slices.Sorted(maps.Keys(r.models[i])) {
		if _, named := avoid[k]; named || r.models[i][k] == nil {
			continue
		}
		ex, ok := r.send(http.MethodPatch, i, Encode(map[string]any{k: r.models[i][k]}), false)
		if !ok || ex.Status != http.StatusOK {
			return nil, false, ok
		}
		got, err := decodeObject(ex.Body)
		return got, err == nil, true
	}
	return nil, false, true
}

func (r *run) get(i int) bool {
	if !r.alive[i] || !r.env.Read {
		return true
	}
	ex, ok := r.send(http.MethodGet, i, nil, false)
	if !ok || ex.Status != http.StatusOK || r.models[i] == nil {
		return ok
	}
	got, err := decodeObject(ex.Body)
	if err != nil {
		return true // the exchange judge holds the answer to STATE-01's form
	}
	req := "STATE-01"
	if r.last >= 0 && r.last != i {
		req = "STATE-08"
	}
	r.violate(req, intact(r.models[i], got)...)
	return true
}

func (r *run) del(i int) bool {
	ex, ok := r.send(http.MethodDelete, i, nil, false)
	if ok && r.alive[i] && (ex.Status == http.StatusOK || ex.Status == http.StatusNoContent) {
		r.alive[i] = false
	}
	return ok
}

// invalid sends a body the request schema refuses: ERR-02 wants 400 (422 accepted), STATE-07 a
// call unchanged by it, compared with a reading made right before (with read) or with what the
// case set (without).
func (r *run) invalid(i int, body []byte) bool {
	var before map[string]any
	if r.env.Read {
		got, ok, sent := r.read(i, nil)
		if !sent {
			return false
		}
		if !ok {
			r.out.Inconclusive = "reading the call before an invalid PATCH failed"
			return false
		}
		before = got
	}
	ex, ok := r.send(http.MethodPatch, i, body, false)
	if !ok {
		return false
	}
	if ex.Status != http.StatusBadRequest && ex.Status != http.StatusUnprocessableEntity {
		r.violate("ERR-02", check.Mismatch{Expected: "400 (422 accepted) to a body the request schema refuses", Actual: fmt.Sprintf("%d %s", ex.Status, check.Cut(string(ex.Body), 200))})
	}
	if ex.Status < 400 || ex.Status >= 500 {
		r.models[i] = nil // accepted: what the call holds now is not known
		return true
	}
	avoid, _ := decodeObject(body)
	after, readOK, sent := r.read(i, avoid)
	if !sent {
		return false
	}
	if !readOK {
		return true
	}
	if before == nil { // without read: the call as the case set it
		r.violate("STATE-07", intact(r.models[i], after)...)
		return true
	}
	for _, k := range append([]string{"@odata.type"}, schemas.CallProperties()...) {
		was, had := before[k]
		now, has := after[k]
		if check.Equal(was, now) && (had == has || was == nil) || k == "state" {
			continue // a live call's state moves on its own
		}
		r.violate("STATE-07", check.Mismatch{Pointer: check.Pointer("", k), Expected: check.Show(was, had) + " (as read right before the rejected PATCH)",
			Actual: check.Show(now, has), Message: fmt.Sprintf("the PATCH was answered %d, yet the call changed", ex.Status)})
	}
	return true
}

// concurrent sends bodies to call i at once; STATE-03 wants every property a PATCH answered 200
// set shown afterwards, and the rest as the case set it.
func (r *run) concurrent(i int, bodies []json.RawMessage) bool {
	status := make([]int, len(bodies))
	oks := make([]bool, len(bodies))
	var wg sync.WaitGroup
	for j, b := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ex, ok := r.send(http.MethodPatch, i, b, true)
			oks[j] = ok
			if ex != nil {
				status[j] = ex.Status
			}
		}()
	}
	wg.Wait()
	if slices.Contains(oks, false) {
		return false
	}
	if r.models[i] == nil {
		return true
	}
	for j, b := range bodies {
		if status[j] == http.StatusOK {
			sent, _ := decodeObject(b)
			r.learn(i, sent)
		}
	}
	got, ok, sent := r.read(i, nil)
	if !sent {
		return false
	}
	if ok {
		r.violate("STATE-03", intact(r.models[i], got)...)
	}
	return true
}

// intact checks that got shows every property of model with the value the case set.
func intact(model, got map[string]any) []check.Mismatch {
	var vs []check.Mismatch
	for _, k := range slices.Sorted(maps.Keys(model)) {
		w, present := got[k]
		vs = append(vs, check.ContainsAt(model[k], w, present || model[k] == nil, check.Pointer("", k))...)
	}
	return vs
}

func updatableOf(body map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range schemas.Updatable() {
		if v, ok := body[k]; ok {
			out[k] = v
		}
	}
	return out
}

func decodeObject(b []byte) (map[string]any, error) { return check.DecodeObject(b) }
