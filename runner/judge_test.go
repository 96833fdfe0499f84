package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callconf/callconf/internal/report"
)

func judgeCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := dispatch(context.Background(), append([]string{"judge"}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// A HAR as a browser exports it (Chrome DevTools: pages, _initiator, HTTP/2 pseudo-headers,
// gzip answers with decoded or base64 text, a blocked request, another host's font) gets the
// proxy's findings per requirement, and the browser's token is in no output.
func TestJudgeBrowserHAR(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := judgeCmd(t, "--report-dir", dir, "testdata/chrome.har")
	if code != exitFail {
		t.Fatalf("exit %d, want 1 (PATCH-04 failed)\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"#2 PATCH /v1.0/communications/calls/4bb09633-a4d6-42f8-af34-9df0fb41c7b9 200 2 findings: service HTTP-02 (root) got (absent); service PATCH-04 /subject got \"weekly sync\"",
		"#3 PATCH /v1.0/communications/calls/4bb09633-a4d6-42f8-af34-9df0fb41c7b9 400 1 finding: client PATCH-01 /subject got 7",
		"#4 GET /v1.0/communications/calls/does-not-exist 404 3 findings: service ERR-06",
		"not judged: no answer was recorded (net::ERR_BLOCKED_BY_CLIENT)",
		"6 exchange(s) in testdata/chrome.har: 4 judged, 1 of other routes skipped, 1 of the calls routes not judged",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "fonts.gstatic") || strings.Contains(out, "fixture-browser-token") {
		t.Errorf("output names a skipped exchange or the token:\n%s", out)
	}
	b, err := os.ReadFile(filepath.Join(dir, report.ConformanceJSON))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("fixture-browser-token")) {
		t.Error("conformance.json holds the browser's token")
	}
	var c report.Conformance
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	want := map[string]report.Outcome{"PATCH-01": report.Failed, "PATCH-02": report.Passed, "PATCH-03": report.Passed, "PATCH-04": report.Failed,
		"ERR-06": report.Failed, "ERR-07": report.Failed, "HTTP-01": report.Passed, "HTTP-02": report.Failed, "STATE-01": report.Passed, "ERR-01": report.Disabled}
	for _, r := range c.Requirements {
		if w, ok := want[r.ID]; ok && r.Outcome != w {
			t.Errorf("%s: %s, want %s", r.ID, r.Outcome, w)
		}
	}
	// --fail-on never: the same findings, exit 0.
	if code, _, _ := judgeCmd(t, "--fail-on", "never", "testdata/chrome.har"); code != exitOK {
		t.Errorf("--fail-on never: exit %d", code)
	}
}

// A file that is no HAR, or one with nothing to judge, exits 2 with a message that says why.
func TestJudgeRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "name one HAR file"},
		{[]string{filepath.Join(dir, "missing.har")}, "no such file"},
		{[]string{write("text.har", "GET / HTTP/1.1")}, "not a HAR file"},
		{[]string{write("nolog.har", `{"entries":[]}`)}, `no "log" object`},
		{[]string{write("bad-entry.har", `{"log":{"entries":[{"request":{"method":"GET"},"response":{"status":200}}]}}`)}, "HAR entry 1: request.url is missing"},
		{[]string{write("bad-b64.har", `{"log":{"entries":[{"request":{"method":"GET","url":"http://x/communications/calls/1"},"response":{"status":200,"content":{"text":"%%","encoding":"base64"}}}]}}`)}, "nothing judged"},
		{[]string{write("other.har", `{"log":{"entries":[{"request":{"method":"GET","url":"http://x/"},"response":{"status":200}}]}}`)}, "nothing judged"},
		{[]string{"--fail-on", "sometimes", "testdata/chrome.har"}, "--fail-on"},
	} {
		code, _, errOut := judgeCmd(t, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}
