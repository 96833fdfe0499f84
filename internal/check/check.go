// Package check compares what a target answered with what the contract expects. Its functions
// take recorded bytes and headers and return every Mismatch they find (never only the first),
// each with a JSON Pointer and the expected and actual values, so a failing spec can say exactly
// what is wrong; a Finding is a Mismatch attributed to a requirement. It knows nothing of Ginkgo
// or HTTP clients, which keeps it easy to test and to fuzz with hostile responses.
//
// It imports the standard library and package schemas (JSON Pointers, the derived types) only.
package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"mime"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/callconf/callconf/schemas"
)

// Mismatch is one way a response differs from what a requirement expects.
type Mismatch struct {
	Pointer  string `json:"pointer"`  // RFC 6901 pointer into the response body ("" = whole body or a header)
	Expected string `json:"expected"` // what the requirement wants, in words or as JSON
	Actual   string `json:"actual"`   // what came, as JSON text or a header value, cut to a readable size
	Message  string `json:"message,omitempty"`
}

// RootPointer is how text output names the root JSON Pointer "" everywhere (findings, reports,
// the proxy's lines, validate); JSON output keeps the RFC 6901 pointer itself.
const RootPointer = "(root)"

// ShowPointer is ptr as text output shows it.
func ShowPointer(ptr string) string {
	if ptr == "" {
		return RootPointer
	}
	return ptr
}

// String renders v on one line.
func (v Mismatch) String() string {
	s := fmt.Sprintf("at %s: expected %s, got %s", ShowPointer(v.Pointer), v.Expected, v.Actual)
	if v.Message != "" {
		s += " (" + v.Message + ")"
	}
	return s
}

// Sort orders violations by pointer, then expected and actual text, so output is deterministic.
func Sort(vs []Mismatch) {
	slices.SortStableFunc(vs, func(a, b Mismatch) int {
		if c := strings.Compare(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		if c := strings.Compare(a.Expected, b.Expected); c != 0 {
			return c
		}
		return strings.Compare(a.Actual, b.Actual)
	})
}

// maxShown bounds how much of a value a violation quotes.
const maxShown = 300

// Show renders a decoded JSON value (or a missing one) compactly for a violation.
func Show(v any, present bool) string {
	if !present {
		return "(absent)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return Cut(string(b), maxShown)
}

// Cut shortens s to at most n bytes (on a rune boundary), saying how much was left out.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return fmt.Sprintf("%s… (%d bytes more)", s[:i], len(s)-i)
}

// ErrNotJSON reports a body that could not be decoded as one JSON value.
var ErrNotJSON = errors.New("not a single well-formed JSON value")

// Decode parses body as exactly one JSON value with numbers kept as json.Number, so they compare
// exactly. encoding/json bounds nesting depth itself, so hostile input yields an error, not a crash.
func Decode(body []byte) (any, error) {
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: invalid UTF-8", ErrNotJSON)
	}
	if json.Valid(body) {
		// Well-formed: decoded in one pass without json.Decoder's set-up, which costs more
		// than decoding a small body. The result is json.Decoder's (FuzzDecode).
		b := body[skipSpace(body, 0):]
		return decodeValid(b[:valueEnd(b, 0)]), nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotJSON, err)
	}
	// Only the end of the body may follow the value: Token's error on junk that is not a
	// second value ("}", ",", "x") is data after the value all the same.
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the first value", ErrNotJSON)
	}
	return v, nil
}

