package report

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// ShardInfo is a run's share of the specs (--shard I/N), as its conformance.json records it,
// with what a merge needs besides the specs' own records (ginkgo-report.json): the records the
// runner itself made outside the suite (preparing the target, ending the run on it).
type ShardInfo struct {
	Index int `json:"index"` // 1-based
	Total int `json:"total"`
	// RunRecords are the shard's Input.Run, kept whole: the run section of conformance.json is
	// a bounded summary, and the merge judges them again with the other shards'.
	RunRecords []RunRecord `json:"runRecords,omitempty"`
}

// otherShards is why a shard's requirement without a spec in its share is disabled.
const otherShards = "its specs are in other shards (--shard); 'callconf merge' joins the shards' verdicts"

// shardDir is what Merge reads of one shard's report directory.
type shardDir struct {
	dir    string
	head   shardHead
	ginkgo types.Report
}

// shardHead is the part of a shard's conformance.json that says which run it belongs to.
type shardHead struct {
	Verdict        string        `json:"verdict"`
	Target         string        `json:"target"`
	HarnessVersion string        `json:"harnessVersion"`
	Capabilities   *Capabilities `json:"capabilities"`
	Filters        Filters       `json:"filters"`
	RandomSeed     int64         `json:"randomSeed"`
	Randomized     bool          `json:"randomizeAllSpecs"`
	StartTime      time.Time     `json:"startTime"`
	EndTime        time.Time     `json:"endTime"`
	Strict         bool          `json:"strict"`
	SuiteError     string        `json:"suiteError"`
	Shard          *ShardInfo    `json:"shard"`
	MergedShards   int           `json:"mergedShards"`
}

// name says which shard a directory holds, for messages.
func (s shardDir) name() string {
	return fmt.Sprintf("%s (shard %d/%d)", s.dir, s.head.Shard.Index, s.head.Shard.Total)
}

// Merge reads the report directories of every shard of one run (conformance.json and
// ginkgo-report.json each) and returns the Ginkgo report and Input from which Conclude makes
// the verdict and reports that one run of all the specs would have made: every spec as its
// shard ran it, every record made outside specs. It refuses, naming the directories, shards of
// different harness builds, targets, capabilities, filters, seeds, order or strictness, a shard
// given twice, a missing shard and a directory that holds no shard's report.
func Merge(dirs []string, commandLine []string) (types.Report, Input, error) {
	if len(dirs) == 0 {
		return types.Report{}, Input{}, errors.New("name the report directory of every shard")
	}
	var shards []shardDir
	for _, d := range dirs {
		s, err := readShard(d)
		if err != nil {
			return types.Report{}, Input{}, err
		}
		shards = append(shards, s)
	}
	slices.SortStableFunc(shards, func(a, b shardDir) int { return cmp.Compare(a.head.Shard.Index, b.head.Shard.Index) })
	if err := checkShards(shards); err != nil {
		return types.Report{}, Input{}, err
	}
	first := shards[0]
	out := types.Report{
		SuitePath: first.ginkgo.SuitePath, SuiteDescription: first.ginkgo.SuiteDescription, SuiteLabels: first.ginkgo.SuiteLabels,
		SuiteConfig: first.ginkgo.SuiteConfig, SuiteSucceeded: true,
		PreRunStats: types.PreRunStats{TotalSpecs: first.ginkgo.PreRunStats.TotalSpecs},
	}
	in := Input{Target: first.head.Target, Strict: first.head.Strict, Started: first.head.StartTime, Ended: first.head.EndTime,
		CommandLine: commandLine, Capabilities: first.head.Capabilities, MergedShards: first.head.Shard.Total}
	owner := map[string]string{} // spec full text -> the shard that reported it
	var specs []types.SpecReport
	for _, s := range shards {
		g := s.ginkgo
		out.SuiteSucceeded = out.SuiteSucceeded && g.SuiteSucceeded
		out.PreRunStats.SpecsThatWillRun += g.PreRunStats.SpecsThatWillRun
		if out.StartTime.IsZero() || (!g.StartTime.IsZero() && g.StartTime.Before(out.StartTime)) {
			out.StartTime = g.StartTime
		}
		if g.EndTime.After(out.EndTime) {
			out.EndTime = g.EndTime
		}
		if s.head.StartTime.Before(in.Started) {
			in.Started = s.head.StartTime
		}
		if s.head.EndTime.After(in.Ended) {
			in.Ended = s.head.EndTime
		}
		for _, reason := range g.SpecialSuiteFailureReasons {
			out.SpecialSuiteFailureReasons = append(out.SpecialSuiteFailureReasons, fmt.Sprintf("shard %d/%d: %s", s.head.Shard.Index, s.head.Shard.Total, reason))
		}
		in.Run = append(in.Run, s.head.Shard.RunRecords...)
		if in.Capabilities == nil {
			in.Capabilities = s.head.Capabilities
		}
		for _, sp := range g.SpecReports {
			if sp.LeafNodeType != types.NodeTypeIt {
				out.SpecReports = append(out.SpecReports, sp) // suite-level nodes: their failures and run records count
				continue
			}
			if o, dup := owner[sp.FullText()]; dup {
				return types.Report{}, Input{}, fmt.Errorf("the spec %q is in the reports of %s and %s: the shards were not dealt out by one harness build", sp.FullText(), o, s.name())
			}
			owner[sp.FullText()] = s.name()
			specs = append(specs, sp)
		}
	}
	out.SpecReports = append(out.SpecReports, specs...)
	out.RunTime = out.EndTime.Sub(out.StartTime)
	return out, in, nil
}

