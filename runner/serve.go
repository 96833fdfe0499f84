package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/callconf/callconf/internal/reference"
)

// serveShutdownTimeout bounds how long `serve` waits for requests in flight when asked to stop.
const serveShutdownTimeout = 10 * time.Second

// runServe serves the reference implementation until ctx is cancelled (SIGINT or SIGTERM).
// The first line on stdout is "listening on URL"; every request is logged on stderr, one line
// each (method, path, status, duration, request-id), never with the token.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on (port 0 picks a free one)")
	tokenFile := fs.String("token-file", "", "require `FILE`'s content (trimmed) as bearer token; default: $CALLCONF_TOKEN, else no auth")
	latency := fs.Duration("latency", 0, "delay each answer by this `duration` (e.g. 20ms)")
	basePath := fs.String("base-path", "", "serve the calls under this `path` prefix (e.g. /v1.0)")
	maxBody := fs.Int64("max-body-bytes", reference.DefaultMaxBodyBytes, "request bodies above this many `bytes` answer 413")
	maxCalls := fs.Int("max-calls", reference.DefaultMaxCalls, "store at most this many `calls` (507 past it)")
	replaceNested := fs.Bool("replace-nested", false, "PATCH replaces nested objects instead of merging them (an allowed variant)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: runner serve [flags]\n\nServe the reference implementation of the Update-call contract until SIGINT or SIGTERM.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseStatus(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "serve: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	if *latency < 0 || *maxBody <= 0 || *maxCalls <= 0 {
		fmt.Fprintln(stderr, "serve: --latency must not be negative; --max-body-bytes and --max-calls must be positive")
		return exitUsage
	}
	token, err := serveToken(*tokenFile)
	if err != nil {
		fmt.Fprintf(stderr, "serve: %v\n", err)
		return exitUsage
	}
	srv, err := reference.New(reference.Options{
		BasePath:      *basePath,
		Token:         token,
		MaxBodyBytes:  *maxBody,
		MaxCalls:      *maxCalls,
		Latency:       *latency,
		ReplaceNested: *replaceNested,
		Log:           stderr,
	})
	if err != nil {
		fmt.Fprintf(stderr, "serve: %v\n", err)
		return exitUsage
	}
	limits := reference.DefaultLimits()
	limits.ErrorLog = stderr
	if min := *latency + time.Minute; limits.WriteTimeout < min {
		limits.WriteTimeout = min // a long --latency must not make every answer time out
	}
	run, err := reference.ListenWithLimits(*addr, srv, limits)
	if err != nil {
		fmt.Fprintf(stderr, "serve: %v\n", err)
		return exitUsage
	}
	auth := "no authentication"
	if token != "" {
		auth = "bearer token required"
	}
	fmt.Fprintf(stdout, "listening on %s\n", run.URL())
	fmt.Fprintf(stderr, "serve: calls at %s%s/communications/calls (%s); stop with Ctrl-C\n", run.URL(), strings.TrimRight(*basePath, "/"), auth)

	select {
	case <-ctx.Done():
	case <-run.Done():
		fmt.Fprintln(stderr, "serve: the server stopped unexpectedly")
		return exitFail
	}
	sctx, cancel := context.WithTimeout(context.Background(), serveShutdownTimeout)
	defer cancel()
	if err := run.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "serve: shutdown: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(stderr, "serve: stopped")
	return exitOK
}

// serveToken reads the bearer token from file (trimmed) or, without a file, from
// $CALLCONF_TOKEN. An empty token from a file is an error: auth was asked for.
func serveToken(file string) (string, error) {
	if file == "" {
		return strings.TrimSpace(os.Getenv("CALLCONF_TOKEN")), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("reading --token-file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("--token-file %s is empty", file)
	}
	if strings.ContainsAny(tok, "\r\n") {
		return "", fmt.Errorf("--token-file %s holds more than one line", file)
	}
	return tok, nil
}
