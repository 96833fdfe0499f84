package proxy

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/listen"
	"github.com/callconf/callconf/internal/reference"
)

// benchBody is the PATCH every benchmark request sends: a valid update, so that the proxy
// judges the request, the answer's schema, its id and PATCH-04.
const benchBody = `{"subject":"callconf bench","requestedModalities":["audio","video"]}`

// BenchmarkProxy PATCHes calls of the reference implementation with 1 and 32 concurrent
// clients, directly and through the proxy, in one run, over loopback sockets. Each sub-benchmark
// reports requests per second and the p50 and p99 latency of one request as its client saw it.
// The proxy's time includes judging every exchange: its judge is drained before the clock stops.
// scripts/bench-proxy.sh runs it and prints the table.
//
// With CALLCONF_BENCH_TARGET and CALLCONF_BENCH_PROXY set (the URLs of a `runner serve` and of a
// `runner proxy` in front of it, each a process of its own, as users run them), it measures those
// instead; the proxy's judging then runs beside the load, and its report tells what it judged.
//
// Each case also reports the CPU time it cost per request: "bench" is this process (the load,
// and in process mode the target and the proxy too), and with CALLCONF_BENCH_TARGET_PID and
// CALLCONF_BENCH_PROXY_PID (Linux) "target" and "proxy" are those processes'. Unlike requests
// per second, which on a machine shared with other work depend on that work, CPU per request
// says what the proxy costs beside the target.
func BenchmarkProxy(b *testing.B) {
	refURL, proxyURL := os.Getenv("CALLCONF_BENCH_TARGET"), os.Getenv("CALLCONF_BENCH_PROXY")
	if refURL == "" || proxyURL == "" {
		srv, err := reference.New(reference.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ref, err := listen.Start("127.0.0.1:0", srv)
		if err != nil {
			b.Fatal(err)
		}
		defer ref.Shutdown(b.Context()) //nolint:errcheck // the benchmark is over
		refURL, proxyURL = ref.URL(), ""
	}
	for _, clients := range []int{1, 32} {
		ids := make([]string, clients)
		for i := range ids {
			ids[i] = benchCreate(b, refURL)
		}
		for _, via := range []string{"direct", "proxy"} {
			b.Run(fmt.Sprintf("clients=%d/%s", clients, via), func(b *testing.B) {
				base := refURL
				var p *Proxy
				if via == "proxy" && proxyURL != "" {
					base = proxyURL
				} else if via == "proxy" {
					cfg := config.Default()
					cfg.BaseURL = refURL
					var err error
					if p, err = New(Options{Config: cfg}); err != nil {
						b.Fatal(err)
					}
					front := httptest.NewServer(p)
					defer front.Close()
					base = front.URL
				}
				hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxIdleConns: 64}}
				defer hc.CloseIdleConnections()
				// Warm-up, off the clock: every client's connection is open (and the proxy's to
				// the target) and the code paths are hot before the first measured request.
				for c := range clients {
					for range benchWarmUp {
						if err := benchPatch(hc, base+"/communications/calls/"+ids[c]); err != nil {
							b.Fatal(err)
						}
					}
				}
				lat := make([][]time.Duration, clients)
				var next atomic.Int64
				var wg sync.WaitGroup
				var failed atomic.Value
				cpu0 := readCPU()
				b.ResetTimer()
				start := time.Now()
				for c := range clients {
					wg.Add(1)
					go func() {
						defer wg.Done()
						url := base + "/communications/calls/" + ids[c]
						for next.Add(1) <= int64(b.N) {
							t0 := time.Now()
							if err := benchPatch(hc, url); err != nil {
								failed.Store(err.Error())
								return
							}
							lat[c] = append(lat[c], time.Since(t0))
						}
					}()
				}
				wg.Wait()
				if p != nil {
					p.Close() // every exchange judged
				}
				elapsed := time.Since(start)
				cpu1 := readCPU()
				b.StopTimer()
				if msg := failed.Load(); msg != nil {
					b.Fatal(msg)
				}
				if p != nil {
					// The proxy judged every exchange, and found nothing: the figures are those
					// of a proxy doing its whole job.
					c := p.Conformance(start, false)
					want := b.N + clients*benchWarmUp
					if r := outcomeOf(c, "PATCH-04"); r.Specs != want || r.Passed != want || c.Summary.Failed+c.Summary.Inconclusive > 0 {
						b.Fatalf("PATCH-04 judged %d of %d exchanges, %d passed; summary %+v", r.Specs, want, r.Passed, c.Summary)
					}
				}
				for name, d := range cpu1.sub(cpu0) {
					b.ReportMetric(float64(d.Microseconds())/float64(b.N), name+"-cpu-µs/req")
				}
				all := slices.Concat(lat...)
				slices.Sort(all)
				b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
				b.ReportMetric(float64(percentile(all, 50).Microseconds()), "p50-µs")
				b.ReportMetric(float64(percentile(all, 99).Microseconds()), "p99-µs")
			})
		}
	}
}

// benchWarmUp is the number of requests each client sends before the clock starts.
const benchWarmUp = 20

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func benchPatch(hc *http.Client, url string) error {
	req, err := http.NewRequest(http.MethodPatch, url, strings.NewReader(benchBody))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("client-request-id", "bench")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("PATCH answered %d", resp.StatusCode)
	}
	return nil
}

func benchCreate(b *testing.B, base string) string {
	resp, err := http.Post(base+"/communications/calls", "application/json", strings.NewReader(benchBody))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var call struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&call); err != nil || call.ID == "" {
		b.Fatalf("create: %d %v", resp.StatusCode, err)
	}
	return call.ID
}

// BenchmarkJudgeExchange judges one PATCH exchange as the proxy does for each it forwards (the
// request against its schema, the answer with the exchange judge and PATCH-04, the tally and
// the log line), without the network: the judge's share of the proxy's CPU per request.
func BenchmarkJudgeExchange(b *testing.B) {
	cfg := config.Default()
	cfg.BaseURL = "http://127.0.0.1:1"
	p, err := New(Options{Config: cfg, Log: io.Discard, Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	answer := []byte(`{"@odata.type":"#microsoft.graph.call","id":"2954f7df-0226-43d3-83a0-98147dae0a14","state":"establishing","direction":"outgoing","subject":"callconf bench","requestedModalities":["audio","video"],"myParticipantId":"3bf7febf-688e-4538-915e-5886263c313d"}`)
	reqH := http.Header{"Content-Type": {"application/json"}, "Client-Request-Id": {"bench"}}
	respH := http.Header{"Content-Type": {"application/json"}, "Request-Id": {"r"}, "Client-Request-Id": {"bench"}, "Cache-Control": {"no-store"}}
	b.ReportAllocs()
	for b.Loop() {
		rec := &record{n: 1, method: http.MethodPatch, path: "/communications/calls/2954f7df-0226-43d3-83a0-98147dae0a14",
			reqHeader: reqH, status: http.StatusOK, respHeader: respH}
		rec.route, rec.id = routeOf(rec.path)
		rec.reqBody.limit, rec.respBody.limit = p.limit, p.limit
		rec.reqBody.whole([]byte(benchBody))
		rec.respBody.whole(answer)
		j := p.judgeRecord(rec)
		if len(j.Findings) != 0 {
			b.Fatalf("findings: %+v", j.Findings)
		}
		p.record(rec, j)
	}
}
