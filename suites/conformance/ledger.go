package conformance

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/har"
	"github.com/callconf/callconf/internal/ids"
	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/target"
)

// runLog is one process's record of what the harness sends outside any spec (discovery, the
// authentication probe, reads and restores of named calls, clean-up): it passes every exchange
// through the exchange judge, counts it and keeps what the judge found, with the exchange, for
// the reports. It also keeps the ledger of the calls this process created, so that every one is
// deleted, or listed. It is safe for concurrent use: specs of one process share it.
type runLog struct {
	client *target.Client
	cfg    config.Config
	judge  *judge.Judge
	har    *har.Recorder // the run's HAR part (nil: none)

	mu    sync.Mutex
	rec   report.RunRecord
	calls map[string]*ledgerEntry // created by this process, by id
	order []string                // the ids of calls, in creation order
}

// ledgerEntry is what the run knows of a call it created.
type ledgerEntry struct {
	gone bool   // deleted (and, with read, confirmed gone)
	why  string // why it is not known gone: the last DELETE's or GET's answer
	// answered is true once a DELETE of it got an HTTP answer: a definite refusal is not
	// asked again at the end of the run, one that never got an answer is.
	answered bool
}

func newRunLog(c *target.Client, cfg config.Config, j *judge.Judge) *runLog {
	return &runLog{client: c, cfg: cfg, judge: j, calls: map[string]*ledgerEntry{}}
}

// seen returns the function that judges, counts and keeps each attempt of r, sent in phase.
func (l *runLog) seen(phase string, r target.Request) func(*target.Exchange) {
	patchOf := patchTarget(r)
	return func(ex *target.Exchange) {
		// The run log PATCHes only calls the user named (reads and restores): they exist, so a
		// valid body there is held to PATCH-01 like any other of the run.
		res := l.judge.ExchangeIn(ex, patchOf, judge.Context{Exists: patchOf != ""})
		l.har.Record(harExchange(ex))
		l.mu.Lock()
		defer l.mu.Unlock()
		l.rec.Requests++
		if throttled(ex) {
			l.rec.Retries++
		}
		rx := report.Exchange{Method: ex.Method, URL: ex.URL, Status: ex.Status}
		if ex.Err != nil {
			rx.Error = ex.Err.Error()
		}
		for _, f := range res.Findings {
			l.rec.Findings = append(l.rec.Findings, report.RunFinding{Phase: phase, Exchange: rx, Finding: f})
		}
	}
}

// withRequestID gives r a client-request-id, as specs send one, so HTTP-02 is judged here too.
func withRequestID(r target.Request) target.Request {
	r.Header = r.Header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if r.Header.Get("client-request-id") == "" {
		r.Header.Set("client-request-id", ids.GUID())
	}
	return r
}

// send sends r outside any spec, in phase, waiting out throttling as a spec does; every attempt
// is judged and counted. It returns the last exchange, the cause when throttling outlasted the
// budget, and an error when no HTTP answer came.
func (l *runLog) send(ctx context.Context, phase string, r target.Request) (*target.Exchange, string, error) {
	r = withRequestID(r)
	return doRetrying(ctx, l.client, l.cfg, r, l.seen(phase, r))
}

// step is send for the preparation: throttling past the budget is an error (prepareStep).
func (l *runLog) step(ctx context.Context, phase string, r target.Request) (*target.Exchange, error) {
	r = withRequestID(r)
	return prepareStep(ctx, l.client, l.cfg, r, l.seen(phase, r))
}

// warn keeps a warning about the run's calls for the terminal and the reports.
func (l *runLog) warn(w report.Warning) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rec.Warnings = append(l.rec.Warnings, w)
}

// record returns a copy of what the log holds.
func (l *runLog) record() report.RunRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rec
	r.Findings = slices.Clone(r.Findings)
	r.Warnings = slices.Clone(r.Warnings)
	return r
}

// created enters a call the run created into the ledger.
func (l *runLog) created(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.calls[id]; !ok {
		l.calls[id] = &ledgerEntry{why: "never deleted"}
		l.order = append(l.order, id)
	}
}

