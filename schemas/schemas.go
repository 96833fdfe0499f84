package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/big"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/xeipuuv/gojsonschema"
)

//go:embed *.json
var files embed.FS

// BaseURI is the base of every document's $id. The .invalid TLD never resolves (RFC 2606).
const BaseURI = "https://callconf.invalid/schemas/graph/"

// Kind names what a document is: an update-call request body, a call response body or a Graph
// error body.
type Kind string

// The kinds of document the Validator judges.
const (
	KindRequest  Kind = "request"
	KindResponse Kind = "response"
	KindError    Kind = "error"
)

// Kinds lists every Kind, in a stable order.
func Kinds() []Kind { return []Kind{KindRequest, KindResponse, KindError} }

// ParseKind turns "request", "response" or "error" into a Kind.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case KindRequest, KindResponse, KindError:
		return k, nil
	}
	return "", fmt.Errorf("unknown kind %q (want request, response or error)", s)
}

// RootDocument is the file name of the document that judges a kind.
func RootDocument(k Kind) string {
	switch k {
	case KindRequest:
		return "request.json"
	case KindResponse:
		return "call.json"
	case KindError:
		return "error.json"
	}
	return ""
}

// Violation is one failed rule.
type Violation struct {
	Pointer string `json:"pointer"`         // RFC 6901 JSON Pointer ("" is the root)
	Keyword string `json:"keyword"`         // JSON-Schema keyword, or "json" for input that is not acceptable JSON
	Message string `json:"message"`         // human readable
	Value   string `json:"value,omitempty"` // the offending value, compact JSON from the raw bytes, cut to ~200 bytes
	// Limit marks a violation of the validator's own limits (document size, nesting depth,
	// number length), not of the contract: a harness judging a target's answer reports such a
	// check as inconclusive, never as the target's fault.
	Limit bool `json:"limit,omitempty"`
	// Pos places a "json" violation in the document's bytes: the byte offset of the problem
	// plus one, so that the zero value (like go/token.NoPos) means no place is recorded: the
	// document's size, or a schema violation, which is placed by its Pointer (see Locate).
	Pos int `json:"-"`
}

// Note is something worth reporting that is not a failure, such as an unknown property in a
// response.
type Note struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// Result is the verdict on one document. Both lists are sorted by (pointer, keyword, message).
type Result struct {
	Violations []Violation `json:"violations"`
	Notes      []Note      `json:"notes"`
}

// unknownPropertyNote is the note on a property a response or error body may carry unknown.
func unknownPropertyNote[S ~string | ~[]byte](name S, kind Kind) string {
	article := "a"
	if kind == KindError {
		article = "an"
	}
	return fmt.Sprintf("unknown property %q (tolerated in %s %s)", name, article, kind)
}

// Valid reports whether the document has no violation.
func (r Result) Valid() bool { return len(r.Violations) == 0 }

// Validator holds the compiled schemas. It is immutable after New and safe for concurrent use.
type Validator struct {
	compiled map[Kind]*gojsonschema.Schema
	fast     map[Kind]*fnode
	model    *model
	types    *typeInfo
	request  []Field
	response []Field
}

