package conformance_test

import (
	"errors"
	"flag"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/suites/conformance"
)

// flags binds the harness flags on the test binary, so `go tool ginkgo run ./suites/conformance
// -- --base-url=URL` takes the same flags as the runner. Values are read in TestConformance,
// after the testing package has parsed them.
var flags = config.Bind(flag.CommandLine)

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
	conformance.Define(conformance.Options{Config: cfg})
	if err := conformance.CheckTree(PreviewSpecs(conformance.SuiteName)); err != nil {
		t.Fatal(err)
	}
	sc, rc := GinkgoConfiguration()
	if cfg.Source("deadline") != "default" && cfg.Deadline < sc.Timeout {
		// --deadline bounds the run here too; Ginkgo's own --timeout still applies when shorter.
		sc.Timeout = cfg.Deadline
	}
	RunSpecs(t, conformance.SuiteName, sc, rc)
}
