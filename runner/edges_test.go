package main

import (
	"net"
	"net/http/httptest"
	"strings"
	"testing"

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

// TestCouldNotStartCauseStatedOnce: the cause of a run that could not start is in the terminal
// once (it was on stderr, as the suite error and again as the reason of every requirement not
// run), and stderr says what to try.
func TestCouldNotStartCauseStatedOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	code, stdout, stderr := runDispatch(t, "--base-url", "http://"+addr+"/v1.0")
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

// TestQuietPrintsVerdictOnly: -q on a run that conforms prints the verdict line alone (it printed
// the table of every requirement and the reasons), nothing on stderr.
func TestQuietPrintsVerdictOnly(t *testing.T) {
	code, stdout, stderr := runDispatch(t, "--base-url", referenceURL(t), "--label-filter", "req:PATCH-03", "--procs", "1", "-q")
	if code != exitOK || !strings.HasPrefix(stdout, "verdict: CONFORMS") || strings.Count(stdout, "\n") != 1 {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
