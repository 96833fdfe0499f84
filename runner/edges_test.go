package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/reference"
)

// referenceURL serves the reference implementation under /v1.0 until the test ends.
func referenceURL(t *testing.T) string {
	t.Helper()
	srv, err := reference.New(reference.Options{BasePath: "/v1.0"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL + "/v1.0"
}

// closedURL is a base URL on which nothing listens: connection refused.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/v1.0"
}

// TestCouldNotStartCauseStatedOnce: the cause of a run that could not start is in the terminal
// once (it was on stderr, as the suite error and again as the reason of every requirement not
// run); stderr states it, with what to try.
func TestCouldNotStartCauseStatedOnce(t *testing.T) {
	code, stdout, stderr := runDispatch(t, "--base-url", closedURL(t))
	if code != exitUsage || !strings.Contains(stdout, "verdict: COULD NOT START") {
		t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
	if n := strings.Count(stdout+stderr, "connection refused"); n != 1 {
		t.Errorf("the cause is stated %d times:\nstdout:\n%s\nstderr:\n%s", n, stdout, stderr)
	}
	if !strings.Contains(stderr, "check --base-url") {
		t.Errorf("stderr says nothing to try:\n%s", stderr)
	}
}

// TestHTTPSAgainstPlainHTTPSuggestsHTTP: https:// against a server that speaks plain HTTP gets
// "did you mean --base-url http://…".
func TestHTTPSAgainstPlainHTTPSuggestsHTTP(t *testing.T) {
	plain := referenceURL(t)
	https := "https://" + strings.TrimPrefix(plain, "http://")
	code, stdout, stderr := runDispatch(t, "--base-url", https)
	if code != exitUsage || !strings.Contains(stderr, "did you mean --base-url "+plain+"?") {
		t.Errorf("exit %d, stderr:\n%s\nstdout:\n%s", code, stderr, stdout)
	}
}

// TestQuietPrintsVerdictOnly: -q prints the verdict line and the failures only (it printed the
// table of every requirement and the reasons). A run that could not start shows it without
// defining the suite in this process (Ginkgo allows one suite a process); the failures' lines
// are TestBriefIsVerdictAndFailures's (internal/report).
func TestQuietPrintsVerdictOnly(t *testing.T) {
	code, stdout, stderr := runDispatch(t, "--base-url", closedURL(t), "-q")
	if code != exitUsage || !strings.HasPrefix(stdout, "verdict: COULD NOT START") || strings.Count(stdout, "\n") != 1 ||
		strings.Count(stderr, "connection refused") != 1 {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// TestHintsForSlips: `validate --kind reqest` gets "did you mean request?" and `--header 'K: V'`
// (curl's form) gets "did you mean "K=V"?", each exit 2 before anything is sent.
func TestHintsForSlips(t *testing.T) {
	code, _, stderr := runDispatch(t, "validate", "--kind", "reqest", "x.json")
	if code != exitUsage || !strings.Contains(stderr, "did you mean request?") {
		t.Errorf("validate --kind reqest: exit %d:\n%s", code, stderr)
	}
	code, _, stderr = runDispatch(t, "--base-url", "http://127.0.0.1:9", "--header", "X-Trace: abc")
	if code != exitUsage || !strings.Contains(stderr, `did you mean "X-Trace=abc"?`) {
		t.Errorf("--header 'X-Trace: abc': exit %d:\n%s", code, stderr)
	}
}

// TestServeBasePathWithoutSlash: `serve --base-path v1.0` prints the URL the calls are at (it
// printed http://127.0.0.1:PORTv1.0/…), and the calls answer there.
func TestServeBasePathWithoutSlash(t *testing.T) {
	url, stderr, stop, _ := startServe(t, "--addr", "127.0.0.1:0", "--base-path", "v1.0/")
	defer stop()
	want := "serve: calls at " + url + "/v1.0/communications/calls "
	if !stderr.WaitFor(want, 5*time.Second) {
		t.Fatalf("stderr lacks %q:\n%s", want, stderr)
	}
	if st, _, body := serveDo(t, "POST", url+"/v1.0/communications/calls", "", `{"subject":"x","callbackUri":"https://cb"}`); st != 201 {
		t.Errorf("create at the printed URL: %d %s", st, body)
	}
}

// TestValidateSaysDidYouMean: a misspelt property (subjcet, at the top and nested) and an enum
// value in the wrong case (Established) get "did you mean", in the text and the JSON; a name
// near nothing gets none.
func TestValidateSaysDidYouMean(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	req := write("req.json", `{"subjcet":"x","zzzzzzzzz":1,"requestedModalities":["Audio"]}`)
	resp := write("resp.json", `{"id":"1","state":"Established"}`)
	_, stdout, _ := runDispatch(t, "validate", "--kind", "request", req)
	for _, w := range []string{`property "subjcet" is not allowed here; did you mean "subject"?`, `did you mean "audio"?`} {
		if !strings.Contains(stdout, w) {
			t.Errorf("validate lacks %q:\n%s", w, stdout)
		}
	}
	if strings.Count(stdout, "did you mean") != 2 {
		t.Errorf("want exactly two suggestions (none for zzzzzzzzz):\n%s", stdout)
	}
	_, stdout, _ = runDispatch(t, "validate", "--kind", "response", "--json", resp)
	if !strings.Contains(stdout, `did you mean \"established\"?`) {
		t.Errorf("validate --json lacks the suggestion:\n%s", stdout)
	}
}

// TestProxyHeadlineSeparatesServiceAndClient: a correct service whose only findings are a
// client's bad requests reads "service CONFORMS" with the client's failures on a line of their
// own (it read "DOES NOT CONFORM" as if the service had failed); --fail-on still counts them.
func TestProxyHeadlineSeparatesServiceAndClient(t *testing.T) {
	dir := t.TempDir()
	base := referenceURL(t)
	r := startProxy(t, "--base-url", base, "--report-dir", dir)
	do := func(method, path, body string) {
		req, _ := http.NewRequest(method, r.url+"/v1.0/communications/calls"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		r.next(t)
	}
	do(http.MethodPatch, "/00000000-0000-4000-8000-000000000001", `{"subject":"x"}`)                      // 404: no such call
	do(http.MethodPatch, "/00000000-0000-4000-8000-000000000001", `{"requestedModalities":["hologram"]}`) // the client's fault
	code, out := r.exit(t)
	if code != exitFail {
		t.Errorf("exit %d: --fail-on must counts a MUST the client broke", code)
	}
	if !strings.Contains(out, "verdict: service CONFORMS") || !strings.Contains(out, "clients: DOES NOT CONFORM (1 request broke PATCH-01;") {
		t.Errorf("headline:\n%s", out)
	}
	var c struct {
		Verdict string
		Client  struct {
			Verdict  string
			Failed   []string
			Requests int
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "conformance.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.Verdict != "CONFORMS" || c.Client.Verdict != "DOES NOT CONFORM" || len(c.Client.Failed) != 1 || c.Client.Requests != 1 {
		t.Errorf("conformance.json: %+v", c)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "conformance.md"))
	if !strings.Contains(string(md), "**Verdict: service CONFORMS**") || !strings.Contains(string(md), "clients: DOES NOT CONFORM") {
		t.Errorf("conformance.md:\n%s", md)
	}
}
