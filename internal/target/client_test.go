package target

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/token"
)

const (
	testToken   = "tok-7Q2x-VERY-SECRET-9f1e"
	testSecret  = "api-key-SECRET-4d2c"
	testTimeout = 200 * time.Millisecond
	// bound is what "returns promptly" means in these tests: the timeout plus generous slack
	// for a loaded CI machine running with -race, far below the hostile servers' own pace.
	bound = 2 * time.Second
)

// slowConfig is testConfig for tests that do not test timeouts and do more than one loopback
// round trip per request (a TLS handshake under the race detector on a loaded machine can take
// longer than testTimeout).
func slowConfig(base string) config.Config {
	c := testConfig(base)
	c.Timeout = 10 * time.Second
	return c
}

func testConfig(base string) config.Config {
	c := config.Default()
	c.BaseURL = base
	c.Token = testToken
	c.Timeout = testTimeout
	c.MaxResponseBytes = 1 << 20
	c.Headers = []config.Header{{Name: "X-Api-Key", Value: testSecret}, {Name: "X-Tenant", Value: "t1"}}
	c.SecretHeaders = []string{"X-Api-Key"}
	return c
}

func newClient(t *testing.T, cfg config.Config) *Client {
	t.Helper()
	return newClientWith(t, cfg, tokensOf(t, cfg))
}

// newClientWith builds a client of cfg that takes its tokens from src.
func newClientWith(t *testing.T, cfg config.Config, src *token.Source) *Client {
	t.Helper()
	c, err := New(cfg.BaseURL, cfg, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// hostile starts a test server whose handler may block; stop (closed before the server is
// closed) releases any handler still waiting.
func hostile(t *testing.T, h func(w http.ResponseWriter, r *http.Request, stop <-chan struct{})) *httptest.Server {
	t.Helper()
	stop := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(w, r, stop) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first
	return srv
}

// stream writes chunk to w until total bytes are written, and reports whether they were: it
// stops early when a write fails, the client goes away or stop closes.
func stream(w io.Writer, r *http.Request, stop <-chan struct{}, chunk []byte, total int) bool {
	for sent := 0; sent < total; sent += len(chunk) {
		select {
		case <-stop:
			return false
		case <-r.Context().Done():
			return false
		default:
		}
		if _, err := w.Write(chunk); err != nil {
			return false
		}
	}
	return true
}

func assertTimeout(t *testing.T, e *Exchange, want string) {
	t.Helper()
	var te *TimeoutError
	if !errors.As(e.Err, &te) || e.Err.Error() != want {
		t.Fatalf("err = %v, want %q", e.Err, want)
	}
	if e.Duration > bound {
		t.Fatalf("took %s", e.Duration)
	}
}

func TestRawPathsAndHeadersOnTheWire(t *testing.T) {
	type seen struct {
		uri, auth, ct, tenant, key, ua, host string
		hasAuth                              bool
		body                                 []byte
	}
	got := make(chan seen, 1)
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		b, _ := io.ReadAll(r.Body)
		_, has := r.Header["Authorization"]
		got <- seen{r.RequestURI, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), r.Header.Get("X-Tenant"),
			r.Header.Get("X-Api-Key"), r.Header.Get("User-Agent"), r.Host, has, b}
		w.WriteHeader(204)
	})
	c := newClient(t, testConfig(srv.URL+"/v1.0/"))
	if c.BaseURL() != srv.URL+"/v1.0" {
		t.Fatalf("BaseURL = %q", c.BaseURL())
	}
	long := strings.Repeat("a", 4096)
	for _, p := range []string{
		"/communications/calls/..%2F..%2F", "/communications/calls/%00", "/communications/calls/%0A",
		"/communications/calls/" + long, "/communications/calls/id?injected=1", "/communications/calls/id//id",
		"/communications/calls/id/?/", "/communications/calls/id??", "/communications/calls/a%2fb/../c", "//x",
	} {
		e := c.Do(context.Background(), Request{Method: "PATCH", Path: p, Body: []byte(`{}`),
			Header: http.Header{"Content-Type": {"application/json"}, "x-tenant": {"override"}}})
		if e.Err != nil || e.Status != 204 {
			t.Fatalf("%s: %v %d", p, e.Err, e.Status)
		}
		s := <-got
		wantURI := "/v1.0" + p
		if strings.HasPrefix(s.uri, "http://") { // "//x" goes in absolute form
			wantURI = srv.URL + "/v1.0" + p
		}
		if s.uri != wantURI && !(p == "//x" && s.uri == "/v1.0//x") {
			t.Errorf("sent %q, server saw %q", wantURI, s.uri)
		}
		if e.URL != srv.URL+"/v1.0"+p {
			t.Errorf("recorded URL %q", e.URL)
		}
		if s.auth != "Bearer "+testToken || s.ct != "application/json" || s.tenant != "override" || s.key != testSecret || s.ua != UserAgent || string(s.body) != "{}" {
			t.Errorf("%s: headers %+v", p, s)
		}
	}

	// Auth modes.
	e := c.Do(context.Background(), Request{Method: "GET", Path: "/x", Auth: AuthNone, Header: http.Header{"Authorization": {"sneaky"}}})
	if s := <-got; s.hasAuth || e.Err != nil {
		t.Errorf("AuthNone sent %q (%v)", s.auth, e.Err)
	}
	c.Do(context.Background(), Request{Method: "GET", Path: "/x", Auth: AuthRaw, RawAuthorization: "bearer " + testToken + "x"})
	if s := <-got; s.auth != "bearer "+testToken+"x" {
		t.Errorf("AuthRaw sent %q", s.auth)
	}
	c.Do(context.Background(), Request{Method: "GET", Path: "/x", Auth: AuthRaw})
	if s := <-got; !s.hasAuth || s.auth != "" {
		t.Errorf("empty AuthRaw: %v %q", s.hasAuth, s.auth)
	}
	noTok := testConfig(srv.URL)
	noTok.Token = ""
	newClient(t, noTok).Do(context.Background(), Request{Method: "GET", Path: "/x"})
	if s := <-got; s.hasAuth {
		t.Errorf("no token but Authorization %q", s.auth)
	}
	c.Do(context.Background(), Request{Method: "GET", Path: "/x", Header: http.Header{"Host": {"virtual.example"}}})
	if s := <-got; s.host != "virtual.example" {
		t.Errorf("Host: %q", s.host)
	}

	// Bytes that cannot go in a request line are refused, and nothing is sent.
	before := c.Requests()
	for _, p := range []string{"/a b", "/a\nb", "/\x00", "/é", "/a#frag"} {
		if e := c.Do(context.Background(), Request{Method: "GET", Path: p}); e.Err == nil || !strings.Contains(e.Err.Error(), "percent-encode") {
			t.Errorf("%q: %v", p, e.Err)
		}
	}
	if c.Requests() != before {
		t.Error("refused requests were counted as sent")
	}
	if e := c.Do(context.Background(), Request{Method: "BAD METHOD", Path: "/x"}); e.Err == nil {
		t.Error("invalid method accepted")
	}
}

