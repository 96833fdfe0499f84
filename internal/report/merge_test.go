package report

import (
	"strings"
	"testing"
)

// TestMergeRefusesShardsOfDifferentRuns: every way two shards can belong to different runs is
// refused, naming what differs and both directories; the shards of one run pass.
func TestMergeRefusesShardsOfDifferentRuns(t *testing.T) {
	shard := func(dir string, i int, edit func(*shardHead)) shardDir {
		h := shardHead{Target: "https://t.example", HarnessVersion: "callconf v1 abc", RandomSeed: 7, Randomized: true,
			Capabilities: &Capabilities{Source: "discovered", Have: []string{"create", "read"}}, Shard: &ShardInfo{Index: i, Total: 2}}
		if edit != nil {
			edit(&h)
		}
		return shardDir{dir: dir, head: h}
	}
	if err := checkShards([]shardDir{shard("a", 1, nil), shard("b", 2, nil)}); err != nil {
		t.Fatalf("the shards of one run: %v", err)
	}
	for what, edit := range map[string]func(*shardHead){
		"harness builds":                func(h *shardHead) { h.HarnessVersion = "callconf v2 def" },
		"targets":                       func(h *shardHead) { h.Target = "https://other.example" },
		"numbers of shards":             func(h *shardHead) { h.Shard.Total = 3 },
		"filters":                       func(h *shardHead) { h.Filters.LabelFilter = "level:MUST" },
		"random seeds":                  func(h *shardHead) { h.RandomSeed = 8 },
		"spec orders (--randomize-all)": func(h *shardHead) { h.Randomized = false },
		"modes (--strict)":              func(h *shardHead) { h.Strict = true },
		"target capabilities":           func(h *shardHead) { h.Capabilities = &Capabilities{Source: "declared", Have: []string{"read"}} },
	} {
		err := checkShards([]shardDir{shard("a", 1, nil), shard("b", 2, edit)})
		if err == nil || !strings.Contains(err.Error(), "differ in their "+what) || !strings.Contains(err.Error(), "a (shard 1/2)") || !strings.Contains(err.Error(), "b (shard 2/") {
			t.Errorf("%s: %v", what, err)
		}
	}
	// A shard that never prepared the target has no capabilities: its suite error speaks.
	if err := checkShards([]shardDir{shard("a", 1, nil), shard("b", 2, func(h *shardHead) { h.Capabilities = nil })}); err != nil {
		t.Errorf("a shard that could not start: %v", err)
	}
	if err := checkShards([]shardDir{shard("a", 1, nil)}); err == nil || !strings.Contains(err.Error(), "missing shard(s) 2 of 2") {
		t.Errorf("missing shard: %v", err)
	}
	if err := checkShards([]shardDir{shard("a", 1, nil), shard("b", 1, nil), shard("c", 2, nil)}); err == nil || !strings.Contains(err.Error(), "shard 1/2 is given twice: a and b") {
		t.Errorf("shard twice: %v", err)
	}
}
