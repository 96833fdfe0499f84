package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/config"
)

// Shards across machines (issue 19, item 4): three shards run as separate processes of the
// built binary, merged, must say what one run of every spec says.

// shardView is what a run's conformance.json says that a merge must reproduce.
type shardView struct {
	Verdict  string
	ExitCode int
	Conforms bool
	Summary  map[string]int
	Shard    *struct{ Index, Total int }
	Merged   int `json:"mergedShards"`
	Specs    []struct {
		Name, Requirement, Outcome string
		Broke                      []string
	}
	Requirements []struct {
		ID, Outcome  string
		SpecsN       int `json:"specs"`
		PassedN      int `json:"passedSpecs"`
		Failures     []struct{ Spec string }
		Inconclusive []struct{ Spec string }
	}
}

// outcomes renders what must be equal between a merge and one run, one line per requirement
// and per spec.
func (v shardView) outcomes() string {
	var b strings.Builder
	fmt.Fprintf(&b, "verdict %s, exit %d, conforms %v, summary %v, %d specs\n", v.Verdict, v.ExitCode, v.Conforms, v.Summary, len(v.Specs))
	for _, r := range v.Requirements {
		var failed []string
		for _, f := range r.Failures {
			failed = append(failed, f.Spec)
		}
		fmt.Fprintf(&b, "%s %s %d/%d failures %d %q inconclusive %d\n", r.ID, r.Outcome, r.PassedN, r.SpecsN, len(failed), failed, len(r.Inconclusive))
	}
	for _, s := range v.Specs {
		fmt.Fprintf(&b, "%s [%s] %s broke %v\n", s.Name, s.Requirement, s.Outcome, s.Broke)
	}
	return b.String()
}