func TestRecordedExchangeHoldsNoSecret(t *testing.T) {
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		// A hostile target echoes every credential back, in headers and body.
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		w.Header().Set("Set-Cookie", "s="+testSecret)
		w.WriteHeader(400)
		io.WriteString(w, `{"auth":"`+r.Header.Get("Authorization")+`","key":"`+r.Header.Get("X-Api-Key")+`","esc":"`+strings.ReplaceAll(testToken, "-", "%2D")+`"}`)
	})
	c := newClient(t, testConfig(srv.URL))
	for _, r := range []Request{
		{Method: "PATCH", Path: "/c/1", Body: []byte(`{"subject":"x"}`)},
		{Method: "PATCH", Path: "/c/1", Auth: AuthRaw, RawAuthorization: "Bearer " + testToken + "-wrong"},
	} {
		e := c.Do(context.Background(), r)
		if e.Status != 400 {
			t.Fatal(e.Err)
		}
		for _, v := range e.RequestHeader {
			for _, s := range v {
				if strings.Contains(s, testToken) || strings.Contains(s, testSecret) {
					t.Errorf("RequestHeader holds a secret: %q", s)
				}
			}
		}
		if got := e.RequestHeader.Get("Authorization"); got != "Bearer [REDACTED]" && got != "Bearer [REDACTED]-wrong" {
			t.Errorf("recorded Authorization %q", got)
		}
		tr := c.Transcript(e, 0)
		curl := c.Curl(e)
		for _, out := range []string{tr, curl} {
			if strings.Contains(out, testToken) || strings.Contains(out, testSecret) {
				t.Errorf("secret in output:\n%s", out)
			}
		}
		if !strings.Contains(tr, "< X-Echo: Bearer [REDACTED]") || !strings.Contains(tr, "> X-Api-Key: [REDACTED]") ||
			!strings.Contains(tr, "< Set-Cookie: [REDACTED]") || !strings.Contains(tr, "> X-Tenant: t1") {
			t.Errorf("transcript:\n%s", tr)
		}
		if !strings.Contains(curl, `"Authorization: Bearer $CALLCONF_TOKEN"`) && !strings.Contains(curl, `'Authorization: Bearer '"$CALLCONF_TOKEN"-wrong`) {
			t.Errorf("curl: %s", curl)
		}
	}
}

