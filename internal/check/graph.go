package check

import (
	"maps"
	"net/http"
	"slices"
	"strings"
)

// GraphError checks a 4xx body against the Graph error format (contract ERR-06): a JSON object
// whose member `error` is an object with a non-empty string `code` and a string `message`.
func GraphError(body []byte) []Mismatch {
	obj, err := DecodeObject(body)
	if err != nil {
		return []Mismatch{{Pointer: "", Expected: `a JSON object {"error": {"code", "message"}}`, Actual: Cut(string(body), maxShown), Message: err.Error()}}
	}
	e, ok := obj["error"].(map[string]any)
	if !ok {
		v, present := obj["error"]
		return []Mismatch{{Pointer: "/error", Expected: "an object", Actual: Show(v, present)}}
	}
	var out []Mismatch
	if code, ok := e["code"].(string); !ok || code == "" {
		v, present := e["code"]
		out = append(out, Mismatch{Pointer: "/error/code", Expected: "a non-empty string", Actual: Show(v, present)})
	}
	if _, ok := e["message"].(string); !ok {
		v, present := e["message"]
		out = append(out, Mismatch{Pointer: "/error/message", Expected: "a string", Actual: Show(v, present)})
	}
	return out
}

// InnerError checks the optional inner error of a Graph error body (contract ERR-07): a member
// named innerError in any letter case, an object carrying `request-id` and `date`.
func InnerError(body []byte) []Mismatch {
	obj, err := DecodeObject(body)
	if err != nil {
		return []Mismatch{{Pointer: "", Expected: "a Graph error body", Actual: Cut(string(body), maxShown), Message: err.Error()}}
	}
	e, ok := obj["error"].(map[string]any)
	if !ok {
		return []Mismatch{{Pointer: "/error", Expected: "an object", Actual: Show(obj["error"], obj["error"] != nil)}}
	}
	for _, k := range slices.Sorted(maps.Keys(e)) {
		if !strings.EqualFold(k, "innerError") {
			continue
		}
		inner, ok := e[k].(map[string]any)
		if !ok {
			return []Mismatch{{Pointer: Pointer("/error", k), Expected: "an object", Actual: Show(e[k], true)}}
		}
		var out []Mismatch
		for _, want := range []string{"request-id", "date"} {
			if s, ok := inner[want].(string); !ok || s == "" {
				v, present := inner[want]
				out = append(out, Mismatch{Pointer: Pointer(Pointer("/error", k), want), Expected: "a non-empty string", Actual: Show(v, present)})
			}
		}
		return out
	}
	return []Mismatch{{Pointer: "/error/innerError", Expected: "an object with request-id and date (any spelling of innerError)", Actual: "(absent)"}}
}

// HeaderPresent checks that a response header is present and non-empty.
func HeaderPresent(h http.Header, name string) []Mismatch {
	if strings.TrimSpace(h.Get(name)) == "" {
		return []Mismatch{{Pointer: "", Expected: "header " + name, Actual: "(absent)"}}
	}
	return nil
}

// AllowLists checks that an Allow header lists the given method, spelled exactly (contract ERR-08).
func AllowLists(h http.Header, method string) []Mismatch {
	vals := h.Values("Allow")
	for _, v := range vals {
		for _, m := range strings.Split(v, ",") {
			if strings.TrimSpace(m) == method { // method names are case-sensitive (RFC 9110 §9.1)
				return nil
			}
		}
	}
	return []Mismatch{{Pointer: "", Expected: "an Allow header listing " + method, Actual: Show(strings.Join(vals, ", "), len(vals) > 0)}}
}
