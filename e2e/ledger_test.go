package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/mutants"
)

// runSection is the part of conformance.json's "run" these tests read, with the verdict.
type runSection struct {
	Verdict      string
	Requests     int
	Requirements []struct{ ID, Outcome string }
	Run          struct {
		Requests, FindingsTotal int
		Findings                []struct {
			Requirement, Phase string
			Exchange           struct {
				Method string
				Status int
			}
		}
		Warnings []struct{ Kind, CallID, Text string }
	}
}

func readRun(t *testing.T, dir string) runSection {
	t.Helper()
	readReports(t, dir) // checks conformance.json against its schema
	b, err := os.ReadFile(filepath.Join(dir, "conformance.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c runSection
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// counted serves the catalogue implementation name, counting the requests it receives.
func counted(t *testing.T, name, token string) (string, *mutants.Instance, *atomic.Int64) {
	t.Helper()
	impl, ok := mutants.Get(name)
	if !ok {
		t.Fatalf("no implementation %q", name)
	}
	inst, err := impl.Build(token)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	url := serveOn(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		inst.Handler.ServeHTTP(w, r)
	}))
	return url, inst, &n
}

// Two runs in a row against one stateful target with named calls give the same verdict, and
// leave the named calls as they were before the first (issue 17, "Done when"): every probe is
// undone within its spec, and nothing the first run left decides the second's verdicts. The
// reports count every request the target received, and warn of nothing.
func TestTwoRunsInARowOnNamedCalls(t *testing.T) {
	for _, name := range []string{"no-create-405", "named-open-types"} {
		t.Run(name, func(t *testing.T) {
			const token = "e2e-ledger-token"
			url, inst, received := counted(t, name, token)
			args := []string{"--base-url", url, "--strict", "--seed", "17"}
			for _, id := range inst.CallIDs {
				args = append(args, "--call-id", id)
			}
			if inst.Capabilities != nil {
				args = append(args, "--capabilities", strings.Join(inst.Capabilities, ","))
			}
			var verdicts []runSection
			for i := range 2 {
				dir := t.TempDir()
				before := received.Load()
				r := run(t, 3*time.Minute, []string{"CALLCONF_TOKEN=" + token}, append(args, "--report-dir", dir)...)
				if r.code != 0 {
					t.Fatalf("run %d: %s", i+1, r)
				}
				c := readRun(t, dir)
				if got := received.Load() - before; int64(c.Requests) != got {
					t.Errorf("run %d: the reports count %d requests, the target received %d", i+1, c.Requests, got)
				}
				if len(c.Run.Warnings)+c.Run.FindingsTotal > 0 || c.Run.Requests == 0 {
					t.Errorf("run %d: outside any spec: %d requests, warnings %+v, %d findings", i+1, c.Run.Requests, c.Run.Warnings, c.Run.FindingsTotal)
				}
				verdicts = append(verdicts, c)
			}
			if a, b := verdicts[0], verdicts[1]; a.Verdict != b.Verdict || len(a.Requirements) != len(b.Requirements) {
				t.Fatalf("verdicts %s and %s", a.Verdict, b.Verdict)
			}
			for i, r := range verdicts[0].Requirements {
				if o := verdicts[1].Requirements[i].Outcome; o != r.Outcome {
					t.Errorf("%s: %s in the first run, %s in the second", r.ID, r.Outcome, o)
				}
			}
			if err := inst.Check(); err != nil { // the named calls against their seeds (null as absent)
				t.Error(err)
			}
		})
	}
}

// A target whose DELETE answers 500 for every call that was PATCHed fails PATCH-08 through the
// clean-up: the run lists each finding with its exchange and each call it left behind.
func TestCleanUpIsJudged(t *testing.T) {
	const token = "e2e-ledger-token"
	url, _, received := counted(t, "delete-500-after-patch", token)
	dir := t.TempDir()
	r := run(t, 3*time.Minute, []string{"CALLCONF_TOKEN=" + token}, "--base-url", url, "--label-filter", "req:PATCH-01", "--report-dir", dir)
	if r.code != 1 || !strings.Contains(r.stdout, "PATCH-08 [clean-up] DELETE "+url) || !strings.Contains(r.stdout, "was left behind: the DELETE answered 500") {
		t.Fatalf("want exit 1 with the clean-up's finding and the calls left behind:\n%s", r)
	}
	c := readRun(t, dir)
	if int64(c.Requests) != received.Load() {
		t.Errorf("the reports count %d requests, the target received %d", c.Requests, received.Load())
	}
	for _, req := range c.Requirements {
		if req.ID == "PATCH-08" && req.Outcome != "failed" {
			t.Errorf("PATCH-08 %s, want failed", req.Outcome)
		}
	}
	if c.Run.FindingsTotal == 0 || c.Run.Findings[0].Phase != "clean-up" || c.Run.Findings[0].Exchange.Status != 500 || len(c.Run.Warnings) != c.Run.FindingsTotal {
		t.Errorf("run section: %+v", c.Run)
	}
	_, j, md := readReports(t, dir)
	if !strings.Contains(md, "## The run, outside any spec") {
		t.Error("conformance.md has no section for the run outside specs")
	}
	// junit.xml: PATCH-08's one case fails (its finding lies outside any spec);
	// junit-specs.xml: the run has a failed case of its own beside the specs.
	failed := func(doc junitDoc, prefix string) bool {
		for _, s := range doc.Suites {
			for _, tc := range s.Cases {
				if strings.HasPrefix(tc.Name, prefix) && tc.Failure != nil {
					return true
				}
			}
		}
		return false
	}
	if !failed(j, "PATCH-08 ") {
		t.Error("junit.xml: PATCH-08's case is not a failure")
	}
	if !failed(readJUnit(t, dir, "junit-specs.xml"), "the run, outside any spec") {
		t.Error("junit-specs.xml has no failed case for the run outside specs")
	}
}
