package conformance

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/internal/token"
)

// throttledAnswer is a 503 or 429 answer with the Retry-After value v ("" = none).
func throttledAnswer(status int, v string) *target.Exchange {
	h := http.Header{}
	if v != "" {
		h.Set("Retry-After", v)
	}
	return &target.Exchange{Status: status, Header: h}
}

// TestBackoffFloorCapAndBudget: every wait is at least a second, whatever Retry-After says (0,
// a date in the past) or without it; the request is sent at most --retry-max-attempts times;
// the waits of every request of a spec count against one --retry-budget.
func TestBackoffFloorCapAndBudget(t *testing.T) {
	cfg := config.Default()
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	for _, v := range []string{"0", past, ""} {
		b := newBackoff(cfg, nil)
		w, cause := b.wait(throttledAnswer(http.StatusServiceUnavailable, v))
		if cause != "" || w < time.Second || (v != "" && w != time.Second) || w > 2*time.Second {
			t.Errorf("Retry-After %q: wait %s (%q), want 1s (1s to 2s without the header)", v, w, cause)
		}
	}

	b := newBackoff(cfg, nil)
	for attempt := 1; attempt < config.DefaultRetryMaxAttempts; attempt++ {
		if _, cause := b.wait(throttledAnswer(http.StatusTooManyRequests, "0")); cause != "" {
			t.Fatalf("attempt %d: %s", attempt, cause)
		}
	}
	if w, cause := b.wait(throttledAnswer(http.StatusTooManyRequests, "0")); !strings.Contains(cause, "--retry-max-attempts 5") {
		t.Errorf("after %d attempts: wait %s, cause %q; want the attempt cap", config.DefaultRetryMaxAttempts, w, cause)
	}

	cfg.RetryBudget = 2500 * time.Millisecond
	var spend retrySpend // one spec's: two of its requests share it
	first, second := newBackoff(cfg, &spend), newBackoff(cfg, &spend)
	for _, b := range []*backoff{first, second} {
		if _, cause := b.wait(throttledAnswer(http.StatusServiceUnavailable, "0")); cause != "" {
			t.Fatalf("within the budget: %s", cause)
		}
	}
	if _, cause := first.wait(throttledAnswer(http.StatusServiceUnavailable, "0")); !strings.Contains(cause, "past the retry budget: waited 2s") {
		t.Errorf("the third wait of the spec: cause %q, want the budget spent", cause)
	}
	if _, cause := newBackoff(cfg, nil).wait(throttledAnswer(http.StatusServiceUnavailable, "3600")); !strings.Contains(cause, "--retry-max-wait") {
		t.Errorf("an hour's Retry-After: cause %q", cause)
	}
}