func TestRedact(t *testing.T) {
	c := newClient(t, testConfig("http://127.0.0.1:9"))
	in := "a " + testToken + " b " + testSecret + " c " + `"tok-7Q2x-VERY-SECRET-9f1e"` + " d"
	want := "a [REDACTED] b [REDACTED] c \"[REDACTED]\" d"
	if got := c.Redact(in); got != want {
		t.Fatalf("Redact = %q", got)
	}
	// Escaped forms too.
	cfg := testConfig("http://127.0.0.1:9")
	cfg.Token = `t/o"k+en`
	c = newClient(t, cfg)
	for _, s := range []string{`t/o"k+en`, `t%2Fo%22k%2Ben`, `t/o\"k+en`} {
		if got := c.Redact("x" + s + "y"); got != "x[REDACTED]y" {
			t.Errorf("Redact(%q) = %q", s, got)
		}
	}
	if got := c.Redact("nothing secret"); got != "nothing secret" {
		t.Error(got)
	}
}

func TestNeverAnswers(t *testing.T) {
	// A listener that never accepts: the kernel completes the handshake, nobody ever answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	c := newClient(t, testConfig("http://"+ln.Addr().String()))
	e := c.Do(context.Background(), Request{Method: "PATCH", Path: "/c/1", Body: []byte("{}")})
	assertTimeout(t, e, "timed out after 200ms (per-request timeout)")
}

func TestHoldsConnectionOpen(t *testing.T) {
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		select { // read the request, answer nothing, keep the connection
		case <-stop:
		case <-r.Context().Done():
		}
	})
	e := newClient(t, testConfig(srv.URL)).Do(context.Background(), Request{Method: "PATCH", Path: "/c/1"})
	assertTimeout(t, e, "timed out after 200ms (per-request timeout)")
}

func TestTrickledBody(t *testing.T) {
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		for {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-stop:
				return
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	})
	e := newClient(t, testConfig(srv.URL)).Do(context.Background(), Request{Method: "PATCH", Path: "/c/1"})
	assertTimeout(t, e, "timed out after 200ms (per-request timeout)")
	if e.Status != 200 {
		t.Errorf("status %d: the headers arrived and should be recorded", e.Status)
	}
}

