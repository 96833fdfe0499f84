package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/callconf/callconf/internal/suggest"
	"github.com/callconf/callconf/schemas"
)

// notAllowed and allowedValue read the property of an additionalProperties violation and the
// values an enum allows from the validator's messages (schemas.messageOf).
var (
	notAllowed   = regexp.MustCompile(`^property "([^"]*)" is not allowed here`)
	allowedValue = regexp.MustCompile(`"([^"]*)"`)
)

// propertyNames is every property name the schemas declare anywhere, sorted: the candidates for
// a misspelt property below the top level.
var propertyNames = sync.OnceValue(func() []string {
	seen := map[string]bool{}
	var walk func(any)
	walk = func(n any) {
		switch n := n.(type) {
		case map[string]any:
			if props, ok := n["properties"].(map[string]any); ok {
				for name := range props {
					seen[name] = true
				}
			}
			for _, v := range n {
				walk(v)
			}
		case []any:
			for _, v := range n {
				walk(v)
			}
		}
	}
	for _, name := range schemas.Names() {
		b, err := schemas.Document(name)
		if err != nil {
			continue
		}
		var doc any
		if json.Unmarshal(b, &doc) == nil {
			walk(doc)
		}
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
})

// didYouMean is "; did you mean X?" for a violation that looks like a slip: a property not
// allowed whose name is near a declared one (subjcet), or an enum value near an allowed one
// (Established, a case slip); "" otherwise.
func didYouMean(v schemas.Violation) string {
	switch v.Keyword {
	case "additionalProperties":
		m := notAllowed.FindStringSubmatch(v.Message)
		if m == nil {
			return ""
		}
		candidates := propertyNames()
		if strings.Count(v.Pointer, "/") == 1 { // a property of the call itself
			candidates = schemas.CallProperties()
		}
		if s := suggest.Closest(m[1], candidates); s != "" && s != m[1] {
			return fmt.Sprintf("; did you mean %q?", s)
		}
	case "enum":
		var got string
		if json.Unmarshal([]byte(v.Value), &got) != nil {
			return ""
		}
		_, list, ok := strings.Cut(v.Message, "allowed values:")
		if !ok {
			return ""
		}
		var allowed []string
		for _, m := range allowedValue.FindAllStringSubmatch(list, -1) {
			allowed = append(allowed, m[1])
		}
		if s := suggest.Closest(got, allowed); s != "" && s != got {
			return fmt.Sprintf("; did you mean %q?", s)
		}
	}
	return ""
}
