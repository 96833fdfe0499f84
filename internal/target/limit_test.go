package target

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMaxInFlight: with --max-in-flight 2, no more than two requests reach the target at once.
func TestMaxInFlight(t *testing.T) {
	var cur, peak atomic.Int32
	arrived, gate := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		arrived <- struct{}{}
		<-gate
		cur.Add(-1)
	}))
	defer srv.Close()
	cfg := testConfig(srv.URL)
	cfg.Timeout, cfg.MaxInFlight = 10*time.Second, 2
	c, err := New(cfg.BaseURL, cfg, tokensOf(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 6
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if ex := c.Do(context.Background(), Request{Path: "/x"}); ex.Err != nil || ex.Status != 200 {
				t.Errorf("exchange: %d %v", ex.Status, ex.Err)
			}
		})
	}
	for range n {
		<-arrived
		gate <- struct{}{}
	}
	wg.Wait()
	if p := peak.Load(); p > 2 {
		t.Errorf("%d requests in flight at once, want at most 2", p)
	}
}

// TestRateLimitWaitIsNotExchangeTime: a request that waits its turn under --rate-limit does not
// count the wait against its own timeout or duration.
func TestRateLimitWaitIsNotExchangeTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	cfg := testConfig(srv.URL)
	cfg.Timeout, cfg.RateLimit = 50*time.Millisecond, 10 // one every 100ms: longer than the timeout
	c, err := New(cfg.BaseURL, cfg, tokensOf(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	for range 3 {
		if ex := c.Do(context.Background(), Request{Path: "/x"}); ex.Err != nil {
			t.Fatalf("a rate-limited request failed: %v", ex.Err)
		}
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("3 requests at 10/s took %s, want at least 200ms", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ex := c.Do(ctx, Request{Path: "/x"}); ex.Err == nil {
		t.Error("a request whose context ended while waiting its turn was sent")
	}
}
