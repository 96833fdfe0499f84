package conformance_test

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/suggest"
	"github.com/callconf/callconf/suites/conformance"
)

// flags binds the harness flags on the test binary, so `go tool ginkgo run ./suites/conformance
// -- --base-url=URL` takes the same flags as the runner. Values are read in TestConformance,
// after the testing package has parsed them.
var flags = config.Bind(flag.CommandLine)

// TestMain parses the command line itself, so that a mistyped harness flag after `--` (`go tool
// ginkgo run ./suites/conformance -- --base-ulr URL`) is named with the flag meant, in one line,
// as the runner does, instead of the test binary's hundred lines of usage.
func TestMain(m *testing.M) {
	flag.CommandLine.Init(os.Args[0], flag.ContinueOnError)
	out := flag.CommandLine.Output()
	flag.CommandLine.SetOutput(io.Discard)
	err := flag.CommandLine.Parse(os.Args[1:])
	flag.CommandLine.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		flag.CommandLine.Usage()
		os.Exit(0)
	case err != nil:
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
			name = strings.TrimPrefix(name, "-")
			msg = "unknown flag --" + name
			var known []string
			flag.CommandLine.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
			if s := suggest.Closest(name, known); s != "" {
				msg += "; did you mean --" + s + "?"
			}
		}
		fmt.Fprintf(os.Stderr, "%s: %s\n", filepath.Base(os.Args[0]), msg)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// TestConformance runs the suite as `go tool ginkgo run ./suites/conformance` does, and exits
// as the runner would: 0 exactly when the verdict conforms. A failing SHOULD (without --strict)
// is reported in the output, not a failed test; a run that judged nothing, is incomplete or could
// not start fails it, though Ginkgo may have counted no failed spec.
func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	cfg, err := flags.Load(os.LookupEnv)
	if err == nil {
		// The same guards as the runner: no silent green from a misspelt variable, or from a
		// token given without the base URL it was meant for.
		err = errors.Join(config.CheckEnviron(os.Environ()), cfg.CheckTarget())
	}
	if err != nil {
		t.Fatalf("configuration:\n%v", err)
	}
	sc, rc := GinkgoConfiguration()
	// A label naming no requirement selects nothing: refused before any request, as the runner does.
	if err := conformance.CheckLabelFilter(sc.LabelFilter); err != nil {
		t.Fatal(err)
	}
	var verdict *report.Conformance
	conformance.Define(conformance.Options{Config: cfg, Concluded: func(c report.Conformance) { verdict = &c }})
	if err := conformance.CheckTree(PreviewSpecs(conformance.SuiteName)); err != nil {
		t.Fatal(err)
	}
	if cfg.Source("deadline") != "default" && cfg.Deadline < sc.Timeout {
		// --deadline bounds the run here too; Ginkgo's own --timeout still applies when shorter.
		sc.Timeout = cfg.Deadline
	}
	// Ginkgo fails the test when any spec failed, whatever its requirement's level; the
	// verdict decides instead, in the process that makes it. The other processes of a parallel
	// run pass: their specs are part of that verdict.
	passed := RunSpecs(ginkgoT{}, conformance.SuiteName, sc, rc)
	switch {
	case verdict != nil:
		if verdict.Exit != 0 {
			// The verdict and its cause are printed above, redacted; the test says only which.
			t.Errorf("verdict %s: the runner exits %d", verdict.Verdict, verdict.Exit)
		}
	case GinkgoParallelProcess() == 1 && !passed:
		t.Error("the suite failed before it made a verdict")
	}
}

// ginkgoT stands in for *testing.T in RunSpecs, which would fail the test for any failed spec:
// TestConformance weighs RunSpecs' result against the verdict instead.
type ginkgoT struct{}

func (ginkgoT) Fail() {}
