package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/internal/report"
)

// rawTarget serves each connection with serve, which reads requests from br and writes raw
// bytes to c; it returns the target's URL and a count of the connections accepted.
func rawTarget(t *testing.T, serve func(c net.Conn, br *bufio.Reader)) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int64
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c, bufio.NewReader(c))
			}()
		}
	}()
	return "http://" + ln.Addr().String(), &conns
}

// readRequest reads one request and its body from br.
func readRequest(br *bufio.Reader) (*http.Request, []byte, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(req.Body)
	return req, b, err
}

const okCall = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nrequest-id: r\r\nContent-Length: 13\r\n\r\n{\"id\":\"c1\"}\r\n"

// TestConnectionsToTheTargetAreReused: sequential exchanges share one kept-alive connection to
// the target (the proxy's own client pools them).
func TestConnectionsToTheTargetAreReused(t *testing.T) {
	srv, err := reference.New(reference.Options{BasePath: "/v1.0"})
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int64
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	f := newFixture(t, ts.URL, nil)
	id := create(t, f.url)
	for range 20 {
		if resp, b := do(t, http.MethodPatch, f.url+"/v1.0/communications/calls/"+id, `{"subject":"again"}`, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("the target saw %d connections for 21 sequential exchanges, want 1", n)
	}
	if r := outcomeOf(f.closed(t), "PATCH-04"); r.Specs != 20 || r.Passed != 20 {
		t.Errorf("PATCH-04 judged %d, passed %d; want 20", r.Specs, r.Passed)
	}
}

// TestConnectionClosedByTargetIsNotReused: a target that closes a kept-alive connection after
// each answer without saying so; every request still gets its answer, a PATCH included (the
// closed connection is noticed before a request is written to it).
func TestConnectionClosedByTargetIsNotReused(t *testing.T) {
	closed := make(chan struct{}, 1)
	target, conns := rawTarget(t, func(c net.Conn, br *bufio.Reader) {
		if _, _, err := readRequest(br); err == nil {
			io.WriteString(c, okCall)
		}
		c.Close()
		closed <- struct{}{}
	})
	f := newFixture(t, target, nil)
	for i := range 5 {
		resp, b := do(t, http.MethodPatch, f.url+"/communications/calls/c1", `{"subject":"x"}`, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, b)
		}
		<-closed // the close has reached the proxy's end of the connection (loopback)
	}
	if n := conns.Load(); n != 5 {
		t.Errorf("%d connections, want 5 (one per answer)", n)
	}
}

// TestStreamedRequestBodies: a body of unknown length goes to the target chunked, and one
// larger than the proxy reads whole streams with its declared length; both arrive unchanged
// and the PATCH of unknown length is judged like any other.
func TestStreamedRequestBodies(t *testing.T) {
	forEachPath(t, func(t *testing.T, newFixture func(*testing.T, string) *fixture) {
		got := make(chan string, 2)
		target := fakeTarget(t, func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			got <- fmt.Sprintf("%d %v %s", r.ContentLength, r.TransferEncoding, b)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("request-id", "r")
			io.WriteString(w, `{"id":"c1","subject":"chunked"}`)
		})
		f := newFixture(t, target)

		pr, pw := io.Pipe()
		go func() {
			io.WriteString(pw, `{"subject":`)
			io.WriteString(pw, `"chunked"}`)
			pw.Close()
		}()
		req, _ := http.NewRequest(http.MethodPatch, f.url+"/communications/calls/c1", pr)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if g := <-got; g != `-1 [chunked] {"subject":"chunked"}` {
			t.Errorf("the target got %q", g)
		}

		big := `{"subject":"` + strings.Repeat("b", 3*smallBody) + `"}`
		if resp, _ := do(t, http.MethodPatch, f.url+"/communications/calls/c1", big, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("large body: %d", resp.StatusCode)
		}
		if g := <-got; g != fmt.Sprintf("%d [] %s", len(big), big) {
			t.Errorf("the target got %.80q", g)
		}
		c := f.closed(t)
		if r := outcomeOf(c, "PATCH-01"); r.Specs != 2 || r.Passed != 2 {
			t.Errorf("PATCH-01 judged %d, passed %d; want 2 (%s)", r.Specs, r.Passed, f.log.String())
		}
	})
}

