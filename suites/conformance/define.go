package conformance

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/internal/token"
	"github.com/callconf/callconf/schemas"
)

// SuiteName is the description passed to RunSpecs.
const SuiteName = "Update call conformance"

// Options configure Define.
type Options struct {
	Config config.Config
	// Target is the target this process already prepared (the runner does, to exit 2 on an
	// unreachable target before any spec runs); its client serves the specs.
	Target *Target
	// Session is a target another process prepared (the parent of a parallel run): this
	// process connects to it. Both nil: process 1 prepares the target in
	// SynchronizedBeforeSuite and hands its session to the other processes.
	Session *Session
	// Log receives the effective configuration, the discovery result and, when Define prepares
	// the target itself, the verdict; nil means os.Stdout.
	Log io.Writer
	// Started is when the run began, for the wall time in reports; zero means when Define ran.
	Started time.Time
	// Process and Processes number this process among the runner's own processes (1-based),
	// which share out the named calls; zero means Ginkgo's (GinkgoParallelProcess).
	Process, Processes int
	// Concluded, when Define prepares the target itself (`go tool ginkgo`), receives the run's
	// verdict once the suite ends, in the process that makes it (Ginkgo's process 1): the suite
	// binary exits as the runner would, by the verdict, not by Ginkgo's count of failed specs.
	Concluded func(report.Conformance)
	// ReplayDir is the report directory failing generated cases are saved under (in replay/);
	// "" means Config.ReportDir. A process whose parent writes the reports has none of its own.
	ReplayDir string
}

// CallsPerSpec is the most named calls one spec uses: against a target without create, each
// process of a parallel run needs this many --call-id of its own.
const CallsPerSpec = 2

