package generate

import (
	"bytes"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Smaller returns bodies smaller than body, the biggest cut first: a top-level member left out
// (while another remains), then, anywhere inside, an object member or array item left out and a
// string cut to its first half or to nothing. keep decides which of them are candidates (a valid
// body must stay valid, an invalid one invalid); the caller tries them in order.
func Smaller(body any, keep func(any) bool) []any {
	var out []any
	try := func(c any) {
		if keep(c) {
			out = append(out, c)
		}
	}
	if m, ok := body.(map[string]any); ok && len(m) > 1 {
		for _, k := range sortedKeys(m) {
			c := Clone(m).(map[string]any)
			delete(c, k)
			try(c)
		}
	}
	var walk func(path []string, v any)
	walk = func(path []string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(x) {
				if len(path) > 0 {
					try(without(body, append(slices.Clone(path), k)))
				}
				walk(append(slices.Clone(path), k), x[k])
			}
		case []any:
			for i := range x {
				try(without(body, append(slices.Clone(path), strconv.Itoa(i))))
			}
			for i, e := range x {
				walk(append(slices.Clone(path), strconv.Itoa(i)), e)
			}
		case string:
			if x != "" {
				try(replaced(body, path, ""))
			}
			if n := utf8.RuneCountInString(x); n > 1 {
				try(replaced(body, path, string([]rune(x)[:n/2])))
			}
		}
	}
	walk(nil, body)
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// without is a copy of body with the member or item at path left out.
func without(body any, path []string) any {
	cp := Clone(body)
	parent, last := at(cp, path[:len(path)-1]), path[len(path)-1]
	switch p := parent.(type) {
	case map[string]any:
		delete(p, last)
	case []any:
		i, _ := strconv.Atoi(last)
		return replaced(cp, path[:len(path)-1], slices.Delete(slices.Clone(p), i, i+1))
	}
	return cp
}

// at is the member or item of v that path leads to (v itself for an empty path).
func at(v any, path []string) any {
	for _, seg := range path {
		v = child(v, seg)
	}
	return v
}

// replaced is a copy of body with v at path.
func replaced(body any, path []string, v any) any {
	if len(path) == 0 {
		return v
	}
	cp := Clone(body)
	parent, last := at(cp, path[:len(path)-1]), path[len(path)-1]
	switch p := parent.(type) {
	case map[string]any:
		p[last] = v
	case []any:
		i, _ := strconv.Atoi(last)
		p[i] = v
	}
	return cp
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