// Names returns the file names of the embedded schema documents, sorted.
func Names() []string {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// Document returns the bytes of one embedded schema document, as written.
func Document(name string) ([]byte, error) { return files.ReadFile(name) }

// New loads every embedded document, checks that every $ref resolves to an embedded document,
// and compiles the three root schemas once (draft 7 pinned, auto-detection off).
func New() (*Validator, error) {
	m, err := loadModel()
	if err != nil {
		return nil, err
	}
	return newValidator(m)
}

func newValidator(m *model) (*Validator, error) {
	types, err := m.loadTypeInfo()
	if err != nil {
		return nil, err
	}
	req, err := m.requestForm()
	if err != nil {
		return nil, err
	}
	resp, err := m.responseForm()
	if err != nil {
		return nil, err
	}
	v := &Validator{compiled: map[Kind]*gojsonschema.Schema{}, fast: map[Kind]*fnode{}, model: m, types: types}
	for _, k := range Kinds() {
		form := resp
		if k == KindRequest {
			form = req
		}
		f, err := form.compileFast(RootDocument(k), k != KindRequest)
		if err != nil {
			return nil, fmt.Errorf("compile %s schema for the fast path: %w", k, err)
		}
		v.fast[k] = f
		s, err := form.compile(RootDocument(k), k != KindRequest)
		if err != nil {
			return nil, fmt.Errorf("compile %s schema: %w", k, err)
		}
		v.compiled[k] = s
	}
	if v.request, err = m.fields("request.json"); err != nil {
		return nil, err
	}
	if v.response, err = m.fields("call.json"); err != nil {
		return nil, err
	}
	return v, nil
}

var defaultValidator = sync.OnceValues(New)

// Default returns the process-wide Validator, compiled on first use.
func Default() (*Validator, error) { return defaultValidator() }

// CompileEach compiles every embedded document as a root schema on its own (with the others
// registered for $ref), as written, in its closed response form (with the Graph v1.0 types a
// response may carry) and in the request form (with what Graph v1.0 adds). It proves each one
// compiles.
func CompileEach() error {
	m, err := loadModel()
	if err != nil {
		return err
	}
	req, err := m.requestForm()
	if err != nil {
		return err
	}
	resp, err := m.responseForm()
	if err != nil {
		return err
	}
	for _, name := range Names() {
		if _, err := m.compile(name, false); err != nil {
			return fmt.Errorf("%s (as written): %w", name, err)
		}
		if _, err := resp.compile(name, true); err != nil {
			return fmt.Errorf("%s (response form): %w", name, err)
		}
		if _, err := resp.compileFast(name, true); err != nil {
			return fmt.Errorf("%s (response form, fast path): %w", name, err)
		}
		if _, err := req.compile(name, false); err != nil {
			return fmt.Errorf("%s (request form): %w", name, err)
		}
		if _, err := req.compileFast(name, false); err != nil {
			return fmt.Errorf("%s (request form, fast path): %w", name, err)
		}
	}
	return nil
}

// Validate judges doc as a document of the given kind. The error is only for harness failures
// (an unknown kind, a panic inside the schema library); a document that is not acceptable JSON
// gives a Violation with keyword "json".
func (v *Validator) Validate(kind Kind, doc []byte) (res Result, err error) {
	if _, ok := v.compiled[kind]; !ok {
		return Result{}, fmt.Errorf("unknown kind %q", kind)
	}
	if res, ok := v.validateFast(kind, doc); ok {
		return res, nil
	}
	return v.validateFull(kind, doc)
}

// validateFull judges doc with Prescan and the schema library; it alone produces violations.
func (v *Validator) validateFull(kind Kind, doc []byte) (res Result, err error) {
	schema, ok := v.compiled[kind]
	if !ok {
		return Result{}, fmt.Errorf("unknown kind %q", kind)
	}
	res = Result{Violations: []Violation{}, Notes: []Note{}}
	if vs := Prescan(doc); len(vs) > 0 {
		res.Violations = append(res.Violations, vs...)
		sortResult(&res)
		return res, nil
	}
	out, err := runSchema(schema, doc)
	if err != nil {
		return Result{}, err
	}
	raw := newRawIndex(doc)
	seenV := map[Violation]bool{}
	seenN := map[Note]bool{}
	for _, e := range out.Errors() {
		t := e.Type()
		if t == "condition_then" || t == "condition_else" || t == "number_all_of" {
			continue // a summary; the errors of the branch are merged beside it
		}
		segs := contextSegments(e.Context())
		details := e.Details()
		prop, _ := details["property"].(string)
		if t == "required" || t == "additional_property_not_allowed" {
			segs = append(segs, prop)
		}
		ptr := Pointer(segs...)
		if t == "false" && len(segs) > 0 {
			// Only an applied overlay's {"allOf": [s, false]} fails this way: a property the seed's
			// table lacks and Graph v1.0 has (noteFailures). s judges the value beside it.
			name, value := segs[len(segs)-1], ""
			if name == "@odata.type" {
				_ = json.Unmarshal([]byte(raw.valueAt(segs)), &value)
			}
			n := Note{Pointer: ptr, Message: v1Message(name, value)}
			if !seenN[n] {
				seenN[n] = true
				res.Notes = append(res.Notes, n)
			}
			continue
		}
		if t == "additional_property_not_allowed" && kind != KindRequest {
			if strings.Contains(prop, "@") {
				continue // an annotation: allowed in responses, not worth a note
			}
			n := Note{Pointer: ptr, Message: unknownPropertyNote(prop, kind)}
			if !seenN[n] {
				seenN[n] = true
				res.Notes = append(res.Notes, n)
			}
			continue
		}
		vi := Violation{Pointer: ptr, Keyword: keywordOf(t), Message: messageOf(t, prop, details, e)}
		if t != "required" {
			vi.Value = raw.valueAt(segs)
		}
		if t == "enum" && len(segs) > 0 && segs[len(segs)-1] == "@odata.type" {
			allowed, _ := details["allowed"].(string)
			var value string
			if json.Unmarshal([]byte(raw.valueAt(segs)), &value) == nil {
				if msg, ok := v.types.toleratedIn(kind, v.types.allowed[allowed], value); ok {
					n := Note{Pointer: ptr, Message: msg}
					if !seenN[n] {
						seenN[n] = true
						res.Notes = append(res.Notes, n)
					}
					continue
				}
			}
		}
		if !seenV[vi] {
			seenV[vi] = true
			res.Violations = append(res.Violations, vi)
		}
	}
	sortResult(&res)
	return res, nil
}

// runSchema runs gojsonschema and turns a panic into an error.
func runSchema(s *gojsonschema.Schema, doc []byte) (out *gojsonschema.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("schema library panicked while validating: %v", r)
		}
	}()
	out, err = s.Validate(gojsonschema.NewBytesLoader(doc))
	if err != nil {
		return nil, fmt.Errorf("schema library: %w", err)
	}
	return out, nil
}

