package mutants

import (
	"slices"
	"strings"
)

// Suggest returns the name in names closest to name (case-insensitive edit distance), when it is
// close enough to be a slip of the keyboard: at most 3 edits and fewer than half the name's
// length. It returns "" otherwise. Ties go to the earlier name, so the answer is deterministic.
func Suggest(name string, names []string) string {
	best, bestD := "", min(4, (len(name)+1)/2)
	for _, cand := range names {
		if d := editDistance(strings.ToLower(name), strings.ToLower(cand)); d < bestD {
			best, bestD = cand, d
		}
	}
	return best
}

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

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
