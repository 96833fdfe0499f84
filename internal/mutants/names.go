package mutants

import "slices"

// Names returns the names of the implementations of the given kinds (every kind when none is
// given), in catalogue order.
func Names(kinds ...Kind) []string {
	var out []string
	for _, im := range All() {
		if len(kinds) == 0 || slices.Contains(kinds, im.Kind) {
			out = append(out, im.Name)
		}
	}
	return out
}