func sortResult(r *Result) {
	slices.SortFunc(r.Violations, func(a, b Violation) int {
		if c := strings.Compare(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		if c := strings.Compare(a.Keyword, b.Keyword); c != 0 {
			return c
		}
		if c := strings.Compare(a.Message, b.Message); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	slices.SortFunc(r.Notes, func(a, b Note) int {
		if c := strings.Compare(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
}

// ctxSep joins context segments. A JSON object key decoded by encoding/json is valid UTF-8, so
// it can never contain the byte 0xff: the split is unambiguous.
const ctxSep = "\xff"

func contextSegments(c *gojsonschema.JsonContext) []string {
	if c == nil {
		return nil
	}
	parts := strings.Split(c.String(ctxSep), ctxSep)
	if len(parts) > 0 && parts[0] == gojsonschema.STRING_CONTEXT_ROOT {
		parts = parts[1:]
	}
	return parts
}

// pointerEscaper and pointerUnescaper escape and unescape an RFC 6901 reference token; built once,
// as a Replacer is costly to build.
var (
	pointerEscaper   = strings.NewReplacer("~", "~0", "/", "~1")
	pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

// Pointer builds an RFC 6901 JSON Pointer from unescaped reference tokens.
func Pointer(segs ...string) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		if strings.ContainsAny(s, "~/") {
			s = pointerEscaper.Replace(s)
		}
		b.WriteString(s)
	}
	return b.String()
}

// SplitPointer parses an RFC 6901 JSON Pointer into unescaped reference tokens.
func SplitPointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("JSON pointer %q does not start with /", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		if strings.Contains(s, "~") {
			parts[i] = pointerUnescaper.Replace(s)
		}
	}
	return parts, nil
}

var keywords = map[string]string{
	"false":                           "false",
	"required":                        "required",
	"invalid_type":                    "type",
	"number_any_of":                   "anyOf",
	"number_one_of":                   "oneOf",
	"number_all_of":                   "allOf",
	"number_not":                      "not",
	"missing_dependency":              "dependencies",
	"const":                           "const",
	"enum":                            "enum",
	"array_no_additional_items":       "additionalItems",
	"array_min_items":                 "minItems",
	"array_max_items":                 "maxItems",
	"unique":                          "uniqueItems",
	"contains":                        "contains",
	"array_min_properties":            "minProperties",
	"array_max_properties":            "maxProperties",
	"additional_property_not_allowed": "additionalProperties",
	"invalid_property_pattern":        "patternProperties",
	"invalid_property_name":           "propertyNames",
	"string_gte":                      "minLength",
	"string_lte":                      "maxLength",
	"pattern":                         "pattern",
	"format":                          "format",
	"multiple_of":                     "multipleOf",
	"number_gte":                      "minimum",
	"number_gt":                       "exclusiveMinimum",
	"number_lte":                      "maximum",
	"number_lt":                       "exclusiveMaximum",
}

func keywordOf(t string) string {
	if k, ok := keywords[t]; ok {
		return k
	}
	return t
}

func bound(x any) string {
	if f, ok := x.(*big.Float); ok && f != nil {
		if f.IsInt() {
			return f.Text('f', 0)
		}
		return f.Text('g', -1)
	}
	return fmt.Sprint(x)
}

func messageOf(t, prop string, d gojsonschema.ErrorDetails, e gojsonschema.ResultError) string {
	switch t {
	case "invalid_type":
		return fmt.Sprintf("wrong JSON type: expected %v, got %v", d["expected"], d["given"])
	case "enum":
		return fmt.Sprintf("value is not one of the allowed values: %v", d["allowed"])
	case "required":
		return fmt.Sprintf("required property %q is missing", prop)
	case "additional_property_not_allowed":
		return fmt.Sprintf("property %q is not allowed here", prop)
	case "number_gte":
		return fmt.Sprintf("value is less than the minimum %s", bound(d["min"]))
	case "number_lte":
		return fmt.Sprintf("value is greater than the maximum %s", bound(d["max"]))
	case "string_gte":
		return fmt.Sprintf("string is shorter than %v character(s)", d["min"])
	}
	return e.Description()
}

// rawIndex finds the raw bytes of a value by its path, decoding each container once.
type rawIndex struct {
	doc   []byte
	cache map[string]any // pointer → map[string]json.RawMessage or []json.RawMessage
}

func newRawIndex(doc []byte) *rawIndex { return &rawIndex{doc: doc, cache: map[string]any{}} }

// MaxValueBytes is the length at which a Violation's Value is cut.
const MaxValueBytes = 200

func (r *rawIndex) valueAt(segs []string) string {
	cur := json.RawMessage(r.doc)
	for i, s := range segs {
		key := Pointer(segs[:i]...)
		c, ok := r.cache[key]
		if !ok {
			c = decodeContainer(cur)
			r.cache[key] = c
		}
		switch c := c.(type) {
		case map[string]json.RawMessage:
			next, ok := c[s]
			if !ok {
				return ""
			}
			cur = next
		case []json.RawMessage:
			var n int
			if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 0 || n >= len(c) {
				return ""
			}
			cur = c[n]
		default:
			return ""
		}
	}
	return cutValue(cur)
}

func decodeContainer(raw json.RawMessage) any {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil && m != nil {
		return m
	}
	var a []json.RawMessage
	if json.Unmarshal(raw, &a) == nil && a != nil {
		return a
	}
	return nil
}

func cutValue(raw json.RawMessage) string {
	if len(raw) > 4*MaxValueBytes {
		raw = raw[:4*MaxValueBytes] // long enough to fill the cut; compacting it is best effort
	}
	var buf bytes.Buffer
	s := string(raw)
	if json.Compact(&buf, raw) == nil {
		s = buf.String()
	} else {
		s = strings.Join(strings.Fields(s), " ")
	}
	if len(s) <= MaxValueBytes {
		return s
	}
	cut := MaxValueBytes
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// documentID returns the $id URL of an embedded file name.
func documentID(name string) string { return BaseURI + path.Base(name) }
