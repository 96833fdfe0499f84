package conformance

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/suggest"
)

// labelToken splits a label filter into its words: labels, set operations, braces' contents.
var labelToken = regexp.MustCompile(`/[^/]*/|[^\s&|!,(){}]+`)

// CheckLabelFilter reports a req:, level: or feature: label of filter that no spec carries, with
// the closest that exists: `req:PATCH-4` would run nothing and read as green. The runner and the
// suite's test binary (`go tool ginkgo run`) both refuse such a filter with this message before
// any request is sent.
func CheckLabelFilter(filter string) error {
	known := map[string][]string{"req": nil, "level": nil, "feature": nil}
	for _, r := range requirements.All() {
		known["req"] = append(known["req"], r.ID)
		if !slices.Contains(known["feature"], r.Feature) {
			known["feature"] = append(known["feature"], r.Feature)
		}
	}
	for _, l := range []requirements.Level{requirements.Must, requirements.Should, requirements.May} {
		known["level"] = append(known["level"], string(l))
	}
	nouns := map[string]string{"req": "requirement", "level": "requirement level", "feature": "feature"}
	for _, tok := range labelToken.FindAllString(filter, -1) {
		key, value, ok := strings.Cut(tok, ":")
		key = strings.ToLower(key)
		if !ok || value == "" || strings.HasPrefix(tok, "/") || known[key] == nil {
			continue // not a label of the registry's kinds, a regular expression, or a set operation's key
		}
		// Ginkgo matches labels without regard to case.
		if slices.ContainsFunc(known[key], func(k string) bool { return strings.EqualFold(k, value) }) {
			continue
		}
		msg := fmt.Sprintf("--label-filter: no %s %s", nouns[key], value)
		if s := suggest.Closest(value, known[key]); s != "" {
			msg += fmt.Sprintf("; did you mean %s:%s?", key, s)
		} else {
			msg += " ('callconf list' prints them)"
		}
		return errors.New(msg)
	}
	return nil
}