// TestEarlyAnswerReachesTheClient: a target that answers 413 before reading a large body gets
// its answer to the client, not a 502.
func TestEarlyAnswerReachesTheClient(t *testing.T) {
	forEachPath(t, func(t *testing.T, newFixture func(*testing.T, string) *fixture) {
		target := fakeTarget(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("request-id", "r")
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			io.WriteString(w, `{"error":{"code":"requestTooLarge","message":"too large","innerError":{"request-id":"r","date":"2024-01-01T00:00:00Z"}}}`)
		})
		f := newFixture(t, target)
		resp, b := do(t, http.MethodPatch, f.url+"/communications/calls/c1", strings.Repeat("x", 2<<20), nil)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "requestTooLarge") {
			t.Errorf("%d %s", resp.StatusCode, b)
		}
	})
}

// TestHeadersBetweenHops: hop-by-hop headers (and those Connection names) stay on their hop in
// both directions; an answer without Content-Type reaches the client without one (net/http
// would otherwise guess one); trailers and 1xx answers are handled as a proxy must.
func TestHeadersBetweenHops(t *testing.T) {
	forEachPath(t, func(t *testing.T, newFixture func(*testing.T, string) *fixture) {
		seen := make(chan http.Header, 1)
		target, _ := rawTarget(t, func(c net.Conn, br *bufio.Reader) {
			for {
				req, _, err := readRequest(br)
				if err != nil {
					return
				}
				seen <- req.Header
				io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n")
				io.WriteString(c, "HTTP/1.1 200 OK\r\nrequest-id: r\r\nConnection: X-Secret-Hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\nTrailer: X-Sum\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 42\r\n\r\n")
			}
		})
		f := newFixture(t, target)
		req, _ := http.NewRequest(http.MethodGet, f.url+"/other", nil)
		req.Header.Set("Connection", "X-Client-Hop")
		req.Header.Set("X-Client-Hop", "1")
		req.Header.Set("Proxy-Authorization", "Basic eA==")
		req.Header.Set("X-Kept", "yes")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		h := <-seen
		if h.Get("X-Client-Hop") != "" || h.Get("Proxy-Authorization") != "" || h.Get("X-Kept") != "yes" {
			t.Errorf("the target saw %v", h)
		}
		if resp.StatusCode != http.StatusOK || string(body) != "hello" || resp.Trailer.Get("X-Sum") != "42" {
			t.Errorf("%d %q trailer %v", resp.StatusCode, body, resp.Trailer)
		}
		for _, k := range []string{"X-Secret-Hop", "Keep-Alive", "Content-Type"} {
			if v, ok := resp.Header[k]; ok {
				t.Errorf("the client got %s: %q", k, v)
			}
		}
	})
}

// TestGoneClientEndsTheWait: when the client goes away while the target has not answered, the
// proxy stops waiting (within its poll) instead of holding the exchange until --timeout.
func TestGoneClientEndsTheWait(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	target := fakeTarget(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	f := newFixture(t, target, nil)
	f.p.wire.poll = 10 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.url+"/communications/calls/c1", nil)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	start := time.Now()
	f.front.Close() // waits for the handler
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the handler ran %s after the client went away", d)
	}
	f.p.Close()
	if !strings.Contains(f.log.String(), "the client went away") {
		t.Errorf("log:\n%s", f.log.String())
	}
}

