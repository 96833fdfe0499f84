package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/generate"
	"github.com/callconf/callconf/internal/ids"
	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/internal/token"
	"github.com/callconf/callconf/schemas"
	"github.com/callconf/callconf/suites/conformance"
)

const replayUsage = `usage: callconf replay [flags] FILE

Sends exactly the generated case a run saved in FILE (under the report directory's replay/)
again, on calls it creates (or the --call-id calls, without create), and judges it as the run
did: exit 1 while it still fails, 0 once the target is fixed, 2 when it cannot be judged. Without
--base-url it replays against the embedded reference. Every setting of a run applies.

`

// runReplay is `callconf replay [flags] FILE`.
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("replay", stderr, replayUsage)
	flags := config.Bind(fs)
	files, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "%s replay: name exactly one replay FILE\n", progName)
		return exitUsage
	}
	rep, err := generate.LoadReplay(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "%s replay: %v\n", progName, err)
		return exitUsage
	}
	cfg, ok := loadConfig(flags, stderr, progName)
	if !ok {
		return exitUsage
	}
	if err := cfg.CheckTarget(); err != nil {
		fmt.Fprintf(stderr, "%s: configuration error: %v\n", progName, err)
		return exitUsage
	}
	tokens, err := token.ForConfig(cfg)
	if err == nil {
		err = firstToken(ctx, cfg, tokens)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: configuration error: %v\n", progName, err)
		return exitUsage
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.Deadline)
	defer cancel()
	tgt, err := conformance.Prepare(pctx, cfg, tokens, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, tokens.Redactor().String(err.Error()))
		return exitUsage
	}
	defer tgt.Close()
	v, err := schemas.Default()
	if err != nil {
		fmt.Fprintf(stderr, "%s: compiling schemas: %v\n", progName, err)
		return exitUsage
	}
	d := &replayDoer{ctx: pctx, cfg: cfg, c: tgt.Client, j: judge.New(v), exists: map[string]bool{}}
	calls, cleanup, err := replayCalls(d, tgt.Session, rep)
	defer cleanup()
	if err != nil {
		fmt.Fprintf(stderr, "%s replay: %v\n", progName, err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "replaying %s (%s, case %d of seed %d; it failed %v)\n", files[0], rep.Spec, rep.Index, rep.Seed, rep.Failed)
	o := generate.Execute(d, generate.Env{Calls: calls, Read: tgt.Session.Has(requirements.Read),
		Valid: func(b []byte) bool { r, err := v.Validate(schemas.KindRequest, b); return err == nil && r.Valid() }}, rep.Case)
	for i, ex := range o.Exchanges {
		fmt.Fprintf(stdout, "\n--- exchange %d ---\n%s\nreproduce: %s\n", i+1, tgt.Client.Transcript(ex, 4<<10), tgt.Client.Curl(ex))
	}
	switch {
	case o.Failed():
		fmt.Fprintf(stdout, "\nstill fails: %v\n", o.Requirements())
		for _, f := range o.Findings {
			if !f.Inconclusive {
				fmt.Fprintf(stdout, "  [exchange %d] %s\n", f.Exchange, tgt.Client.Redact(f.String()))
			}
		}
		return exitFail
	case o.Inconclusive != "":
		fmt.Fprintf(stdout, "\ncould not judge the case: %s\n", o.Inconclusive)
		return exitUsage
	}
	fmt.Fprintln(stdout, "\npasses: the case no longer fails")
	return exitOK
}

// replayCalls gives the case its calls: created from the file's body when the target can
// create (and deleted afterwards when it can delete), else the --call-id calls.
func replayCalls(d *replayDoer, sess conformance.Session, rep generate.Replay) ([]string, func(), error) {
	cleanup := func() {}
	if !sess.Has(requirements.Create) {
		if len(sess.CallIDs) < rep.Case.Calls {
			return nil, cleanup, fmt.Errorf("the case needs %d calls and the target cannot create them: name them with --call-id", rep.Case.Calls)
		}
		for _, id := range sess.CallIDs[:rep.Case.Calls] {
			d.exists[id] = true
		}
		return sess.CallIDs[:rep.Case.Calls], cleanup, nil
	}
	var calls []string
	cleanup = func() {
		if !sess.Has(requirements.Delete) {
			return
		}
		for _, id := range calls {
			d.c.Do(context.Background(), target.Request{Method: http.MethodDelete, Path: requirements.CollectionPath + "/" + url.PathEscape(id)})
		}
	}
	for range rep.Case.Calls {
		ex := d.c.Do(d.ctx, target.Request{Method: http.MethodPost, Path: requirements.CollectionPath,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: rep.Create})
		obj, err := check.DecodeObject(ex.Body)
		id, _ := obj["id"].(string)
		if ex.Status != http.StatusCreated || err != nil || id == "" {
			return calls, cleanup, fmt.Errorf("creating a call for the case answered %d, not 201 with an id", ex.Status)
		}
		calls = append(calls, id)
		d.exists[id] = true
	}
	return calls, cleanup, nil
}

// replayDoer sends a replayed case's requests: throttling waited out (Retry-After, at least a
// second, at most --retry-max-wait, 5 attempts), every exchange judged by the exchange judge.
type replayDoer struct {
	ctx    context.Context
	cfg    config.Config
	c      *target.Client
	j      *judge.Judge
	exists map[string]bool // guarded by the case: concurrent steps only PATCH, never delete
}

func (d *replayDoer) Do(r target.Request, concurrent bool) (*target.Exchange, []check.Finding, string) {
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header.Set("client-request-id", ids.GUID())
	id, item := judge.ItemOf(d.c.BaseURL() + r.Path)
	patchOf := ""
	if item && r.Method == http.MethodPatch {
		patchOf = id
	}
	var found []check.Finding
	for attempt := 1; ; attempt++ {
		ex := d.c.Do(d.ctx, r)
		res := d.j.ExchangeIn(ex, patchOf, judge.Context{Exists: d.exists[patchOf], Concurrent: concurrent})
		found = append(found, res.Findings...)
		if ex.Err != nil && !ex.Truncated {
			return ex, found, ex.Err.Error()
		}
		if r.Method == http.MethodDelete && (ex.Status == http.StatusOK || ex.Status == http.StatusNoContent) {
			delete(d.exists, id)
		}
		if ex.Status != http.StatusTooManyRequests && ex.Status != http.StatusServiceUnavailable {
			return ex, found, ""
		}
		if attempt >= 5 {
			return ex, found, "throttled past 5 attempts"
		}
		wait, _ := judge.RetryAfter(ex.Header, time.Now())
		wait = min(max(wait, time.Second), d.cfg.RetryMaxWait)
		select {
		case <-d.ctx.Done():
			return ex, found, "interrupted while waiting out throttling"
		case <-time.After(wait):
		}
	}
}