// DecodeObject is Decode for bodies that must be JSON objects.
func DecodeObject(body []byte) (map[string]any, error) {
	v, err := Decode(body)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: a JSON %s, not an object", ErrNotJSON, kind(v))
	}
	return obj, nil
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// IsJSONMediaType reports whether a Content-Type header names application/json, with any
// parameters (charset, odata.metadata, …).
func IsJSONMediaType(contentType string) bool {
	if contentType == "application/json" { // the common case, without the parser's allocations
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// Pointer appends one reference token to an RFC 6901 pointer, escaping "~" and "/" as
// schemas.Pointer does.
func Pointer(parent, token string) string { return parent + schemas.Pointer(token) }

// Contains checks that got contains what was sent (contract PATCH-04): objects recursively by
// key, arrays element by element with equal length, scalars exactly. Numbers compare by exact
// value (10 equals 10.0, 2^63-1 never rounds). `@odata.type` compares with or without its
// leading "#"; the answer may name a type derived from a base type sent (and, for an item of the
// call's targets, invitationParticipantInfo for participantInfo and the reverse:
// schemas.AnswersTypeAt, so at must be the pointer of sent in the call body), and may omit it
// unless the type sent is the concrete type of an abstract one. Other "@odata." annotations the target
// omits are not required back. A sent null is matched by null or by an absent member. Every
// difference is returned, sorted.
func Contains(sent, got any, at string) []Mismatch { return ContainsAt(sent, got, true, at) }

// ContainsProps checks that got, an answer's members, carries the value sent for each of props
// that sent sets (Contains of each, at its pointer); props sent does not set are not checked.
// Every difference is returned, sorted. PATCH-04 (the updatable properties) and PATCH-06 (the
// server-generated ones) are judged with it, by the suite and by the proxy alike.
func ContainsProps(sent, got map[string]any, props []string) []Mismatch {
	var out []Mismatch
	for _, k := range props {
		if v, set := sent[k]; set {
			w, present := got[k]
			contains(v, w, present, Pointer("", k), &out)
		}
	}
	Sort(out)
	return out
}

// ContainsAt is Contains for a member that may be absent from the answer (present false).
func ContainsAt(sent, got any, present bool, at string) []Mismatch {
	var out []Mismatch
	contains(sent, got, present, at, &out)
	Sort(out)
	return out
}

func contains(sent, got any, present bool, at string, out *[]Mismatch) {
	switch s := sent.(type) {
	case nil:
		if present && got != nil {
			*out = append(*out, Mismatch{Pointer: at, Expected: "null or absent", Actual: Show(got, true)})
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !present || !ok {
			*out = append(*out, Mismatch{Pointer: at, Expected: "an object containing " + Show(s, true), Actual: Show(got, present)})
			return
		}
		for _, k := range slices.Sorted(maps.Keys(s)) {
			gv, gok := g[k]
			switch {
			case k == "@odata.type":
				switch {
				case gok && !schemas.AnswersTypeAt(at, s[k], gv):
					*out = append(*out, Mismatch{Pointer: Pointer(at, k), Expected: Show(s[k], true) + " (with or without #, or a type derived from it)", Actual: Show(gv, true)})
				case !gok && schemas.NamesConcreteOfAbstract(s[k]):
					*out = append(*out, Mismatch{Pointer: Pointer(at, k), Expected: Show(s[k], true) + " (the concrete type sent: the declared type is abstract)", Actual: "(absent)"})
				}
			case strings.HasPrefix(k, "@odata.") && !gok:
				// Annotations are metadata about the payload, not call state; a target may drop them.
			default:
				contains(s[k], gv, gok, Pointer(at, k), out)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !present || !ok || len(g) != len(s) {
			*out = append(*out, Mismatch{Pointer: at, Expected: Show(s, true), Actual: Show(got, present), Message: "arrays compare exactly"})
			return
		}
		for i := range s {
			contains(s[i], g[i], true, at+"/"+strconv.Itoa(i), out)
		}
	default:
		if !present || !ScalarEqual(s, got) {
			*out = append(*out, Mismatch{Pointer: at, Expected: Show(s, true), Actual: Show(got, present)})
		}
	}
}

// Equal reports whether two decoded JSON values are the same (objects by key, arrays in order,
// numbers by exact value).
func Equal(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	default:
		return ScalarEqual(a, b)
	}
}

// ScalarEqual compares two decoded JSON scalars; numbers by exact value.
func ScalarEqual(a, b any) bool {
	if na, ok := a.(json.Number); ok {
		nb, ok := b.(json.Number)
		return ok && NumberEqual(na, nb)
	}
	switch a.(type) {
	case nil, bool, string:
		return a == b
	}
	return false
}

// maxExponent bounds the exponents NumberEqual expands exactly; beyond it, spellings are compared,
// so a hostile 1e20000000 costs nothing.
const maxExponent = 400

// NumberEqual compares two JSON numbers by exact decimal value, never through float64.
func NumberEqual(a, b json.Number) bool {
	if a == b {
		return true
	}
	ra, okA := exactRat(string(a))
	rb, okB := exactRat(string(b))
	if !okA || !okB {
		return false
	}
	return ra.Cmp(rb) == 0
}

func exactRat(s string) (*big.Rat, bool) {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || exp > maxExponent || exp < -maxExponent {
			return nil, false
		}
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// Members decodes the named members of body, a JSON object, as DecodeObject would decode them;
// members body lacks are absent, and of a name that occurs twice the last is kept. The other
// members are only scanned, which makes it several times cheaper than DecodeObject on a large
// object. ok is false exactly when DecodeObject fails: a body that is not valid UTF-8, not one
// well-formed JSON value (data after it included) or not an object.
func Members(body []byte, names ...string) (members map[string]any, ok bool) {
	if !utf8.Valid(body) || !json.Valid(body) {
		return nil, false
	}
	// Well-formed from here on, so the walk below needs no checks of its own.
	i := skipSpace(body, 0)
	if body[i] != '{' {
		return nil, false
	}
	members = make(map[string]any, len(names))
	for i++; ; {
		i = skipSpace(body, i)
		switch body[i] {
		case '}':
			return members, true
		case ',':
			i++
			continue
		}
		end := stringEnd(body, i)
		rawKey := body[i:end]
		i = skipSpace(body, end) + 1 // past ':'
		i = skipSpace(body, i)
		vend := valueEnd(body, i)
		for _, n := range names {
			if keyIs(rawKey, n) {
				members[n] = decodeValid(body[i:vend])
			}
		}
		i = vend
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// stringEnd returns the index after the JSON string that starts at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// valueEnd returns the index after the JSON value that starts at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

// decodeValid decodes b, one well-formed JSON value in valid UTF-8, to what Decode returns for
// it, without json.Decoder's set-up, which costs more than a small value's decoding.
func decodeValid(b []byte) any {
	switch b[0] {
	case '"':
		return unquote(b)
	case 't':
		return true
	case 'f':
		return false
	case 'n':
		return nil
	case '[':
		out := []any{}
		for i := 1; ; {
			i = skipSpace(b, i)
			switch b[i] {
			case ']':
				return out
			case ',':
				i++
				continue
			}
			end := valueEnd(b, i)
			out = append(out, decodeValid(b[i:end]))
			i = end
		}
	case '{':
		out := map[string]any{}
		for i := 1; ; {
			i = skipSpace(b, i)
			switch b[i] {
			case '}':
				return out
			case ',':
				i++
				continue
			}
			kend := stringEnd(b, i)
			k := unquote(b[i:kend])
			i = skipSpace(b, skipSpace(b, kend)+1)
			end := valueEnd(b, i)
			out[k] = decodeValid(b[i:end])
			i = end
		}
	}
	return json.Number(b)
}

// unquote decodes the JSON string raw (quotes included), as encoding/json does.
func unquote(raw []byte) string {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner)
	}
	var s string
	json.Unmarshal(raw, &s) //nolint:errcheck // raw is a well-formed string
	return s
}

// keyIs reports whether the JSON string raw (quotes included) decodes to name.
func keyIs(raw []byte, name string) bool {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner) == name
	}
	var k string
	return json.Unmarshal(raw, &k) == nil && k == name
}
