package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/progress"
	"github.com/callconf/callconf/suites/conformance"
)

// runShard is the hidden `runner shard-child PLAN`: one process of a parallel run. It reads
// its plan, takes the configuration from its environment, runs its share of the specs, writes
// a progress line on stderr per finished spec and its Ginkgo report to the plan's file.
func runShard(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, progName+" "+shardCommand+": started by callconf itself, with one plan file")
		return exitUsage
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "%s %s: %v\n", progName, shardCommand, err)
		return exitUsage
	}
	var plan shardPlan
	if err := json.Unmarshal(b, &plan); err != nil {
		fmt.Fprintf(stderr, "%s %s: plan: %v\n", progName, shardCommand, err)
		return exitUsage
	}
	fs := flag.NewFlagSet(shardCommand, flag.ContinueOnError)
	flags := config.Bind(fs)
	cfg, ok := loadConfig(flags, stderr, progName+" "+shardCommand)
	if !ok {
		return exitUsage
	}
	replayDir := cfg.ReportDir // failing generated cases are saved by the process that found them
	cfg.ReportDir = ""         // the parent writes the reports
	cfg.RateLimit, cfg.MaxInFlight = plan.RateLimit, plan.MaxInFlight

	_, rc := ginkgo.GinkgoConfiguration()
	sc := plan.Suite
	sc.Timeout = time.Until(plan.Started.Add(cfg.Deadline))
	if plan.Others != "" {
		sc.SkipStrings = append(slices.Clip(sc.SkipStrings), plan.Others)
	}
	rc.NoColor = true
	var raw *types.Report
	conformance.Define(conformance.Options{Config: cfg, Session: &plan.Session, Log: io.Discard, Started: plan.Started, Process: plan.Shard, Processes: plan.Shards, ReplayDir: replayDir})
	hookReports(func(s progress.Spec) { _ = progress.Encode(stderr, s) }, func(r types.Report) { raw = &r })
	ginkgo.RunSpecs(&suiteT{}, conformance.SuiteName, sc, rc)
	if raw == nil {
		fmt.Fprintln(stderr, "the suite ended without a report")
		return exitUsage
	}
	if err := writePrivateJSON(plan.Report, raw); err != nil {
		fmt.Fprintf(stderr, "writing the report: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// hookReports hands each finished spec to onSpec and the Ginkgo report of the whole run to
// onReport. Register it after any PreviewSpecs: nodes registered before a preview see the
// preview's clone of the suite, without the specs' report entries.
func hookReports(onSpec func(progress.Spec), onReport func(types.Report)) {
	ginkgo.ReportAfterEach(func(s types.SpecReport) {
		if p, ok := specProgress(s); ok {
			onSpec(p)
		}
	})
	ginkgo.ReportAfterSuite("callconf run report", onReport)
}