func readShardView(t *testing.T, dir string) shardView {
	t.Helper()
	readReports(t, dir) // conformance.json against its schema, junit.xml and conformance.md present
	var v shardView
	if err := json.Unmarshal([]byte(readFile(t, dir, "conformance.json")), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// runShards runs shards 1..n of one run at once, each its own process with its own report
// directory under root, and returns the directories and exit statuses.
func runShards(t *testing.T, root string, n int, env []string, args ...string) ([]string, []int) {
	t.Helper()
	dirs, codes := make([]string, n), make([]int, n)
	results := make([]result, n)
	errs := make([]error, n)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for i := range n {
		dirs[i] = filepath.Join(root, fmt.Sprintf("shard-%d", i+1))
		wg.Go(func() {
			c := exec.CommandContext(ctx, runnerBin, append(slices.Clone(args), "--shard", fmt.Sprintf("%d/%d", i+1, n), "--report-dir", dirs[i])...)
			c.Env = append(config.WithoutEnv(os.Environ()), env...)
			var out, errb bytes.Buffer
			c.Stdout, c.Stderr = &out, &errb
			errs[i] = c.Run()
			results[i] = result{code: c.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
			codes[i] = results[i].code
		})
	}
	wg.Wait()
	for i, r := range results {
		if ctx.Err() != nil || strings.Contains(r.stdout+r.stderr, "panic:") {
			t.Fatalf("shard %d did not end within 3 minutes or panicked (%v):\n%s", i+1, errs[i], r)
		}
		if !strings.Contains(r.stdout, fmt.Sprintf("(shard %d of %d)", i+1, n)) {
			t.Errorf("shard %d does not say which share it runs:\n%s", i+1, r)
		}
	}
	return dirs, codes
}

func TestShardsMergeToWhatOneRunSays(t *testing.T) {
	const token = "e2e-shard-token-31"
	for _, tc := range []struct {
		name, base string
		exit       int
	}{
		{"conforming", serveReference(t, token, nil), 0},
		{"failing mutant status-204", serveMutant(t, "status-204", token), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := []string{"CALLCONF_TOKEN=" + token}
			// A share of the requirements of every feature keeps the test quick; the merge
			// must still reproduce passes, failures and filtered-out specs alike.
			args := []string{"--base-url", tc.base, "--seed", "11", "--label-filter", "req:PATCH-01 || req:PATCH-04 || req:ERR-01 || req:ERR-06 || req:HTTP-01 || req:STATE-02"}
			root := t.TempDir()
			whole := filepath.Join(root, "whole")
			one := run(t, 3*time.Minute, env, append(slices.Clone(args), "--procs", "1", "--report-dir", whole)...)
			if one.code != tc.exit {
				t.Fatalf("one run: want exit %d:\n%s", tc.exit, one)
			}
			dirs, _ := runShards(t, root, 3, env, append(slices.Clone(args), "--procs", "1")...)
			var seen []string
			for i, d := range dirs {
				v := readShardView(t, d)
				if v.Shard == nil || v.Shard.Index != i+1 || v.Shard.Total != 3 {
					t.Errorf("%s records shard %+v, want %d/3", d, v.Shard, i+1)
				}
				for _, s := range v.Specs {
					seen = append(seen, s.Name)
				}
			}
			want := readShardView(t, whole)
			var all []string
			for _, s := range want.Specs {
				all = append(all, s.Name)
			}
			slices.Sort(seen)
			if !slices.Equal(seen, all) {
				t.Errorf("the shards ran %d specs between them, one run %d: each spec must be in exactly one shard", len(seen), len(all))
			}

			out := filepath.Join(root, "merged")
			m := run(t, time.Minute, nil, append([]string{"merge", "--report-dir", out}, dirs[2], dirs[0], dirs[1])...)
			if m.code != tc.exit {
				t.Fatalf("merge: want exit %d like one run:\n%s", tc.exit, m)
			}
			got := readShardView(t, out)
			if got.Merged != 3 || got.Shard != nil {
				t.Errorf("merged report: mergedShards %d, shard %+v", got.Merged, got.Shard)
			}
			if g, w := got.outcomes(), want.outcomes(); g != w {
				t.Errorf("the merge says otherwise than one run:\n--- merge ---\n%s\n--- one run ---\n%s", tail(g, 4000), tail(w, 4000))
			}
			// The merged HAR holds every shard's exchanges: as many entries as the merged
			// reports count requests.
			var harDoc struct {
				Log struct{ Entries []json.RawMessage }
			}
			if b, err := os.ReadFile(filepath.Join(out, "exchanges.har")); err != nil || json.Unmarshal(b, &harDoc) != nil {
				t.Errorf("the merge wrote no exchanges.har: %v", err)
			} else if cm := readRun(t, out); len(harDoc.Log.Entries) != cm.Requests {
				t.Errorf("the merged exchanges.har has %d entries, the merged reports count %d requests", len(harDoc.Log.Entries), cm.Requests)
			}
			_, jm, _ := readReports(t, out)
			_, jw, _ := readReports(t, whole)
			if jm.Tests != jw.Tests || jm.Failures != jw.Failures || jm.Errors != jw.Errors {
				t.Errorf("junit.xml of the merge: %d tests, %d failures, %d errors; of one run: %d, %d, %d", jm.Tests, jm.Failures, jm.Errors, jw.Tests, jw.Failures, jw.Errors)
			}
		})
	}
}

func TestMergeRefusesShardsOfDifferentRuns(t *testing.T) {
	root := t.TempDir()
	filter := []string{"--label-filter", "req:PATCH-01 || req:ERR-01"}
	dirs, codes := runShards(t, root, 3, nil, append(slices.Clone(filter), "--seed", "5")...)
	for i, c := range codes {
		if c != 0 {
			t.Fatalf("shard %d: exit %d", i+1, c)
		}
	}
	other := filepath.Join(root, "other-seed")
	if r := run(t, time.Minute, nil, append(slices.Clone(filter), "--seed", "6", "--shard", "2/3", "--report-dir", other)...); r.code != 0 {
		t.Fatalf("shard 2 with another seed:\n%s", r)
	}
	for _, tc := range []struct {
		name string
		dirs []string
		want string
	}{
		{"different seeds", []string{dirs[0], other, dirs[2]}, "differ in their random seeds"},
		{"missing shard", []string{dirs[0], dirs[1]}, "missing shard(s) 3 of 3"},
		{"shard twice", []string{dirs[0], dirs[1], dirs[1], dirs[2]}, "shard 2/3 is given twice"},
		{"not a report", []string{dirs[0], dirs[1], root}, "no report of a shard"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "merged")
			r := run(t, time.Minute, nil, append([]string{"merge", "--report-dir", out}, tc.dirs...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("want exit 2 and %q:\n%s", tc.want, r)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a refused merge wrote %s", out)
			}
		})
	}
	// The three shards of one run do merge.
	if r := run(t, time.Minute, nil, append([]string{"merge", "--report-dir", filepath.Join(root, "ok")}, dirs...)...); r.code != 0 {
		t.Errorf("the shards of one run: want exit 0:\n%s", r)
	}
}

func TestShardFlagIsCheckedBeforeAnythingIsSent(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"--shard", "0/3", "--seed", "1"}, nil, "shards count from 1"},
		{[]string{"--shard", "4/3", "--seed", "1"}, nil, "from 1 to N (3)"},
		{[]string{"--shard", "three", "--seed", "1"}, nil, "is not I/N"},
		{[]string{"--seed", "1"}, []string{"CALLCONF_SHARD=1/0"}, "the number of shards N must be"},
		{[]string{"--shard", "1/3"}, nil, "needs --seed"},
		{[]string{"merge", "--report-dir", "x"}, nil, "name the report directory of every shard"},
		{[]string{"merge", "a", "b"}, nil, "--report-dir OUT is required"},
	} {
		r := run(t, time.Minute, tc.env, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stdout, "running ") {
			t.Errorf("%v %v: want exit 2 before any spec, saying %q:\n%s", tc.env, tc.args, tc.want, r)
		}
	}
}

