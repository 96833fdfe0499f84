package conformance

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/target"
)

// throttled reports whether an answer asks the client to come back later (429 or 503).
func throttled(ex *target.Exchange) bool {
	return ex.Err == nil && (ex.Status == http.StatusTooManyRequests || ex.Status == http.StatusServiceUnavailable)
}

// retryBudget is the most a spec (or the preparation) waits out throttling in all; a zero
// Config (tests) gets the default.
func retryBudget(cfg config.Config) time.Duration {
	return cmp.Or(cfg.RetryBudget, config.DefaultRetryBudget)
}

// retryMaxWait is the longest single wait for a throttled request.
func retryMaxWait(cfg config.Config) time.Duration {
	return cmp.Or(cfg.RetryMaxWait, config.DefaultRetryMaxWait)
}

// backoff decides how long to wait before retrying a throttled request: the time Retry-After
// names, else an exponential back-off with jitter (half fixed, half random: requests refused
// together, such as STATE-03's burst, must not all come back at the same instant).
type backoff struct {
	maxWait, budget time.Duration
	next, waited    time.Duration
}

func newBackoff(cfg config.Config) *backoff {
	return &backoff{maxWait: retryMaxWait(cfg), budget: retryBudget(cfg), next: 500 * time.Millisecond}
}

// wait returns how long to wait before retrying after the throttled answer ex, or a cause when
// that wait would break --retry-max-wait or --retry-budget. The caller waits, then calls waited.
func (b *backoff) wait(ex *target.Exchange) (time.Duration, string) {
	w, ok := judge.RetryAfter(ex.Header, time.Now())
	if !ok {
		w = b.next/2 + rand.N(b.next/2+1)
		b.next = min(2*b.next, b.maxWait)
	}
	if w > b.maxWait || b.waited+w > b.budget {
		return 0, fmt.Sprintf("throttled (%d) past the retry budget: waited %s, the next wait would be %s (--retry-max-wait %s, --retry-budget %s)",
			ex.Status, b.waited, w, b.maxWait, b.budget)
	}
	b.waited += w
	return w, ""
}

// sleepCtx waits d, or less when ctx ends first (its cause is returned then).
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// doRetrying sends r, waiting out 429 and 503 answers like a spec does; seen gets every
// attempt (the run log judges and counts it). It returns the last exchange, the cause when
// throttling outlasted the budget, and an error (wrapping ErrUnreachable) when no HTTP answer came.
func doRetrying(ctx context.Context, c *target.Client, cfg config.Config, r target.Request, seen func(*target.Exchange)) (*target.Exchange, string, error) {
	bo := newBackoff(cfg)
	for {
		ex := c.Do(ctx, r)
		seen(ex)
		if ex.Err != nil && !ex.Truncated { // a body past the harness's limit still brings a status
			return ex, "", fmt.Errorf("%w: %s %s: %v", ErrUnreachable, r.Method, ex.URL, ex.Err)
		}
		if !throttled(ex) {
			return ex, "", nil
		}
		wait, cause := bo.wait(ex)
		if cause != "" {
			return ex, cause, nil
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return ex, "", fmt.Errorf("waiting out throttling during discovery: %w", err)
		}
	}
}

// prepareStep sends one request of the preparation (discovery's read and delete, the auth probe) as
// doRetrying does. Throttling past the budget is an error here: read as "no such capability",
// it would skip specs and let the run pass having tested less.
func prepareStep(ctx context.Context, c *target.Client, cfg config.Config, r target.Request, seen func(*target.Exchange)) (*target.Exchange, error) {
	ex, cause, err := doRetrying(ctx, c, cfg, r, seen)
	if err == nil && cause != "" {
		err = fmt.Errorf("preparing the target: %s %s: %s", r.Method, ex.URL, cause)
	}
	return ex, err
}
