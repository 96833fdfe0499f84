package conformance

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/target"
)

// throttled reports whether an answer asks the client to come back later (429 or 503).
func throttled(ex *target.Exchange) bool {
	return ex.Err == nil && (ex.Status == http.StatusTooManyRequests || ex.Status == http.StatusServiceUnavailable)
}

// retryBudget is the most a spec (or one request of the preparation) waits out throttling in
// all; a zero Config (tests) gets the default.
func retryBudget(cfg config.Config) time.Duration {
	return cmp.Or(cfg.RetryBudget, config.DefaultRetryBudget)
}

// retryMaxWait is the longest single wait for a throttled request.
func retryMaxWait(cfg config.Config) time.Duration {
	return cmp.Or(cfg.RetryMaxWait, config.DefaultRetryMaxWait)
}

// retryMaxAttempts is the most times one request is sent while the target throttles it.
func retryMaxAttempts(cfg config.Config) int {
	return cmp.Or(cfg.RetryMaxAttempts, config.DefaultRetryMaxAttempts)
}

// retrySpend is what the retries of one spec have waited so far, against --retry-budget: the
// budget is the spec's, shared by every request it sends (STATE-03's from several goroutines).
type retrySpend struct {
	mu     sync.Mutex
	waited time.Duration
}

// take adds w to the time waited unless that would pass budget; it returns the time waited
// before and whether w was taken.
func (s *retrySpend) take(w, budget time.Duration) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waited+w > budget {
		return s.waited, false
	}
	s.waited += w
	return s.waited - w, true
}

// backoff decides, for one request, how long to wait before sending it again after a 429 or
// 503: the time Retry-After names, else an exponential back-off with jitter (half fixed, half
// random: requests refused together, such as STATE-03's burst, must not all come back at the
// same instant). Every wait is at least config.MinRetryWait, so a Retry-After of 0 (or a date
// in the past) cannot turn into a storm; the request is sent at most --retry-max-attempts
// times, and the waits of a spec stay within --retry-budget.
type backoff struct {
	maxWait, budget time.Duration
	maxAttempts     int
	attempts        int // sent so far
	next            time.Duration
	spend           *retrySpend
}

// newBackoff starts the back-off of one request whose waits count against spend (nil: a
// budget of its own).
func newBackoff(cfg config.Config, spend *retrySpend) *backoff {
	if spend == nil {
		spend = &retrySpend{}
	}
	return &backoff{maxWait: retryMaxWait(cfg), budget: retryBudget(cfg), maxAttempts: retryMaxAttempts(cfg),
		next: 2 * config.MinRetryWait, spend: spend}
}

// wait returns how long to wait before sending the request again after the throttled answer
// ex, or a cause when the request was sent --retry-max-attempts times already or the wait
// would break --retry-max-wait or --retry-budget. The caller waits, then sends it again.
func (b *backoff) wait(ex *target.Exchange) (time.Duration, string) {
	b.attempts++
	w, ok := judge.RetryAfter(ex.Header, time.Now())
	if !ok {
		w = b.next/2 + rand.N(b.next/2+1)
		b.next = min(2*b.next, max(b.maxWait, config.MinRetryWait))
	}
	w = max(w, config.MinRetryWait)
	if b.attempts >= b.maxAttempts {
		return 0, fmt.Sprintf("throttled (%d) on every one of %d attempts (--retry-max-attempts %d)", ex.Status, b.attempts, b.maxAttempts)
	}
	if w > b.maxWait {
		return 0, fmt.Sprintf("throttled (%d) past the retry budget: the next wait would be %s (--retry-max-wait %s, --retry-budget %s)",
			ex.Status, w, b.maxWait, b.budget)
	}
	if waited, ok := b.spend.take(w, b.budget); !ok {
		return 0, fmt.Sprintf("throttled (%d) past the retry budget: waited %s, the next wait would be %s (--retry-max-wait %s, --retry-budget %s)",
			ex.Status, waited, w, b.maxWait, b.budget)
	}
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
	bo := newBackoff(cfg, nil)
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
