// Command runner is the harness's command line: it runs the conformance suite against a target
// (by default the embedded reference implementation), serves the reference on its own, validates
// payload files, lists the requirement registry and proves the harness against mutants.
//
//	go run ./runner [flags]                      run the conformance suite (see README for flags)
//	go run ./runner serve --addr 127.0.0.1:8080  serve the reference implementation
//	go run ./runner proxy --base-url URL         forward to a target, judge every exchange
//	go run ./runner validate --kind request FILE validate payloads against the schemas
//	go run ./runner list                         print the requirement registry
//	go run ./runner selftest                     run the suite against reference, variants, mutants
//	go run ./runner token [flags]                print the bearer token a run would send
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
	"syscall"
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

// dispatch picks the subcommand; anything that is not a subcommand name is a flag of `run`.
func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "run":
			return runSuite(ctx, args[1:], stdout, stderr)
		case "serve":
			return runServe(ctx, args[1:], stdout, stderr)
		case "proxy":
			return runProxy(ctx, args[1:], stdout, stderr)
		case "validate":
			return runValidate(args[1:], stdin, stdout, stderr)
		case "list":
			return runList(args[1:], stdout, stderr)
		case "selftest":
			return runSelftest(ctx, args[1:], stdout, stderr)
		case "token":
			return runToken(ctx, args[1:], stdout, stderr)
		case shardCommand: // one process of a parallel run, started by the runner itself
			return runShard(ctx, args[1:], stdout, stderr)
		case "help", "-h", "-help", "--help":
			fmt.Fprint(stdout, usage)
			return exitOK
		}
	}
	return runSuite(ctx, args, stdout, stderr)
}

const usage = `usage:
  runner [run] [flags]            run the conformance suite (default target: embedded reference)
  runner serve [flags]            serve the reference implementation
  runner proxy --base-url URL     forward traffic to a target and judge every exchange
  runner validate --kind K FILE…  validate request|response|error payloads ('-' reads stdin)
  runner list                     print the requirement registry
  runner selftest [flags]         run the suite against the reference, allowed variants and mutants
  runner token [flags]            print the bearer token a run would send (for curl lines)
Run 'runner SUBCOMMAND -h' for the flags of each.
`
