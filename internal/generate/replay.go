package generate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Minimize shrinks c, which failed with first, to a smaller case that still fails for one of
// the requirements first names: it tries Shrinks in order, keeps the first that still fails and
// starts again, until none does or the candidates tried have spent budget requests. try runs one
// candidate. It returns the smallest failing case, its outcome and how many shrinks it kept.
func (g *Generator) Minimize(c Case, first Outcome, budget int, try func(Case) Outcome) (Case, Outcome, int) {
	want := first.Requirements()
	spent, kept := 0, 0
	for {
		progressed := false
		for _, cand := range g.Shrinks(c) {
			if spent >= budget {
				return c, first, kept
			}
			o := try(cand)
			spent += len(o.Exchanges)
			if o.Failed() && slices.ContainsFunc(o.Requirements(), func(r string) bool { return slices.Contains(want, r) }) {
				c, first, kept, progressed = cand, o, kept+1, true
				break
			}
		}
		if !progressed {
			return c, first, kept
		}
	}
}

// ReplayVersion is the version of the replay file's shape.
const ReplayVersion = 1

// Replay is a failing generated case saved for `callconf replay`: requests relative to the base
// URL, on calls the replay creates (with Create) or is given, and the judgement the run made.
type Replay struct {
	Version     int             `json:"version"`
	Requirement string          `json:"requirement"` // the spec's requirement
	Spec        string          `json:"spec"`
	Kind        string          `json:"kind"`
	Seed        int             `json:"seed"`  // the run's generation seed
	Index       int             `json:"index"` // the case's number in its spec
	Create      json.RawMessage `json:"create"`
	Case        Case            `json:"case"`
	// Failed lists the requirements the case failed, and Findings what it found, when saved.
	Failed   []string `json:"failed"`
	Findings []string `json:"findings"`
}

// Save writes r as dir/replay/NAME.json and returns the path.
func (r Replay) Save(dir string) (string, error) {
	d := filepath.Join(dir, "replay")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", fmt.Errorf("replay directory: %w", err)
	}
	name := fmt.Sprintf("%s-%s-seed%d-case%d.json", strings.ToLower(r.Requirement), r.Kind, r.Seed, r.Index)
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("replay file: %w", err)
	}
	p := filepath.Join(d, name)
	if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("replay file: %w", err)
	}
	return p, nil
}

// LoadReplay reads a replay file.
func LoadReplay(path string) (Replay, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Replay{}, fmt.Errorf("replay file: %w", err)
	}
	var r Replay
	if err := json.Unmarshal(b, &r); err != nil {
		return Replay{}, fmt.Errorf("replay file %s: %w", path, err)
	}
	if r.Version != ReplayVersion {
		return Replay{}, fmt.Errorf("replay file %s: version %d, want %d", path, r.Version, ReplayVersion)
	}
	if r.Case.Calls < 1 || r.Case.Calls > 8 || len(r.Case.Steps) == 0 {
		return Replay{}, fmt.Errorf("replay file %s: a case needs 1 to 8 calls and at least one step", path)
	}
	return r, nil
}
