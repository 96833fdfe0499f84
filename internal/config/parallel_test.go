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
