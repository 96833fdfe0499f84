package conformance

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/callconf/callconf/fixtures"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/schemas"
)

// namedBody is one generated case: a stable name and the body to send.
type namedBody struct{ name, body string }

// patch04Case is a PATCH-04 case. abstract marks a body that names an abstract base type
// (mediaConfig, meetingInfo) as a value's @odata.type: a target may reject it with 400.
type patch04Case struct {
	name, body string
	abstract   bool
}

// patch04Cases draws one case per valid request fixture that sets a single updatable property,
// plus one that sets them all. The fixtures carry exact int64 values, non-ASCII text and every
// nested type, so the cases follow the schemas as they grow.
func patch04Cases() []patch04Case {
	all, err := fixtures.All()
	if err != nil {
		panic(fmt.Sprintf("conformance: loading fixtures: %v", err)) // embedded data: a build error
	}
	out := []patch04Case{{name: "echoes every updatable property set at once", body: fullUpdate}}
	for _, f := range all {
		switch {
		case f.Kind != schemas.KindRequest || !f.Valid:
		case f.Abstract:
			out = append(out, patch04Case{name: fmt.Sprintf("echoes an abstract base type as sent, or rejects it with 400 (fixture %s)", f.Name), body: string(f.Body), abstract: true})
		case f.Property != "":
			out = append(out, patch04Case{name: fmt.Sprintf("echoes %s as sent (fixture %s)", f.Property, f.Name), body: string(f.Body)})
		}
	}
	return out
}

// err02Cases generates, from the request schema, one invalid body per property and applicable
// violation (outside the enum, wrong JSON type, null where not nullable, integer out of range),
// plus bodies that are not objects. Each case is confirmed invalid again before it is sent.
func err02Cases() []namedBody {
	v, err := schemas.Default()
	if err != nil {
		panic(fmt.Sprintf("conformance: compiling schemas: %v", err))
	}
	var out []namedBody
	for _, f := range v.RequestFields() {
		add := func(what, value string) {
			out = append(out, namedBody{name: fmt.Sprintf("rejects %s at %s", what, f.Pointer), body: bodyAt(f.Pointer, value)})
		}
		if len(f.Enum) > 0 {
			add("a value outside the enum", `"callconfNotAMember"`)
		}
		if wrong, name := wrongType(f.Types); wrong != "" {
			add("a "+name+" where "+strings.Join(f.Types, " or ")+" is required", wrong)
		}
		if !f.Nullable {
			add("null where the property is not nullable", "null")
		}
		if f.Maximum != "" {
			add("an integer above the maximum "+f.Maximum, addInt(f.Maximum, 1))
		}
		if f.Minimum != "" {
			add("an integer below the minimum "+f.Minimum, addInt(f.Minimum, -1))
		}
	}
	for _, b := range []string{`[]`, `[{"subject": "x"}]`, `"subject"`, `42`, `true`, `null`} {
		out = append(out, namedBody{name: "rejects a body that is not an object: " + b, body: b})
	}
	slices.SortStableFunc(out, func(a, b namedBody) int { return strings.Compare(a.name, b.name) })
	return slices.CompactFunc(out, func(a, b namedBody) bool { return a.name == b.name })
}

// wrongType picks a JSON value of a type the property does not allow.
func wrongType(types []string) (value, name string) {
	allowed := func(t ...string) bool {
		for _, x := range t {
			if slices.Contains(types, x) {
				return true
			}
		}
		return false
	}
	switch {
	case !allowed("string"):
		return `"callconf-wrong-type"`, "string"
	case !allowed("integer", "number"):
		return `42`, "number"
	case !allowed("boolean"):
		return `true`, "boolean"
	case !allowed("object"):
		return `{"callconf": "wrong-type"}`, "object"
	case !allowed("array"):
		return `["callconf-wrong-type"]`, "array"
	}
	return "", ""
}

func addInt(decimal string, delta int64) string {
	n, ok := new(big.Int).SetString(decimal, 10)
	if !ok {
		panic(fmt.Sprintf("conformance: schema bound %q is not an integer", decimal))
	}
	return n.Add(n, big.NewInt(delta)).String()
}

// bodyAt builds the smallest JSON document with value at pointer (array items as "/0").
func bodyAt(pointer, value string) string {
	tokens, err := schemas.SplitPointer(pointer)
	if err != nil {
		panic(fmt.Sprintf("conformance: the request schema yields pointer %q: %v", pointer, err)) // embedded data: a build error
	}
	doc := value
	for i := len(tokens) - 1; i >= 0; i-- {
		tok := tokens[i]
		if _, err := strconv.Atoi(tok); err == nil && i > 0 {
			doc = "[" + doc + "]"
			continue
		}
		key, _ := json.Marshal(tok)
		doc = "{" + string(key) + ": " + doc + "}"
	}
	return doc
}

// malformedBodies are not well-formed JSON (ERR-01). A byte-order mark and duplicate keys are
// left out on purpose: RFC 8259 lets parsers accept both.
var malformedBodies = []namedBody{
	{"a truncated object", `{"subject": "callconf"`},
	{"unquoted member names", `{subject: "callconf"}`},
	{"a trailing comma", `{"subject": "callconf",}`},
	{"single-quoted strings", `{"subject": 'callconf'}`},
	{"two JSON values", `{"subject": "a"} {"subject": "b"}`},
	{"an empty body", ``},
	{"invalid UTF-8 in a string", "{\"subject\": \"callconf \xff\xfe\"}"},
	{"a bare word", `callconf`},
}

