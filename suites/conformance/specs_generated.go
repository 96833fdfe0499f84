package conformance

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/generate"
	"github.com/callconf/callconf/internal/ids"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
)

// GeneratedLabel labels every generated spec (the contract, "Generated cases").
const GeneratedLabel = "generated"

// genWorkers is how many cases a generated spec runs at once, each on calls of its own, when the
// target can create calls. One: the sequential requests of a case must follow each other on one
// kept-alive connection, as a client's do, or a target that takes PATCHes of one call on two
// connections moments apart as concurrent (an allowed choice, STATE-03) would answer 409.
const genWorkers = 1

// generatedSpecs are the generated specs: each draws --generate cases of its kind, judged by the
// requirements the contract's "Generated cases" names, and registers under one of them.
var generatedSpecs = []struct{ req, kind, text string }{
	{"PATCH-01", generate.KindValid, "generated valid bodies are answered 200"},
	{"PATCH-02", generate.KindValid, "generated valid bodies are answered with a call that satisfies the response schema"},
	{"PATCH-04", generate.KindValid, "generated valid bodies come back with every value as sent"},
	{"PATCH-05", generate.KindValid, "generated valid bodies leave the properties they do not set as they were"},
	{"STATE-01", generate.KindValid, "a GET after a generated valid body shows every value the harness set"},
	{"ERR-02", generate.KindInvalid, "generated bodies that break one schema keyword are answered 400"},
	{"STATE-07", generate.KindInvalid, "generated bodies that break one schema keyword change nothing"},
	{"STATE-04", generate.KindSequence, "generated sequences of PATCH, GET and DELETE on two calls: a deleted call answers 404"},
	{"STATE-08", generate.KindSequence, "generated sequences of PATCH, GET and DELETE on two calls: a PATCH changes only its call"},
	{"STATE-03", generate.KindConcurrent, "generated concurrent PATCHes of different properties are all kept"},
}

// defineGeneratedSpecs registers the generated specs, unless --generate 0 turns them off.
func defineGeneratedSpecs(s *suite) {
	if s.cfg.Generate <= 0 {
		return
	}
	for _, gs := range generatedSpecs {
		s.Spec(gs.req, gs.text, func(p *probe) { p.generatedCases(gs.kind, gs.text) }, GeneratedLabel)
	}
}

