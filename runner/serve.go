package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/listen"
	"github.com/callconf/callconf/internal/reference"
)

// serveShutdownTimeout bounds how long `serve` waits for requests in flight when asked to stop.
const serveShutdownTimeout = 10 * time.Second

// runServe serves the reference implementation until ctx is cancelled (SIGINT or SIGTERM).
// The first line on stdout is "listening on URL"; every request is logged on stderr, one line
// each (method, path, status, duration, request-id), never with the token.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", stderr, "usage: runner serve [flags]\n\nServe the reference implementation of the Update-call contract until SIGINT or SIGTERM.\n\n")
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on (port 0 picks a free one)")
	tokenFile := fs.String("token-file", "", "require `FILE`'s content (trimmed) as bearer token; default: $CALLCONF_TOKEN, else no auth")
	latency := fs.Duration("latency", 0, "delay each answer by this `duration` (e.g. 20ms)")
	basePath := fs.String("base-path", "", "serve the calls under this `path` prefix (e.g. /v1.0)")
	maxBody := fs.Int64("max-body-bytes", reference.DefaultMaxBodyBytes, "request bodies above this many `bytes` answer 413")
	maxCalls := fs.Int("max-calls", reference.DefaultMaxCalls, "store at most this many `calls` (507 past it)")
	replaceNested := fs.Bool("replace-nested", false, "PATCH replaces nested objects instead of merging them (an allowed variant)")
	oauthIssuer := fs.Bool("oauth-issuer", false, "also serve a loopback OAuth 2.0 token endpoint at POST "+issuerPath+" (client credentials grant) and accept exactly the tokens it issued, until they expire")
	issuerClientID := fs.String("oauth-client-id", "callconf", "the one client `id` the token endpoint knows")
	issuerSecretFile := fs.String("oauth-client-secret-file", "", "`file` holding that client's secret; default: $CALLCONF_OAUTH_CLIENT_SECRET")
	tokenLifetime := fs.Duration("token-lifetime", 5*time.Minute, "how long issued tokens live, whole seconds (e.g. 2s to see tokens expire mid-run)")
	if code, ok := parseFlags(fs, args, "serve: unexpected arguments %q\n"); !ok {
		return code
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
	var iss *issuer
	if *oauthIssuer {
		iss, err = serveIssuer(*addr, token, *issuerClientID, *issuerSecretFile, *tokenLifetime, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "serve: %v\n", err)
			return exitUsage
		}
	}
	var authorize func(string) bool
	if iss != nil {
		authorize = iss.Valid
	}
	srv, err := reference.New(reference.Options{
		BasePath:      *basePath,
		Token:         token,
		Authorize:     authorize,
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
	limits := listen.DefaultLimits()
	limits.ErrorLog = stderr
	if min := *latency + time.Minute; limits.WriteTimeout < min {
		limits.WriteTimeout = min // a long --latency must not make every answer time out
	}
	var handler http.Handler = srv
	if iss != nil {
		mux := http.NewServeMux()
		mux.Handle(issuerPath, iss)
		mux.Handle("/", srv)
		handler = mux
	}
	run, err := listen.StartWithLimits(*addr, handler, limits)
	if err != nil {
		fmt.Fprintf(stderr, "serve: %v\n", err)
		return exitUsage
	}
	auth := "no authentication"
	switch {
	case iss != nil:
		auth = "bearer tokens from the token endpoint required"
	case token != "":
		auth = "bearer token required"
	}
	fmt.Fprintf(stdout, "listening on %s\n", run.URL())
	fmt.Fprintf(stderr, "serve: calls at %s%s/communications/calls (%s); stop with Ctrl-C\n", run.URL(), strings.TrimRight(*basePath, "/"), auth)
	if iss != nil {
		fmt.Fprintf(stderr, "serve: token endpoint at %s%s for client %q; tokens live %s\n", run.URL(), issuerPath, iss.clientID, iss.lifetime)
	}

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

// serveIssuer checks the --oauth-issuer settings and makes the issuer: loopback only (it is a
// trial tool with a secret of the user's choosing), no fixed token beside it, a client secret
// from the file or $CALLCONF_OAUTH_CLIENT_SECRET, a lifetime of whole seconds.
func serveIssuer(addr, token, clientID, secretFile string, lifetime time.Duration, log io.Writer) (*issuer, error) {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return nil, fmt.Errorf("--oauth-issuer is for local trials: listen on a loopback address (e.g. --addr 127.0.0.1:0), not %q", addr)
	}
	if token != "" {
		return nil, errors.New("--oauth-issuer and a fixed token (--token-file or CALLCONF_TOKEN) exclude each other")
	}
	if lifetime < time.Second || lifetime%time.Second != 0 {
		return nil, fmt.Errorf("--token-lifetime must be whole seconds, at least 1s (expires_in counts seconds), got %s", lifetime)
	}
	if clientID == "" {
		return nil, errors.New("--oauth-client-id is empty")
	}
	secret := strings.TrimSpace(os.Getenv("CALLCONF_OAUTH_CLIENT_SECRET"))
	if secretFile != "" {
		var err error
		if secret, err = config.ReadSecretFile(secretFile, "client secret"); err != nil {
			return nil, fmt.Errorf("--oauth-client-secret-file: %w", err)
		}
	}
	if secret == "" {
		return nil, errors.New("--oauth-issuer needs the client secret: set CALLCONF_OAUTH_CLIENT_SECRET or --oauth-client-secret-file")
	}
	return newIssuer(clientID, secret, lifetime, nil, log)
}

// serveToken reads the bearer token from file or, without a file, from $CALLCONF_TOKEN, by the
// same rules as a run's --token-file. An empty or malformed token from a file is an error:
// auth was asked for.
func serveToken(file string) (string, error) {
	if file == "" {
		return strings.TrimSpace(os.Getenv(config.EnvToken)), nil
	}
	tok, err := config.ReadSecretFile(file, "token")
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	return tok, nil
}
