package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/proxy"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/token"
)

// proxyShutdownTimeout bounds how long `proxy` waits for exchanges in flight when asked to stop.
const proxyShutdownTimeout = 10 * time.Second

// proxyIgnores are the configuration flags that only mean something to the suite.
var proxyIgnores = map[string]bool{
	"call-id": true, "capabilities": true, "deadline": true, "retry-max-wait": true,
	"retry-budget": true, "retry-max-attempts": true, "strict": true, "concurrency": true, "procs": true, "rate-limit": true,
	"max-in-flight": true, "disposable-calls": true,
}

// proxyUsages replace the usage of settings whose meaning differs in the proxy: the target is
// required (there is no embedded reference to fall back to), and the proxy writes no Ginkgo
// report.
var proxyUsages = map[string]string{
	"base-url":   "base `URL` of the target to forward to (http or https; required) [env " + "CALLCONF_BASE_URL]",
	"report-dir": "`dir`ectory to write conformance.json, conformance.md and junit.xml into when the proxy stops [env CALLCONF_REPORT_DIR]",
}

const proxyUsage = `usage: callconf proxy --base-url URL [--listen ADDR] [--report-dir DIR] [--fail-on must|should|never] [--findings-header] [flags]

Forwards every request to the target at --base-url unchanged (the path the client asks for is
appended to the base URL's path) and judges each exchange on the calls routes against the
contract: the request of a PATCH (client findings) and every answer (service findings). Prints
"listening on URL", then one line per exchange: number, method, path, status, milliseconds and
findings. On SIGINT or SIGTERM it writes conformance.json, conformance.md and junit.xml into
--report-dir and exits 1 when a requirement at the --fail-on level failed, else 0 (2: usage).
The verdict is the service's (its answers); what the clients' requests broke is stated apart.

The configured token ($CALLCONF_TOKEN, --token-file, or fetched with --token-command or the
OAuth flags, and refreshed) and --header values are added only to requests that carry no such
header, and only ever sent to the target; they never appear in the output. Findings never change
what is forwarded.

`

// runProxy implements `callconf proxy`.
func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("proxy", stderr, proxyUsage)
	all := flag.NewFlagSet("config", flag.ContinueOnError)
	flags := config.Bind(all)
	all.VisitAll(func(f *flag.Flag) {
		if !proxyIgnores[f.Name] {
			fs.Var(f.Value, f.Name, cmp.Or(proxyUsages[f.Name], f.Usage))
		}
	})
	listen := fs.String("listen", "127.0.0.1:8081", "`host:port` to listen on (port 0 picks a free one)")
	failOnFlag := fs.String("fail-on", string(proxy.FailOnMust), "exit 1 when a requirement of this `level` failed: must, should (MUST or SHOULD) or never")
	findingsHeader := fs.Bool("findings-header", false, "add "+proxy.FindingsHeader+" (a summary of at most 1 KiB) to answers on the calls routes; buffers each such exchange to judge it first")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	failOn, err := proxy.ParseFailOn(*failOnFlag)
	if err != nil {
		fmt.Fprintf(stderr, "proxy: %v\n", err)
		return exitUsage
	}
	cfg, ok := loadConfig(flags, stderr, "proxy")
	if !ok {
		return exitUsage
	}
	if cfg.BaseURL == "" {
		fmt.Fprintln(stderr, "proxy: --base-url is required (the target to forward to)")
		return exitUsage
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintf(stderr, "WARNING: %s\n", w)
	}
	if _, set := os.LookupEnv("GOGC"); !set {
		// The proxy keeps little alive (bounded copies of the bodies in flight): a few MiB more
		// heap for fewer collections leaves more of the CPU to forwarding.
		debug.SetGCPercent(400)
	}
	tokens, err := token.ForConfig(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "proxy: %v\n", err)
		return exitUsage
	}
	p, err := proxy.New(proxy.Options{Config: cfg, Tokens: tokens, FindingsHeader: *findingsHeader, Log: stdout})
	if err != nil {
		fmt.Fprintf(stderr, "proxy: %v\n", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		p.Close()
		fmt.Fprintf(stderr, "proxy: %v\n", err)
		return exitUsage
	}
	srv := &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.Timeout + 10*time.Second, // a client that stalls mid-body holds nothing for longer
		WriteTimeout:      cfg.Timeout + 10*time.Second, // each exchange is bounded by --timeout
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          log.New(stderr, "proxy: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	start := time.Now()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	fmt.Fprintf(stderr, "proxy: forwarding to %s (--fail-on %s); stop with Ctrl-C\n", p.Redact(cfg.BaseURL), failOn)

	code := exitOK
	select {
	case <-ctx.Done():
	case err := <-served:
		fmt.Fprintf(stderr, "proxy: the server stopped unexpectedly: %v\n", err)
		code = exitUsage
	}
	sctx, cancel := context.WithTimeout(context.Background(), proxyShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "proxy: shutdown: %v\n", err)
	}
	p.Close()
	c := p.Conformance(start, failOn == proxy.FailOnShould)
	c.CommandLine = commandLine(append([]string{"proxy"}, args...))
	if code == exitOK {
		code = failOn.ExitCode(c) // the proxy's exit status is --fail-on's, not the suite's
	}
	c.Exit = code
	fmt.Fprint(stdout, p.Redact(c.Text()))
	if cfg.ReportDir != "" {
		if err := report.WriteConformance(cfg.ReportDir, c, p.Redact); err != nil {
			fmt.Fprintf(stderr, "proxy: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(stdout, "reports written to %s\n", cfg.ReportDir)
	}
	return code
}