// TestReadmeIndexedJobShardsFromZero plays the README's Kubernetes Indexed Job: its command, run
// by sh for JOB_COMPLETION_INDEX 0, 1 and 2 (the embedded reference standing in for staging),
// makes shards 1/3 to 3/3, and the README's merge of them conforms. It also checks the Actions
// matrix passes --shard with --seed.
func TestReadmeIndexedJobShardsFromZero(t *testing.T) {
	job := readmeBlock(t, "yaml", "completionMode: Indexed")
	m := regexp.MustCompile(`(?s)- >-\n(.*?)\n\s*env:`).FindStringSubmatch(job)
	if m == nil {
		t.Fatalf("no folded command in the README's Indexed Job:\n%s", job)
	}
	line := strings.Join(strings.Fields(m[1]), " ")
	if !strings.Contains(line, "$((JOB_COMPLETION_INDEX + 1))/3") {
		t.Fatalf("the Indexed Job's command does not add 1 to JOB_COMPLETION_INDEX: %s", line)
	}
	root := t.TempDir()
	line = strings.ReplaceAll(strings.Replace(line, "exec callconf", "exec "+runnerBin, 1), "/reports/", root+"/")
	for i := range 3 {
		r := execute(t, 2*time.Minute, "sh", []string{fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i)}, func(ctx context.Context) *exec.Cmd {
			return exec.CommandContext(ctx, "/bin/sh", "-c", line)
		})
		if r.code != 0 {
			t.Fatalf("JOB_COMPLETION_INDEX=%d: %s\n%s", i, line, r)
		}
		if v := readShardView(t, filepath.Join(root, fmt.Sprintf("shard-%d", i+1))); v.Shard == nil || v.Shard.Index != i+1 {
			t.Errorf("JOB_COMPLETION_INDEX=%d made shard %+v", i, v.Shard)
		}
	}
	r := execute(t, time.Minute, "sh", nil, func(ctx context.Context) *exec.Cmd {
		return exec.CommandContext(ctx, "/bin/sh", "-c", runnerBin+" merge --report-dir "+root+"/merged "+root+"/shard-*")
	})
	if v := readShardView(t, filepath.Join(root, "merged")); r.code != 0 || v.Verdict != "CONFORMS" || v.Merged != 3 {
		t.Errorf("the README's merge: %s (%+v)", r, v.Verdict)
	}
	matrix := readmeBlock(t, "yaml", "matrix:")
	if !strings.Contains(matrix, "--shard ${{ matrix.shard }}/3 --seed ") || !strings.Contains(matrix, "callconf merge --report-dir") {
		t.Errorf("the README's Actions matrix does not shard with a seed and merge:\n%s", matrix)
	}
}
