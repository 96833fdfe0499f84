package main

import (
	"errors"
	"flag"
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