// generatedCases runs the spec's cases until one fails; that one is shrunk within the
// --generate-shrink budget, saved for `callconf replay` and becomes the spec's failure, with its
// exchanges and curl lines.
func (p *probe) generatedCases(kind, text string) {
	started := time.Now() // the spec's own timeout runs from about now (Spec set it)
	cfg := p.s.cfg
	g, err := generate.New(p.s.validator, generate.Options{MaxString: cfg.GenerateMaxString})
	if err != nil {
		p.harnessError("the generator: %v", err)
	}
	seed := cfg.EffectiveGenerateSeed()
	counts := &report.Generated{Seed: seed}
	p.mu.Lock()
	p.generated = counts
	p.mu.Unlock()
	sh := generate.Shape{Read: p.s.session.Has(requirements.Read),
		Delete: p.s.session.Has(requirements.Create) && p.s.session.Has(requirements.Delete)}
	base, err := check.DecodeObject([]byte(baselineCall))
	if err != nil {
		p.harnessError("the baseline body: %v", err)
	}
	start := g.ResetBody(base)
	// Each worker runs its cases on calls of its own, reset at the start of every case; on the
	// named calls there is one worker (genWorkers says why there is one anyway).
	workers := 1
	if p.s.session.Has(requirements.Create) {
		workers = genWorkers
	}
	callsOf := make([][]string, workers)
	for w := range workers {
		callsOf[w] = []string{p.newCall()}
		if kind == generate.KindSequence {
			callsOf[w] = append(callsOf[w], p.secondCall())
		}
	}
	created := &createdCalls{}
	p.cleanUpCreated(created)
	try := func(c generate.Case, calls []string) generate.Outcome {
		// A case that deletes a call, or PATCHes one concurrently, gets calls of its own: no
		// later case inherits a deleted call or the target's view of concurrent updates.
		if p.s.session.Has(requirements.Create) && (hasDelete(c) || kind == generate.KindConcurrent) {
			calls = nil
			for range c.Calls {
				id, problem := p.createForCase(created)
				if problem != "" {
					return generate.Outcome{Inconclusive: problem}
				}
				calls = append(calls, id)
			}
		}
		return generate.Execute(genDoer{p}, generate.Env{Calls: calls, Read: sh.Read, Valid: g.Valid}, c)
	}
	total := max(1, cfg.GenerateSeeds) * cfg.Generate
	caseOf := func(n int) (generate.Case, int, int) {
		i, sd := n%cfg.Generate, seed+n/cfg.Generate
		return g.Case(kind, generate.Seed(sd, p.req.ID, i), start, sh, cfg.Concurrency), i, sd
	}
	outcomes := make([]*generate.Outcome, total)
	var first atomic.Int64 // the lowest case number that failed or was inconclusive so far
	first.Store(int64(total))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := range jobs {
				if int64(n) > first.Load() {
					continue // a case before it failed already: only the first failure is reported
				}
				c, _, _ := caseOf(n)
				o := try(c, callsOf[w])
				outcomes[n] = &o
				if o.Failed() || o.Inconclusive != "" {
					lower(&first, int64(n))
				}
			}
		})
	}
	// The spec's own clock: new cases stop while a third of its time is left (for shrinking and
	// clean-up), so a large --generate against a slow target ends with fewer cases, noted, not
	// cut by the timeout.
	deadline := started.Add(p.s.specTimeout())
	margin := p.s.specTimeout() / 3
	for n := range total {
		if int64(n) > first.Load() {
			break
		}
		if time.Until(deadline) < margin {
			p.note("generated cases stopped after %d of %d: the spec's time ran short (raise --timeout or lower --generate)", n, total)
			break
		}
		jobs <- n
	}
	close(jobs)
	wg.Wait()
	for n := range total {
		o := outcomes[n]
		if o == nil {
			break
		}
		counts.Tried++
		if !o.Failed() {
			if o.Inconclusive != "" {
				p.inconclusive(lastOf(*o), "generated case %d: %s", n%cfg.Generate+1, o.Inconclusive)
			}
			continue
		}
		c, i, sd := caseOf(n)
		small, so, kept := g.Minimize(c, *o, cfg.GenerateShrink, func(c generate.Case) generate.Outcome { return try(c, callsOf[0]) })
		counts.Failed++
		if kept > 0 {
			counts.Shrunk++
		}
		r := generate.Replay{Version: generate.ReplayVersion, Requirement: p.req.ID, Spec: p.req.ID + " " + text, Kind: kind,
			Seed: sd, Index: i + 1, Create: []byte(baselineCall), Case: small, Failed: so.Requirements()}
		for _, f := range so.Findings {
			if !f.Inconclusive {
				r.Findings = append(r.Findings, p.s.client.Redact(f.String()))
			}
		}
		fmt.Fprintf(GinkgoWriter, "generated case %d of %d (seed %d) failed %v; shrunk %d time(s) to %d step(s)\n", i+1, cfg.Generate, sd, so.Requirements(), kept, len(small.Steps))
		if p.s.replayDir != "" {
			path, err := r.Save(p.s.replayDir)
			if err != nil {
				fmt.Fprintf(GinkgoWriter, "saving the replay file: %v\n", err)
			} else {
				counts.Replays = append(counts.Replays, path)
				fmt.Fprintf(GinkgoWriter, "replay it (exit 1 while it fails, 0 once fixed):\n  %s\n", commandLine(p.s.session.Rerun.Env, "go run ./runner replay", p.s.session.Rerun.Flags, target.ShellQuote(path)))
			}
		}
		p.adopt(so)
		p.finish()
		return
	}
}

// adopt makes a case's exchanges and findings the spec's own (numbered after the set-up's).
func (p *probe) adopt(o generate.Outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	off := len(p.exchanges)
	p.exchanges = append(p.exchanges, o.Exchanges...)
	for _, f := range o.Findings {
		if f.Exchange > 0 {
			f.Exchange += off
		}
		p.findings = append(p.findings, f)
	}
}

