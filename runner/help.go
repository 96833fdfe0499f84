package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/callconf/callconf/internal/suggest"

	"github.com/callconf/callconf/internal/config"
)

// progName is what the program calls itself in usage, help and messages (README:
// `go build -o callconf ./runner`); the directory stays runner/.
const progName = "callconf"

// command is one subcommand, as help lists it.
type command struct {
	name, args, summary string
}

// commands lists the subcommands in the order help prints them; dispatch runs them.
var commands = []command{
	{"run", "[flags]", "run the conformance suite (the default command; default target: the embedded reference)"},
	{"serve", "[flags]", "serve the reference implementation"},
	{"proxy", "--base-url URL", "forward traffic to a target and judge every exchange"},
	{"judge", "FILE.har", "judge recorded traffic (HAR) offline, as the proxy judges live traffic"},
	{"validate", "--kind K FILE…", "validate request|response|error payloads ('-' reads stdin)"},
	{"list", "[flags]", "print the requirement registry"},
	{"selftest", "[flags]", "run the suite against the reference, allowed variants and mutants"},
	{"token", "[flags]", "print the bearer token a run would send (for curl lines)"},
	{"replay", "[flags] FILE", "send a failing generated case saved under replay/ again and judge it"},
	{"merge", "--report-dir OUT DIR…", "merge the reports of a run's shards (--shard I/N) into one run's"},
	{"version", "", "print the harness's version and VCS revision"},
	{"help", "[COMMAND]", "print this help, or a command's flags"},
}

// commandNames are the names dispatch accepts as a first argument.
func commandNames() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return names
}

// usageText is the list of commands, printed at the top of the run command's help.
func usageText() string {
	var b strings.Builder
	b.WriteString("usage:\n")
	for _, c := range commands {
		name := c.name
		if name == "run" {
			name = "[run]" // the default command
		}
		fmt.Fprintf(&b, "  %-36s %s\n", strings.TrimSpace(progName+" "+name+" "+c.args), c.summary)
	}
	fmt.Fprintf(&b, "Run '%s help COMMAND' for the flags of each.\n", progName)
	return b.String()
}

// runUsage is the run command's help: the commands, then (after it) the flags, then runEpilogue.
const runUsage = `
Run the conformance suite against the target at --base-url, or against the embedded reference
implementation when no setting names a target. Flags may follow in any order.

flags of run:
`

// runEpilogue follows the run command's flags in its help: the environment and the exit codes.
func runEpilogue() string {
	var b strings.Builder
	b.WriteString("\nenvironment (precedence: flag > environment > config file > default):\n")
	for _, v := range config.Variables() {
		what := v.Flag
		if what == "" {
			what = v.Usage
		}
		fmt.Fprintf(&b, "  %-36s %s\n", v.Name, what)
	}
	b.WriteString(`  Unknown CALLCONF_* variables are errors. An empty CALLCONF_BASE_URL or --base-url is an error:
  unset it to test the embedded reference. Without a base URL, settings that only make sense for
  a target (a token, call ids, capabilities, headers, TLS and OAuth settings) are errors too.

exit status:
  0  the target conforms (CONFORMS): every applicable MUST passed (with --strict, every requirement)
  1  the target does not conform (DOES NOT CONFORM): a gating requirement failed
  2  usage or configuration error, or the target could not be reached or prepared
     (COULD NOT START); or no verdict: a gating requirement is inconclusive, a requirement the
     filters selected was not run (INCOMPLETE), no spec ran (NOTHING JUDGED). The --report-dir
     is written every time, saying which
`)
	return b.String()
}

// parseStatus is the exit status of a subcommand whose flags did not parse: -h, -help and
// --help (flag.ErrHelp; the flag set has printed the usage on stderr) exit 0 in every
// subcommand, any other flag error exits 2.
func parseStatus(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// newFlagSet is the flag set of subcommand name ("" for run): its errors go to stderr, and so
// does -h's usage, usage (when not "") followed by the flags.
func newFlagSet(name string, stderr io.Writer, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		if usage != "" {
			fmt.Fprint(fs.Output(), usage)
		} else {
			fmt.Fprintf(fs.Output(), "usage: %s [flags]\n\n", commandName(fs))
		}
		fs.PrintDefaults()
	}
	return fs
}