// TestPreparationSendsAThrottledRequestAtMostMaxAttemptsTimes: discovery's requests follow the
// same cap: a target answering 503 with Retry-After: 0 gets each at most --retry-max-attempts
// times, at least a second apart.
func TestPreparationSendsAThrottledRequestAtMostMaxAttemptsTimes(t *testing.T) {
	var got atomic.Int32
	var last atomic.Int64
	var closest atomic.Int64
	closest.Store(int64(time.Hour))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().UnixNano()
		if prev := last.Swap(now); prev != 0 && now-prev < closest.Load() {
			closest.Store(now - prev)
		}
		got.Add(1)
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	cfg := config.Default()
	cfg.RetryMaxAttempts = 2
	c, err := target.New(srv.URL, cfg, token.Static("", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ex, cause, err := doRetrying(context.Background(), c, cfg, target.Request{Method: http.MethodGet, Path: itemPath("c1")}, func(*target.Exchange) {})
	if err != nil || ex.Status != http.StatusServiceUnavailable || !strings.Contains(cause, "--retry-max-attempts 2") {
		t.Fatalf("doRetrying: %v, cause %q", err, cause)
	}
	if n := got.Load(); n != 2 {
		t.Errorf("the target got %d requests, want 2", n)
	}
	if d := time.Duration(closest.Load()); d < time.Second {
		t.Errorf("attempts %s apart, want at least 1s", d)
	}
}

// TestAStormOfExchangesPrintsABoundedTranscript: a spec of thousands of exchanges prints the
// first and last few, those its shown findings name, and a count of the rest; its SpecResult
// lists a bounded number too, and the reports still find the exchange a finding names.
func TestAStormOfExchangesPrintsABoundedTranscript(t *testing.T) {
	c, err := target.New("http://127.0.0.1:9", config.Default(), token.Static("", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := &probe{s: &suite{client: c}, req: requirements.MustGet("HTTP-03")}
	const n = 3000
	for i := range n {
		ex := throttledAnswer(http.StatusServiceUnavailable, "")
		ex.Method, ex.URL = http.MethodPatch, c.BaseURL()+itemPath("c1")
		p.record(ex, judge.Result{})
		if i%50 == 0 { // 60 findings, the first at exchange 1, one at 1501
			p.violate(ex, check.Mismatch{Expected: "header Retry-After", Actual: "(absent)"})
		}
	}
	msg := p.failureMessage()
	shown := strings.Count(msg, "\n--- exchange ")
	for _, want := range []string{"--- exchange 1 ---", "--- exchange 10 ---", "--- exchange 1501 ---", "--- exchange 2991 ---", "--- exchange 3000 ---",
		"… 10 more findings not shown", "more exchanges not shown (11 to 50)", "more exchanges not shown (2452 to 2990)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the message lacks %q", want)
		}
	}
	if strings.Contains(msg, "--- exchange 2990 ---") || strings.Contains(msg, "--- exchange 2501 ---") || shown > 2*maxShownEnds+maxShownFindings {
		t.Errorf("%d exchanges shown of %d (%d bytes)", shown, n, len(msg))
	}
	res := p.result()
	if len(res.Exchanges) > 2*maxReportedEnds+len(p.findings) || res.Requests != n {
		t.Errorf("the SpecResult lists %d exchanges of %d requests", len(res.Exchanges), res.Requests)
	}
	if ex := res.Exchanges[slices.IndexFunc(res.Exchanges, func(e report.Exchange) bool { return e.Number == 1501 })]; ex.Method != http.MethodPatch {
		t.Errorf("exchange 1501 listed as %+v", ex)
	}
}

// TestTheHarnessClockCutsNoViolation: an exchange cut because the spec's context ended (an
// interrupt) is recorded, not judged, and what it lacks is inconclusive with the cut as cause,
// never a violation; a transport error while the spec's context lives (a refused connection)
// stays the target's, and counts towards stall detection.
func TestTheHarnessClockCutsNoViolation(t *testing.T) {
	c, err := target.New("http://127.0.0.1:9", config.Default(), token.Static("", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := &suite{client: c, judge: judge.New(nil)}
	r := target.Request{Method: http.MethodPatch, Path: itemPath("c1"), Header: jsonHeader(), Body: []byte(`{}`)}

	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("Interrupted by User"))
	p := &probe{ctx: ctx, s: s, req: requirements.MustGet("PATCH-04"), models: map[string]map[string]any{}}
	ex, problem := p.attempt(r)
	if problem != "interrupted (Interrupted by User)" || !p.isCut(ex) || p.stallCause != "" {
		t.Fatalf("cut: problem %q, cut %v, stall cause %q", problem, p.isCut(ex), p.stallCause)
	}
	p.violate(ex, check.Mismatch{Expected: "an HTTP response", Actual: problem})
	if len(p.findings) != 1 || !p.findings[0].Inconclusive || p.findings[0].Actual != problem || len(p.exchanges) != 1 {
		t.Errorf("findings %+v of %d exchanges, want one inconclusive naming the cut", p.findings, len(p.exchanges))
	}

	p = &probe{ctx: context.Background(), s: s, req: requirements.MustGet("PATCH-04"), models: map[string]map[string]any{}}
	ex, problem = p.attempt(r)
	if problem == "" || p.isCut(ex) || p.stallCause == "" {
		t.Fatalf("refused connection: problem %q, cut %v, stall cause %q", problem, p.isCut(ex), p.stallCause)
	}
	p.violate(ex, check.Mismatch{Expected: "an HTTP response", Actual: problem})
	if len(p.findings) != 1 || p.findings[0].Inconclusive {
		t.Errorf("findings %+v, want one violation", p.findings)
	}
}

// TestDiscoveryCutStillDeletesItsCall: a run cut (an interrupt, --deadline) while discovery
// holds the call it created still deletes that call, with a context of its own.
func TestDiscoveryCutStillDeletesItsCall(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var deletes atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			created(w)
		case http.MethodGet:
			cancel() // the run is interrupted while discovery reads its call
			<-r.Context().Done()
		case http.MethodDelete:
			deletes.Add(1)
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	cfg := config.Default()
	cfg.BaseURL = srv.URL
	tokens, err := token.ForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := Prepare(ctx, cfg, tokens, nil)
	if tgt != nil {
		tgt.Close()
	}
	if err == nil || deletes.Load() != 1 {
		t.Errorf("Prepare: %v; %d DELETEs, want an error and the created call deleted", err, deletes.Load())
	}
}
