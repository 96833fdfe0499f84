package selftest

import (
	"slices"
	"strings"
	"testing"

	"github.com/callconf/callconf/internal/mutants"
)

// The reference and allowed variants get a child that runs the generated specs with the seeds;
// one with named calls runs them in its only child (two children would share its calls); a
// mutant gets none.
func TestSeedsChildren(t *testing.T) {
	impls, err := mutants.Select([]string{"reference", "no-create-405", "status-204"})
	if err != nil {
		t.Fatal(err)
	}
	targets, err := serve(impls, t.TempDir(), 20)
	defer stop(targets)
	if err != nil {
		t.Fatal(err)
	}
	seeded := func(c *Child) bool {
		return strings.Contains(strings.Join(c.Args, " "), "--generate-seeds 20 --generate 10")
	}
	for _, tg := range targets {
		var got []string
		for _, c := range tg.Children {
			got = append(got, c.Filter)
		}
		switch tg.Impl.Name {
		case "reference":
			if len(tg.Children) != 2 || seeded(tg.Children[0]) || !seeded(tg.Children[1]) || tg.Children[1].Filter != generatedFilter ||
				!slices.Contains(tg.Children[1].Args, "generated") || tg.Children[1].Dir == tg.Children[0].Dir {
				t.Errorf("reference: want its run and a seeds child of the generated specs in a directory of its own, got filters %q", got)
			}
		case "no-create-405":
			if len(tg.Children) != 1 || !seeded(tg.Children[0]) {
				t.Errorf("no-create-405: want one child that runs the generated specs with the seeds, got %d: %v", len(tg.Children), tg.Children[0].Args)
			}
		case "status-204":
			if len(tg.Children) != 1 || seeded(tg.Children[0]) {
				t.Errorf("status-204: a mutant gets no seeds, got %d children", len(tg.Children))
			}
		}
	}
	none, err := serve(impls[:1], t.TempDir(), 0)
	defer stop(none)
	if err != nil || len(none[0].Children) != 1 {
		t.Errorf("--seeds 0 still adds a child: %v", err)
	}
}