func TestRunDeadlineAndCancel(t *testing.T) {
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	})
	cfg := testConfig(srv.URL)
	cfg.Timeout = time.Minute
	c := newClient(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	e := c.Do(ctx, Request{Method: "GET", Path: "/c/1"})
	var te *TimeoutError
	if !errors.As(e.Err, &te) || te.Which != "run deadline" || e.Duration > bound {
		t.Fatalf("err %v after %s", e.Err, e.Duration)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if e := c.Do(ctx, Request{Method: "GET", Path: "/c/1"}); e.Err == nil || !strings.Contains(e.Err.Error(), "canceled") {
		t.Fatalf("canceled: %v", e.Err)
	}
	named := errors.New("overall deadline of 10m reached")
	ctx, cancel = context.WithTimeoutCause(context.Background(), 50*time.Millisecond, named)
	defer cancel()
	if e := c.Do(ctx, Request{Method: "GET", Path: "/c/1"}); !errors.Is(e.Err, named) {
		t.Fatalf("named cause: %v", e.Err)
	}
}

func TestHugeBodyIsTruncatedWithBoundedMemory(t *testing.T) {
	const total = 50 << 20
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		w.Header().Set("Content-Type", "application/json")
		stream(w, r, stop, bytes.Repeat([]byte("a"), 32<<10), total)
	})
	cfg := testConfig(srv.URL)
	cfg.Timeout = 5 * time.Second
	c := newClient(t, cfg)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e := c.Do(context.Background(), Request{Method: "GET", Path: "/c/1"})
	runtime.ReadMemStats(&after)
	if !e.Truncated || len(e.Body) != 1<<20 || e.Err == nil || e.Err.Error() != "response body larger than 1048576 bytes" {
		t.Fatalf("truncated=%v len=%d err=%v", e.Truncated, len(e.Body), e.Err)
	}
	var tl *BodyTooLargeError
	if !errors.As(e.Err, &tl) {
		t.Fatal("not a BodyTooLargeError")
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("allocated %d MiB to read a 50 MiB body with a 1 MiB limit", grew>>20)
	}
	if tr := c.Transcript(e, 100); !strings.Contains(tr, "… (1048476 bytes more)") || !strings.Contains(tr, "--max-response-bytes") {
		t.Errorf("transcript:\n%s", tr)
	}
}

func TestGzipBombIsBounded(t *testing.T) {
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		if stream(gz, r, stop, make([]byte, 64<<10), 256<<20) { // 256 MiB once decompressed
			gz.Close()
		}
	})
	cfg := testConfig(srv.URL)
	cfg.Timeout = 5 * time.Second
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e := newClient(t, cfg).Do(context.Background(), Request{Method: "GET", Path: "/c/1"})
	runtime.ReadMemStats(&after)
	if !e.Truncated || len(e.Body) != 1<<20 || e.Err == nil || !strings.Contains(e.Err.Error(), "larger than 1048576 bytes") {
		t.Fatalf("truncated=%v len=%d err=%v", e.Truncated, len(e.Body), e.Err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Errorf("allocated %d MiB", grew>>20)
	}
}

func TestGzipIsTransparent(t *testing.T) {
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		io.WriteString(gz, `{"id":"1"}`)
		gz.Close()
	})
	e := newClient(t, testConfig(srv.URL)).Do(context.Background(), Request{Method: "GET", Path: "/c/1"})
	if e.Err != nil || string(e.Body) != `{"id":"1"}` {
		t.Fatalf("%v %q", e.Err, e.Body)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var otherHits atomic.Int64
	var otherAuth atomic.Value
	other := hostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		otherHits.Add(1)
		otherAuth.Store(r.Header.Get("Authorization"))
	})
	for _, code := range []int{301, 302, 303, 307, 308} {
		srv := hostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
			w.Header().Set("Location", other.URL+"/steal")
			w.WriteHeader(code)
		})
		e := newClient(t, testConfig(srv.URL)).Do(context.Background(), Request{Method: "PATCH", Path: "/c/1", Body: []byte("{}")})
		if e.Err != nil || e.Status != code || e.Header.Get("Location") != other.URL+"/steal" {
			t.Errorf("%d: status %d err %v", code, e.Status, e.Err)
		}
	}
	if n := otherHits.Load(); n != 0 {
		t.Fatalf("the other host got %d requests (Authorization %q)", n, otherAuth.Load())
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)

	// Verification is on by default: a self-signed server fails, with a hint.
	e := newClient(t, slowConfig(srv.URL)).Do(context.Background(), Request{Method: "GET", Path: "/c/1"})
	if e.Err == nil || !strings.Contains(e.Err.Error(), "certificate") || !strings.Contains(e.Err.Error(), "--ca-file") {
		t.Fatalf("default TLS: %v", e.Err)
	}

	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := slowConfig(srv.URL)
	cfg.CAFile = ca
	c := newClient(t, cfg)
	if e := c.Do(context.Background(), Request{Method: "GET", Path: "/c/1"}); e.Err != nil || e.Status != 200 {
		t.Fatalf("with --ca-file: %v", e.Err)
	}
	if curl := c.Curl(c.Do(context.Background(), Request{Method: "GET", Path: "/c/1"})); !strings.Contains(curl, "--cacert "+ShellQuote(ca)) {
		t.Errorf("curl: %s", curl)
	}

	cfg = slowConfig(srv.URL)
	cfg.InsecureSkipTLSVerify = true
	c = newClient(t, cfg)
	if e := c.Do(context.Background(), Request{Method: "GET", Path: "/c/1"}); e.Err != nil || e.Status != 200 {
		t.Fatalf("insecure: %v", e.Err)
	}
	if curl := c.Curl(c.Do(context.Background(), Request{Method: "GET", Path: "/c/1"})); !strings.Contains(curl, "--insecure") {
		t.Errorf("curl: %s", curl)
	}

	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("junk"), 0o600)
	cfg.CAFile = bad
	if _, err := New(cfg.BaseURL, cfg, nil); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("unparsable CA: %v", err)
	}
}

