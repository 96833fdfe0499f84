package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/reference"
)

// stormToken is the bearer token of the throttling targets below.
const stormToken = "e2e-storm-token"

// throttling serves the reference behind a front that answers 503 with Retry-After: 0 to every
// request carrying the token that pass does not let through; sent counts the 503s.
func throttling(t *testing.T, pass func(r *http.Request) bool) (string, *atomic.Int64) {
	t.Helper()
	srv, err := reference.New(reference.Options{Token: stormToken})
	if err != nil {
		t.Fatal(err)
	}
	var throttled atomic.Int64
	return serveOn(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" || pass(r) {
			srv.ServeHTTP(w, r)
			return
		}
		n := throttled.Add(1)
		// Every other requirement holds: request-id, the client-request-id echo, a Graph error.
		w.Header().Set("request-id", "00000000-0000-4000-8000-"+fmt.Sprintf("%012d", n))
		if id := r.Header.Get("client-request-id"); id != "" {
			w.Header().Set("client-request-id", id)
		}
		w.Header().Set("Retry-After", "0")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":{"code":"serviceNotAvailable","message":"retry later"}}`))
	})), &throttled
}

// TestThrottlingNeverStorms is the benchmark of issue 17 (item 4): a target answering 503 with
// Retry-After: 0 got thousands of requests a second from one spec. Now every wait lasts at least
// a second and one request is sent at most 5 times (--retry-max-attempts): against a target
// that throttles everything the run sends discovery's create 5 times and stops; against one that
// lets creates through, HTTP-03's spec sends its PATCH 5 times and STATE-03's each of its 8
// concurrent PATCHes 5 times, and both end inconclusive (the cause named), never failed.
// `go test ./e2e -run TestThrottlingNeverStorms -v` prints the figures.
func TestThrottlingNeverStorms(t *testing.T) {
	t.Run("everything throttled", func(t *testing.T) {
		url, throttled := throttling(t, func(*http.Request) bool { return false })
		r := run(t, time.Minute, []string{"CALLCONF_TOKEN=" + stormToken}, "--base-url", url, "-q")
		if r.code != 2 || !strings.Contains(r.stdout, "COULD NOT START") || !strings.Contains(r.stderr, "--retry-max-attempts 5") {
			t.Errorf("want COULD NOT START, exit 2, naming the attempt cap:\n%s", r)
		}
		if n := throttled.Load(); n != 5 {
			t.Errorf("the target got %d throttled requests, want 5 (discovery's create, sent at most 5 times)", n)
		}
		t.Logf("everything throttled: %d requests in %s", throttled.Load(), r.elapsed.Round(time.Millisecond))
	})
	t.Run("every request but creates throttled", func(t *testing.T) {
		url, throttled := throttling(t, func(r *http.Request) bool { return r.Method == http.MethodPost })
		dir := t.TempDir()
		r := run(t, time.Minute, []string{"CALLCONF_TOKEN=" + stormToken}, "--base-url", url, "--capabilities", "create,read,delete",
			"--procs", "1", "--strict", "--focus", "HTTP-03|STATE-03 answers concurrent PATCHes 200", "--report-dir", dir, "-q")
		var c struct {
			Requirements []struct {
				ID, Outcome   string
				Inconclusives []struct{ Spec, Cause string } `json:"inconclusive"`
			}
			Specs []struct {
				Name, Requirement, Outcome string
				Requests                   int
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, "conformance.json"))
		if err == nil {
			err = json.Unmarshal(b, &c)
		}
		if err != nil {
			t.Fatalf("conformance.json: %v\n%s", err, r)
		}
		for _, req := range c.Requirements {
			if req.Outcome == "failed" {
				t.Errorf("%s failed: every 503 carried Retry-After\n%s", req.ID, r)
			}
			if req.ID == "HTTP-03" && (req.Outcome != "inconclusive" || len(req.Inconclusives) == 0 || !strings.Contains(req.Inconclusives[0].Cause, "--retry-max-attempts 5")) {
				t.Errorf("HTTP-03: %s %+v, want inconclusive naming the attempt cap\n%s", req.Outcome, req.Inconclusives, r)
			}
		}
		// A spec sends its create, its clean-up DELETE and each request under test at most 5
		// times: HTTP-03 one PATCH, STATE-03 8 concurrent ones.
		want := map[string]int{"HTTP-03": 2 + 5, "STATE-03": 2 + 5*8}
		ran := 0
		for _, s := range c.Specs {
			if s.Outcome == "disabled" {
				continue
			}
			ran++
			if s.Requests > want[s.Requirement] || s.Outcome != "inconclusive" {
				t.Errorf("%s: %s after %d requests, want inconclusive after at most %d", s.Name, s.Outcome, s.Requests, want[s.Requirement])
			}
			t.Logf("%s: %d requests (%s)", s.Name, s.Requests, s.Outcome)
		}
		if ran != 2 {
			t.Errorf("%d specs ran, want HTTP-03's and STATE-03's", ran)
		}
		// Outside the specs, each spec's clean-up DELETE is sent at most 5 times, and once more at
		// most 5 times at the end of the run (the ledger's last try): 2 specs × 2 × 5.
		if max := 5 + 5*8 + 2*2*5; throttled.Load() > int64(max) {
			t.Errorf("the target got %d throttled requests, want at most %d", throttled.Load(), max)
		}
		t.Logf("every request but creates throttled: %d throttled requests in %s", throttled.Load(), r.elapsed.Round(time.Millisecond))
	})
}
