package conformance

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/requirements"
)

// RequirementOf returns the requirement ID a spec is labelled with, and how many req: labels
// it carries.
func RequirementOf(spec types.SpecReport) (string, int) {
	return requirements.FromLabels(spec.Labels())
}

// CheckTree inspects a preview of the spec tree (ginkgo.PreviewSpecs) and reports, all at once,
// every spec without exactly one known requirement, every requirement without a spec, and every
// duplicate spec name. Callers refuse to run a suite that fails it.
func CheckTree(preview types.Report) error {
	var errs []error
	seen := map[string]bool{}
	covered := map[string]bool{}
	for _, spec := range preview.SpecReports {
		if spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		name := spec.FullText()
		if seen[name] {
			errs = append(errs, fmt.Errorf("duplicate spec name %q (%s)", name, spec.LeafNodeLocation))
		}
		seen[name] = true
		id, n := RequirementOf(spec)
		switch {
		case n == 0:
			errs = append(errs, fmt.Errorf("spec %q (%s) checks no requirement: register it with Spec", name, spec.LeafNodeLocation))
		case n > 1:
			errs = append(errs, fmt.Errorf("spec %q (%s) carries %d requirement labels", name, spec.LeafNodeLocation, n))
		default:
			if _, err := requirements.Get(id); err != nil {
				errs = append(errs, fmt.Errorf("spec %q (%s): %w", name, spec.LeafNodeLocation, err))
			}
			covered[id] = true
		}
	}
	for _, r := range requirements.All() {
		if !covered[r.ID] {
			errs = append(errs, fmt.Errorf("requirement %s (%s) has no spec", r.ID, r.Title))
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	if len(errs) > 0 {
		return fmt.Errorf("conformance spec tree is inconsistent with the requirement registry:\n%w", errors.Join(errs...))
	}
	return nil
}

// SpecsByRequirement maps each requirement ID to the full names of its specs, from a preview.
func SpecsByRequirement(preview types.Report) map[string][]string {
	out := map[string][]string{}
	for _, spec := range preview.SpecReports {
		if spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		if id, n := RequirementOf(spec); n == 1 {
			out[id] = append(out[id], spec.FullText())
		}
	}
	for id := range out {
		slices.Sort(out[id])
	}
	return out
}
