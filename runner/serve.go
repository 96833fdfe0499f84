package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/callconf/callconf/internal/suggest"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/listen"
	"github.com/callconf/callconf/internal/mutants"
	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/internal/selftest"
	"github.com/callconf/callconf/internal/target"
)

// serveShutdownTimeout bounds how long `serve` waits for requests in flight when asked to stop.
const serveShutdownTimeout = 10 * time.Second

// runServe serves the reference implementation until ctx is cancelled (SIGINT or SIGTERM).
// The first line on stdout is "listening on URL"; every request is logged on stderr, one line
// each (method, path, status, duration, request-id), never with the token.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", stderr, serveUsage)
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
	mutant := fs.String("mutant", "", "serve the selftest's mutant or hostile target `NAME` instead of the reference (see: selftest --list)")
	variant := fs.String("variant", "", "serve the selftest's allowed variant `NAME` instead of the reference")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *mutant != "" || *variant != "" {
		return serveCatalogue(ctx, fs, *addr, *tokenFile, *mutant, *variant, stdout, stderr)
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
	fmt.Fprintf(stderr, "serve: calls at %s%s/communications/calls (%s); stop with Ctrl-C\n", run.URL(), urlPath(*basePath), auth)
	if iss != nil {
		fmt.Fprintf(stderr, "serve: token endpoint at %s%s for client %q; tokens live %s\n", run.URL(), issuerPath, iss.clientID, iss.lifetime)
	}

	if code := awaitStop(ctx, run, stderr); code != exitOK {
		return code
	}
	fmt.Fprintln(stderr, "serve: stopped")
	return exitOK
}

