package requirements

import "strings"

// labelPrefix starts the Ginkgo label that names a spec's requirement.
const labelPrefix = "req:"

// FromLabels returns the requirement ID a spec's labels name ("" when none) and how many
// requirement labels there are: the one place that reads the labels Requirement.Label writes.
func FromLabels(labels []string) (id string, n int) {
	for _, l := range labels {
		if rest, ok := strings.CutPrefix(l, labelPrefix); ok {
			id, n = rest, n+1
		}
	}
	return id, n
}

// CollectionPath is the calls collection below a target's base URL: the contract judges
// PATCH {base}/communications/calls/{callId}, and optionally POST on the collection and GET and
// DELETE on an item.
const CollectionPath = "/communications/calls"
