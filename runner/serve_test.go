package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/testsupport"
)

// startServe runs `serve args...` and returns the URL it printed, its stderr, a stop function and
// the channel its exit code arrives on.
func startServe(t *testing.T, args ...string) (string, *testsupport.Buffer, context.CancelFunc, <-chan int) {
	t.Helper()
	r := start(t, runServe, args...)
	return r.url, r.stderr, r.stop, r.code
}

func serveDo(t *testing.T, method, url, token, body string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func TestServeAnswersLogsAndShutsDownCleanly(t *testing.T) {
	const token = "serve-test-TOKEN-4f9c"
	tf := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tf, []byte("  "+token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url, stderr, stop, code := startServe(t, "--addr", "127.0.0.1:0", "--token-file", tf, "--latency", "20ms", "--base-path", "/beta")
	calls := url + "/beta/communications/calls"

	start := time.Now()
	st, hdr, body := serveDo(t, "POST", calls, token, `{"subject":"hello","callbackUri":"https://cb"}`)
	if st != 201 || hdr.Get("Location") == "" {
		t.Fatalf("create: %d %s", st, body)
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Errorf("--latency not applied")
	}
	loc := url + hdr.Get("Location")
	if st, _, body := serveDo(t, "PATCH", loc, token, `{"subject":"updated"}`); st != 200 || !strings.Contains(body, `"subject":"updated"`) {
		t.Errorf("patch: %d %s", st, body)
	}
	if st, _, body := serveDo(t, "PATCH", loc, token, `{"state":"ringing"}`); st != 400 || !strings.Contains(body, `"target":"/state"`) {
		t.Errorf("invalid patch: %d %s", st, body)
	}
	if st, _, _ := serveDo(t, "PATCH", calls+"/nope", token, `{}`); st != 404 {
		t.Errorf("unknown id: %d", st)
	}
	if st, hdr, _ := serveDo(t, "PATCH", loc, "", `{}`); st != 401 || hdr.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d", st)
	}
	if st, _, _ := serveDo(t, "PATCH", loc, "wrong", `{}`); st != 401 {
		t.Errorf("wrong token: %d", st)
	}

	if c := stopServe(t, stop, code); c != exitOK {
		t.Errorf("exit %d; stderr:\n%s", c, stderr)
	}
	log := stderr.String()
	if strings.Contains(log, token) {
		t.Errorf("the token is in the log:\n%s", log)
	}
	for _, want := range []string{"POST /beta/communications/calls 201 ", "PATCH /beta/communications/calls/nope 404 ", " 401 ", "request-id=", "serve: stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "request-id="); n != 6 {
		t.Errorf("%d request lines, want 6:\n%s", n, log)
	}
	// The port is released.
	if c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://")); err == nil {
		c.Close()
		t.Errorf("still accepting connections after stop")
	}
}

func TestServeTokenFromEnvironment(t *testing.T) {
	t.Setenv("CALLCONF_TOKEN", "env-token")
	url, _, stop, code := startServe(t, "--addr", "127.0.0.1:0")
	defer func() { stop(); <-code }()
	if st, _, _ := serveDo(t, "GET", url+"/communications/calls/x", "", ""); st != 401 {
		t.Errorf("without token: %d", st)
	}
	if st, _, _ := serveDo(t, "GET", url+"/communications/calls/x", "env-token", ""); st != 404 {
		t.Errorf("with token: %d", st)
	}
}

func TestServeUsageErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	_ = os.WriteFile(empty, []byte(" \n"), 0o600)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, args := range [][]string{
		{"--bogus"}, {"--latency", "soon"}, {"--latency", "-1s"}, {"--max-body-bytes", "0"}, {"--max-calls", "-5"},
		{"--token-file", filepath.Join(dir, "missing")}, {"--token-file", empty}, {"extra"},
		{"--base-path", "/a b"}, {"--addr", busy.Addr().String()}, {"--addr", "nonsense"},
	} {
		var stdout, stderr bytes.Buffer
		if c := runServe(context.Background(), args, &stdout, &stderr); c != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, c, exitUsage)
		}
		if stderr.Len() == 0 {
			t.Errorf("%q: no message", args)
		}
	}
	var stdout, stderr bytes.Buffer
	if c := runServe(context.Background(), []string{"-h"}, &stdout, &stderr); c != exitOK || !strings.Contains(stderr.String(), "--token-file") && !strings.Contains(stderr.String(), "-token-file") {
		t.Errorf("-h: exit %d, %s", c, stderr.String())
	}
}