func TestNewRejects(t *testing.T) {
	for _, base := range []string{"", "ftp://x", "http://u:pw-SECRET@x", "x"} {
		cfg := testConfig(base)
		if _, err := New(cfg.BaseURL, cfg, nil); err == nil || strings.Contains(err.Error(), "pw-SECRET") {
			t.Errorf("%q: %v", base, err)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		io.Copy(w, r.Body)
	})
	c := newClient(t, testConfig(srv.URL))
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			body := []byte(strings.Repeat("x", i))
			e := c.Do(context.Background(), Request{Method: "PATCH", Path: "/c/1", Body: body,
				Header: http.Header{"Client-Request-Id": {string(rune('a' + i%26))}}})
			if e.Err != nil || !bytes.Equal(e.Body, body) {
				t.Errorf("%d: %v", i, e.Err)
			}
		})
	}
	wg.Wait()
	if c.Requests() != 32 {
		t.Fatalf("Requests() = %d", c.Requests())
	}
}

func TestTranscript(t *testing.T) {
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		w.Header().Set("Request-Id", "r1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		w.Write([]byte("{\"error\":{\"code\":\"NotFound\",\"message\":\"é\x00\x1b[31m\xff\"}}"))
	})
	c := newClient(t, testConfig(srv.URL))
	e := c.Do(context.Background(), Request{Method: "PATCH", Path: "/c/1", Body: []byte(`{"subject":"ééé"}`),
		Header: http.Header{"Content-Type": {"application/json"}}})
	tr := c.Transcript(e, 0)
	for _, want := range []string{
		"> PATCH " + srv.URL + "/c/1\n", "> Authorization: Bearer [REDACTED]\n", "> Content-Type: application/json\n",
		"> X-Api-Key: [REDACTED]\n", ">\n> {\"subject\":\"ééé\"}\n", "< 404 Not Found  (",
		"< Request-Id: r1\n", `"message":"é\x00\x1b[31m\xff"`,
	} {
		if !strings.Contains(tr, want) {
			t.Errorf("missing %q in:\n%s", want, tr)
		}
	}
	// Headers are sorted.
	if strings.Index(tr, "< Content-Type") > strings.Index(tr, "< Request-Id") {
		t.Errorf("unsorted:\n%s", tr)
	}
	// A cut never splits a character: byte 15 is inside the 2nd "é".
	short := c.Transcript(e, 15)
	if !strings.Contains(short, "> {\"subject\":\"é\n> … (6 bytes more)\n") {
		t.Errorf("cut:\n%s", short)
	}
	e = c.Do(context.Background(), Request{Method: "GET", Path: "/a b"})
	if tr := c.Transcript(e, 0); !strings.Contains(tr, "! the request path has byte 0x20") {
		t.Errorf("error transcript:\n%s", tr)
	}
}

func TestCurlLine(t *testing.T) {
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {})
	c := newClient(t, testConfig(srv.URL))
	e := c.Do(context.Background(), Request{Method: "PATCH", Path: "/communications/calls/abc", Body: []byte(`{"subject":"it's"}`),
		Header: http.Header{"Content-Type": {"application/json"}}})
	curl := c.Curl(e)
	want := `curl -sS -i --globoff --path-as-is --max-time 1 -X PATCH ` + srv.URL + `/communications/calls/abc -H 'Content-Type: application/json' -H 'User-Agent: callconf-conformance/1' -H 'X-Api-Key: '"$HEADER_X_API_KEY" -H 'X-Tenant: t1' -H "Authorization: Bearer $CALLCONF_TOKEN" --data-binary '{"subject":"it'\''s"}'`
	if curl != want {
		t.Errorf("curl:\n got %s\nwant %s", curl, want)
	}
}

