package selftest

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/callconf/callconf/internal/mutants"
)

// DefaultSeeds is how many generation seeds the selftest's seeds children use (issue 18: the
// reference and every allowed variant pass the generated cases of 20 seeds).
const DefaultSeeds = 20

// seedsCases is the generated cases per requirement and seed of a seeds child: 20 seeds of them
// are several times a default run's cases.
const seedsCases = 10

// generatedFilter selects the generated specs (conformance.GeneratedLabel).
const generatedFilter = "generated"

// seedsChild is the child that runs only the generated specs of a reference or an allowed variant
// with seeds generation seeds, nil when there is none to run: not a variant, no seeds, or a
// sharded implementation (its answers are slow on purpose; its generated specs run in its shards).
//
// An implementation with named calls gets no seeds child: two children at once would write to the
// same calls. Its one child runs the generated specs with the seeds instead.
func seedsChild(t *Target, inst *mutants.Instance, url string, seeds int) *Child {
	if seeds <= 0 || len(inst.Shards) > 0 || (t.Impl.Kind != mutants.KindReference && t.Impl.Kind != mutants.KindVariant) {
		return nil
	}
	more := []string{"--generate-seeds", strconv.Itoa(seeds), "--generate", strconv.Itoa(seedsCases)}
	if len(inst.CallIDs) > 0 {
		for _, c := range t.Children {
			c.Args = append(c.Args, more...)
		}
		return nil
	}
	c := &Child{Label: fmt.Sprintf("%s (%d seeds)", t.Impl.Name, seeds), Filter: generatedFilter, Dir: filepath.Join(t.Dir, "seeds"), Exit: -1}
	c.Args = append(childArgs(inst, url, c.Dir, generatedFilter, childProcs(&t.Impl, inst, 1)), more...)
	return c
}