// readShard reads one shard's report directory.
func readShard(dir string) (shardDir, error) {
	s := shardDir{dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, ConformanceJSON))
	if err != nil {
		return s, fmt.Errorf("%s: no report of a shard: %w", dir, err)
	}
	if err := json.Unmarshal(b, &s.head); err != nil {
		return s, fmt.Errorf("%s: %w", filepath.Join(dir, ConformanceJSON), err)
	}
	switch {
	case s.head.MergedShards > 0:
		return s, fmt.Errorf("%s holds a merge of %d shards, not one shard's report: merge the shards' own directories", dir, s.head.MergedShards)
	case s.head.Shard == nil && s.head.Verdict == VerdictCouldNotStart:
		return s, fmt.Errorf("%s holds the report of a run that could not start (%s) and names no shard", dir, strings.TrimSpace(s.head.SuiteError))
	case s.head.Shard == nil:
		return s, fmt.Errorf("%s holds the report of a whole run, not of a shard: run each shard with --shard I/N", dir)
	case s.head.Shard.Index < 1 || s.head.Shard.Index > s.head.Shard.Total:
		// Reports are redacted as text: a secret as short as a word of the format mangles it.
		return s, fmt.Errorf("%s: conformance.json records shard %d/%d, which no run makes (was it edited, or a very short secret redacted out of it?)", dir, s.head.Shard.Index, s.head.Shard.Total)
	}
	b, err = os.ReadFile(filepath.Join(dir, GinkgoJSONFile))
	if err != nil {
		return s, fmt.Errorf("%s: the shard's specs: %w", dir, err)
	}
	var rs []types.Report
	if err := json.Unmarshal(b, &rs); err != nil {
		return s, fmt.Errorf("%s: %w", filepath.Join(dir, GinkgoJSONFile), err)
	}
	if len(rs) != 1 {
		return s, fmt.Errorf("%s: %d suite reports, want 1", filepath.Join(dir, GinkgoJSONFile), len(rs))
	}
	s.ginkgo = rs[0]
	return s, nil
}

// checkShards refuses shards (sorted by index) that are not the shards of one run.
func checkShards(shards []shardDir) error {
	first := shards[0]
	for _, s := range shards[1:] {
		for _, d := range []struct{ what, a, b, hint string }{
			{"harness builds", first.head.HarnessVersion, s.head.HarnessVersion, "run every shard with the same build (callconf version)"},
			{"targets", first.head.Target, s.head.Target, "run every shard against the same --base-url"},
			{"numbers of shards", strconv.Itoa(first.head.Shard.Total), strconv.Itoa(s.head.Shard.Total), "give every shard the same N in --shard I/N"},
			{"filters", first.head.Filters.String(), s.head.Filters.String(), "give every shard the same --focus, --skip and --label-filter"},
			{"random seeds", strconv.FormatInt(first.head.RandomSeed, 10), strconv.FormatInt(s.head.RandomSeed, 10), "give every shard the same --seed"},
			{"spec orders (--randomize-all)", strconv.FormatBool(first.head.Randomized), strconv.FormatBool(s.head.Randomized), "give every shard the same --randomize-all"},
			{"modes (--strict)", strconv.FormatBool(first.head.Strict), strconv.FormatBool(s.head.Strict), "give every shard the same --strict"},
			{"target capabilities", capsText(first.head.Capabilities), capsText(s.head.Capabilities), "declare them with --capabilities so every shard tests the same routes"},
		} {
			if d.what == "target capabilities" && (first.head.Capabilities == nil || s.head.Capabilities == nil) {
				continue // a shard that never prepared the target: its suite error makes the merge incomplete
			}
			if d.a != d.b {
				return fmt.Errorf("the shards are not of one run: they differ in their %s: %s has %s, %s has %s; %s", d.what, first.name(), d.a, s.name(), d.b, d.hint)
			}
		}
	}
	var missing []string
	seen := map[int]string{}
	for _, s := range shards {
		if d, dup := seen[s.head.Shard.Index]; dup {
			return fmt.Errorf("shard %d/%d is given twice: %s and %s", s.head.Shard.Index, s.head.Shard.Total, d, s.dir)
		}
		seen[s.head.Shard.Index] = s.dir
	}
	for i := 1; i <= first.head.Shard.Total; i++ {
		if _, ok := seen[i]; !ok {
			missing = append(missing, strconv.Itoa(i))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing shard(s) %s of %d: a merge needs the report directory of every shard (%d given)", strings.Join(missing, ", "), first.head.Shard.Total, len(shards))
	}
	return nil
}

// capsText renders capabilities for a comparison.
func capsText(c *Capabilities) string {
	if c == nil {
		return "none (never prepared)"
	}
	return c.Source + " " + cmp.Or(strings.Join(c.Have, ","), "none")
}
