// Command callconf (built from this directory: go build -o callconf ./runner) is the harness's
// command line: it runs the conformance suite against a target (by default the embedded reference
// implementation), serves the reference on its own, validates payload files, lists the
// requirement registry and proves the harness against mutants.
//
//	callconf [run] [flags]                  run the conformance suite ('callconf help' lists the flags)
//	callconf serve --addr 127.0.0.1:8080    serve the reference implementation
//	callconf proxy --base-url URL           forward to a target, judge every exchange
//	callconf judge FILE.har                 judge recorded traffic (a HAR) as the proxy judges live traffic
//	callconf validate --kind request FILE   validate payloads against the schemas
//	callconf list                           print the requirement registry
//	callconf selftest                       run the suite against reference, variants, mutants
//	callconf token [flags]                  print the bearer token a run would send
//	callconf replay [flags] FILE            send a saved failing generated case again, judge it
//	callconf merge --report-dir OUT DIR…    merge the reports of a run's shards (--shard I/N)
//	callconf version                        print the version and VCS revision
//	callconf help [COMMAND]                 print the help of run, or of COMMAND
//
// It is the top of the import graph: it may import every package of the project, and nothing
// imports it.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/callconf/callconf/internal/version"
)

// Exit statuses shared by every subcommand.
const (
	exitOK    = 0 // everything passed / all files valid
	exitFail  = 1 // a requirement failed / a file is invalid
	exitUsage = 2 // usage or configuration error, unreadable input, unreachable target
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// dispatch picks the subcommand; a first argument that starts with "-" (or none) is a flag of
// `run`, any other that is not a command is an error with "did you mean".
func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return runSuite(ctx, args, stdout, stderr)
	}
	switch args[0] {
	case "run":
		return runSuite(ctx, args[1:], stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "proxy":
		return runProxy(ctx, args[1:], stdout, stderr)
	case "judge":
		return runJudge(ctx, args[1:], stdout, stderr)
	case "validate":
		return runValidate(args[1:], stdin, stdout, stderr)
	case "list":
		return runList(args[1:], stdout, stderr)
	case "selftest":
		return runSelftest(ctx, args[1:], stdout, stderr)
	case "token":
		return runToken(ctx, args[1:], stdout, stderr)
	case "replay":
		return runReplay(ctx, args[1:], stdout, stderr)
	case "merge":
		return runMerge(args[1:], stdout, stderr)
	case "version", "-version", "--version":
		return runVersion(args[1:], stdout, stderr)
	case shardCommand: // one process of a parallel run, started by the runner itself
		return runShard(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		return runHelp(ctx, args[1:], stdin, stdout, stderr)
	}
	if !strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, unknownCommand(args[0]))
		return exitUsage
	}
	return runSuite(ctx, args, stdout, stderr)
}

// runHelp is `callconf help [COMMAND]`: the run command's help (with the list of commands), or
// COMMAND's, on stdout.
func runHelp(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	switch {
	case len(args) > 1:
		fmt.Fprintf(stderr, "%s help: name at most one command\nrun '%s help' for usage\n", progName, progName)
		return exitUsage
	case len(args) == 0 || args[0] == "run":
		return runSuite(ctx, []string{"-h"}, stdout, stdout)
	case args[0] == "help" || args[0] == "version" || strings.HasPrefix(args[0], "-"):
		fmt.Fprint(stdout, usageText())
		return exitOK
	case !isCommand(args[0]):
		fmt.Fprintln(stderr, unknownCommand(args[0]))
		return exitUsage
	}
	// Every command prints its usage for -h on its error output: here that is stdout.
	return dispatch(ctx, []string{args[0], "-h"}, stdin, stdout, stdout)
}

// runVersion is `callconf version` (and --version): the module version and VCS revision of this
// build.
func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", stderr, "usage: "+progName+" version\n\nPrint the harness's module version, VCS revision and Go version.\n\n")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fmt.Fprintf(stdout, "%s %s\n", progName, version.Read())
	return exitOK
}