// lower sets v to n unless it holds a smaller number already.
func lower(v *atomic.Int64, n int64) {
	for cur := v.Load(); n < cur && !v.CompareAndSwap(cur, n); cur = v.Load() {
	}
}

// createdCalls are the calls cases that delete made for themselves, deleted when the spec ends.
type createdCalls struct {
	mu  sync.Mutex
	ids []string
}

// cleanUpCreated deletes, when the spec ends, every call the cases created for themselves (those
// they deleted already answer 404, which nobody judges).
func (p *probe) cleanUpCreated(created *createdCalls) {
	s := p.s
	DeferCleanup(func(ctx SpecContext) {
		if stalled, _ := s.stalled(); stalled {
			return
		}
		created.mu.Lock()
		defer created.mu.Unlock()
		for _, id := range created.ids {
			s.client.Do(ctx, target.Request{Method: http.MethodDelete, Path: itemPath(id)})
		}
	}, NodeTimeout(s.specTimeout()))
}

// createForCase creates a call for one case (from any goroutine: nothing here ends the spec) and
// starts the harness's model of it; problem says why not.
func (p *probe) createForCase(created *createdCalls) (string, string) {
	ex, _, problem := genDoer{p}.Do(createCall(), false)
	if problem != "" {
		return "", problem
	}
	obj, err := check.DecodeObject(ex.Body)
	id, _ := obj["id"].(string)
	if ex.Status != http.StatusCreated || err != nil || id == "" {
		return "", fmt.Sprintf("creating a call for the case answered %d, not 201 with an id", ex.Status)
	}
	created.mu.Lock()
	created.ids = append(created.ids, id)
	created.mu.Unlock()
	base, _ := check.DecodeObject([]byte(baselineCall))
	model := map[string]any{}
	for _, k := range updatable {
		if v, ok := base[k]; ok {
			model[k] = v
		}
	}
	p.mu.Lock()
	p.models[id] = model
	p.mu.Unlock()
	return id, ""
}

func hasDelete(c generate.Case) bool {
	for _, s := range c.Steps {
		if s.Op == generate.OpDelete {
			return true
		}
	}
	return false
}

func lastOf(o generate.Outcome) *target.Exchange {
	if len(o.Exchanges) == 0 {
		return nil
	}
	return o.Exchanges[len(o.Exchanges)-1]
}

// genDoer sends a generated case's requests as the probe sends any (throttling waited out within
// the retry budget, every exchange judged, the model of the spec's calls kept), but keeps the
// exchanges and findings out of the spec's record: only the failing case's become the spec's.
type genDoer struct{ p *probe }

func (d genDoer) Do(r target.Request, concurrent bool) (*target.Exchange, []check.Finding, string) {
	p := d.p
	if stalled, last := p.s.stalled(); stalled {
		return nil, nil, "not sent: the target stopped answering (the last failure: " + last + ")"
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header.Set("client-request-id", ids.GUID())
	patchOf := patchTarget(r)
	bo := newBackoff(p.s.cfg, &p.spend)
	var found []check.Finding
	for {
		ex := p.client().Do(p.ctx, r)
		p.mu.Lock()
		p.sent++
		p.s.har.Record(harExchange(ex)) // every request of the run is in the HAR, kept or not
		p.mu.Unlock()
		if cut := p.cutBy(ex); cut != "" {
			return ex, found, cut // the harness's clock cut it: never judged
		}
		jc := p.judgeContext(patchOf)
		jc.Concurrent = concurrent
		res := p.s.judge.ExchangeIn(ex, patchOf, jc)
		found = append(found, res.Findings...)
		if ex.Err != nil && !ex.Truncated {
			p.mu.Lock()
			p.stallCause = ex.Err.Error()
			p.mu.Unlock()
			return ex, found, ex.Err.Error()
		}
		if !throttled(ex) {
			p.learn(r, ex, patchOf)
			p.forgetDeleted(r, ex)
			return ex, found, ""
		}
		wait, cause := bo.wait(ex)
		if cause != "" {
			return ex, found, cause
		}
		p.mu.Lock()
		p.retries++
		p.mu.Unlock()
		if err := sleepCtx(p.ctx, wait); err != nil {
			return ex, found, "interrupted while waiting out throttling: " + err.Error()
		}
	}
}
