package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/callconf/callconf/internal/config"
)

// parseStatus is the exit status of a subcommand whose flags did not parse: -h, -help and
// --help (flag.ErrHelp; the flag set has printed the usage on stderr) exit 0 in every
// subcommand, any other flag error exits 2.
func parseStatus(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// newFlagSet is the flag set of a subcommand: its errors go to stderr, and so does -h's usage,
// usage (when not "") followed by the flags.
func newFlagSet(name string, stderr io.Writer, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if usage != "" {
		fs.Usage = func() {
			fmt.Fprint(stderr, usage)
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses the arguments of a subcommand that takes flags only. It returns false with
// the exit status when they did not parse, or when arguments are left over (reported on the flag
// set's output with the format unexpected, given them).
func parseFlags(fs *flag.FlagSet, args []string, unexpected string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		return parseStatus(err), false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), unexpected, fs.Args())
		return exitUsage, false
	}
	return exitOK, true
}

// loadConfig reads the configuration of flags from the flags and the environment. On errors it
// reports them on stderr under "name: configuration errors:" and returns false.
func loadConfig(flags *config.Flags, stderr io.Writer, name string) (config.Config, bool) {
	cfg, err := flags.Load(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "%s: configuration errors:\n%v\n", name, err)
		return cfg, false
	}
	return cfg, true
}
