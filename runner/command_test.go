package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/testsupport"
)

// running is a subcommand that serves (serve, proxy) running in the test: the URL it printed
// first ("listening on URL"), its later stdout lines as they come, its stderr, a stop function
// and its exit code.
type running struct {
	url    string
	lines  chan string
	stderr *testsupport.Buffer
	stop   context.CancelFunc
	code   chan int
}

// start runs cmd with args until the test ends (or stop) and waits for its URL.
func start(t *testing.T, cmd func(ctx context.Context, args []string, stdout, stderr io.Writer) int, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	r := &running{lines: make(chan string, 1024), stderr: &testsupport.Buffer{}, stop: cancel, code: make(chan int, 1)}
	go func() {
		r.code <- cmd(ctx, args, pw, r.stderr)
		pw.Close()
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		close(r.lines)
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(cancel)
	select {
	case line, ok := <-r.lines:
		url, found := strings.CutPrefix(line, "listening on ")
		if !ok || !found || !strings.HasPrefix(url, "http://127.0.0.1:") {
			cancel()
			t.Fatalf("first line %q (printed: %v); stderr:\n%s", line, ok, r.stderr)
		}
		r.url = url
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("no URL printed; stderr:\n%s", r.stderr)
	}
	return r
}

// next returns the next stdout line.
func (r *running) next(t *testing.T) string {
	t.Helper()
	select {
	case l := <-r.lines:
		return l
	case <-time.After(10 * time.Second):
		t.Fatalf("no line; stderr:\n%s", r.stderr)
	}
	return ""
}

// exit stops the command and returns its exit code and the rest of its stdout.
func (r *running) exit(t *testing.T) (int, string) {
	t.Helper()
	r.stop()
	var rest []string
	for l := range r.lines {
		rest = append(rest, l)
	}
	select {
	case c := <-r.code:
		return c, strings.Join(rest, "\n")
	case <-time.After(15 * time.Second):
		t.Fatal("the command did not stop")
	}
	return -1, ""
}
