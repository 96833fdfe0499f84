package conformance_test

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/callconf/callconf/internal/suggest"
)

// The suite binary parses its flags with the standard flag package (testing does, before any
// test runs), which exits on an unknown flag with the whole list of test and Ginkgo flags: the
// usage below says "did you mean" instead, for `go tool ginkgo run ./suites/conformance --
// --base-ulr=URL` as the runner does for `callconf --base-ulr`.
func init() {
	usage := flag.CommandLine.Usage
	flag.CommandLine.Usage = func() {
		unknown := unknownFlags(flag.CommandLine, os.Args[1:])
		if len(unknown) == 0 { // -h, or a value that did not parse: the usual usage
			usage()
			return
		}
		var known []string
		flag.CommandLine.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
		for _, name := range unknown {
			msg := "unknown flag --" + name
			if s := suggest.Closest(name, known); s != "" {
				msg += "; did you mean --" + s + "?"
			}
			fmt.Fprintln(flag.CommandLine.Output(), msg)
		}
		fmt.Fprintln(flag.CommandLine.Output(), "the suite takes the runner's flags (callconf help lists them) and Ginkgo's")
	}
}

// unknownFlags are the names of the arguments before "--" (or the first positional argument)
// that look like flags fs does not define.
func unknownFlags(fs *flag.FlagSet, args []string) []string {
	var out []string
	for _, a := range args {
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			break
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name != "" && name != "h" && name != "help" && fs.Lookup(name) == nil {
			out = append(out, name)
		}
	}
	return out
}

// TestUnknownFlagSaysDidYouMean: the suite binary given `--base-ulr` exits 2 with "did you
// mean --base-url?" (it printed Go's flag error and some 150 lines of flags), before any spec.
func TestUnknownFlagSaysDidYouMean(t *testing.T) {
	cmd := exec.Command(os.Args[0], "--base-ulr=http://127.0.0.1:9")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("exit %v, want 2:\n%s", err, out)
	}
	if !strings.Contains(string(out), "did you mean --base-url?") || strings.Count(string(out), "\n") > 5 {
		t.Errorf("output:\n%s", out)
	}
}
