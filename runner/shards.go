package main

import (
	"fmt"
	"slices"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/suites/conformance"
)

// A shard (README, "Shards across machines") is one run of a deterministic share of the specs,
// --shard I/N: the specs the user's filters select, sorted by full name (whatever --seed and
// --randomize-all say), are dealt out in turn, the k-th (0-based) to shard k mod N + 1, as
// deal shares them out to processes. Specs the filters leave out stay with shard 1, so the
// merge reports each of them once. A shard's reports hold only its own specs and record the
// shard; `callconf merge` (runner/merge.go) joins every shard's into the verdict of one run.

// shardFlags is the run's --shard, checked against the other flags before anything is sent.
type shardFlags struct{ index, total int }

// on reports whether the run is a shard.
func (s shardFlags) on() bool { return s.total > 0 }

// checkShard reads --shard and refuses what would make the shards impossible to merge: a
// random order without --seed (each shard would draw its own seed).
func checkShard(cfg config.Config, o *runOptions) (shardFlags, error) {
	index, total, err := config.ParseShard(cfg.Shard)
	if err != nil {
		return shardFlags{}, fmt.Errorf("--shard %w", err)
	}
	if total > 0 && o.randomize && o.seed == 0 {
		return shardFlags{}, fmt.Errorf("--shard %s needs --seed S, the same in every shard (or --randomize-all=false): each shard would draw its own seed from the clock, and 'callconf merge' refuses shards of different seeds", cfg.Shard)
	}
	return shardFlags{index, total}, nil
}

// callIDs is the shard's share of the named calls: every total-th, as processes share them
// out (conformance.Session.ProcessCallIDs), so shards that run at once never write the same call.
func (s shardFlags) callIDs(ids []string) []string {
	if !s.on() || len(ids) == 0 {
		return ids
	}
	return conformance.Session{CallIDs: ids}.ProcessCallIDs(s.index, s.total)
}

// checkCalls refuses shards that would share a named call: against a target that cannot create
// calls, every shard needs one of its own (named is how many --call-id the user gave).
func (s shardFlags) checkCalls(sess conformance.Session, named int) error {
	if !s.on() || sess.Has(requirements.Create) || named == 0 || named >= s.total {
		return nil
	}
	return fmt.Errorf("--shard %d/%d needs at least %d --call-id: the target cannot create calls, and shards that run at once must not write the same call; %d were named", s.index, s.total, s.total, named)
}

// suite deals the specs out among the shards from a preview of the user's selection and
// returns the suite configuration that runs only this shard's, and the owner of every spec.
func (s shardFlags) suite(sc types.SuiteConfig, rc types.ReporterConfig) (types.SuiteConfig, map[string]int) {
	owner := deal(ginkgo.PreviewSpecs(conformance.SuiteName, sc, rc), s.total)
	if others := othersPattern(owner, s.index); others != "" {
		sc.SkipStrings = append(slices.Clip(sc.SkipStrings), others)
	}
	return sc, owner
}

// own keeps of a shard's Ginkgo report its own specs (and the suite-level nodes), with the
// user's filters as its configuration: the skip pattern that kept out the other shards' specs
// is no filter of the user's.
func (s shardFlags) own(r types.Report, owner map[string]int, user types.SuiteConfig) types.Report {
	r.SuiteConfig = user
	r.SpecReports = slices.DeleteFunc(slices.Clone(r.SpecReports), func(sp types.SpecReport) bool {
		return sp.LeafNodeType == types.NodeTypeIt && owner[sp.FullText()] != s.index
	})
	return r
}

// info is the shard as the reports record it, with the runner's own run records.
func (s shardFlags) info(run []report.RunRecord) *report.ShardInfo {
	if !s.on() {
		return nil
	}
	return &report.ShardInfo{Index: s.index, Total: s.total, RunRecords: run}
}

// label is " (shard I of N)" for the progress line, "" for a whole run.
func (s shardFlags) label() string {
	if !s.on() {
		return ""
	}
	return fmt.Sprintf(" (shard %d of %d)", s.index, s.total)
}