// awaitStop serves until ctx ends (SIGINT, SIGTERM), then shuts the server down within
// serveShutdownTimeout; exitFail when the server stopped on its own or did not shut down.
func awaitStop(ctx context.Context, run *listen.Server, stderr io.Writer) int {
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

const serveUsage = `usage: callconf serve [flags]

Serve the reference implementation of the Update-call contract until SIGINT or SIGTERM.
With --mutant NAME or --variant NAME, serve that implementation of the selftest's catalogue
instead, exactly as the selftest serves it (calls at the root of the URL), and print the run
that reproduces its row of the selftest's matrix, so that any client can be tried against it.

`

// referenceOnly are the flags that shape the reference; the catalogue's implementations are
// served as the selftest builds them, so these do not apply to --mutant and --variant.
var referenceOnly = []string{"latency", "base-path", "max-body-bytes", "max-calls", "replace-nested",
	"oauth-issuer", "oauth-client-id", "oauth-client-secret-file", "token-lifetime"}

// serveCatalogue is `serve --mutant NAME` or `serve --variant NAME`: it serves one implementation
// of the selftest's catalogue, with the token of --token-file or $CALLCONF_TOKEN (none: no
// authentication), logs every request, and says how the selftest runs the suite against it.
func serveCatalogue(ctx context.Context, fs *flag.FlagSet, addr, tokenFile, mutant, variant string, stdout, stderr io.Writer) int {
	var conflicts []string
	fs.Visit(func(f *flag.Flag) {
		if slices.Contains(referenceOnly, f.Name) {
			conflicts = append(conflicts, "--"+f.Name)
		}
	})
	if mutant != "" && variant != "" {
		conflicts = append(conflicts, "--variant")
	}
	if len(conflicts) > 0 {
		which := "--mutant"
		if mutant == "" {
			which = "--variant"
		}
		verb := "does"
		if len(conflicts) > 1 {
			verb = "do"
		}
		fmt.Fprintf(stderr, "serve: %s serves the implementation as the selftest does; %s %s not apply to it\n", which, strings.Join(conflicts, ", "), verb)
		return exitUsage
	}
	im, err := catalogueImpl(mutant, variant)
	if err != nil {
		fmt.Fprintf(stderr, "serve: %v\n", err)
		return exitUsage
	}
	token, err := serveToken(tokenFile)
	if err != nil {
		fmt.Fprintf(stderr, "serve: %v\n", err)
		return exitUsage
	}
	inst, err := im.Build(token)
	if err != nil {
		fmt.Fprintf(stderr, "serve: building %s: %v\n", im.Name, err)
		return exitUsage
	}
	if inst.Close != nil {
		defer inst.Close()
	}
	limits := listen.DefaultLimits()
	limits.ErrorLog = stderr
	run, err := listen.StartWithLimits(addr, logRequests(inst.Handler, stderr), limits)
	if err != nil {
		fmt.Fprintf(stderr, "serve: %v\n", err)
		return exitUsage
	}
	auth := "no authentication"
	if inst.Token != "" {
		auth = "bearer token required"
	}
	fmt.Fprintf(stdout, "listening on %s\n", run.URL())
	fmt.Fprintf(stderr, "serve: %s %s: %s\n", im.Kind, im.Name, im.Description)
	fmt.Fprintf(stderr, "serve: what the selftest expects of a strict run against it: %s\n", selftest.Declared(im))
	fmt.Fprintf(stderr, "serve: calls at %s/communications/calls (%s); stop with Ctrl-C\n", run.URL(), auth)
	var line []string
	for _, a := range selftest.RunArgs(inst, run.URL()) {
		line = append(line, target.ShellQuote(a))
	}
	how := ""
	if inst.Token != "" {
		how = " (with " + config.EnvToken + " set to the same token)"
	}
	fmt.Fprintf(stderr, "serve: the selftest's run against it%s: callconf %s\n", how, strings.Join(line, " "))

	code := awaitStop(ctx, run, stderr)
	if inst.Check != nil {
		// What the selftest checks after a run (e.g. that no credentials left for another host).
		if err := inst.Check(); err != nil {
			fmt.Fprintf(stderr, "serve: %s's check failed: %v\n", im.Name, err)
			code = exitFail
		}
	}
	fmt.Fprintln(stderr, "serve: stopped")
	return code
}

// catalogueImpl finds what --mutant (a mutant or hostile target) or --variant names; a name
// that is not there is an error with the closest name, when one is close.
func catalogueImpl(mutant, variant string) (mutants.Impl, error) {
	flagName, name, kinds := "--mutant", mutant, []mutants.Kind{mutants.KindMutant, mutants.KindHostile}
	if variant != "" {
		flagName, name, kinds = "--variant", variant, []mutants.Kind{mutants.KindVariant}
	}
	im, ok := mutants.Get(name)
	switch {
	case ok && slices.Contains(kinds, im.Kind):
		return im, nil
	case ok && im.Kind == mutants.KindReference:
		return im, fmt.Errorf("%s %s: that is the reference: serve it without %s", flagName, name, flagName)
	case ok && im.Kind == mutants.KindVariant:
		return im, fmt.Errorf("%s %s: that is an allowed variant: use --variant %s", flagName, name, name)
	case ok:
		return im, fmt.Errorf("%s %s: that is a %s: use --mutant %s", flagName, name, im.Kind, name)
	}
	msg := fmt.Sprintf("%s %q: no such implementation in the selftest's catalogue", flagName, name)
	if s := suggest.Closest(name, mutants.Names(kinds...)); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	} else if s := suggest.Closest(name, mutants.Names()); s != "" {
		msg += fmt.Sprintf(" (did you mean %q? it is not for %s)", s, flagName)
	}
	return mutants.Impl{}, errors.New(msg + "; 'callconf selftest --list' lists them")
}

// logRequests logs one line per request on log, as the reference logs its own: time, method,
// path, status, duration and the answer's request-id. The catalogue's implementations are built
// without the reference's log, and a middleware of theirs may answer on its own.
func logRequests(next http.Handler, log io.Writer) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		line := time.Now().UTC().Format(time.RFC3339Nano) + " " +
			reference.RequestLine(r.Method, r.URL.EscapedPath(), sw.status, time.Since(start), w.Header().Get("request-id")) + "\n"
		mu.Lock()
		defer mu.Unlock()
		_, _ = io.WriteString(log, line)
	})
}

// statusWriter records the status of an answer. Unwrap lets http.ResponseController reach the
// connection's Flush and deadlines, which the hostile targets use.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// urlPath is --base-path as the reference serves it (reference.New): with one leading slash and
// none trailing, so that `--base-path v1.0` prints a URL that works.
func urlPath(p string) string {
	p = strings.TrimRight(p, "/")
	if p != "" && !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}
