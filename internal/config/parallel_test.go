package config

import (
	"strings"
	"testing"
)

// TestParallelSettings: --procs, --rate-limit and --max-in-flight default to auto and
// unlimited, take their values, and refuse values out of range, naming the flag.
func TestParallelSettings(t *testing.T) {
	def := Default()
	if def.Procs != 0 || def.RateLimit != 0 || def.MaxInFlight != 0 {
		t.Fatalf("defaults: procs %d, rate %g, in flight %d", def.Procs, def.RateLimit, def.MaxInFlight)
	}
	for _, want := range []string{"procs: auto (default)", "rate-limit: unlimited (default)", "max-in-flight: unlimited (default)"} {
		if !strings.Contains(def.String(), want) {
			t.Errorf("String() lacks %q", want)
		}
	}
	c := mustLoad(t, []string{"--procs", "3", "--rate-limit", "0.5", "--max-in-flight", "2"}, nil)
	if c.Procs != 3 || c.RateLimit != 0.5 || c.MaxInFlight != 2 {
		t.Errorf("loaded procs %d, rate %g, in flight %d", c.Procs, c.RateLimit, c.MaxInFlight)
	}
	_, err := load(t, []string{"--procs", "-1", "--rate-limit", "NaN", "--max-in-flight", "-3"}, map[string]string{})
	if err == nil {
		t.Fatal("out-of-range values accepted")
	}
	for _, want := range []string{"--procs", "--rate-limit", "--max-in-flight"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
	if _, err := load(t, []string{"--procs", "65"}, nil); err == nil {
		t.Errorf("--procs 65 accepted (max %d)", MaxProcs)
	}
}

// TestShardSetting: --shard I/N and CALLCONF_SHARD take 1 <= I <= N, say what is wrong, and
// stay off a re-run's command line (a re-run of one spec is no shard).
func TestShardSetting(t *testing.T) {
	c := mustLoad(t, []string{"--shard", "2/3", "--call-id", "a"}, nil)
	if i, n := c.ShardOf(); i != 2 || n != 3 {
		t.Errorf("ShardOf = %d/%d, want 2/3", i, n)
	}
	if strings.Contains(strings.Join(c.Args().Flags, " "), "shard") {
		t.Errorf("a re-run line carries the shard: %v", c.Args().Flags)
	}
	if i, n := mustLoad(t, nil, map[string]string{"CALLCONF_SHARD": "1/1"}).ShardOf(); i != 1 || n != 1 {
		t.Errorf("CALLCONF_SHARD=1/1 read as %d/%d", i, n)
	}
	for in, want := range map[string]string{
		"0/3": "count from 1", "4/3": "from 1 to N (3)", "1/0": "N must be from 1", "x": "is not I/N", "1/2/3": "is not I/N", "2": "is not I/N",
	} {
		_, err := load(t, []string{"--shard", in}, map[string]string{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--shard %s: got %v, want an error saying %q", in, err, want)
		}
	}
}