// TestTLSTargetThroughTransport: a target over TLS is reached through http.Transport (the
// proxy's own client speaks plain HTTP only) and judged the same way.
func TestTLSTargetThroughTransport(t *testing.T) {
	srv, err := reference.New(reference.Options{BasePath: "/v1.0"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(ts.Close)
	f := newFixture(t, ts.URL, func(o *Options) { o.Config.InsecureSkipTLSVerify = true })
	if f.p.wire != nil {
		t.Fatal("the proxy's own client was chosen for a TLS target")
	}
	id := create(t, f.url)
	if resp, b := do(t, http.MethodPatch, f.url+"/v1.0/communications/calls/"+id, `{"subject":"tls"}`, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	c := f.closed(t)
	if r := outcomeOf(c, "PATCH-04"); r.Outcome != report.Passed || r.Specs != 1 {
		t.Errorf("PATCH-04: %s, %d judged", r.Outcome, r.Specs)
	}
}

// TestStalledClientBodyIsBounded: a client that stops sending in the middle of a large body
// holds the exchange no longer than --timeout: it gets the proxy's 502, and the handler ends.
func TestStalledClientBodyIsBounded(t *testing.T) {
	target := fakeTarget(t, func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) })
	f := newFixture(t, target, func(o *Options) { o.Config.Timeout = 200 * time.Millisecond })
	c, err := net.Dial("tcp", strings.TrimPrefix(f.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "PATCH /communications/calls/c1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"subject\":", 4*smallBody)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d, want 502", resp.StatusCode)
	}
	c.Close()
	f.closed(t)
	if !strings.Contains(f.log.String(), "timed out") {
		t.Errorf("log:\n%s", f.log.String())
	}
}

// TestLinesLeaveWhileRunning: an exchange's line reaches the log while the proxy runs (at once
// when it is idle, within logDelay under load), not only when it is closed.
func TestLinesLeaveWhileRunning(t *testing.T) {
	f := newFixture(t, newReference(t, ""), nil)
	do(t, http.MethodGet, f.url+"/v1.0/communications/calls/nope", "", nil)
	// The judge works off the hot path: its line comes after the answer.
	if !f.log.WaitFor("#1 GET /v1.0/communications/calls/nope 404 ", 10*time.Second) {
		t.Fatalf("no line after 10 s; log:\n%s", f.log.String())
	}
}

// TestHeadAnswerKeepsTheConnection: the answer to a HEAD has a Content-Length but no body; the
// connection serves the next request.
func TestHeadAnswerKeepsTheConnection(t *testing.T) {
	target, conns := rawTarget(t, func(c net.Conn, br *bufio.Reader) {
		for {
			req, _, err := readRequest(br)
			if err != nil {
				return
			}
			if req.Method == http.MethodHead {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nrequest-id: r\r\nContent-Length: 13\r\n\r\n")
			} else {
				io.WriteString(c, okCall)
			}
		}
	})
	f := newFixture(t, target, nil)
	for _, m := range []string{http.MethodHead, http.MethodGet, http.MethodHead, http.MethodGet} {
		resp, b := do(t, m, f.url+"/communications/calls/c1", "", nil)
		if want := map[string]string{http.MethodHead: "", http.MethodGet: "{\"id\":\"c1\"}\r\n"}[m]; resp.StatusCode != http.StatusOK || string(b) != want || resp.ContentLength != 13 {
			t.Errorf("%s: %d %q (length %d)", m, resp.StatusCode, b, resp.ContentLength)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections to the target, want 1", n)
	}
}

// TestConnectionOutlivesTheTimeout: a connection idle for longer than --timeout is still
// reused (the last exchange's deadline does not stay on it).
func TestConnectionOutlivesTheTimeout(t *testing.T) {
	target, conns := rawTarget(t, func(c net.Conn, br *bufio.Reader) {
		for {
			if _, _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, okCall)
		}
	})
	f := newFixture(t, target, func(o *Options) { o.Config.Timeout = 50 * time.Millisecond })
	do(t, http.MethodGet, f.url+"/communications/calls/c1", "", nil)
	time.Sleep(100 * time.Millisecond) // idle past the timeout: what is tested, not a wait for a server
	if resp, b := do(t, http.MethodGet, f.url+"/communications/calls/c1", "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections to the target, want 1", n)
	}
}

// TestEndlessAnswerHeadIsBounded: a hostile target that answers with headers without end (as
// fast as loopback carries them) gets the client a 502 once the head passes maxAnswerHead; the
// proxy does not buffer what it sends.
func TestEndlessAnswerHeadIsBounded(t *testing.T) {
	var sent atomic.Int64
	target, _ := rawTarget(t, func(c net.Conn, br *bufio.Reader) {
		if _, _, err := readRequest(br); err != nil {
			return
		}
		line := "X-Flood: " + strings.Repeat("a", 1000) + "\r\n"
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\n"); err != nil {
			return
		}
		for sent.Load() < 64<<20 { // stops when the proxy closes, or after 64 MiB
			n, err := io.WriteString(c, line)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	f := newFixture(t, target, nil)
	resp, b := do(t, http.MethodPatch, f.url+"/communications/calls/c1", `{"subject":"x"}`, nil)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), "answer head is larger") {
		t.Fatalf("want a 502 naming the head limit, got %d %s", resp.StatusCode, b)
	}
	if n := sent.Load(); n >= 64<<20 {
		t.Errorf("the proxy read %d bytes of headers before it gave up", n)
	}
}
