package conformance

import (
	"fmt"
	"net/http"

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
	calls := []string{p.newCall()}
	if kind == generate.KindSequence {
		calls = append(calls, p.secondCall())
	}
	try := func(c generate.Case) generate.Outcome {
		use := calls
		if hasDelete(c) { // a case that deletes a call gets calls of its own
			use = nil
			for range c.Calls {
				use = append(use, p.newCall())
			}
		}
		return generate.Execute(genDoer{p}, generate.Env{Calls: use, Read: sh.Read, Valid: g.Valid}, c)
	}
	for i := range cfg.Generate {
		c := g.Case(kind, generate.Seed(seed, p.req.ID, i), start, sh, cfg.Concurrency)
		o := try(c)
		counts.Tried++
		if !o.Failed() {
			if o.Inconclusive != "" {
				p.inconclusive(lastOf(o), "generated case %d: %s", i+1, o.Inconclusive)
			}
			continue
		}
		counts.Failed++
		small, so, kept := g.Minimize(c, o, cfg.GenerateShrink, try)
		if kept > 0 {
			counts.Shrunk++
		}
		r := generate.Replay{Version: generate.ReplayVersion, Requirement: p.req.ID, Spec: p.req.ID + " " + text, Kind: kind,
			Seed: seed, Index: i + 1, Create: []byte(baselineCall), Case: small, Failed: so.Requirements()}
		for _, f := range so.Findings {
			if !f.Inconclusive {
				r.Findings = append(r.Findings, p.s.client.Redact(f.String()))
			}
		}
		fmt.Fprintf(GinkgoWriter, "generated case %d of %d (seed %d) failed %v; shrunk %d time(s) to %d step(s)\n", i+1, cfg.Generate, seed, so.Requirements(), kept, len(small.Steps))
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
	bo := newBackoff(p.s.cfg)
	var found []check.Finding
	for {
		ex := p.s.client.Do(p.ctx, r)
		jc := p.judgeContext(patchOf)
		jc.Concurrent = concurrent
		res := p.s.judge.ExchangeIn(ex, patchOf, jc)
		found = append(found, res.Findings...)
		p.mu.Lock()
		p.sent++
		p.mu.Unlock()
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