// patchRawID is a PATCH of the subject of the call whose id is escaped, already escaped for
// the path (ERR-09's malformed ids).
func patchRawID(escaped string) target.Request {
	return target.Request{Method: http.MethodPatch, Path: requirements.CollectionPath + "/" + escaped, Header: jsonHeader(), Body: []byte(`{"subject": "x"}`)}
}

// malformedIDs are call ids no target can have issued (ERR-09), already escaped for the path.
var malformedIDs = []namedBody{
	{"an encoded path traversal", "..%2F..%2F"},
	{"a deeper encoded traversal", "..%2F..%2F..%2Fetc%2Fpasswd"},
	{"an encoded NUL byte", "callconf%00id"},
	{"an encoded line feed", "callconf%0Aid"},
	{"an encoded CR LF with a header", "callconf%0D%0AX-Injected:%201"},
	{"a 4 KiB id", strings.Repeat("a", 4096)},
	{"an encoded query", "callconf%3Finjected%3D1"},
}

// request is a named request built for a given call id; missing is an id no target has issued,
// shaped like the target's own.
type request struct {
	name  string
	build func(id, missing string) target.Request
}

func patchWith(contentType, body string) func(id, missing string) target.Request {
	return func(id, _ string) target.Request {
		h := http.Header{}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		return target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: h, Body: []byte(body)}
	}
}

// provocations are requests every conforming target answers with a 4xx (ERR-06, ERR-07).
func provocations() []request {
	return []request{
		{"malformed JSON", patchWith("application/json", `{"subject": `)},
		{"a schema violation", patchWith("application/json", `{"requestedModalities": ["callconfNotAModality"]}`)},
		{"an unknown call id", func(_, missing string) target.Request {
			return patchWith("application/json", `{"subject": "x"}`)(missing, "")
		}},
		{"a non-JSON media type", patchWith("text/plain", `{"subject": "x"}`)},
		{"PUT on the item", func(id, _ string) target.Request {
			return target.Request{Method: http.MethodPut, Path: itemPath(id), Header: jsonHeader(), Body: []byte(baselineCall)}
		}},
		{"a malformed call id", func(_, _ string) target.Request {
			return patchRawID(malformedIDs[0].body)
		}},
		// Without authentication this is an ordinary PATCH; with it, a 401 to judge.
		{"a missing bearer token", func(id, _ string) target.Request {
			r := patchWith("application/json", `{"subject": "x"}`)(id, "")
			r.Auth = target.AuthNone
			return r
		}},
	}
}

// hostileRequests are everything PATCH-08 sends: valid and invalid bodies, media types, ids and
// credentials. None may be answered with a 5xx.
func hostileRequests() []request {
	out := []request{
		{"a valid PATCH of the subject", patchWith("application/json", `{"subject": "callconf PATCH-08"}`)},
		{"a valid PATCH of every updatable property", patchWith("application/json", fullUpdate)},
		{"no Content-Type", patchWith("", `{"subject": "x"}`)},
		{"a body of 2 MiB", patchWith("application/json", `{"subject": "`+strings.Repeat("x", 2<<20)+`"}`)},
		// Nested inside a closed type: no target may store it, so the probe cannot outlive the
		// spec in a call (an open type such as identitySet could keep it legitimately).
		{"10,000 levels of nesting", patchWith("application/json", `{"chatInfo": {"threadId": `+strings.Repeat(`[`, 10000)+strings.Repeat("]", 10000)+`}}`)},
		{"1e20000000 where an int32 is expected", patchWith("application/json", `{"resultInfo": {"code": 1e20000000}}`)},
		{"-1e20000000 where an int64 is expected", patchWith("application/json", `{"toneInfo": {"sequenceId": -1e20000000, "tone": "a"}}`)},
		{"a byte-order mark before the body", patchWith("application/json", "\xef\xbb\xbf{\"subject\": \"x\"}")},
		{"duplicate member names", patchWith("application/json", `{"subject": "a", "subject": "b"}`)},
		{"a body id that differs from the URL", func(id, missing string) target.Request {
			return patchWith("application/json", fmt.Sprintf(`{"id": %q}`, missing))(id, "")
		}},
		{"a wrong bearer token", func(id, _ string) target.Request {
			r := patchWith("application/json", `{"subject": "x"}`)(id, "")
			r.Auth, r.RawAuthorization = target.AuthRaw, "Bearer callconf-wrong-token"
			return r
		}},
	}
	for _, b := range malformedBodies {
		out = append(out, request{"malformed JSON: " + b.name, patchWith("application/json", b.body)})
	}
	for _, b := range err02Cases() {
		out = append(out, request{"invalid body: " + b.name, patchWith("application/json", b.body)})
	}
	for _, m := range malformedIDs {
		out = append(out, request{"malformed id: " + m.name, func(_, _ string) target.Request {
			return patchRawID(m.body)
		}})
	}
	return append(out, provocations()...)
}