// deleteCall deletes a call the run created and enters the outcome in the ledger
// (confirmDeleted).
func (l *runLog) deleteCall(ctx context.Context, phase, id string, read bool) {
	ex, cause, err := l.send(ctx, phase, target.Request{Method: http.MethodDelete, Path: itemPath(id)})
	problem := cause
	if err != nil {
		problem = "no answer: " + err.Error()
	}
	l.confirmDeleted(ctx, phase, id, ex, problem, read)
}

// confirmDeleted enters in the ledger how the DELETE of call id went (ex; problem when it got
// no usable answer): a DELETE answered 200 or 204 deletes it (404: it is gone already, e.g. a
// spec deleted it), and with read a GET answered 404 or 410 confirms it.
func (l *runLog) confirmDeleted(ctx context.Context, phase, id string, ex *target.Exchange, problem string, read bool) {
	gone, answered, why := false, false, ""
	switch {
	case problem != "":
		why = "the DELETE got " + problem
	case ex.Status == http.StatusOK || ex.Status == http.StatusNoContent || ex.Status == http.StatusNotFound:
		gone, answered = true, true
	default:
		answered, why = true, fmt.Sprintf("the DELETE answered %d", ex.Status)
	}
	if gone && read {
		got, cause, err := l.send(ctx, phase, target.Request{Method: http.MethodGet, Path: itemPath(id)})
		switch {
		case err != nil || cause != "":
			gone, why = false, "the GET that confirms the deletion got no answer"
		case got.Status != http.StatusNotFound && got.Status != http.StatusGone:
			gone, why = false, fmt.Sprintf("the DELETE answered %d, yet a GET of the call then answered %d", ex.Status, got.Status)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.calls[id]
	if !ok {
		e = &ledgerEntry{}
		l.calls[id] = e
		l.order = append(l.order, id)
	}
	e.gone, e.why, e.answered = gone, why, e.answered || answered
}

// settle ends the ledger: with delete, a call whose DELETE never got an answer is deleted once
// more (unless retry is false: the target stopped answering); every call still not known gone
// becomes a warning with its id. Without delete, one warning lists the calls the run leaves
// behind.
func (l *runLog) settle(ctx context.Context, canDelete, canRead, retry bool) {
	l.mu.Lock()
	var again []string
	for _, id := range l.order {
		if e := l.calls[id]; !e.gone && !e.answered {
			again = append(again, id)
		}
	}
	l.mu.Unlock()
	if canDelete && retry {
		for _, id := range again {
			if ctx.Err() != nil {
				break
			}
			l.deleteCall(ctx, report.PhaseLedger, id, canRead)
		}
	}
	l.mu.Lock()
	var left []string
	for _, id := range l.order {
		if e := l.calls[id]; !e.gone {
			left = append(left, id)
			if canDelete {
				l.rec.Warnings = append(l.rec.Warnings, report.Warning{Kind: report.WarnLeftBehind, CallID: id,
					Text: fmt.Sprintf("call %s, created by the run, was left behind: %s", id, e.why)})
			}
		}
	}
	l.mu.Unlock()
	if !canDelete && len(left) > 0 {
		l.warn(report.Warning{Kind: report.WarnLeftBehind, Text: fmt.Sprintf("%d call(s) created by the run were left behind: the target cannot delete (no delete capability): %s",
			len(left), strings.Join(left, " "))})
	}
}

// readCall reads call id outside any spec: a GET with read, else an empty PATCH (whose answer is
// the call). ok is false when no call came back.
func (l *runLog) readCall(ctx context.Context, phase, id string, read bool) (map[string]any, *target.Exchange, bool) {
	r := target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: jsonHeader(), Body: []byte(`{}`)}
	if read {
		r = target.Request{Method: http.MethodGet, Path: itemPath(id)}
	}
	ex, cause, err := l.send(ctx, phase, r)
	if err != nil || cause != "" || ex.Status != http.StatusOK || ex.Truncated {
		return nil, ex, false
	}
	obj, err := check.DecodeObject(ex.Body)
	return obj, ex, err == nil
}

// answered says how a request outside any spec was answered, for messages.
func answered(ex *target.Exchange) string {
	switch {
	case ex == nil:
		return "no answer"
	case ex.Err != nil && ex.Status == 0:
		return "no answer (" + ex.Err.Error() + ")"
	}
	return fmt.Sprintf("%d", ex.Status)
}

// differing lists the members (sorted) in which two readings of a call differ. Annotations
// ("@odata.etag") are left out: they describe the representation, not the call. A member that
// is absent and one that is null are the same (the contract, STATE-06: null "or absent"), at
// every depth.
func differing(was, now map[string]any) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(union(was, now))) {
		if strings.Contains(k, "@") {
			continue
		}
		if !check.Equal(withoutNulls(was[k]), withoutNulls(now[k])) {
			out = append(out, k)
		}
	}
	return out
}