// Define builds the conformance spec tree. Call it once per process before RunSpecs (or
// PreviewSpecs).
func Define(opts Options) {
	s := &suite{cfg: opts.Config, proc: opts.Process, procs: opts.Processes, replayDir: cmp.Or(opts.ReplayDir, opts.Config.ReportDir)}
	log := opts.Log
	if log == nil {
		log = os.Stdout
	}
	started := opts.Started
	if started.IsZero() {
		started = time.Now()
	}

	var prepared *Target // the target process 1 prepared itself, if it did
	parts := ""          // the parts of the run's HAR, when process 1 prepared the target itself
	SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
		switch {
		case opts.Target != nil:
			prepared = opts.Target
		case opts.Session != nil:
			return encodeSession(*opts.Session)
		default:
			if opts.Config.Shard != "" {
				// Only the runner deals the specs out to shards and records the shard for a merge.
				Fail("--shard (CALLCONF_SHARD) is the callconf command's: run `callconf --shard I/N`, not go test or ginkgo")
			}
			fmt.Fprint(log, "effective configuration:\n"+opts.Config.String())
			tokens, err := token.ForConfig(opts.Config)
			if err == nil {
				prepared, err = Prepare(ctx, opts.Config, tokens, log)
			}
			if pe := (*PrepareError)(nil); errors.As(err, &pe) {
				parts = pe.Exchanges // what discovery sent goes into the HAR still
			}
			if err != nil {
				Fail(fmt.Sprintf("preparing the target: %v", err))
			}
			DeferCleanup(prepared.Close)
			parts = prepared.Session.Exchanges
		}
		return encodeSession(prepared.Session)
	}, func(data []byte) {
		sess, err := decodeSession(data)
		if err != nil {
			Fail(err.Error())
		}
		var client *target.Client
		if prepared != nil {
			client = prepared.Client
		} else if client, err = Connect(opts.Config, sess); err != nil {
			Fail(fmt.Sprintf("target client: %v", err))
		}
		v, err := schemas.Default()
		if err != nil {
			Fail(fmt.Sprintf("compiling schemas: %v", err))
		}
		s.session, s.client, s.validator, s.judge = sess, client, v, judge.New(v)
		s.run = newRunLog(client, opts.Config, s.judge)
		if s.har, err = newRecorder(sess.Exchanges, client, opts.Config); err != nil {
			Fail(err.Error())
		}
		s.run.har = s.har
	})

	// Every process settles the ledger of the calls it created and hands the reports what it
	// sent outside any spec; then process 1, when Define prepared the target itself, ends the
	// run on it (the runner does that itself, after every process ended).
	SynchronizedAfterSuite(func(ctx SpecContext) {
		if s.run == nil { // the set-up failed: nothing was sent
			return
		}
		stalled, _ := s.stalled()
		s.run.settle(ctx, s.session.Has(requirements.Delete), s.session.Has(requirements.Read), !stalled)
		AddReportEntry(report.EntryRun, s.run.record(), ReportEntryVisibilityNever)
		_ = s.har.Close() // a lost write shows as a missing entry in the HAR, not as a failed run
	}, func(ctx SpecContext) {
		if prepared != nil && opts.Target == nil {
			AddReportEntry(report.EntryRun, prepared.Finish(ctx), ReportEntryVisibilityNever)
		}
	}, NodeTimeout(time.Minute))

	if opts.Target == nil && opts.Session == nil {
		// Define prepares the target itself (`go tool ginkgo`), so it makes the verdict too. The
		// runner makes the verdict of its whole run itself: in its processes this node would
		// only build a report to throw away.
		ReportAfterSuite("conformance report", func(r Report) {
			if r.SuiteConfig.DryRun {
				// A preview (PreviewSpecs, which the suite binary runs before RunSpecs) or a dry
				// run judged nothing: a report would show every filtered-in spec as passed.
				return
			}
			in := report.Input{Target: ConfiguredTargetName(opts.Config), Strict: opts.Config.Strict,
				Started: started, CommandLine: append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...)}
			redact := func(x string) string { return x }
			if s.client != nil { // the set-up resolved the target
				in.Target, in.Capabilities, redact = TargetName(s.session), ReportCapabilities(s.session), s.client.Redact
			}
			c, err := report.Conclude(r, in, opts.Config.ReportDir, redact, log)
			// As the runner does. (Under -p Ginkgo replays this node's output indented, where
			// GitHub no longer reads annotations; the step summary is a file, and is written.)
			report.Publish(c, redact, os.Getenv, log, os.Stderr)
			if opts.Concluded != nil {
				opts.Concluded(c)
			}
			if err != nil {
				Fail(fmt.Sprintf("writing reports: %v", err))
			}
			if err := CollectExchanges(parts, opts.Config.ReportDir, redact); err != nil {
				Fail(err.Error())
			}
			if c.Exit != 0 {
				// Ginkgo's summary says so too: the suite fails exactly when the runner would.
				why := ": " + c.Why()
				if c.Verdict == report.VerdictCouldNotStart {
					why = "" // Ginkgo has shown the set-up's failure, the cause
				}
				Fail(redact(fmt.Sprintf("%s%s (the runner exits %d)", c.Verdict, why, c.Exit)))
			}
		})
	}

	Describe("Update call", func() {
		defineUpdateSpecs(s)
		defineErrorSpecs(s)
		defineProtocolSpecs(s)
		defineStateSpecs(s)
		defineGeneratedSpecs(s)
	})
}

// process returns this process's number and the number of processes of the run.
func (s *suite) process() (int, int) {
	if s.procs > 0 {
		return s.proc, s.procs
	}
	sc, _ := GinkgoConfiguration()
	return GinkgoParallelProcess(), sc.ParallelTotal
}

// TargetName names a session's target in reports.
func TargetName(s Session) string {
	if s.Embedded {
		return "embedded reference implementation"
	}
	return s.BaseURL
}

// ConfiguredTargetName names the target cfg configures, for the report of a run whose target
// was never prepared.
func ConfiguredTargetName(cfg config.Config) string {
	return cmp.Or(cfg.BaseURL, TargetName(Session{Embedded: true}))
}

// ReportCapabilities describes a session's capabilities for the reports: the ones it has, and
// whether they were discovered or declared.
func ReportCapabilities(s Session) *report.Capabilities {
	c := &report.Capabilities{Source: "declared", Have: []string{}}
	if s.Discovered {
		c.Source = "discovered"
	}
	for _, capability := range []requirements.Capability{requirements.Auth, requirements.Create, requirements.Delete, requirements.Read} {
		if s.Has(capability) {
			c.Have = append(c.Have, string(capability))
		}
	}
	return c
}