// TestCurlRoundTrip runs the curl lines with sh and checks the target receives exactly what the
// client sent: method, raw path, body bytes, token.
func TestCurlRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh not installed")
	}
	type seen struct {
		method, uri, auth, key string
		body                   []byte
	}
	got := make(chan seen, 1)
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.RequestURI, r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), b}
	})
	cfg := testConfig(srv.URL)
	cfg.Timeout = 5 * time.Second
	c := newClient(t, cfg)
	bodies := []string{
		`{"subject":"plain"}`,
		`{"subject":"it's a 'quote' \"dq\" $HOME ` + "`id`" + ` $(id) \\ \t %s %% ! * ?"}`,
		"{\"subject\":\"line1\nline2\r\n\ttab\"}",
		"bin\x00ary\xff\xfe%\\n\x7f",
		`{"subject":"émoji 😀 שלום e\u0301"}`,
		"",
		"{\n  \"subject\": \"Gr\u00f6\u00dfe \u2014 it's\",\n\t\"x\": [1, 2]\n}",
		"-n not json\n",
		"@/etc/passwd",
	}
	paths := []string{"/communications/calls/..%2F..%2F", "/communications/calls/%00%0A", "/communications/calls/[x]{y}*?a=1&b=$HOME", "/communications/calls/id'q"}
	for i, body := range bodies {
		for _, auth := range []Request{{}, {Auth: AuthRaw, RawAuthorization: "Bearer " + testToken + "'x"}, {Auth: AuthNone}} {
			r := auth
			r.Method, r.Path, r.Body = "PATCH", paths[i%len(paths)], []byte(body)
			e := c.Do(context.Background(), r)
			if e.Err != nil {
				t.Fatal(e.Err)
			}
			want := <-got
			line := c.Curl(e)
			if strings.Contains(line, testToken) || strings.Contains(line, testSecret) || strings.Contains(line, "\n") && !json.Valid([]byte(body)) {
				t.Fatalf("curl line leaks a secret or spans lines for a body that is no JSON: %s", line)
			}
			cmd := exec.Command("sh", "-c", line)
			cmd.Env = append(os.Environ(), "CALLCONF_TOKEN="+testToken, "HEADER_X_API_KEY="+testSecret)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
			have := <-got
			if have.method != want.method || have.uri != want.uri || have.auth != want.auth || !bytes.Equal(have.body, want.body) {
				t.Errorf("curl line %s\nsent %+v\nwant %+v", line, have, want)
			}
			if have.key != testSecret {
				t.Errorf("secret header sent as %q", have.key)
			}
		}
	}
}

func TestRawPathOverHTTP2(t *testing.T) {
	uris := make(chan string, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uris <- r.Proto + " " + r.RequestURI
	}))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	cfg.InsecureSkipTLSVerify = true
	c := newClient(t, cfg)
	for _, p := range []string{"/communications/calls/..%2F..%2F", "/communications/calls/%00?x=%0A"} {
		if e := c.Do(context.Background(), Request{Method: "PATCH", Path: p, Body: []byte("{}")}); e.Err != nil {
			t.Fatal(e.Err)
		}
		if got := <-uris; got != "HTTP/2.0 "+p {
			t.Errorf("sent %q, server saw %q", p, got)
		}
	}
}

func TestLeadingDoubleSlashKeepsTheHost(t *testing.T) {
	uris := make(chan string, 1)
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) { uris <- r.Host + " " + r.URL.Path })
	if e := newClient(t, testConfig(srv.URL)).Do(context.Background(), Request{Method: "GET", Path: "//evil.example/x"}); e.Err != nil {
		t.Fatal(e.Err)
	}
	if got, want := <-uris, strings.TrimPrefix(srv.URL, "http://")+" //evil.example/x"; got != want {
		t.Errorf("server saw %q, want %q", got, want)
	}
}

// tokensOf is the token source a run would build from cfg.
func tokensOf(t *testing.T, cfg config.Config) *token.Source {
	t.Helper()
	src, err := token.ForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return src
}
