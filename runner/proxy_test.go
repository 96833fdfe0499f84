package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/internal/testsupport"
)

// startProxy runs `proxy --listen 127.0.0.1:0 args...` until the test ends.
func startProxy(t *testing.T, args ...string) *running {
	t.Helper()
	return start(t, runProxy, append([]string{"--listen", "127.0.0.1:0"}, args...)...)
}

func TestProxyCommand(t *testing.T) {
	srv, err := reference.New(reference.Options{BasePath: "/v1.0"})
	if err != nil {
		t.Fatal(err)
	}
	ref := httptest.NewServer(srv)
	defer ref.Close()
	dir := t.TempDir()
	t.Setenv("CALLCONF_TOKEN", "proxy-test-token-value")
	r := startProxy(t, "--base-url", ref.URL, "--report-dir", dir, "--fail-on", "must", "--findings-header")

	patch := func(body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPatch, r.url+"/v1.0/communications/calls/00000000-0000-4000-8000-000000000001", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := patch(`{"subject":"x"}`); resp.StatusCode != http.StatusNotFound || resp.Header.Get("X-Callconf-Findings") != "0" {
		t.Errorf("%d %q", resp.StatusCode, resp.Header.Get("X-Callconf-Findings"))
	}
	if line := r.next(t); !strings.HasPrefix(line, "#1 PATCH /v1.0/communications/calls/00000000-0000-4000-8000-000000000001 404 ") || !strings.HasSuffix(line, "ms 0 findings") {
		t.Errorf("line %q", line)
	}
	patch(`{"requestedModalities":["hologram"]}`)
	if line := r.next(t); !strings.Contains(line, `1 finding: client PATCH-01 /requestedModalities/0 got "hologram"`) {
		t.Errorf("line %q", line)
	}
	code, rest := r.exit(t)
	if code != exitFail {
		t.Errorf("exit %d, want 1 (a MUST failed); stdout:\n%s\nstderr:\n%s", code, rest, r.stderr)
	}
	if !strings.Contains(rest, "DOES NOT CONFORM") || !strings.Contains(rest, "reports written to "+dir) {
		t.Errorf("stdout:\n%s", rest)
	}
	var c struct {
		Requests     int
		Requirements []struct {
			ID, Outcome string
			Failures    []struct{ Spec, Message string }
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "conformance.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.Requests != 2 {
		t.Errorf("requests %d", c.Requests)
	}
	for _, req := range c.Requirements {
		if req.ID == "PATCH-01" && (req.Outcome != "failed" || len(req.Failures) != 1 || !strings.HasPrefix(req.Failures[0].Message, "client [PATCH-01] at /requestedModalities/0")) {
			t.Errorf("PATCH-01: %+v", req)
		}
		if req.ID == "ERR-06" && req.Outcome != "passed" {
			t.Errorf("ERR-06: %+v", req)
		}
	}
	for _, name := range []string{"conformance.md", "junit.xml"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || len(b) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if strings.Contains(rest+r.stderr.String()+string(b), "proxy-test-token-value") {
		t.Error("the token is in the output")
	}
}

func TestProxyFailOnNever(t *testing.T) {
	ref := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer ref.Close()
	r := startProxy(t, "--base-url", ref.URL, "--fail-on", "never")
	resp, err := http.Get(r.url + "/communications/calls/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if line := r.next(t); !strings.Contains(line, "service PATCH-08") {
		t.Errorf("line %q", line)
	}
	if code, out := r.exit(t); code != exitOK {
		t.Errorf("exit %d with --fail-on never:\n%s", code, out)
	}
}

func TestProxyUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-h"}, exitOK, "--findings-header"},
		{[]string{"--listen", "127.0.0.1:0"}, exitUsage, "--base-url is required"},
		{[]string{"--base-url", "http://127.0.0.1:1", "--fail-on", "may"}, exitUsage, "want must, should or never"},
		{[]string{"--base-url", "http://127.0.0.1:1", "extra"}, exitUsage, "unexpected arguments"},
	} {
		var out, errOut testsupport.Buffer
		if code := dispatch(context.Background(), append([]string{"proxy"}, c.args...), nil, &out, &errOut); code != c.code || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: exit %d, stderr:\n%s", c.args, code, errOut.String())
		}
		if strings.Contains(errOut.String(), "-concurrency") {
			t.Errorf("%v: the suite's flags are not the proxy's:\n%s", c.args, errOut.String())
		}
	}
}

func TestProxyThatJudgedNothingDoesNotConform(t *testing.T) {
	ref := httptest.NewServer(http.NotFoundHandler())
	defer ref.Close()
	dir := t.TempDir()
	r := startProxy(t, "--base-url", ref.URL, "--report-dir", dir)
	code, out := r.exit(t)
	if code != exitOK || !strings.Contains(out, "verdict: NOTHING JUDGED") || strings.Contains(out, "--focus") {
		t.Errorf("exit %d (want --fail-on's 0), output:\n%s", code, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "conformance.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Verdict  string
		Conforms bool
		Exit     int `json:"exitCode"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.Conforms || c.Verdict != "NOTHING JUDGED" || c.Exit != exitOK {
		t.Errorf("conformance.json: %+v", c)
	}
}