// stopServe stops a serve started by startServe and returns its exit status.
func stopServe(t *testing.T, stop context.CancelFunc, code <-chan int) int {
	t.Helper()
	stop()
	select {
	case c := <-code:
		return c
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	return -1
}

// TestServeMutantServesThatMutant: `serve --mutant status-204` answers a successful PATCH with
// 204 and no body, where the reference answers 200 with the call; it logs each request and
// prints the run that reproduces the selftest's row.
func TestServeMutantServesThatMutant(t *testing.T) {
	t.Setenv("CALLCONF_TOKEN", "")
	url, stderr, stop, code := startServe(t, "--addr", "127.0.0.1:0", "--mutant", "status-204")
	calls := url + "/communications/calls"
	st, hdr, body := serveDo(t, "POST", calls, "", `{"subject":"hello","callbackUri":"https://cb"}`)
	if st != 201 {
		t.Fatalf("create: %d %s", st, body)
	}
	loc := url + hdr.Get("Location")
	if st, _, body := serveDo(t, "PATCH", loc, "", `{"subject":"updated"}`); st != 204 || body != "" {
		t.Errorf("PATCH against status-204: %d %q, want 204 without a body", st, body)
	}
	if st, _, body := serveDo(t, "GET", loc, "", ""); st != 200 || !strings.Contains(body, `"subject":"updated"`) {
		t.Errorf("GET after the PATCH: %d %s", st, body)
	}
	if c := stopServe(t, stop, code); c != exitOK {
		t.Errorf("exit %d\n%s", c, stderr)
	}
	log := stderr.String()
	for _, want := range []string{
		"serve: mutant status-204: a successful PATCH answers 204 No Content without a body",
		"fails PATCH-01 PATCH-02 PATCH-03",
		"callconf run --strict --base-url " + url + " --randomize-all=false\n",
		"PATCH /communications/calls/", " 204 ", "request-id=",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
}

// TestServeVariantServesThatVariant: `serve --variant no-create-405` cannot create (405), takes
// the token, and names the calls a run must be given.
func TestServeVariantServesThatVariant(t *testing.T) {
	t.Setenv("CALLCONF_TOKEN", "variant-token")
	url, stderr, stop, code := startServe(t, "--addr", "127.0.0.1:0", "--variant", "no-create-405")
	calls := url + "/communications/calls"
	if st, _, body := serveDo(t, "POST", calls, "variant-token", `{"subject":"x"}`); st != 405 {
		t.Errorf("create against no-create-405: %d %s", st, body)
	}
	if st, _, _ := serveDo(t, "GET", calls+"/x", "", ""); st != 401 {
		t.Errorf("no token: %d, want 401", st)
	}
	if c := stopServe(t, stop, code); c != exitOK {
		t.Errorf("exit %d\n%s", c, stderr)
	}
	log := stderr.String()
	for _, want := range []string{"--call-id ", "--capabilities read,delete", "with CALLCONF_TOKEN set"} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "variant-token") {
		t.Errorf("the token is in the log:\n%s", log)
	}
}

// TestServeCatalogueNameErrors: an unknown name is exit 2 with the closest name, a name of the
// other kind says which flag serves it, and the reference's own flags do not mix with them.
func TestServeCatalogueNameErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--mutant", "status-240"}, `--mutant "status-240": no such implementation in the selftest's catalogue (did you mean "status-204"?)`},
		{[]string{"--variant", "gzp"}, `(did you mean "gzip"?)`},
		{[]string{"--variant", "drop-callbackUri"}, `(did you mean "drops-callbackUri"? it is not for --variant)`},
		{[]string{"--mutant", "nothing-like-it-at-all"}, `no such implementation in the selftest's catalogue; 'callconf selftest --list' lists them`},
		{[]string{"--mutant", "gzip"}, "that is an allowed variant: use --variant gzip"},
		{[]string{"--variant", "never-answers"}, "that is a hostile: use --mutant never-answers"},
		{[]string{"--mutant", "reference"}, "that is the reference: serve it without --mutant"},
		{[]string{"--mutant", "status-204", "--variant", "gzip"}, "--variant does not apply"},
		{[]string{"--mutant", "status-204", "--latency", "1s", "--base-path", "/v1.0"}, "--base-path, --latency do not apply"},
	} {
		var stdout, stderr bytes.Buffer
		if code := runServe(context.Background(), append([]string{"--addr", "127.0.0.1:0"}, c.args...), &stdout, &stderr); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", c.args, code, exitUsage)
		}
		if !strings.Contains(stderr.String(), c.want) || stdout.Len() > 0 {
			t.Errorf("%q: stderr %q lacks %q (stdout %q)", c.args, stderr.String(), c.want, stdout.String())
		}
	}
}
