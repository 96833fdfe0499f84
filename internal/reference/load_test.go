package reference

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/listen"
	"github.com/callconf/callconf/schemas"
)

// TestLoad64ConcurrentClients runs 64 clients against a reference served by package listen on loopback, bounded
// in count (loadRounds rounds each) and time (loadDeadline): each client creates its own call,
// PATCHes it round after round, reads it back, PATCHes a call shared by all, and finally deletes
// its call. Every answer must be the expected one and nothing may be lost: each client's call ends
// with its last subject, the shared call ends with one of the subjects sent and valid.
func TestLoad64ConcurrentClients(t *testing.T) {
	const (
		clients      = 64
		loadRounds   = 25
		loadDeadline = 60 * time.Second
	)
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	srv, run := serveWith(t, Options{}, listen.DefaultLimits())
	shared, err := srv.Create([]byte(createBody))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), loadDeadline)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := run.URL() + "/communications/calls"

	do := func(method, url, body string) (int, []byte, error) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, url, rd)
		if err != nil {
			return 0, nil, err
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res.StatusCode, b, err
	}

	var requests atomic.Int64
	var mu sync.Mutex
	var sharedSubjects []string
	var latencies []time.Duration
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			check := func(what string, want, got int, body []byte, err error) bool {
				requests.Add(1)
				if err != nil || got != want {
					t.Errorf("client %d %s: status %d (want %d), err %v, body %s", c, what, got, want, err, body)
					return false
				}
				return true
			}
			st, b, err := do("POST", base, createBody)
			if !check("create", 201, st, b, err) {
				return
			}
			id, _ := decode(t, b)["id"].(string)
			last := ""
			for r := range loadRounds {
				t0 := time.Now()
				last = fmt.Sprintf("client %d round %d ✓", c, r)
				st, b, err := do("PATCH", base+"/"+id, fmt.Sprintf(`{"subject":%q,"chatInfo":{"messageId":"m%d"}}`, last, r))
				d := time.Since(t0)
				if !check("patch", 200, st, b, err) {
					return
				}
				if got := decode(t, b); got["subject"] != last || got["id"] != id {
					t.Errorf("client %d: PATCH answered %s", c, b)
					return
				}
				st, b, err = do("GET", base+"/"+id, "")
				if !check("get", 200, st, b, err) {
					return
				}
				if decode(t, b)["subject"] != last {
					t.Errorf("client %d: GET after PATCH shows %s", c, b)
					return
				}
				ss := fmt.Sprintf("shared by %d in %d", c, r)
				st, b, err = do("PATCH", base+"/"+shared, fmt.Sprintf(`{"subject":%q}`, ss))
				if !check("shared patch", 200, st, b, err) {
					return
				}
				st, b, err = do("PATCH", base+"/"+id, `{"subject":1}`)
				if !check("invalid patch", 400, st, b, err) {
					return
				}
				mu.Lock()
				sharedSubjects = append(sharedSubjects, ss)
				latencies = append(latencies, d)
				mu.Unlock()
			}
			got := decode(t, srvGet(t, srv, id))
			if got["subject"] != last || !contains(got, decode(t, []byte(`{"chatInfo":{"threadId":"t1","replyChainMessageId":"r1"},"tenantId":"tenant-1"}`))) {
				t.Errorf("client %d: final call %v", c, got)
			}
			st, b, err = do("DELETE", base+"/"+id, "")
			check("delete", 204, st, b, err)
			st, b, err = do("PATCH", base+"/"+id, `{"subject":"after delete"}`)
			check("patch after delete", 404, st, b, err)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("load test exceeded its %v deadline", loadDeadline)
	}
	final := srvGet(t, srv, shared)
	mustValid(t, schemas.KindResponse, final)
	if s, _ := decode(t, final)["subject"].(string); !slices.Contains(sharedSubjects, s) {
		t.Errorf("shared call's subject %q was never sent", s)
	}
	if srv.Len() != 1 {
		t.Errorf("%d calls left, want only the shared one", srv.Len())
	}
	slices.Sort(latencies)
	n := requests.Load()
	t.Logf("load: %d clients, %d requests in %v (%.0f req/s); PATCH latency p50 %v p99 %v max %v",
		clients, n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(),
		latencies[len(latencies)/2], latencies[len(latencies)*99/100], latencies[len(latencies)-1])
}

func srvGet(t testing.TB, srv *Server, id string) []byte {
	t.Helper()
	b, err := srv.Get(id)
	if err != nil {
		t.Fatalf("Get %s: %v", id, err)
	}
	return b
}
