// Package suggest finds the "did you mean" of a mistyped name: flags, subcommands, variables,
// configuration keys, requirement IDs and selftest implementations all use the same rule.
package suggest

import "strings"

// Closest returns the candidate closest to word by case-insensitive edit distance, when it is
// close enough to be a slip of the keyboard: at most two edits, and fewer than half the word's
// length. It returns "" otherwise. Ties go to the earlier candidate, so callers that pass a
// sorted or catalogue-ordered list get a deterministic answer. A hostile, very long word costs
// no quadratic work: candidates whose length differs by more than the bound are skipped.
func Closest(word string, candidates []string) string {
	best, bestD := "", min(3, (len(word)+1)/2)
	lw := strings.ToLower(word)
	for _, cand := range candidates {
		if abs(len(word)-len(cand)) >= bestD {
			continue
		}
		if d := distance(lw, strings.ToLower(cand)); d < bestD {
			best, bestD = cand, d
		}
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
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