// subcommand is the subcommand a flag set belongs to ("" for run).
func subcommand(fs *flag.FlagSet) string { return fs.Name() }

// commandName is how the user typed fs's subcommand: "callconf", "callconf serve".
func commandName(fs *flag.FlagSet) string {
	return strings.TrimSpace(progName + " " + subcommand(fs))
}

// parseFlags parses the arguments of a subcommand that takes flags only. It returns false with
// the exit status when they did not parse, or when arguments are left over (reported on the flag
// set's output like a flag error: the command, the arguments, where its help is).
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	rest, code, ok := parseArgs(fs, args)
	if !ok {
		return code, false
	}
	if len(rest) > 0 {
		fmt.Fprintln(fs.Output(), flagError(fs, fmt.Errorf("unexpected arguments %q", rest)))
		return exitUsage, false
	}
	return exitOK, true
}

// parseArgs parses args into fs, flags and positional arguments in any order ("--" ends the
// flags), and returns the positional ones. On -h it prints fs's usage and returns false with
// exit status 0; on a flag error it prints one line naming the flag, a "did you mean" when a
// flag is near, and where the usage is, and returns false with exit status 2.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	out, usage := fs.Output(), fs.Usage
	// The flag package prints the error and the whole usage on any error: say it in one line.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	rest, err := parseInterspersed(fs, args)
	fs.SetOutput(out)
	fs.Usage = usage
	switch {
	case err == nil:
		return rest, exitOK, true
	case errors.Is(err, flag.ErrHelp):
		if fs.Usage != nil {
			fs.Usage()
		} else {
			fs.PrintDefaults()
		}
		return nil, exitOK, false
	}
	fmt.Fprintln(out, flagError(fs, err))
	return nil, exitUsage, false
}

// parseInterspersed is fs.Parse that also takes flags after positional arguments: `validate
// FILE --kind request` sets --kind. Everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// flagError is the one-line message for a flag that did not parse, with "did you mean" for an
// unknown flag close to a known one and a pointer to the command's help.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		name = strings.TrimPrefix(name, "-")
		msg = "unknown flag --" + name
		var known []string
		fs.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
		if s := suggest.Closest(name, known); s != "" {
			msg += "; did you mean --" + s + "?"
		}
	}
	help := strings.TrimSpace("help " + subcommand(fs))
	return fmt.Sprintf("%s: %s\nrun '%s %s' for usage", commandName(fs), msg, progName, help)
}

// unknownCommand is the message for a first argument that is neither a command nor a flag.
func unknownCommand(name string) string {
	msg := fmt.Sprintf("%s: unknown command %q", progName, name)
	if s := suggest.Closest(name, commandNames()); s != "" {
		msg += "; did you mean " + s + "?"
	}
	return msg + fmt.Sprintf("\nrun '%s help' for usage", progName)
}

// isCommand reports whether name is a command dispatch runs.
func isCommand(name string) bool { return slices.Contains(commandNames(), name) }

// loadConfig reads the configuration of flags from the flags and the environment. On errors it
// reports them on stderr under "name: configuration errors:" and returns false. CALLCONF_*
// variables that are not settings are errors too.
func loadConfig(flags *config.Flags, stderr io.Writer, name string) (config.Config, bool) {
	cfg, err := readConfig(flags)
	if err != nil {
		fmt.Fprintf(stderr, "%s: configuration errors:\n%v\n", name, err)
		return cfg, false
	}
	return cfg, true
}

// readConfig loads the configuration of flags and the environment, and refuses CALLCONF_*
// variables that name no setting. On error the configuration holds what could be read.
func readConfig(flags *config.Flags) (config.Config, error) {
	cfg, err := flags.Load(os.LookupEnv)
	return cfg, errors.Join(err, config.CheckEnviron(os.Environ()))
}
