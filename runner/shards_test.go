package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/suites/conformance"
)

// TestShardCallIDsAreDisjoint: shards that run at once never share a named call, and together
// use every one.
func TestShardCallIDsAreDisjoint(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e", "f", "g"}
	var all []string
	for i := 1; i <= 3; i++ {
		share := shardFlags{i, 3}.callIDs(ids)
		if len(share) < 2 {
			t.Errorf("shard %d/3 got %v", i, share)
		}
		all = append(all, share...)
	}
	slices.Sort(all)
	if !slices.Equal(all, ids) {
		t.Errorf("shards use %v, want each of %v once", all, ids)
	}
	if got := (shardFlags{}).callIDs(ids); !slices.Equal(got, ids) {
		t.Errorf("a whole run uses %v", got)
	}
	noCreate := conformance.Session{Capabilities: map[requirements.Capability]bool{requirements.Read: true}}
	if err := (shardFlags{1, 3}).checkCalls(noCreate, 2); err == nil || !strings.Contains(err.Error(), "needs at least 3 --call-id") {
		t.Errorf("3 shards, 2 named calls, no create: %v", err)
	}
	if err := (shardFlags{1, 3}).checkCalls(noCreate, 3); err != nil {
		t.Errorf("3 shards, 3 named calls: %v", err)
	}
	create := conformance.Session{Capabilities: map[requirements.Capability]bool{requirements.Create: true}}
	if err := (shardFlags{1, 3}).checkCalls(create, 1); err != nil {
		t.Errorf("a target that creates calls: %v", err)
	}
}

// TestShardNeedsASeed: random order without --seed would give each shard its own seed.
func TestShardNeedsASeed(t *testing.T) {
	cfg := config.Default()
	cfg.Shard = "1/2"
	if _, err := checkShard(cfg, &runOptions{randomize: true}); err == nil || !strings.Contains(err.Error(), "--seed") {
		t.Errorf("no seed: %v", err)
	}
	for _, o := range []*runOptions{{randomize: true, seed: 3}, {randomize: false}} {
		if s, err := checkShard(cfg, o); err != nil || s != (shardFlags{1, 2}) {
			t.Errorf("%+v: %v %v", o, s, err)
		}
	}
}

// TestShardOwnKeepsItsSpecsAndTheUserFilters: a shard's report holds its own specs (and the
// suite's nodes), under the user's filters, not the pattern that kept the others out.
func TestShardOwnKeepsItsSpecsAndTheUserFilters(t *testing.T) {
	spec := func(name string, leaf types.NodeType) types.SpecReport {
		return types.SpecReport{LeafNodeType: leaf, LeafNodeText: name}
	}
	r := types.Report{SuiteConfig: types.SuiteConfig{SkipStrings: []string{"others"}}, SpecReports: []types.SpecReport{
		spec("", types.NodeTypeSynchronizedBeforeSuite), spec("a", types.NodeTypeIt), spec("b", types.NodeTypeIt), spec("c", types.NodeTypeIt),
	}}
	owner := map[string]int{"a": 1, "b": 2, "c": 1}
	user := types.SuiteConfig{LabelFilter: "level:MUST"}
	got := shardFlags{1, 2}.own(r, owner, user)
	var names []string
	for _, s := range got.SpecReports {
		names = append(names, s.LeafNodeType.String()+":"+s.LeafNodeText)
	}
	if strings.Join(names, ",") != "SynchronizedBeforeSuite:,It:a,It:c" || got.SuiteConfig.LabelFilter != "level:MUST" || len(got.SuiteConfig.SkipStrings) != 0 {
		t.Errorf("shard 1 keeps %v under %+v", names, got.SuiteConfig)
	}
	if len(r.SpecReports) != 4 {
		t.Error("own changed the report it was given")
	}
}