func union(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	if out == nil {
		out = map[string]any{}
	}
	maps.Copy(out, b)
	return out
}

// withoutNulls returns v with every null member of its objects dropped, at every depth.
func withoutNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, m := range x {
			if m != nil {
				out[k] = withoutNulls(m)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, m := range x {
			out[i] = withoutNulls(m)
		}
		return out
	}
	return v
}

// restore puts named call id back as it was found (found, the spec's first reading): one PATCH
// of every member that differs (its value as found; null for a member it did not have, which
// reads as absent), one PATCH per member if the target refuses the lot, then, for objects a
// target merged instead of replacing, null and the value again. It reads the call after each
// round; what still differs becomes a warning with the call's id and the members. spec names
// the spec that changed it, for the warning.
func (l *runLog) restore(ctx context.Context, id string, found map[string]any, read bool, spec string) {
	left, why := l.putBack(ctx, id, found, read)
	if len(left) > 0 || why != "" {
		text := fmt.Sprintf("named call %s was not put back as %q found it", id, spec)
		if len(left) > 0 {
			text += ": " + strings.Join(left, ", ") + " still differ"
		}
		if why != "" {
			text += " (" + why + ")"
		}
		l.warn(report.Warning{Kind: report.WarnNotRestored, CallID: id, Members: left, Text: text})
	}
}

// putBack is restore's work: it returns the members still different and, when the call could
// not be read, why.
func (l *runLog) putBack(ctx context.Context, id string, found map[string]any, read bool) ([]string, string) {
	now, ex, ok := l.readCall(ctx, report.PhaseRestore, id, read)
	if !ok {
		return nil, "reading it back answered " + answered(ex)
	}
	diff := differing(found, now)
	patch := func(body map[string]any) bool {
		b, err := jsonMarshal(body)
		if err != nil {
			return false
		}
		ex, cause, err := l.send(ctx, report.PhaseRestore, target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: jsonHeader(), Body: b})
		return err == nil && cause == "" && ex.Status == http.StatusOK
	}
	for round := 0; round < 2 && len(diff) > 0; round++ {
		var members []string
		for _, k := range diff {
			if k != "id" { // a call's id is no member a PATCH may set
				members = append(members, k)
			}
		}
		if len(members) == 0 {
			break
		}
		switch round {
		case 0:
			all := map[string]any{}
			for _, k := range members {
				all[k] = found[k] // nil for a member the call did not have
			}
			if !patch(all) {
				for _, k := range members {
					patch(map[string]any{k: found[k]})
				}
			}
		case 1:
			// A target may merge nested objects on PATCH: clear them first, then set them again.
			sent := false
			for _, k := range members {
				if v, isObject := found[k].(map[string]any); isObject {
					patch(map[string]any{k: nil})
					patch(map[string]any{k: v})
					sent = true
				}
			}
			if !sent {
				return diff, ""
			}
		}
		if now, ex, ok = l.readCall(ctx, report.PhaseRestore, id, read); !ok {
			return diff, "reading it back answered " + answered(ex)
		}
		diff = differing(found, now)
	}
	return diff, ""
}
